// Routes of bulk operations: the seed document's massCreate/massUpdate/massDelete, their legacy
// POST forms, and EspoCRM's MassAction.
#include <boost/json/array.hpp>

#include "crm/api/request_decoding.hpp"
#include "crm/api/responses.hpp"
#include "crm/api/routes.hpp"

namespace crm::api {
namespace {

namespace json = boost::json;
using http::Method;

void MassCreate(const ApiContext& context, const ExchangePtr& exchange) {
  auto body = BodyObject(exchange->request());
  if (!body.ok()) return exchange->Fail(body.status());
  auto* list = body->if_contains("list");
  if (list == nullptr || !list->is_array()) {
    return exchange->Fail(Status::InvalidArgument("Body needs a list array."));
  }
  auto options = WriteOptionsOf(exchange->request());
  if (!options.ok()) return exchange->Fail(options.status());
  const metadata::EntityDef& entity = *exchange->entity();
  context.mass.Create(exchange->principal(), entity, std::move(list->as_array()), *options,
                      SendMassResult(context, exchange, entity));
}

// Updates `selection` of `entity` with `values`.
void MassUpdateSelection(const ApiContext& context, const ExchangePtr& exchange,
                         const metadata::EntityDef& entity, const json::object& selection_body,
                         json::object values) {
  auto selection = SelectionOf(selection_body);
  if (!selection.ok()) return exchange->Fail(selection.status());
  context.mass.Update(exchange->principal(), entity, std::move(selection).value(),
                      std::move(values), SendMassResult(context, exchange, entity));
}

void MassDeleteSelection(const ApiContext& context, const ExchangePtr& exchange,
                         const metadata::EntityDef& entity, const json::object& selection_body) {
  auto selection = SelectionOf(selection_body);
  if (!selection.ok()) return exchange->Fail(selection.status());
  context.mass.Delete(exchange->principal(), entity, std::move(selection).value(),
                      SendMassResult(context, exchange, entity));
}

void MassUpdate(const ApiContext& context, const ExchangePtr& exchange) {
  auto body = BodyObject(exchange->request());
  if (!body.ok()) return exchange->Fail(body.status());
  const auto* data = body->if_contains("data");
  if (data == nullptr || data->is_null()) data = body->if_contains("attributes");  // legacy key
  if (data == nullptr || !data->is_object()) {
    return exchange->Fail(Status::InvalidArgument("Body needs a data object."));
  }
  MassUpdateSelection(context, exchange, *exchange->entity(), *body, data->get_object());
}

void MassDelete(const ApiContext& context, const ExchangePtr& exchange) {
  auto body = BodyObject(exchange->request());
  if (!body.ok()) return exchange->Fail(body.status());
  MassDeleteSelection(context, exchange, *exchange->entity(), *body);
}

// POST /MassAction {entityType, action: "update"|"delete", params: {ids|where}, data}.
void MassAction(const ApiContext& context, const ExchangePtr& exchange) {
  auto body = BodyObject(exchange->request());
  if (!body.ok()) return exchange->Fail(body.status());
  const auto* entity_type = body->if_contains("entityType");
  const auto* action = body->if_contains("action");
  const auto* params = body->if_contains("params");
  if (entity_type == nullptr || !entity_type->is_string() || action == nullptr ||
      !action->is_string() || params == nullptr || !params->is_object()) {
    return exchange->Fail(
        Status::InvalidArgument("MassAction needs entityType, action and params."));
  }
  const metadata::EntityDef* entity =
      context.records.metadata().FindEntity(entity_type->get_string());
  if (entity == nullptr) {
    return exchange->Fail(Status::NotFound(
        "Entity type '" + std::string(entity_type->get_string()) + "' does not exist."));
  }
  if (action->get_string() == "delete") {
    return MassDeleteSelection(context, exchange, *entity, params->get_object());
  }
  if (action->get_string() != "update") {
    return exchange->Fail(Status::NotFound("Mass action '" + std::string(action->get_string()) +
                                           "' does not exist."));
  }
  const auto* data = body->if_contains("data");
  if (data == nullptr || !data->is_object()) {
    return exchange->Fail(Status::InvalidArgument("MassAction update needs data."));
  }
  json::object values = data->get_object();
  // EspoCRM's current form nests the attributes in data.values; the older one puts them in data.
  if (const auto* nested = values.if_contains("values"); nested != nullptr && nested->is_object()) {
    values = nested->get_object();
  }
  MassUpdateSelection(context, exchange, *entity, params->get_object(), std::move(values));
}

}  // namespace

void AddMassRoutes(RouteTable& table) {
  constexpr Access kUser = Access::kAuthenticated;
  constexpr RateCategory kBulk = RateCategory::kBulk;
  table.Add({Method::kPost, "/{entityType}/action/massCreate", kUser, kBulk, Body::kObject,
             Answer::kMassResult, "Create up to 1000 records in one transaction.", MassCreate});
  table.Add({Method::kPut, "/{entityType}/action/massUpdate", kUser, kBulk, Body::kObject,
             Answer::kMassResult, "Update the records given by ids or a where filter.",
             MassUpdate});
  table.Add({Method::kPost, "/{entityType}/action/massUpdate", kUser, kBulk, Body::kObject,
             Answer::kMassResult,
             "Update the records given by ids or a where filter (legacy POST form).", MassUpdate});
  table.Add({Method::kDelete, "/{entityType}/action/massDelete", kUser, kBulk, Body::kObject,
             Answer::kMassResult, "Delete the records given by ids or a where filter.",
             MassDelete});
  table.Add({Method::kPost, "/{entityType}/action/massDelete", kUser, kBulk, Body::kObject,
             Answer::kMassResult,
             "Delete the records given by ids or a where filter (legacy POST form).", MassDelete});
  table.Add({Method::kPost, "/MassAction", kUser, kBulk, Body::kObject, Answer::kMassResult,
             "EspoCRM's mass update or delete of the records given by ids or a where filter.",
             MassAction});
}

}  // namespace crm::api
