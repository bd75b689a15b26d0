// Routes of the application: the API root, the signed-in user with its ACL table and settings
// (GET /App/user, where an Espo-Authorization login gets its token), token sign-out, and the
// metadata clients read.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "crm/api/http_status.hpp"
#include "crm/api/query_string.hpp"
#include "crm/api/request_decoding.hpp"
#include "crm/api/routes.hpp"
#include "crm/auth/crypto.hpp"
#include "crm/common/json.hpp"
#include "crm/common/strings.hpp"
#include "crm/metadata/settings.hpp"
#include "crm/service/access_rules.hpp"

namespace crm::api {
namespace {

namespace json = boost::json;
using http::Method;

// EspoCRM's `acl` of GET /App/user: an admin's grants everything; anyone else's comes from its
// roles (scopes without access left out).
json::object AclTable(const metadata::Metadata& metadata, const auth::Principal& principal) {
  if (!principal.is_admin()) return service::AccessOf(principal, metadata)->ToAppUserJson(metadata);
  json::object table;
  for (const auto& entity : metadata.entities()) {
    if (entity.acl == metadata::AclKind::kBoolean) {
      table[entity.name] = true;
      continue;
    }
    table[entity.name] = json::object{{"read", "all"},
                                      {"stream", entity.stream ? "all" : "no"},
                                      {"edit", "all"},
                                      {"delete", "all"},
                                      {"create", "yes"}};
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
  const metadata::Settings& settings = metadata::ShippedSettings();
  for (const auto& currency : settings.currency_list) currencies.emplace_back(currency);
  const std::string& default_currency = settings.default_currency;
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

void Root(const ApiContext&, const ExchangePtr& exchange) {
  exchange->Reply(JsonResponse(200, "\"EspoCRM REST API\""));
}

void AppUser(const ApiContext& context, const ExchangePtr& exchange) {
  const auth::Principal& principal = exchange->principal();
  const metadata::EntityDef& user_entity = context.records.metadata().Entity("User");
  auto user = context.records.Read(principal, user_entity, principal.id);
  if (!user.ok()) return exchange->Fail(user.status());
  auto body = std::make_shared<json::object>(json::object{
      {"user", std::move(user->record)},
      {"acl", AclTable(context.records.metadata(), principal)},
      {"preferences",
       json::object{{"id", principal.id},
                    {"timeZone", "UTC"},
                    {"language", "en_US"},
                    {"weekStart", 0},
                    {"defaultCurrency", metadata::ShippedSettings().default_currency}}},
      {"token", nullptr},
      {"settings", Settings(context.options.version)},
      {"language", "en_US"},
      {"appParams", json::object{{"maxUploadSize", 50}, {"isRestrictedMode", false}}}});
  if (exchange->auth().method == auth::AuthMethod::kToken) {
    // The client logged in with its token: hand the same token back.
    std::string_view header = TrimAscii(exchange->request().Header("Espo-Authorization"));
    if (header.empty()) header = TrimAscii(exchange->request().Header("Authorization").substr(6));
    if (const auto decoded = auth::Base64Decode(header);
        decoded && decoded->find(':') != std::string::npos) {
      (*body)["token"] = TrimAscii(std::string_view(*decoded).substr(decoded->find(':') + 1));
    }
  }
  if (exchange->auth().method != auth::AuthMethod::kEspoPassword) {
    return exchange->Reply(JsonResponse(200, SerializeJson(*body)));
  }
  // A password login through Espo-Authorization gets a token for the requests that follow.
  context.authenticator.CreateToken(principal, [exchange, body](Result<std::string> token) {
    if (!token.ok()) return exchange->Reply(ErrorResponse(token.status()));
    (*body)["token"] = *token;
    exchange->ReplyBuilt([body] { return JsonResponse(200, SerializeJson(*body)); });
  });
}

void DestroyToken(const ApiContext& context, const ExchangePtr& exchange) {
  auto body = BodyObject(exchange->request());
  if (!body.ok()) return exchange->Fail(body.status());
  const auto* token = body->if_contains("token");
  if (token == nullptr || !token->is_string())
    return exchange->Fail(Status::InvalidArgument("No token given."));
  context.authenticator.DestroyToken(
      std::string(token->get_string()), [exchange](Result<bool> existed) {
        if (!existed.ok()) return exchange->Reply(ErrorResponse(existed.status()));
        exchange->Reply(JsonResponse(200, *existed ? "true" : "false"));
      });
}

void Metadata(const ApiContext& context, const ExchangePtr& exchange) {
  auto pairs = DecodeQueryString(exchange->request().query());
  if (!pairs.ok()) return exchange->Fail(pairs.status());
  std::string key;
  for (const auto& [name, value] : *pairs) {
    if (name == "key") key = value;
  }
  const json::value* node = nullptr;
  json::value root = context.records.metadata().client_json();
  node = &root;
  std::size_t at = 0;
  while (!key.empty() && at <= key.size() && node != nullptr) {
    const auto dot = std::min(key.find('.', at), key.size());
    const std::string part = key.substr(at, dot - at);
    node = node->is_object() ? node->as_object().if_contains(part) : nullptr;
    at = dot + 1;
  }
  exchange->Reply(JsonResponse(200, node == nullptr ? "null" : SerializeJson(*node)));
}

void OpenApi(const ApiContext& context, const ExchangePtr& exchange) {
  exchange->Reply(JsonResponse(200, context.openapi_json));
}

}  // namespace

void AddAppRoutes(RouteTable& table) {
  table.Add({Method::kGet, "/", Access::kPublic, RateCategory::kStandard, Body::kNone,
             Answer::kString, "The API root; answers \"EspoCRM REST API\".", Root});
  table.Add({Method::kGet, "/App/user", Access::kAuthenticated, RateCategory::kStandard,
             Body::kNone, Answer::kObject,
             "The signed-in user, its access table and settings; a password sign-in through "
             "Espo-Authorization gets a token here.",
             AppUser});
  table.Add({Method::kPost, "/App/destroyAuthToken", Access::kAuthenticated,
             RateCategory::kStandard, Body::kObject, Answer::kBoolean,
             "Revoke an auth token (sign out).", DestroyToken});
  table.Add({Method::kGet, "/Metadata", Access::kAuthenticated, RateCategory::kStandard,
             Body::kNone, Answer::kObject,
             "Entity definitions as clients read them; ?key=a.b selects a part.", Metadata});
  table.Add({Method::kGet, "/OpenApi", Access::kAuthenticated, RateCategory::kStandard, Body::kNone,
             Answer::kObject,
             "This API's OpenAPI 3.1 description, made from the route table and the metadata.",
             OpenApi});
}

}  // namespace crm::api
