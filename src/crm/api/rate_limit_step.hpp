// Rate limits in the middleware chain (docs/api.md, "Rate limits"). RateLimitStep sits between
// authentication and the access check: every authenticated request counts against its user's
// "default" budget (1000/h unless the server or the user sets another), a mass action also
// against "bulk" and a filtered list (where, textFilter or q) also against "search"; a request
// any of its budgets refuses is a 429 with Retry-After. Every answer to an authenticated request
// carries the state of its budgets, in the seed document's X-RateLimit-Limit / -Remaining / -Reset
// (for the budget that runs out first) and in the RateLimit-Policy / RateLimit fields of
// draft-ietf-httpapi-ratelimit-headers-11 (every budget it drew from). Users with an unlimited
// budget pass without fields.
//
// AuthFailureGuard limits failed authentication per client address (10 a minute by default): once
// an address has used them up, every request with credentials from it is refused with 429 before
// the credentials are checked, so guessing keys or passwords gets no faster by sending more.
//
// Thread-safety: both are immutable after construction and may be used from every HTTP thread
// (the limiter is thread-safe).
#ifndef CRM_API_RATE_LIMIT_STEP_HPP_
#define CRM_API_RATE_LIMIT_STEP_HPP_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crm/api/middleware.hpp"
#include "crm/auth/principal.hpp"
#include "crm/common/time.hpp"
#include "crm/http/message.hpp"
#include "crm/ratelimit/quota.hpp"
#include "crm/ratelimit/rate_limiter.hpp"

namespace crm::api {

class RateLimitStep final : public Middleware {
 public:
  RateLimitStep(ratelimit::RateLimiter& limiter, const ratelimit::RateLimitConfig& config);
  void Process(const ExchangePtr& exchange, Next next) const override;

 private:
  ratelimit::RateLimiter& limiter_;
  const ratelimit::RateLimitConfig config_;
  // RateLimit-Policy for the server's budgets, which are the same on every request.
  std::string standard_policy_;
  std::string search_policy_;
  std::string bulk_policy_;
};

class AuthFailureGuard {
 public:
  // Requests from a `trusted_proxies` address are counted for the client their last
  // X-Forwarded-For entry names (the one that proxy added), not for the proxy.
  AuthFailureGuard(ratelimit::RateLimiter& limiter, const ratelimit::Quota& quota,
                   std::vector<std::string> trusted_proxies = {})
      : limiter_(limiter), quota_(quota), trusted_proxies_(std::move(trusted_proxies)) {}

  // The client's address: the peer's, or behind a trusted proxy the one it forwarded.
  std::string_view ClientAddress(const http::Request& request) const;
  // The 429 to answer when `request`'s client has no failed attempts left, else nullopt.
  std::optional<http::Response> Refusal(const http::Request& request) const;
  // Counts a failed authentication from `request`'s client.
  void RecordFailure(const http::Request& request) const;

 private:
  ratelimit::RateLimiter& limiter_;
  const ratelimit::Quota quota_;
  const std::vector<std::string> trusted_proxies_;
};

// One budget of a user and its state (GET /User/{id}/rateLimit).
struct BudgetReport {
  std::string_view policy;
  ratelimit::Quota quota;
  ratelimit::BudgetState state;
};
// The state of every budget the requests of user `user_id` (own budget `own`) draw from, as the
// step counts them, without counting a request: none for an unlimited user. `now` receives the
// limiter's time.
std::vector<BudgetReport> PeekBudgets(ratelimit::RateLimiter& limiter,
                                      const ratelimit::RateLimitConfig& config,
                                      std::string_view user_id, const auth::UserRateLimit& own,
                                      TimePoint& now);

// Whether a list request filters (where or whereGroup in any encoding, textFilter, q, or those
// inside searchParams): such a list counts as a search.
bool IsSearchQuery(std::string_view query);

}  // namespace crm::api

#endif  // CRM_API_RATE_LIMIT_STEP_HPP_
