#include "crm/api/responses.hpp"

#include <string>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "crm/api/http_status.hpp"
#include "crm/common/json.hpp"

namespace crm::api {
namespace {

namespace json = boost::json;

// Writes that change who a user is or what it may do: remembered users (and their access tables)
// are forgotten after them.
bool ChangesUsers(const metadata::EntityDef& entity) {
  return entity.name == "User" || entity.name == "Team" || entity.name == "Role";
}

}  // namespace

http::Response RecordResponse(const service::RecordResult& result, int status) {
  return RecordResponse(service::RecordJson{SerializeJson(result.record), result.version}, status);
}

http::Response RecordResponse(service::RecordJson result, int status) {
  http::Response response = JsonResponse(status, std::move(result.json));
  response.SetHeader("ETag", "\"" + std::to_string(result.version) + "\"");
  return response;
}

http::Response ListResponse(service::ListResult result) {
  json::array list;
  list.reserve(result.list.size());
  for (auto& record : result.list) list.emplace_back(std::move(record));
  return JsonResponse(
      200, SerializeJson(json::object{{"total", result.total}, {"list", std::move(list)}}));
}

service::Callback<service::RecordResult> SendRecord(const ApiContext& context,
                                                    const ExchangePtr& exchange,
                                                    const metadata::EntityDef& entity, int status) {
  return [&context, exchange, users = ChangesUsers(entity), status](auto result) {
    if (users && result.ok()) context.authenticator.ForgetCachedUsers();
    exchange->ReplyBuilt([result = std::move(result), status] {
      return result.ok() ? RecordResponse(*result, status) : ErrorResponse(result.status());
    });
  };
}

service::Callback<bool> SendTrue(const ApiContext& context, const ExchangePtr& exchange,
                                 const metadata::EntityDef& entity) {
  return [&context, exchange, users = ChangesUsers(entity)](Result<bool> result) {
    if (users && result.ok()) context.authenticator.ForgetCachedUsers();
    exchange->Reply(result.ok() ? JsonResponse(200, "true") : ErrorResponse(result.status()));
  };
}

service::Callback<service::MassResult> SendMassResult(const ApiContext& context,
                                                      const ExchangePtr& exchange,
                                                      const metadata::EntityDef& entity) {
  return [&context, exchange, users = ChangesUsers(entity)](auto result) {
    if (users && result.ok()) context.authenticator.ForgetCachedUsers();
    exchange->ReplyBuilt([result = std::move(result)] {
      if (!result.ok()) return ErrorResponse(result.status());
      json::array ids;
      for (const auto& id : result->ids) ids.emplace_back(id);
      return JsonResponse(
          200, SerializeJson(json::object{{"count", result->count}, {"ids", std::move(ids)}}));
    });
  };
}

}  // namespace crm::api
