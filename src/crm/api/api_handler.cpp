#include "crm/api/api_handler.hpp"

#include <charconv>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "crm/api/http_status.hpp"
#include "crm/api/query_string.hpp"
#include "crm/auth/crypto.hpp"
#include "crm/common/json.hpp"
#include "crm/common/strings.hpp"
#include "crm/query/search_params.hpp"
#include "crm/service/record_input.hpp"

namespace crm::api {
namespace {

namespace json = boost::json;
using service::RecordResult;

bool IsUserEntity(const metadata::EntityDef& entity) { return entity.name == "User"; }

bool Truthy(std::string_view value) {
  value = TrimAscii(value);
  return EqualsIgnoreCaseAscii(value, "true") || value == "1";
}

// EspoCRM reads a JSON body whatever it is: an object as is, an array wrapped as {"list": [...]}.
Result<json::object> BodyObject(const http::Request& request) {
  if (TrimAscii(request.body()).empty()) return json::object();
  CRM_ASSIGN_OR_RETURN(json::value value, ParseJson(request.body()));
  if (value.is_object()) return std::move(value.as_object());
  if (value.is_array()) return json::object{{"list", std::move(value.as_array())}};
  return Status::InvalidArgument("Body is not a JSON object.");
}

// A record's attributes: an object only. (BodyObject would turn an array into {"list": ...}, which
// a record endpoint could only report as the unknown attribute "list".)
Result<json::object> RecordBody(const http::Request& request) {
  if (TrimAscii(request.body()).starts_with('[')) {
    return Status::InvalidArgument(
        "Body is not a JSON object; a record's attributes are one object (massCreate takes a "
        "list).");
  }
  return BodyObject(request);
}

std::string ETag(std::int64_t version) { return "\"" + std::to_string(version) + "\""; }

// If-Match: "*" (any version: an empty list) or a list of our ETags.
Result<std::optional<std::vector<std::int64_t>>> ParseIfMatch(std::string_view header) {
  header = TrimAscii(header);
  if (header.empty()) return std::optional<std::vector<std::int64_t>>();
  std::vector<std::int64_t> versions;
  if (header == "*") return std::optional(versions);
  std::size_t at = 0;
  while (at < header.size()) {
    const auto comma = std::min(header.find(',', at), header.size());
    std::string_view tag = TrimAscii(header.substr(at, comma - at));
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag.size() < 2 || tag.front() != '"' || tag.back() != '"') {
      return Status::InvalidArgument("Malformed If-Match header.");
    }
    tag = tag.substr(1, tag.size() - 2);
    std::int64_t version = 0;
    const auto result = std::from_chars(tag.data(), tag.data() + tag.size(), version);
    // A tag that is not one of ours matches no version.
    versions.push_back(result.ec == std::errc() && result.ptr == tag.data() + tag.size() ? version
                                                                                         : -1);
    at = comma + 1;
  }
  return std::optional(versions);
}

Result<service::WriteOptions> WriteOptionsOf(const http::Request& request) {
  service::WriteOptions options;
  options.skip_duplicate_check = Truthy(request.Header("X-Skip-Duplicate-Check"));
  const std::string_view version = TrimAscii(request.Header("X-Version-Number"));
  if (!version.empty()) {
    std::int64_t number = 0;
    const auto result = std::from_chars(version.data(), version.data() + version.size(), number);
    if (result.ec != std::errc() || result.ptr != version.data() + version.size()) {
      return Status::InvalidArgument("X-Version-Number must be an integer.");
    }
    options.version_number = number;
  }
  CRM_ASSIGN_OR_RETURN(options.if_match, ParseIfMatch(request.Header("If-Match")));
  return options;
}

http::Response RecordResponse(const RecordResult& result) {
  http::Response response = JsonResponse(200, SerializeJson(result.record));
  response.SetHeader("ETag", ETag(result.version));
  return response;
}

http::Response MethodNotAllowed(const http::Request& request, std::string_view allowed) {
  http::Response response = ProtocolErrorResponse(
      405, "Method " + std::string(request.method_name()) +
               " is not allowed here; allowed: " + std::string(allowed) + ".");
  response.SetHeader("Allow", std::string(allowed));
  return response;
}

json::object AclTable(const metadata::Metadata& metadata, const auth::Principal& principal) {
  json::object table;
  for (const auto& entity : metadata.entities()) {
    const bool edit = service::RecordService::CheckAccess(principal, entity, "edit").ok();
    table[entity.name] = json::object{{"read", "all"},
                                      {"stream", entity.stream ? "all" : "no"},
                                      {"edit", edit ? "all" : "no"},
                                      {"delete", edit ? "all" : "no"},
                                      {"create", edit ? "yes" : "no"}};
  }
  return json::object{{"table", std::move(table)},
                      {"fieldTable", json::object()},
                      {"fieldTableQuickAccess", json::object()},
                      {"assignmentPermission", "all"},
                      {"userPermission", "all"},
                      {"massUpdatePermission", "yes"},
                      {"exportPermission", "yes"}};
}

json::object Settings(const std::string& version) {
  json::array currencies;
  for (const auto& currency : service::CurrencyList()) currencies.emplace_back(currency);
  const std::string& default_currency = service::CurrencyList().front();
  return json::object{{"version", version},
                      {"currencyList", std::move(currencies)},
                      {"defaultCurrency", default_currency},
                      {"baseCurrency", default_currency},
                      {"dateFormat", "YYYY-MM-DD"},
                      {"timeFormat", "HH:mm"},
                      {"timeZone", "UTC"},
                      {"weekStart", 0},
                      {"language", "en_US"},
                      {"recordsPerPage", service::kDefaultMaxSize},
                      {"recordsPerPageSmall", 5},
                      {"recordListMaxSizeLimit", service::kMaxMaxSize},
                      {"personNameFormat", "firstLast"}};
}

}  // namespace

