#include "crm/api/rate_limit_step.hpp"

#include <array>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "crm/api/http_status.hpp"
#include "crm/api/query_string.hpp"
#include "crm/api/route_table.hpp"

namespace crm::api {
namespace {

using ratelimit::Budget;
using ratelimit::Decision;

constexpr std::string_view kDefaultPolicy = "default";
constexpr std::string_view kBulkPolicy = "bulk";
constexpr std::string_view kSearchPolicy = "search";
constexpr std::string_view kAuthFailuresPolicy = "auth-failures";

std::string Seconds(std::chrono::seconds s) { return std::to_string(s.count()); }

// `"default";q=1000;w=3600` (draft-ietf-httpapi-ratelimit-headers-11, section 3.1).
std::string PolicyItem(const Budget& budget) {
  return "\"" + std::string(budget.policy) + "\";q=" + std::to_string(budget.quota.limit) +
         ";w=" + Seconds(budget.quota.window);
}

// `"default";r=950;t=30` (section 4.1): t is when the available quota next grows.
std::string LimitItem(const Budget& budget, const ratelimit::BudgetState& state) {
  return "\"" + std::string(budget.policy) + "\";r=" + std::to_string(state.remaining) +
         ";t=" + Seconds(state.reset_in);
}

void AddDraftFields(Exchange& exchange, std::span<const Budget> budgets, const Decision& decision) {
  std::string policy;
  std::string limit;
  for (std::size_t i = 0; i < budgets.size(); ++i) {
    if (i != 0) {
      policy += ", ";
      limit += ", ";
    }
    policy += PolicyItem(budgets[i]);
    limit += LimitItem(budgets[i], decision.states[i]);
  }
  exchange.AddResponseHeader("RateLimit-Policy", std::move(policy));
  exchange.AddResponseHeader("RateLimit", std::move(limit));
}

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

void RateLimitStep::Process(const ExchangePtr& exchange, Next next) const {
  const auth::Principal& principal = exchange->principal();
  const auth::UserRateLimit& own = principal.rate_limit;
  if (own.kind == auth::UserRateLimit::Kind::kUnlimited) return next(exchange);

  std::array<Budget, ratelimit::kMaxBudgets> budgets;
  std::size_t count = 0;
  const Route* route = exchange->route();
  if (route != nullptr && route->rate_category == RateCategory::kBulk) {
    budgets[count++] = {kBulkPolicy, config_.bulk};
  } else if (route != nullptr && route->rate_category == RateCategory::kList &&
             IsSearchQuery(exchange->request().query())) {
    budgets[count++] = {kSearchPolicy, config_.search};
  }
  budgets[count++] = {kDefaultPolicy,
                      own.kind == auth::UserRateLimit::Kind::kQuota
                          ? ratelimit::Quota{own.requests, std::chrono::seconds(own.window_seconds)}
                          : config_.standard};
  const std::span<const Budget> used(budgets.data(), count);
  // Per user: an API user has one key, so this is also per API key.
  const Decision decision = limiter_.Acquire("user:" + principal.id, used);

  // The seed's fields describe the budget that runs out first (the category's on a tie).
  std::size_t tightest = 0;
  for (std::size_t i = 1; i < count; ++i) {
    if (decision.states[i].remaining < decision.states[tightest].remaining) tightest = i;
  }
  const auto reset_at = std::chrono::ceil<std::chrono::seconds>(decision.now.time_since_epoch()) +
                        decision.states[tightest].reset_in;
  exchange->AddResponseHeader("X-RateLimit-Limit", std::to_string(budgets[tightest].quota.limit));
  exchange->AddResponseHeader("X-RateLimit-Remaining",
                              std::to_string(decision.states[tightest].remaining));
  exchange->AddResponseHeader("X-RateLimit-Reset", Seconds(reset_at));
  AddDraftFields(*exchange, used, decision);
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

std::optional<http::Response> AuthFailureGuard::Refusal(std::string_view address) const {
  const std::array<Budget, 1> budget = {Budget{kAuthFailuresPolicy, quota_}};
  const Decision decision = limiter_.Peek("address:" + std::string(address), budget);
  if (decision.allowed) return std::nullopt;
  http::Response response = ErrorResponse(Status::ResourceExhausted(
      "Too many failed authentication attempts from this address (at most " +
      Per(quota_, "failures") + "); retry in " + Seconds(decision.retry_after) + " seconds."));
  response.SetHeader("Retry-After", Seconds(decision.retry_after));
  response.SetHeader("RateLimit-Policy", PolicyItem(budget[0]));
  response.SetHeader("RateLimit", LimitItem(budget[0], decision.states[0]));
  return response;
}

void AuthFailureGuard::RecordFailure(std::string_view address) const {
  const std::array<Budget, 1> budget = {Budget{kAuthFailuresPolicy, quota_}};
  // Acquire counts only while there is room, which is enough: a full budget refuses already.
  limiter_.Acquire("address:" + std::string(address), budget);
}

}  // namespace crm::api
