// Routes of single records: list, create, read, update, delete.
#include "crm/api/http_status.hpp"
#include "crm/api/request_decoding.hpp"
#include "crm/api/responses.hpp"
#include "crm/api/routes.hpp"

namespace crm::api {
namespace {

using http::Method;

void List(const ApiContext& context, const ExchangePtr& exchange) {
  auto params = SearchParamsOf(exchange->request());
  if (!params.ok()) return exchange->Fail(params.status());
  auto result = context.records.ListJson(exchange->principal(), *exchange->entity(), *params,
                                         ListOptionsOf(exchange->request()));
  if (!result.ok()) return exchange->Fail(result.status());
  exchange->Reply(JsonResponse(200, std::move(result).value()));
}

void Create(const ApiContext& context, const ExchangePtr& exchange) {
  auto body = RecordBody(exchange->request());
  if (!body.ok()) return exchange->Fail(body.status());
  auto options = WriteOptionsOf(exchange->request());
  if (!options.ok()) return exchange->Fail(options.status());
  const metadata::EntityDef& entity = *exchange->entity();
  // EspoCRM answers a new webhook with 201 Created (captures/61), every other record with 200.
  const int status = entity.name == "Webhook" ? 201 : 200;
  context.records.Create(exchange->principal(), entity, std::move(body).value(), *options,
                         SendRecord(context, exchange, entity, status));
}

void Read(const ApiContext& context, const ExchangePtr& exchange) {
  auto result = context.records.ReadJson(exchange->principal(), *exchange->entity(),
                                         std::string(exchange->Param("id")));
  if (!result.ok()) return exchange->Fail(result.status());
  exchange->Reply(RecordResponse(std::move(result).value()));
}

void Update(const ApiContext& context, const ExchangePtr& exchange) {
  auto body = RecordBody(exchange->request());
  if (!body.ok()) return exchange->Fail(body.status());
  auto options = WriteOptionsOf(exchange->request());
  if (!options.ok()) return exchange->Fail(options.status());
  const metadata::EntityDef& entity = *exchange->entity();
  context.records.Update(exchange->principal(), entity, std::string(exchange->Param("id")),
                         std::move(body).value(), *options, SendRecord(context, exchange, entity));
}

void Delete(const ApiContext& context, const ExchangePtr& exchange) {
  auto options = WriteOptionsOf(exchange->request());
  if (!options.ok()) return exchange->Fail(options.status());
  const metadata::EntityDef& entity = *exchange->entity();
  context.records.Delete(exchange->principal(), entity, std::string(exchange->Param("id")),
                         *options, SendTrue(context, exchange, entity));
}

}  // namespace

void AddRecordRoutes(RouteTable& table) {
  constexpr Access kUser = Access::kAuthenticated;
  table.Add({Method::kGet, "/{entityType}", kUser, RateCategory::kList, Body::kNone, Answer::kList,
             "List records, with paging, order, select and where filters.", List});
  table.Add({Method::kPost, "/{entityType}", kUser, RateCategory::kStandard, Body::kRecord,
             Answer::kRecord, "Create a record.", Create});
  table.Add({Method::kGet, "/{entityType}/{id}", kUser, RateCategory::kStandard, Body::kNone,
             Answer::kRecord, "Read a record.", Read});
  table.Add({Method::kPut, "/{entityType}/{id}", kUser, RateCategory::kStandard, Body::kRecord,
             Answer::kRecord, "Update a record (partial: only the attributes sent change).",
             Update});
  table.Add({Method::kPatch, "/{entityType}/{id}", kUser, RateCategory::kStandard, Body::kRecord,
             Answer::kRecord, "Update a record (partial: only the attributes sent change).",
             Update});
  table.Add({Method::kDelete, "/{entityType}/{id}", kUser, RateCategory::kStandard, Body::kNone,
             Answer::kBoolean, "Delete a record.", Delete});
}

}  // namespace crm::api