struct ApiHandler::Call {
  const http::Request& request;
  std::shared_ptr<http::Responder> responder;
  std::vector<std::string> segments;
  auth::AuthResult auth;

  void Reply(http::Response response) { responder->Send(std::move(response)); }
  void Fail(const Status& status) { Reply(ErrorResponse(status)); }
};

ApiHandler::ApiHandler(service::RecordService& records, auth::Authenticator& authenticator,
                       const Clock& clock, ApiOptions options)
    : records_(records),
      relations_(records),
      converter_(records),
      mass_(records),
      authenticator_(authenticator),
      clock_(clock),
      options_(std::move(options)) {}

void ApiHandler::Handle(const http::Request& request, http::Responder responder) {
  Call call{request, std::make_shared<http::Responder>(std::move(responder)), {}, {}};
  const std::string_view path = request.path();
  const std::string_view base = options_.base_path;
  if (!path.starts_with(base) || (path.size() > base.size() && path[base.size()] != '/')) {
    return call.Fail(
        Status::NotFound("No such path; the API lives under " + options_.base_path + "."));
  }
  auto segments = DecodePathSegments(path.substr(base.size()));
  if (!segments.ok()) return call.Fail(segments.status());
  call.segments = std::move(segments).value();
  if (call.segments.empty()) {
    if (request.method() != http::Method::kGet) return call.Reply(MethodNotAllowed(request, "GET"));
    return call.Reply(JsonResponse(200, "\"EspoCRM REST API\""));
  }

  auth::AuthRequest credentials;
  credentials.method = request.method_name();
  credentials.path = path;
  credentials.query = request.query();
  credentials.api_base = base;
  credentials.api_key = request.Header("X-Api-Key");
  credentials.hmac_authorization = request.Header("X-Hmac-Authorization");
  credentials.authorization = request.Header("Authorization");
  credentials.espo_authorization = request.Header("Espo-Authorization");
  credentials.espo_by_token = Truthy(request.Header("Espo-Authorization-By-Token"));
  auto authenticated = authenticator_.Authenticate(credentials);
  if (!authenticated.ok()) {
    http::Response response = ErrorResponse(authenticated.status());
    const bool no_credentials =
        credentials.api_key.empty() && credentials.hmac_authorization.empty() &&
        credentials.authorization.empty() && credentials.espo_authorization.empty();
    // As EspoCRM: browsers get a Basic challenge unless the page asked not to (XHR).
    if (authenticated.status().code() == StatusCode::kUnauthenticated && no_credentials &&
        request.Header("X-Requested-With").empty()) {
      response.SetHeader("WWW-Authenticate", "Basic realm=\"\"");
    }
    return call.Reply(std::move(response));
  }
  call.auth = std::move(authenticated).value();
  Route(call);
}

