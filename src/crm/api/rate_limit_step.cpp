#include "crm/api/rate_limit_step.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "crm/api/http_status.hpp"
#include "crm/api/query_string.hpp"
#include "crm/api/route_table.hpp"
#include "crm/common/strings.hpp"

namespace crm::api {
namespace {

using ratelimit::Budget;
using ratelimit::Decision;

constexpr std::string_view kDefaultPolicy = "default";
constexpr std::string_view kBulkPolicy = "bulk";
constexpr std::string_view kSearchPolicy = "search";
constexpr std::string_view kAuthFailuresPolicy = "auth-failures";

std::string Seconds(std::chrono::seconds s) { return std::to_string(s.count()); }

// Appends `n` in decimal: the fields are built on every request, without temporaries.
void AppendInt(std::string& out, std::int64_t n) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, end);
}

// `"default";q=1000;w=3600` (draft-ietf-httpapi-ratelimit-headers-11, section 3.1), or
// `"default";r=950;t=30` (section 4.1; t is when the available quota next grows).
void AppendItem(std::string& out, std::string_view policy, char a, std::int64_t a_value, char b,
                std::int64_t b_value) {
  if (!out.empty()) out += ", ";
  out += '"';
  out += policy;
  out += "\";";
  out += a;
  out += '=';
  AppendInt(out, a_value);
  out += ';';
  out += b;
  out += '=';
  AppendInt(out, b_value);
}

std::string PolicyField(std::span<const Budget> budgets) {
  std::string out;
  for (const Budget& budget : budgets) {
    AppendItem(out, budget.policy, 'q', budget.quota.limit, 'w', budget.quota.window.count());
  }
  return out;
}

std::string LimitField(std::span<const Budget> budgets, const Decision& decision) {
  std::string out;
  out.reserve(64);
  for (std::size_t i = 0; i < budgets.size(); ++i) {
    AppendItem(out, budgets[i].policy, 'r', decision.states[i].remaining, 't',
               decision.states[i].reset_in.count());
  }
  return out;
}

std::string IntText(std::int64_t n) {
  std::string out;
  AppendInt(out, n);
  return out;
}

// "address:" + address without an allocation per request (an address is at most 45 characters;
// a longer string, which no socket gives, is cut).
class AddressKey {
 public:
  explicit AddressKey(std::string_view address) {
    constexpr std::string_view kPrefix = "address:";
    address = address.substr(0, sizeof buffer_ - kPrefix.size());
    std::copy(kPrefix.begin(), kPrefix.end(), buffer_);
    std::copy(address.begin(), address.end(), buffer_ + kPrefix.size());
    size_ = kPrefix.size() + address.size();
  }
  std::string_view view() const { return {buffer_, size_}; }

 private:
  char buffer_[64];
  std::size_t size_;
};

// "1000 requests per hour".
std::string Per(const ratelimit::Quota& quota, std::string_view what = "requests") {
  const auto s = quota.window.count();
  const char* unit = s == 1 ? "second" : s == 60 ? "minute" : s == 3600 ? "hour" : "day";
  return std::to_string(quota.limit) + " " + std::string(what) + " per " + unit;
}

bool NonEmpty(const boost::json::value* v) {
  if (v == nullptr || v->is_null()) return false;
  if (v->is_string()) return !v->get_string().empty();
  if (v->is_array()) return !v->get_array().empty();
  if (v->is_object()) return !v->get_object().empty();
  return true;
}

}  // namespace

bool IsSearchQuery(std::string_view query) {
  if (query.empty()) return false;
  auto params = DecodeQueryString(query);
  // An undecodable query is refused by the list handler itself; it counts as a plain request.
  if (!params.ok()) return false;
  for (const auto& [name, value] : *params) {
    if (name.starts_with("where")) {
      if (name.find('[') != std::string::npos || !value.empty()) return true;
    } else if (name == "textFilter" || name == "q") {
      if (!value.empty()) return true;
    } else if (name == "searchParams") {
      boost::system::error_code ec;
      const boost::json::value parsed = boost::json::parse(value, ec);
      if (ec || !parsed.is_object()) continue;
      const auto& object = parsed.get_object();
      for (const char* key : {"where", "whereGroup", "textFilter", "q"}) {
        if (NonEmpty(object.if_contains(key))) return true;
      }
    }
  }
  return false;
}

std::vector<BudgetReport> PeekBudgets(ratelimit::RateLimiter& limiter,
                                      const ratelimit::RateLimitConfig& config,
                                      std::string_view user_id, const auth::UserRateLimit& own,
                                      TimePoint& now) {
  std::vector<BudgetReport> reports;
  if (own.kind == auth::UserRateLimit::Kind::kUnlimited) return reports;
  reports.push_back({kDefaultPolicy,
                     own.kind == auth::UserRateLimit::Kind::kQuota
                         ? ratelimit::Quota{own.requests, std::chrono::seconds(own.window_seconds)}
                         : config.standard,
                     {}});
  reports.push_back({kSearchPolicy, config.search, {}});
  reports.push_back({kBulkPolicy, config.bulk, {}});
  for (BudgetReport& report : reports) {
    const Budget budget{report.policy, report.quota};
    const Decision decision = limiter.Peek(user_id, std::span<const Budget>(&budget, 1));
    report.state = decision.states[0];
    now = decision.now;
  }
  return reports;
}

