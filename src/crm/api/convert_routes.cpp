// Routes of lead conversion: EspoCRM's POST /Lead/action/convert {id, records} and the seed
// document's POST /Lead/{id}/convert {createAccount, accountName, ...}, both one transaction that
// answers with the converted lead; and the pre-filled records of getConvertAttributes.
#include "crm/api/http_status.hpp"
#include "crm/api/request_decoding.hpp"
#include "crm/api/responses.hpp"
#include "crm/api/routes.hpp"
#include "crm/common/json.hpp"

namespace crm::api {
namespace {

namespace json = boost::json;
using http::Method;

// EspoCRM's {records: {Account?, Contact?, Opportunity?}, skipDuplicateCheck}.
Result<service::ConvertRequest> RecordsForm(std::string lead_id, const json::object& body) {
  const auto* records = body.if_contains("records");
  if (records == nullptr || !records->is_object()) {
    return Status::InvalidArgument("Body needs a records object.");
  }
  service::ConvertRequest request;
  request.lead_id = std::move(lead_id);
  for (const auto& [type, record] : records->get_object()) {
    if (!record.is_object()) {
      return Status::InvalidArgument("records." + std::string(type) + " must be an object.");
    }
    if (type == "Account") {
      request.account = record.get_object();
    } else if (type == "Contact") {
      request.contact = record.get_object();
    } else if (type == "Opportunity") {
      request.opportunity = record.get_object();
    } else {
      return Status::InvalidArgument("A lead converts to Account, Contact and Opportunity, not " +
                                     std::string(type) + ".");
    }
  }
  const auto* skip = body.if_contains("skipDuplicateCheck");
  request.skip_duplicate_check = skip != nullptr && skip->is_bool() && skip->get_bool();
  return request;
}

void Convert(const ApiContext& context, const ExchangePtr& exchange,
             Result<service::ConvertRequest> request) {
  if (!request.ok()) return exchange->Fail(request.status());
  if (Truthy(exchange->request().Header("X-Skip-Duplicate-Check"))) {
    request->skip_duplicate_check = true;
  }
  const metadata::EntityDef& lead = context.records.metadata().Entity("Lead");
  context.converter.Convert(exchange->principal(), std::move(request).value(),
                            SendRecord(context, exchange, lead));
}

// The lead id of EspoCRM's action forms: {"id": "..."}.
Result<std::string> LeadIdOf(const json::object& body) {
  const auto* id = body.if_contains("id");
  if (id == nullptr || !id->is_string()) return Status::InvalidArgument("Body needs the lead id.");
  return std::string(id->get_string());
}

void ConvertAction(const ApiContext& context, const ExchangePtr& exchange) {
  auto body = BodyObject(exchange->request());
  if (!body.ok()) return exchange->Fail(body.status());
  auto id = LeadIdOf(*body);
  if (!id.ok()) return exchange->Fail(id.status());
  Convert(context, exchange, RecordsForm(std::move(id).value(), *body));
}

// The seed's flags, or EspoCRM's records object when the body has one.
void ConvertLead(const ApiContext& context, const ExchangePtr& exchange) {
  auto body = BodyObject(exchange->request());
  if (!body.ok()) return exchange->Fail(body.status());
  std::string id(exchange->Param("id"));
  if (body->contains("records")) return Convert(context, exchange, RecordsForm(id, *body));
  Convert(context, exchange, context.converter.FromSeedFlags(exchange->principal(), id, *body));
}

void ConvertAttributes(const ApiContext& context, const ExchangePtr& exchange) {
  auto body = BodyObject(exchange->request());
  if (!body.ok()) return exchange->Fail(body.status());
  auto id = LeadIdOf(*body);
  if (!id.ok()) return exchange->Fail(id.status());
  auto attributes = context.converter.ConvertAttributes(exchange->principal(), *id);
  if (!attributes.ok()) return exchange->Fail(attributes.status());
  exchange->Reply(JsonResponse(200, SerializeJson(*attributes)));
}

}  // namespace

void AddConvertRoutes(RouteTable& table) {
  constexpr Access kUser = Access::kAuthenticated;
  table.Add({Method::kPost, "/Lead/action/convert", kUser, RateCategory::kStandard, Body::kObject,
             Answer::kRecord,
             "Convert a lead into the given Account, Contact and Opportunity records.",
             ConvertAction});
  table.Add({Method::kPost, "/Lead/action/getConvertAttributes", kUser, RateCategory::kStandard,
             Body::kObject, Answer::kObject,
             "The Account, Contact and Opportunity records a lead would convert into.",
             ConvertAttributes});
  table.Add({Method::kPost, "/Lead/{id}/convert", kUser, RateCategory::kStandard, Body::kObject,
             Answer::kRecord,
             "Convert a lead (the seed document's form with createAccount, createContact, ...).",
             ConvertLead});
}

}  // namespace crm::api