void ApiHandler::Route(Call& call) {
  const auto& s = call.segments;
  const std::string controller = UpperFirst(s[0]);
  if (controller == "App") {
    if (s.size() == 2 && s[1] == "user") {
      if (call.request.method() != http::Method::kGet)
        return call.Reply(MethodNotAllowed(call.request, "GET"));
      return HandleAppUser(call);
    }
    if (s.size() == 2 && s[1] == "destroyAuthToken") {
      if (call.request.method() != http::Method::kPost)
        return call.Reply(MethodNotAllowed(call.request, "POST"));
      return HandleDestroyToken(call);
    }
    return call.Fail(Status::NotFound("Action does not exist."));
  }
  if (controller == "Metadata") {
    if (s.size() != 1) return call.Fail(Status::NotFound("Action does not exist."));
    if (call.request.method() != http::Method::kGet)
      return call.Reply(MethodNotAllowed(call.request, "GET"));
    return HandleMetadata(call);
  }
  if (controller == "MassAction" && s.size() == 1) {
    if (call.request.method() != http::Method::kPost)
      return call.Reply(MethodNotAllowed(call.request, "POST"));
    return HandleMassAction(call);
  }
  if (controller == "Activities" && s.size() == 4 && (s[3] == "activities" || s[3] == "history")) {
    const metadata::EntityDef* parent = records_.metadata().FindEntity(s[1]);
    if (parent == nullptr)
      return call.Fail(Status::NotFound("Controller '" + UpperFirst(s[1]) + "' does not exist."));
    if (call.request.method() != http::Method::kGet)
      return call.Reply(MethodNotAllowed(call.request, "GET"));
    return HandleActivities(call, *parent, s[2], s[3] == "history");
  }
  const metadata::EntityDef* entity = records_.metadata().FindEntity(s[0]);
  if (entity == nullptr)
    return call.Fail(Status::NotFound("Controller '" + controller + "' does not exist."));
  if (s.size() == 1) return HandleCollection(call, *entity);
  if (s[1] == "action") {
    if (s.size() != 3) return call.Fail(Status::NotFound("Action does not exist."));
    return HandleAction(call, *entity, s[2]);
  }
  if (s.size() == 2) return HandleRecord(call, *entity, s[1]);
  if (s.size() == 3) {
    if (entity->name == "Lead" && s[2] == "convert" &&
        call.request.method() == http::Method::kPost) {
      auto body = BodyObject(call.request);
      if (!body.ok()) return call.Fail(body.status());
      return HandleConvert(call, s[1], *body, true);
    }
    if ((s[2] == "activities" || s[2] == "history") && entity->FindLink(s[2]) == nullptr &&
        call.request.method() == http::Method::kGet) {
      return HandleActivities(call, *entity, s[1], s[2] == "history");
    }
    return HandleRelated(call, *entity, s[1], s[2]);
  }
  if (s.size() == 4) return HandleUnlinkOne(call, *entity, s[1], s[2], s[3]);
  call.Fail(Status::NotFound("No such route."));
}

