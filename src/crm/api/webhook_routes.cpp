// Routes of a webhook's delivery log (list, redeliver, test) and of its secret (rotate). Webhook
// records themselves are records (/Webhook, /Webhook/{id}) and go through the record routes.
#include "crm/api/http_status.hpp"
#include "crm/api/request_decoding.hpp"
#include "crm/api/routes.hpp"
#include "crm/common/json.hpp"

namespace crm::api {
namespace {

using http::Method;

service::Callback<boost::json::object> SendObject(const ExchangePtr& exchange) {
  return [exchange](Result<boost::json::object> result) {
    exchange->ReplyBuilt([result = std::move(result)] {
      return result.ok() ? JsonResponse(200, SerializeJson(*result))
                         : ErrorResponse(result.status());
    });
  };
}

void Deliveries(const ApiContext& context, const ExchangePtr& exchange) {
  auto params = SearchParamsOf(exchange->request());
  if (!params.ok()) return exchange->Fail(params.status());
  auto result = context.webhooks.Deliveries(
      exchange->principal(), std::string(exchange->Param("id")), params->offset.value_or(0),
      params->max_size.value_or(service::kDefaultMaxSize));
  if (!result.ok()) return exchange->Fail(result.status());
  exchange->Reply(JsonResponse(200, SerializeJson(*result)));
}

void Redeliver(const ApiContext& context, const ExchangePtr& exchange) {
  auto body = BodyObject(exchange->request());
  if (!body.ok()) return exchange->Fail(body.status());
  context.webhooks.Redeliver(exchange->principal(), std::string(exchange->Param("id")),
                             std::move(body).value(), SendObject(exchange));
}

void Test(const ApiContext& context, const ExchangePtr& exchange) {
  context.webhooks.SendTest(exchange->principal(), std::string(exchange->Param("id")),
                            SendObject(exchange));
}

void RotateSecret(const ApiContext& context, const ExchangePtr& exchange) {
  context.webhooks.RotateSecret(exchange->principal(), std::string(exchange->Param("id")),
                                SendObject(exchange));
}

}  // namespace

void AddWebhookRoutes(RouteTable& table) {
  constexpr Access kUser = Access::kAuthenticated;
  table.Add({Method::kGet, "/Webhook/{id}/deliveries", kUser, RateCategory::kList, Body::kNone,
             Answer::kAnyList,
             "A webhook's delivery log, newest first: status, attempts, last answer, next attempt.",
             Deliveries});
  table.Add({Method::kPost, "/Webhook/{id}/redeliver", kUser, RateCategory::kStandard,
             Body::kObject, Answer::kObject,
             "Send a delivery again ({\"id\"}), or every failed one since a time ({\"since\"}).",
             Redeliver});
  table.Add({Method::kPost, "/Webhook/{id}/test", kUser, RateCategory::kStandard, Body::kNone,
             Answer::kObject, "Send the webhook a signed test ping.", Test});
  table.Add({Method::kPost, "/Webhook/{id}/rotate-secret", kUser, RateCategory::kStandard,
             Body::kNone, Answer::kObject,
             "Replace the webhook's secret; the answer is the only time the new one is shown.",
             RotateSecret});
}

}  // namespace crm::api
