// Routes of relationships: related lists, link, unlink (the seed's one-id path and EspoCRM's body
// form) and the activity lists.
#include "crm/api/request_decoding.hpp"
#include "crm/api/responses.hpp"
#include "crm/api/routes.hpp"

namespace crm::api {
namespace {

using http::Method;

void ListRelatedByLink(const ApiContext& context, const ExchangePtr& exchange,
                       const std::string& link) {
  auto params = SearchParamsOf(exchange->request());
  if (!params.ok()) return exchange->Fail(params.status());
  auto result = context.relations.ListRelated(exchange->principal(), *exchange->entity(),
                                              std::string(exchange->Param("id")), link, *params,
                                              ListOptionsOf(exchange->request()));
  if (!result.ok()) return exchange->Fail(result.status());
  exchange->Reply(ListResponse(std::move(result).value()));
}

void ListRelated(const ApiContext& context, const ExchangePtr& exchange) {
  ListRelatedByLink(context, exchange, std::string(exchange->Param("link")));
}

void Link(const ApiContext& context, const ExchangePtr& exchange) {
  auto body = BodyObject(exchange->request());
  if (!body.ok()) return exchange->Fail(body.status());
  service::LinkSelection selection;
  auto ids = IdsOf(*body);
  if (!ids.ok()) return exchange->Fail(ids.status());
  selection.ids = std::move(ids).value();
  if (const auto* mass = body->if_contains("massRelate");
      mass != nullptr && mass->is_bool() && mass->get_bool()) {
    auto search = SearchOf(*body);
    if (!search.ok()) return exchange->Fail(search.status());
    selection.mass_relate = search->value_or(query::SearchParams{});
  }
  if (selection.ids.empty() && !selection.mass_relate) {
    return exchange->Fail(Status::InvalidArgument("No id, ids or massRelate given."));
  }
  const metadata::EntityDef& entity = *exchange->entity();
  context.relations.Link(exchange->principal(), entity, std::string(exchange->Param("id")),
                         std::string(exchange->Param("link")), std::move(selection),
                         SendTrue(context, exchange, entity));
}

void UnlinkByBody(const ApiContext& context, const ExchangePtr& exchange) {
  auto body = BodyObject(exchange->request());
  if (!body.ok()) return exchange->Fail(body.status());
  auto ids = IdsOf(*body);
  if (!ids.ok()) return exchange->Fail(ids.status());
  if (ids->empty()) return exchange->Fail(Status::InvalidArgument("No id or ids given."));
  const metadata::EntityDef& entity = *exchange->entity();
  context.relations.Unlink(exchange->principal(), entity, std::string(exchange->Param("id")),
                           std::string(exchange->Param("link")), std::move(ids).value(),
                           SendTrue(context, exchange, entity));
}

void UnlinkOne(const ApiContext& context, const ExchangePtr& exchange) {
  const metadata::EntityDef& entity = *exchange->entity();
  context.relations.Unlink(exchange->principal(), entity, std::string(exchange->Param("id")),
                           std::string(exchange->Param("link")),
                           {std::string(exchange->Param("relatedId"))},
                           SendTrue(context, exchange, entity));
}

void ListActivities(const ApiContext& context, const ExchangePtr& exchange, bool history) {
  auto params = SearchParamsOf(exchange->request());
  if (!params.ok()) return exchange->Fail(params.status());
  auto result = context.relations.Activities(exchange->principal(), *exchange->entity(),
                                             std::string(exchange->Param("id")), history, *params);
  if (!result.ok()) return exchange->Fail(result.status());
  exchange->Reply(ListResponse(std::move(result).value()));
}

void Activities(const ApiContext& context, const ExchangePtr& exchange) {
  ListActivities(context, exchange, false);
}

void History(const ApiContext& context, const ExchangePtr& exchange) {
  ListActivities(context, exchange, true);
}

// /{entityType}/{id}/activities is a related list when the entity has a link of that name (custom
// metadata may define one); otherwise it is the activity list, as EspoCRM serves it.
void ActivitiesOrLink(const ApiContext& context, const ExchangePtr& exchange, bool history) {
  const std::string name = history ? "history" : "activities";
  if (exchange->entity()->FindLink(name) != nullptr) {
    return ListRelatedByLink(context, exchange, name);
  }
  ListActivities(context, exchange, history);
}

void RecordActivities(const ApiContext& context, const ExchangePtr& exchange) {
  ActivitiesOrLink(context, exchange, false);
}

void RecordHistory(const ApiContext& context, const ExchangePtr& exchange) {
  ActivitiesOrLink(context, exchange, true);
}

}  // namespace

void AddRelationRoutes(RouteTable& table) {
  constexpr Access kUser = Access::kAuthenticated;
  table.Add({Method::kGet, "/Activities/{entityType}/{id}/activities", kUser, RateCategory::kList,
             Body::kNone, Answer::kAnyList, "Planned calls, meetings and tasks of a record.",
             Activities});
  table.Add({Method::kGet, "/Activities/{entityType}/{id}/history", kUser, RateCategory::kList,
             Body::kNone, Answer::kAnyList,
             "Held or completed calls, meetings and tasks of a record.", History});
  table.Add({Method::kGet, "/{entityType}/{id}/activities", kUser, RateCategory::kList, Body::kNone,
             Answer::kAnyList, "Planned calls, meetings and tasks of a record.", RecordActivities});
  table.Add({Method::kGet, "/{entityType}/{id}/history", kUser, RateCategory::kList, Body::kNone,
             Answer::kAnyList, "Held or completed calls, meetings and tasks of a record.",
             RecordHistory});
  table.Add({Method::kGet, "/{entityType}/{id}/{link}", kUser, RateCategory::kList, Body::kNone,
             Answer::kAnyList, "List the records related through a link.", ListRelated});
  table.Add({Method::kPost, "/{entityType}/{id}/{link}", kUser, RateCategory::kStandard,
             Body::kObject, Answer::kBoolean,
             "Link records by id or ids, or every record of a search (massRelate).", Link});
  table.Add({Method::kDelete, "/{entityType}/{id}/{link}", kUser, RateCategory::kStandard,
             Body::kObject, Answer::kBoolean, "Unlink the records given by id or ids in the body.",
             UnlinkByBody});
  table.Add({Method::kDelete, "/{entityType}/{id}/{link}/{relatedId}", kUser,
             RateCategory::kStandard, Body::kNone, Answer::kBoolean, "Unlink one record.",
             UnlinkOne});
}

}  // namespace crm::api