void ApiHandler::HandleCollection(Call& call, const metadata::EntityDef& entity) {
  const http::Request& request = call.request;
  if (request.method() == http::Method::kGet) {
    auto pairs = DecodeQueryString(request.query());
    if (!pairs.ok()) return call.Fail(pairs.status());
    auto params = query::DecodeSearchParams(*pairs);
    if (!params.ok()) return call.Fail(params.status());
    service::ListOptions options;
    options.count_total = !Truthy(request.Header("X-No-Total"));
    auto result = records_.List(call.auth.principal, entity, *params, options);
    if (!result.ok()) return call.Fail(result.status());
    json::array list;
    list.reserve(result->list.size());
    for (auto& record : result->list) list.emplace_back(std::move(record));
    json::object body{{"total", result->total}, {"list", std::move(list)}};
    return call.Reply(JsonResponse(200, SerializeJson(body)));
  }
  if (request.method() == http::Method::kPost) {
    auto body = RecordBody(request);
    if (!body.ok()) return call.Fail(body.status());
    auto options = WriteOptionsOf(request);
    if (!options.ok()) return call.Fail(options.status());
    return records_.Create(call.auth.principal, entity, std::move(body).value(), *options,
                           SendRecord(call, entity));
  }
  call.Reply(MethodNotAllowed(request, "GET, POST"));
}

service::Callback<RecordResult> ApiHandler::SendRecord(Call& call,
                                                       const metadata::EntityDef& entity) {
  return [this, responder = call.responder,
          users = IsUserEntity(entity)](Result<RecordResult> result) {
    // A changed user may be a revoked key or a deactivated account: stop trusting what auth
    // remembers.
    if (users && result.ok()) authenticator_.ForgetCachedUsers();
    responder->SendBuilt([result = std::move(result)] {
      return result.ok() ? RecordResponse(*result) : ErrorResponse(result.status());
    });
  };
}

void ApiHandler::HandleRecord(Call& call, const metadata::EntityDef& entity,
                              const std::string& id) {
  const http::Request& request = call.request;
  switch (request.method()) {
    case http::Method::kGet: {
      auto result = records_.Read(call.auth.principal, entity, id);
      if (!result.ok()) return call.Fail(result.status());
      return call.Reply(RecordResponse(*result));
    }
    case http::Method::kPut:
    case http::Method::kPatch: {
      auto body = RecordBody(request);
      if (!body.ok()) return call.Fail(body.status());
      auto options = WriteOptionsOf(request);
      if (!options.ok()) return call.Fail(options.status());
      return records_.Update(call.auth.principal, entity, id, std::move(body).value(), *options,
                             SendRecord(call, entity));
    }
    case http::Method::kDelete: {
      auto options = WriteOptionsOf(request);
      if (!options.ok()) return call.Fail(options.status());
      return records_.Delete(
          call.auth.principal, entity, id, *options,
          [this, responder = call.responder, users = IsUserEntity(entity)](Result<bool> result) {
            if (users && result.ok()) authenticator_.ForgetCachedUsers();
            responder->Send(result.ok() ? JsonResponse(200, "true")
                                        : ErrorResponse(result.status()));
          });
    }
    default:
      return call.Reply(MethodNotAllowed(request, "GET, PUT, PATCH, DELETE"));
  }
}