RateLimitStep::RateLimitStep(ratelimit::RateLimiter& limiter,
                             const ratelimit::RateLimitConfig& config)
    : limiter_(limiter), config_(config) {
  const Budget standard{kDefaultPolicy, config_.standard};
  const std::array<Budget, 2> search = {Budget{kSearchPolicy, config_.search}, standard};
  const std::array<Budget, 2> bulk = {Budget{kBulkPolicy, config_.bulk}, standard};
  standard_policy_ = PolicyField(std::span<const Budget>(&standard, 1));
  search_policy_ = PolicyField(search);
  bulk_policy_ = PolicyField(bulk);
}

void RateLimitStep::Process(const ExchangePtr& exchange, Next next) const {
  // Public routes (the API root, which load balancers poll as a health check) do no work worth a
  // budget, and every anonymous caller would share one: the checks would use it up and get 429s.
  if (exchange->route() != nullptr && exchange->route()->access == Access::kPublic) {
    return next(exchange);
  }
  const auth::Principal& principal = exchange->principal();
  const auth::UserRateLimit& own = principal.rate_limit;
  if (own.kind == auth::UserRateLimit::Kind::kUnlimited) return next(exchange);

  std::array<Budget, ratelimit::kMaxBudgets> budgets;
  std::size_t count = 0;
  const std::string* policy = &standard_policy_;
  const Route* route = exchange->route();
  if (route != nullptr && route->rate_category == RateCategory::kBulk) {
    budgets[count++] = {kBulkPolicy, config_.bulk};
    policy = &bulk_policy_;
  } else if (route != nullptr && route->rate_category == RateCategory::kList &&
             IsSearchQuery(exchange->request().query())) {
    budgets[count++] = {kSearchPolicy, config_.search};
    policy = &search_policy_;
  }
  const bool own_quota = own.kind == auth::UserRateLimit::Kind::kQuota;
  budgets[count++] = {kDefaultPolicy,
                      own_quota
                          ? ratelimit::Quota{own.requests, std::chrono::seconds(own.window_seconds)}
                          : config_.standard};
  const std::span<const Budget> used(budgets.data(), count);
  // Per user: an API user has one key, so this is also per API key. User ids are the only keys of
  // this limiter without a prefix (AuthFailureGuard's are "address:..."), which saves building a
  // key per request.
  const Decision decision = limiter_.Acquire(principal.id, used);

  // The seed's fields describe the budget that runs out first (the category's on a tie).
  std::size_t tightest = 0;
  for (std::size_t i = 1; i < count; ++i) {
    if (decision.states[i].remaining < decision.states[tightest].remaining) tightest = i;
  }
  const auto reset_at = std::chrono::ceil<std::chrono::seconds>(decision.now.time_since_epoch()) +
                        decision.states[tightest].reset_in;
  exchange->AddResponseHeader("X-RateLimit-Limit", IntText(budgets[tightest].quota.limit));
  exchange->AddResponseHeader("X-RateLimit-Remaining",
                              IntText(decision.states[tightest].remaining));
  exchange->AddResponseHeader("X-RateLimit-Reset", IntText(reset_at.count()));
  exchange->AddResponseHeader("RateLimit-Policy", own_quota ? PolicyField(used) : *policy);
  exchange->AddResponseHeader("RateLimit", LimitField(used, decision));
  if (decision.allowed) return next(exchange);

  std::string refused;
  for (std::size_t i = 0; i < count; ++i) {
    if (decision.states[i].remaining > 0) continue;
    if (!refused.empty()) refused += " and ";
    refused += Per(budgets[i].quota) + " (policy \"" + std::string(budgets[i].policy) + "\")";
  }
  exchange->AddResponseHeader("Retry-After", Seconds(decision.retry_after));
  exchange->Fail(Status::ResourceExhausted("Rate limit exceeded: at most " + refused +
                                           "; retry in " + Seconds(decision.retry_after) +
                                           " seconds."));
}

std::string_view AuthFailureGuard::ClientAddress(const http::Request& request) const {
  const std::string_view peer = request.remote_address();
  if (trusted_proxies_.empty() ||
      std::find(trusted_proxies_.begin(), trusted_proxies_.end(), peer) == trusted_proxies_.end()) {
    return peer;
  }
  // Earlier entries are whatever the client sent; only the proxy's own is to be trusted.
  const std::string_view forwarded = request.Header("X-Forwarded-For");
  const auto comma = forwarded.rfind(',');
  const std::string_view last =
      TrimAscii(comma == std::string_view::npos ? forwarded : forwarded.substr(comma + 1));
  return last.empty() ? peer : last;
}

std::optional<http::Response> AuthFailureGuard::Refusal(const http::Request& request) const {
  const std::array<Budget, 1> budget = {Budget{kAuthFailuresPolicy, quota_}};
  const Decision decision = limiter_.Peek(AddressKey(ClientAddress(request)).view(), budget);
  if (decision.allowed) return std::nullopt;
  http::Response response = ErrorResponse(Status::ResourceExhausted(
      "Too many failed authentication attempts from this address (at most " +
      Per(quota_, "failures") + "); retry in " + Seconds(decision.retry_after) + " seconds."));
  response.SetHeader("Retry-After", Seconds(decision.retry_after));
  response.SetHeader("RateLimit-Policy", PolicyField(budget));
  response.SetHeader("RateLimit", LimitField(budget, decision));
  return response;
}

void AuthFailureGuard::RecordFailure(const http::Request& request) const {
  const std::array<Budget, 1> budget = {Budget{kAuthFailuresPolicy, quota_}};
  // Acquire counts only while there is room, which is enough: a full budget refuses already.
  limiter_.Acquire(AddressKey(ClientAddress(request)).view(), budget);
}

}  // namespace crm::api
