// Routes an administrator uses on API users beside their records: a new key, in EspoCRM's form
// (POST /UserSecurity/apiKey/generate {"id"}), and the state of a user's rate-limit budgets
// (GET /User/{id}/rateLimit), which the console shows.
#include <chrono>
#include <string>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "crm/api/http_status.hpp"
#include "crm/api/rate_limit_step.hpp"
#include "crm/api/request_decoding.hpp"
#include "crm/api/routes.hpp"
#include "crm/common/json.hpp"
#include "crm/service/user_admin.hpp"

namespace crm::api {
namespace {

namespace json = boost::json;
using http::Method;

// The old key stops working on the next request: the authenticator remembers users found by key,
// and only forgets them when told.
void GenerateApiKey(const ApiContext& context, const ExchangePtr& exchange) {
  auto body = BodyObject(exchange->request());
  if (!body.ok()) return exchange->Fail(body.status());
  const json::value* id = body->if_contains("id");
  if (id == nullptr || !id->is_string() || id->get_string().empty()) {
    return exchange->Fail(Status::InvalidArgument("The body needs the API user's \"id\"."));
  }
  auto rotated = std::make_shared<service::CreatedUser>();
  service::RecordService& records = context.records;
  records.database().SubmitWrite(
      [&records, rotated, user_id = std::string(id->get_string())](store::Connection& conn) {
        return service::WriteNewApiKey(conn, records.clock(), service::UserBy::kId, user_id,
                                       records.secrets(), *rotated);
      },
      [&context, exchange, rotated](Status status) {
        if (status.ok()) context.authenticator.ForgetCachedUsers();
        exchange->ReplyBuilt([status = std::move(status), rotated] {
          if (!status.ok()) return ErrorResponse(status);
          json::object answer{{"id", rotated->id},
                              {"userName", rotated->user_name},
                              {"type", "api"},
                              {"apiKey", rotated->api_key}};
          if (!rotated->secret_key.empty()) answer["secretKey"] = rotated->secret_key;
          return JsonResponse(200, SerializeJson(answer));
        });
      });
}

void RateLimitState(const ApiContext& context, const ExchangePtr& exchange) {
  const std::string user_id(exchange->Param("id"));
  auto conn = context.records.database().ReadConnection();
  if (!conn.ok()) return exchange->Fail(conn.status());
  auto own = service::FindUserRateLimit(**conn, user_id);
  if (!own.ok()) return exchange->Fail(own.status());
  if (!own->has_value()) return exchange->Fail(Status::NotFound("User not found."));
  const bool enabled = context.limiter != nullptr;
  const bool unlimited = (*own)->kind == auth::UserRateLimit::Kind::kUnlimited;
  json::array budgets;
  if (enabled) {
    TimePoint now{};
    for (const BudgetReport& report :
         PeekBudgets(*context.limiter, context.options.rate_limits, user_id, **own, now)) {
      const auto reset_at =
          std::chrono::ceil<std::chrono::seconds>(now.time_since_epoch()) + report.state.reset_in;
      budgets.push_back(json::object{{"policy", report.policy},
                                     {"limit", report.quota.limit},
                                     {"windowSeconds", report.quota.window.count()},
                                     {"remaining", report.state.remaining},
                                     {"resetIn", report.state.reset_in.count()},
                                     {"resetAt", reset_at.count()}});
    }
  }
  exchange->Reply(JsonResponse(200, SerializeJson(json::object{{"userId", user_id},
                                                               {"enabled", enabled},
                                                               {"unlimited", unlimited},
                                                               {"budgets", std::move(budgets)}})));
}

}  // namespace

void AddUserSecurityRoutes(RouteTable& table) {
  table.Add({Method::kPost, "/UserSecurity/apiKey/generate", Access::kAdmin,
             RateCategory::kStandard, Body::kObject, Answer::kObject,
             "Give API user {\"id\"} a new API key (and an HMAC user a new secret); the old one "
             "stops working at once, and the answer is the only time the new one is shown.",
             GenerateApiKey});
  table.Add({Method::kGet, "/User/{id}/rateLimit", Access::kAdmin, RateCategory::kStandard,
             Body::kNone, Answer::kObject,
             "The state of a user's rate-limit budgets (limit, remaining, reset), read without "
             "counting a request against them.",
             RateLimitState});
}

}  // namespace crm::api