namespace {

// Ids from {"id": "..."} or {"ids": [...]}; an empty list when neither is given.
Result<std::vector<std::string>> IdsOf(const json::object& body) {
  std::vector<std::string> ids;
  if (const auto* id = body.if_contains("id"); id != nullptr && !id->is_null()) {
    if (!id->is_string()) return Status::InvalidArgument("id must be a string.");
    ids.emplace_back(id->get_string());
  }
  if (const auto* list = body.if_contains("ids"); list != nullptr && !list->is_null()) {
    if (!list->is_array()) return Status::InvalidArgument("ids must be an array of strings.");
    for (const auto& item : list->get_array()) {
      if (!item.is_string()) return Status::InvalidArgument("ids must be an array of strings.");
      ids.emplace_back(item.get_string());
    }
  }
  return ids;
}

// A search selection from {"where": [...]} and/or {"searchParams": {...}} (where wins), as
// MassAction, massRelate and the legacy mass actions take it.
Result<std::optional<query::SearchParams>> SearchOf(const json::object& body) {
  const auto* where = body.if_contains("where");
  const auto* search = body.if_contains("searchParams");
  if (search == nullptr) search = body.if_contains("selectData");
  if ((where == nullptr || where->is_null()) && (search == nullptr || search->is_null())) {
    return std::optional<query::SearchParams>();
  }
  json::object object;
  if (search != nullptr && !search->is_null()) {
    if (!search->is_object()) return Status::InvalidArgument("searchParams must be an object.");
    object = search->get_object();
  }
  if (where != nullptr && !where->is_null()) object["where"] = *where;
  CRM_ASSIGN_OR_RETURN(query::SearchParams params, query::DecodeSearchParamsJson(object));
  return std::optional(std::move(params));
}

Result<service::MassSelection> SelectionOf(const json::object& body) {
  service::MassSelection selection;
  CRM_ASSIGN_OR_RETURN(selection.ids, IdsOf(body));
  CRM_ASSIGN_OR_RETURN(selection.search, SearchOf(body));
  if (!selection.ids.empty() && selection.search) {
    return Status::InvalidArgument("Give either ids or where, not both.");
  }
  return selection;
}

json::value MassResultJson(const service::MassResult& result) {
  json::array ids;
  for (const auto& id : result.ids) ids.emplace_back(id);
  return json::object{{"count", result.count}, {"ids", std::move(ids)}};
}

}  // namespace

void ApiHandler::SendMassResult(
    Call& call, const metadata::EntityDef& entity,
    const std::function<void(service::Callback<service::MassResult>)>& start) {
  start([this, responder = call.responder,
         users = IsUserEntity(entity)](Result<service::MassResult> result) {
    if (users && result.ok()) authenticator_.ForgetCachedUsers();
    responder->SendBuilt([result = std::move(result)] {
      return result.ok() ? JsonResponse(200, SerializeJson(MassResultJson(*result)))
                         : ErrorResponse(result.status());
    });
  });
}

void ApiHandler::HandleRelated(Call& call, const metadata::EntityDef& entity, const std::string& id,
                               const std::string& link) {
  const http::Request& request = call.request;
  const auth::Principal& principal = call.auth.principal;
  auto done = [responder = call.responder](Result<bool> result) {
    responder->Send(result.ok() ? JsonResponse(200, "true") : ErrorResponse(result.status()));
  };
  switch (request.method()) {
    case http::Method::kGet: {
      auto pairs = DecodeQueryString(request.query());
      if (!pairs.ok()) return call.Fail(pairs.status());
      auto params = query::DecodeSearchParams(*pairs);
      if (!params.ok()) return call.Fail(params.status());
      service::ListOptions options;
      options.count_total = !Truthy(request.Header("X-No-Total"));
      auto result = relations_.ListRelated(principal, entity, id, link, *params, options);
      if (!result.ok()) return call.Fail(result.status());
      json::array list;
      for (auto& record : result->list) list.emplace_back(std::move(record));
      return call.Reply(JsonResponse(
          200, SerializeJson(json::object{{"total", result->total}, {"list", std::move(list)}})));
    }
    case http::Method::kPost: {
      auto body = BodyObject(request);
      if (!body.ok()) return call.Fail(body.status());
      service::LinkSelection selection;
      auto ids = IdsOf(*body);
      if (!ids.ok()) return call.Fail(ids.status());
      selection.ids = std::move(ids).value();
      if (const auto* mass = body->if_contains("massRelate");
          mass != nullptr && mass->is_bool() && mass->get_bool()) {
        auto search = SearchOf(*body);
        if (!search.ok()) return call.Fail(search.status());
        selection.mass_relate = search->value_or(query::SearchParams{});
      }
      if (selection.ids.empty() && !selection.mass_relate) {
        return call.Fail(Status::InvalidArgument("No id, ids or massRelate given."));
      }
      return relations_.Link(principal, entity, id, link, std::move(selection), done);
    }
    case http::Method::kDelete: {
      auto body = BodyObject(request);
      if (!body.ok()) return call.Fail(body.status());
      auto ids = IdsOf(*body);
      if (!ids.ok()) return call.Fail(ids.status());
      if (ids->empty()) return call.Fail(Status::InvalidArgument("No id or ids given."));
      return relations_.Unlink(principal, entity, id, link, std::move(ids).value(), done);
    }
    default:
      return call.Reply(MethodNotAllowed(request, "GET, POST, DELETE"));
  }
}

void ApiHandler::HandleUnlinkOne(Call& call, const metadata::EntityDef& entity,
                                 const std::string& id, const std::string& link,
                                 const std::string& related_id) {
  if (call.request.method() != http::Method::kDelete)
    return call.Reply(MethodNotAllowed(call.request, "DELETE"));
  relations_.Unlink(
      call.auth.principal, entity, id, link, {related_id},
      [responder = call.responder](Result<bool> result) {
        responder->Send(result.ok() ? JsonResponse(200, "true") : ErrorResponse(result.status()));
      });
}

void ApiHandler::HandleActivities(Call& call, const metadata::EntityDef& entity,
                                  const std::string& id, bool history) {
  auto pairs = DecodeQueryString(call.request.query());
  if (!pairs.ok()) return call.Fail(pairs.status());
  auto params = query::DecodeSearchParams(*pairs);
  if (!params.ok()) return call.Fail(params.status());
  auto result = relations_.Activities(call.auth.principal, entity, id, history, *params);
  if (!result.ok()) return call.Fail(result.status());
  json::array list;
  for (auto& record : result->list) list.emplace_back(std::move(record));
  call.Reply(JsonResponse(
      200, SerializeJson(json::object{{"total", result->total}, {"list", std::move(list)}})));
}

void ApiHandler::HandleAction(Call& call, const metadata::EntityDef& entity,
                              const std::string& action) {
  const http::Request& request = call.request;
  const http::Method method = request.method();
  const auth::Principal& principal = call.auth.principal;
  const bool lead = entity.name == "Lead";
  const bool known = action == "massCreate" || action == "massUpdate" || action == "massDelete" ||
                     (lead && (action == "convert" || action == "getConvertAttributes"));
  if (!known) return call.Fail(Status::NotFound("Action '" + action + "' does not exist."));
  auto body = BodyObject(request);
  if (!body.ok()) return call.Fail(body.status());
  if (action == "massCreate") {
    if (method != http::Method::kPost) return call.Reply(MethodNotAllowed(request, "POST"));
    const auto* list = body->if_contains("list");
    if (list == nullptr || !list->is_array())
      return call.Fail(Status::InvalidArgument("Body needs a list array."));
    auto options = WriteOptionsOf(request);
    if (!options.ok()) return call.Fail(options.status());
    return SendMassResult(
        call, entity, [&, list = list->get_array(), options = *options](auto done) mutable {
          mass_.Create(principal, entity, std::move(list), options, std::move(done));
        });
  }
  if (action == "massUpdate") {
    if (method != http::Method::kPut && method != http::Method::kPost) {
      return call.Reply(MethodNotAllowed(request, "PUT, POST"));
    }
    auto selection = SelectionOf(*body);
    if (!selection.ok()) return call.Fail(selection.status());
    const auto* data = body->if_contains("data");
    if (data == nullptr || data->is_null())
      data = body->if_contains("attributes");  // the legacy key
    if (data == nullptr || !data->is_object())
      return call.Fail(Status::InvalidArgument("Body needs a data object."));
    return SendMassResult(call, entity,
                          [&, selection = std::move(selection).value(),
                           data = data->get_object()](auto done) mutable {
                            mass_.Update(principal, entity, std::move(selection), std::move(data),
                                         std::move(done));
                          });
  }
  if (action == "massDelete") {
    if (method != http::Method::kDelete && method != http::Method::kPost) {
      return call.Reply(MethodNotAllowed(request, "DELETE, POST"));
    }
    auto selection = SelectionOf(*body);
    if (!selection.ok()) return call.Fail(selection.status());
    return SendMassResult(call, entity,
                          [&, selection = std::move(selection).value()](auto done) mutable {
                            mass_.Delete(principal, entity, std::move(selection), std::move(done));
                          });
  }
  if (method != http::Method::kPost) return call.Reply(MethodNotAllowed(request, "POST"));
  const auto* id = body->if_contains("id");
  if (id == nullptr || !id->is_string())
    return call.Fail(Status::InvalidArgument("Body needs the lead id."));
  if (action == "getConvertAttributes") {
    auto attributes = converter_.ConvertAttributes(principal, std::string(id->get_string()));
    if (!attributes.ok()) return call.Fail(attributes.status());
    return call.Reply(JsonResponse(200, SerializeJson(*attributes)));
  }
  HandleConvert(call, std::string(id->get_string()), *body, false);
}

void ApiHandler::HandleConvert(Call& call, const std::string& lead_id, const json::object& body,
                               bool seed_form) {
  service::ConvertRequest request;
  const auto* records = body.if_contains("records");
  if (seed_form && records == nullptr) {
    auto from_flags = converter_.FromSeedFlags(call.auth.principal, lead_id, body);
    if (!from_flags.ok()) return call.Fail(from_flags.status());
    request = std::move(from_flags).value();
  } else {
    if (records == nullptr || !records->is_object()) {
      return call.Fail(Status::InvalidArgument("Body needs a records object."));
    }
    request.lead_id = lead_id;
    for (const auto& [type, record] : records->get_object()) {
      if (!record.is_object())
        return call.Fail(
            Status::InvalidArgument("records." + std::string(type) + " must be an object."));
      if (type == "Account") {
        request.account = record.get_object();
      } else if (type == "Contact") {
        request.contact = record.get_object();
      } else if (type == "Opportunity") {
        request.opportunity = record.get_object();
      } else {
        return call.Fail(Status::InvalidArgument(
            "A lead converts to Account, Contact and Opportunity, not " + std::string(type) + "."));
      }
    }
    const auto* skip = body.if_contains("skipDuplicateCheck");
    request.skip_duplicate_check = skip != nullptr && skip->is_bool() && skip->get_bool();
  }
  if (Truthy(call.request.Header("X-Skip-Duplicate-Check"))) request.skip_duplicate_check = true;
  converter_.Convert(call.auth.principal, std::move(request),
                     [responder = call.responder](Result<RecordResult> result) {
                       responder->SendBuilt([result = std::move(result)] {
                         return result.ok() ? RecordResponse(*result)
                                            : ErrorResponse(result.status());
                       });
                     });
}

void ApiHandler::HandleMassAction(Call& call) {
  auto body = BodyObject(call.request);
  if (!body.ok()) return call.Fail(body.status());
  const auto* entity_type = body->if_contains("entityType");
  const auto* action = body->if_contains("action");
  const auto* params = body->if_contains("params");
  if (entity_type == nullptr || !entity_type->is_string() || action == nullptr ||
      !action->is_string() || params == nullptr || !params->is_object()) {
    return call.Fail(Status::InvalidArgument("MassAction needs entityType, action and params."));
  }
  const metadata::EntityDef* entity = records_.metadata().FindEntity(entity_type->get_string());
  if (entity == nullptr) {
    return call.Fail(Status::NotFound("Entity type '" + std::string(entity_type->get_string()) +
                                      "' does not exist."));
  }
  auto selection = SelectionOf(params->get_object());
  if (!selection.ok()) return call.Fail(selection.status());
  const auth::Principal& principal = call.auth.principal;
  if (action->get_string() == "delete") {
    return SendMassResult(call, *entity,
                          [&, selection = std::move(selection).value()](auto done) mutable {
                            mass_.Delete(principal, *entity, std::move(selection), std::move(done));
                          });
  }
  if (action->get_string() != "update") {
    return call.Fail(Status::NotFound("Mass action '" + std::string(action->get_string()) +
                                      "' does not exist."));
  }
  const auto* data = body->if_contains("data");
  if (data == nullptr || !data->is_object())
    return call.Fail(Status::InvalidArgument("MassAction update needs data."));
  json::object values = data->get_object();
  // EspoCRM's current form nests the attributes in data.values; the older one puts them in data.
  if (const auto* nested = values.if_contains("values"); nested != nullptr && nested->is_object()) {
    values = nested->get_object();
  }
  SendMassResult(
      call, *entity,
      [&, selection = std::move(selection).value(), values = std::move(values)](auto done) mutable {
        mass_.Update(principal, *entity, std::move(selection), std::move(values), std::move(done));
      });
}

void ApiHandler::HandleAppUser(Call& call) {
  const auth::Principal& principal = call.auth.principal;
  const metadata::EntityDef& user_entity = records_.metadata().Entity("User");
  auto user = records_.Read(principal, user_entity, principal.id);
  if (!user.ok()) return call.Fail(user.status());
  auto body = std::make_shared<json::object>(json::object{
      {"user", std::move(user->record)},
      {"acl", AclTable(records_.metadata(), principal)},
      {"preferences", json::object{{"id", principal.id},
                                   {"timeZone", "UTC"},
                                   {"language", "en_US"},
                                   {"weekStart", 0},
                                   {"defaultCurrency", service::CurrencyList().front()}}},
      {"token", nullptr},
      {"settings", Settings(options_.version)},
      {"language", "en_US"},
      {"appParams", json::object{{"maxUploadSize", 50}, {"isRestrictedMode", false}}}});
  if (call.auth.method == auth::AuthMethod::kToken) {
    // The client logged in with its token: hand the same token back.
    std::string_view header = TrimAscii(call.request.Header("Espo-Authorization"));
    if (header.empty()) header = TrimAscii(call.request.Header("Authorization").substr(6));
    if (const auto decoded = auth::Base64Decode(header);
        decoded && decoded->find(':') != std::string::npos) {
      (*body)["token"] = TrimAscii(std::string_view(*decoded).substr(decoded->find(':') + 1));
    }
  }
  if (call.auth.method != auth::AuthMethod::kEspoPassword) {
    return call.Reply(JsonResponse(200, SerializeJson(*body)));
  }
  // A password login through Espo-Authorization gets a token for the requests that follow.
  authenticator_.CreateToken(
      principal, [responder = call.responder, body](Result<std::string> token) {
        if (!token.ok()) return responder->Send(ErrorResponse(token.status()));
        (*body)["token"] = *token;
        responder->SendBuilt([body] { return JsonResponse(200, SerializeJson(*body)); });
      });
}

void ApiHandler::HandleDestroyToken(Call& call) {
  auto body = BodyObject(call.request);
  if (!body.ok()) return call.Fail(body.status());
  const auto* token = body->if_contains("token");
  if (token == nullptr || !token->is_string())
    return call.Fail(Status::InvalidArgument("No token given."));
  authenticator_.DestroyToken(std::string(token->get_string()),
                              [responder = call.responder](Result<bool> existed) {
                                if (!existed.ok())
                                  return responder->Send(ErrorResponse(existed.status()));
                                responder->Send(JsonResponse(200, *existed ? "true" : "false"));
                              });
}

void ApiHandler::HandleMetadata(Call& call) {
  auto pairs = DecodeQueryString(call.request.query());
  if (!pairs.ok()) return call.Fail(pairs.status());
  std::string key;
  for (const auto& [name, value] : *pairs) {
    if (name == "key") key = value;
  }
  const json::value* node = nullptr;
  json::value root = records_.metadata().client_json();
  node = &root;
  std::size_t at = 0;
  while (!key.empty() && at <= key.size() && node != nullptr) {
    const auto dot = std::min(key.find('.', at), key.size());
    const std::string part = key.substr(at, dot - at);
    node = node->is_object() ? node->as_object().if_contains(part) : nullptr;
    at = dot + 1;
  }
  call.Reply(JsonResponse(200, node == nullptr ? "null" : SerializeJson(*node)));
}

}  // namespace crm::api
