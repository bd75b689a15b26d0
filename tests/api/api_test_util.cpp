// Implementation of the API tests' shared helpers (api_test_util.hpp).
#include "api/api_test_util.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <regex>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "crm/auth/crypto.hpp"

#include <unistd.h>

namespace crm::apitest {
namespace {

void EnsureCrypto() {
  static const bool initialised = [] {
    const Status status = auth::InitCrypto();
    EXPECT_TRUE(status.ok()) << status.ToString();
    return status.ok();
  }();
  (void)initialised;
}

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  std::size_t at = 0;
  while ((at = text.find(from, at)) != std::string::npos) {
    text.replace(at, from.size(), to);
    at += to.size();
  }
  return text;
}

}  // namespace

std::string AuthModeName(AuthMode mode) {
  switch (mode) {
    case AuthMode::kApiKey:
      return "ApiKey";
    case AuthMode::kBasicAdmin:
      return "BasicAdmin";
    case AuthMode::kEspoPassword:
      return "EspoPassword";
    case AuthMode::kEspoToken:
      return "EspoToken";
    case AuthMode::kHmacSeed:
      return "HmacSeed";
    case AuthMode::kHmacEspoHex:
      return "HmacEspoHex";
    case AuthMode::kHmacEspoRaw:
      return "HmacEspoRaw";
  }
  return "Unknown";
}

std::vector<AuthMode> AllAuthModes() {
  return {AuthMode::kApiKey,     AuthMode::kBasicAdmin, AuthMode::kEspoPassword,
          AuthMode::kEspoToken,  AuthMode::kHmacSeed,   AuthMode::kHmacEspoHex,
          AuthMode::kHmacEspoRaw};
}

std::string Base64(std::string_view bytes) {
  EnsureCrypto();
  return auth::Base64Encode(bytes);
}

std::string HmacSha256Raw(std::string_view key, std::string_view message) {
  EnsureCrypto();
  return auth::HmacSha256(key, message);
}

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  return auth::HexEncode(HmacSha256Raw(key, message));
}

std::string BasicAuthorization(std::string_view user, std::string_view password) {
  return "Basic " + Base64(std::string(user) + ":" + std::string(password));
}

Headers AuthHeaders(const Credentials& c, std::string_view method, std::string_view target) {
  const std::string path(target.substr(0, target.find('?')));
  switch (c.mode) {
    case AuthMode::kApiKey:
      return {{"X-Api-Key", c.api_key}};
    case AuthMode::kBasicAdmin:
      return {{"Authorization", BasicAuthorization(c.user_name, c.secret)}};
    case AuthMode::kEspoPassword:
      return {{"Espo-Authorization", Base64(c.user_name + ":" + c.secret)}};
    case AuthMode::kEspoToken:
      return {{"Espo-Authorization", Base64(c.user_name + ":" + c.secret)},
              {"Espo-Authorization-By-Token", "true"}};
    case AuthMode::kHmacSeed: {
      // The seed document: $string = $method . ' ' . $uri with $uri = '/api/v1/Contact'.
      const std::string signed_text = std::string(method) + " " + kApiBase + path;
      return {{"X-Api-Key", c.api_key},
              {"X-Hmac-Authorization", Base64(HmacSha256Raw(c.secret_key, signed_text))}};
    }
    case AuthMode::kHmacEspoHex:
    case AuthMode::kHmacEspoRaw: {
      // EspoCRM: METHOD + ' ' + path below the API base, without the query string.
      const std::string signed_text = std::string(method) + " " + path;
      const std::string signature = c.mode == AuthMode::kHmacEspoHex
                                        ? HmacSha256Hex(c.secret_key, signed_text)
                                        : HmacSha256Raw(c.secret_key, signed_text);
      return {{"X-Hmac-Authorization", Base64(c.api_key + ":" + signature)}};
    }
  }
  return {};
}

ApiClient::ApiClient(const std::string& base_url, Credentials credentials)
    : http_(base_url + kApiBase), credentials_(std::move(credentials)) {}

HttpResponse ApiClient::Send(std::string_view method, std::string_view target,
                             std::string_view body, Headers headers) {
  Headers all = AuthHeaders(credentials_, method, target);
  all.insert(all.end(), headers.begin(), headers.end());
  return http_.Request(method, target, body, all);
}

HttpResponse ApiClient::Get(std::string_view target, const Headers& headers) {
  return Send("GET", target, {}, headers);
}

HttpResponse ApiClient::Post(std::string_view target, const json::value& body,
                             const Headers& headers) {
  Headers all = headers;
  all.emplace_back("Content-Type", "application/json");
  return Send("POST", target, json::serialize(body), all);
}

HttpResponse ApiClient::Put(std::string_view target, const json::value& body,
                            const Headers& headers) {
  Headers all = headers;
  all.emplace_back("Content-Type", "application/json");
  return Send("PUT", target, json::serialize(body), all);
}

HttpResponse ApiClient::Patch(std::string_view target, const json::value& body,
                              const Headers& headers) {
  Headers all = headers;
  all.emplace_back("Content-Type", "application/json");
  return Send("PATCH", target, json::serialize(body), all);
}

HttpResponse ApiClient::Delete(std::string_view target, const Headers& headers) {
  return Send("DELETE", target, {}, headers);
}

HttpResponse ApiClient::Raw(std::string_view method, std::string_view target, std::string_view body,
                            const Headers& headers) {
  return Send(method, target, body, headers);
}

Credentials ServerEnv::For(AuthMode mode) const {
  Credentials c;
  c.mode = mode;
  switch (mode) {
    case AuthMode::kApiKey:
      c.user_id = api_user.user_id;
      c.user_name = api_user.user_name;
      c.api_key = api_user.api_key;
      break;
    case AuthMode::kBasicAdmin:
    case AuthMode::kEspoPassword:
      c.user_id = admin_id;
      c.user_name = "admin";
      c.secret = TestServer::kAdminPassword;
      break;
    case AuthMode::kEspoToken:
      c.user_id = admin_id;
      c.user_name = "admin";
      c.secret = admin_token;
      break;
    case AuthMode::kHmacSeed:
    case AuthMode::kHmacEspoHex:
    case AuthMode::kHmacEspoRaw:
      c.user_id = hmac_user.user_id;
      c.user_name = hmac_user.user_name;
      c.api_key = hmac_user.api_key;
      c.secret_key = hmac_user.secret_key;
      break;
  }
  return c;
}

std::unique_ptr<ServerEnv> StartServerEnv(const std::vector<std::string>& extra_args) {
  auto env = std::make_unique<ServerEnv>();
  env->server = TestServer::Start(extra_args);
  if (env->server == nullptr) return nullptr;
  env->api_user = env->server->CreateApiUser("api-key-user", "api-key");
  env->hmac_user = env->server->CreateApiUser("hmac-user", "hmac");
  if (env->api_user.api_key.empty() || env->hmac_user.secret_key.empty()) {
    ADD_FAILURE() << "could not create the API users";
    return nullptr;
  }
  // A password login through Espo-Authorization hands out the admin's token.
  ApiClient login(env->server->base_url(), env->For(AuthMode::kEspoPassword));
  const HttpResponse user = login.Get("/App/user");
  if (user.status != 200) {
    ADD_FAILURE() << "admin login failed: " << Describe(user);
    return nullptr;
  }
  const json::value body = user.Json();
  env->admin_token = StringAt(body, "token");
  if (const auto* u = body.is_object() ? body.as_object().if_contains("user") : nullptr) {
    env->admin_id = StringAt(*u, "id");
  }
  if (env->admin_token.empty() || env->admin_id.empty()) {
    ADD_FAILURE() << "App/user gave no token or user id: " << user.body;
    return nullptr;
  }
  return env;
}

std::string Describe(const HttpResponse& response) {
  std::string text = "HTTP " + std::to_string(response.status);
  if (const std::string reason = response.Header("X-Status-Reason"); !reason.empty()) {
    text += " [X-Status-Reason: " + reason + "]";
  }
  text += " body: " + response.body.substr(0, 2000);
  return text;
}

::testing::AssertionResult IsApiError(const HttpResponse& response, long status) {
  if (response.status != status) {
    return ::testing::AssertionFailure()
           << "expected HTTP " << status << ", got " << Describe(response);
  }
  if (response.Header("Content-Type") != "application/json") {
    return ::testing::AssertionFailure() << "Content-Type is '" << response.Header("Content-Type")
                                         << "', not application/json; " << Describe(response);
  }
  const std::string reason = response.Header("X-Status-Reason");
  if (reason.empty()) {
    return ::testing::AssertionFailure() << "no X-Status-Reason; " << Describe(response);
  }
  boost::system::error_code ec;
  const json::value body = json::parse(response.body, ec);
  if (ec || !body.is_object()) {
    return ::testing::AssertionFailure() << "body is not a JSON object; " << Describe(response);
  }
  const auto* error = body.as_object().if_contains("error");
  if (error == nullptr || !error->is_object()) {
    return ::testing::AssertionFailure() << "body has no \"error\" object; " << Describe(response);
  }
  const json::object& e = error->as_object();
  const auto* s = e.if_contains("status");
  if (s == nullptr || !s->is_number() || s->to_number<double>() != static_cast<double>(status)) {
    return ::testing::AssertionFailure()
           << "error.status is not " << status << "; " << Describe(response);
  }
  const auto* message = e.if_contains("message");
  if (message == nullptr || !message->is_string() || message->get_string().empty()) {
    return ::testing::AssertionFailure()
           << "error.message is not a non-empty string; " << Describe(response);
  }
  const auto* description = e.if_contains("description");
  if (description == nullptr || !description->is_string()) {
    return ::testing::AssertionFailure()
           << "error.description is not a string; " << Describe(response);
  }
  // The header carries the description with bytes outside printable ASCII replaced by spaces, and
  // may be cut short.
  std::string header_safe(description->get_string());
  for (char& c : header_safe) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) c = ' ';
  }
  if (!header_safe.starts_with(reason)) {
    return ::testing::AssertionFailure()
           << "error.description differs from X-Status-Reason; " << Describe(response);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsApiError(const HttpResponse& response, long status,
                                      std::string_view reason) {
  auto result = IsApiError(response, status);
  if (!result) return result;
  if (response.Header("X-Status-Reason") != reason) {
    return ::testing::AssertionFailure()
           << "expected X-Status-Reason '" << reason << "'; " << Describe(response);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsValidationError(const HttpResponse& response, std::string_view entity,
                                             std::string_view field, std::string_view type) {
  auto result = IsApiError(response, 400);
  if (!result) return result;
  const json::value body = json::parse(response.body);
  const auto* translation = body.as_object().if_contains("messageTranslation");
  if (translation == nullptr || !translation->is_object()) {
    return ::testing::AssertionFailure() << "no messageTranslation; " << Describe(response);
  }
  const json::object& t = translation->as_object();
  if (StringAt(*translation, "label") != "validationFailure" || !t.contains("scope") ||
      !t.at("scope").is_null()) {
    return ::testing::AssertionFailure()
           << "messageTranslation is not {label: validationFailure, scope: null}; "
           << Describe(response);
  }
  const auto* data = t.if_contains("data");
  if (data == nullptr || StringAt(*data, "field") != field) {
    return ::testing::AssertionFailure()
           << "messageTranslation.data.field is not '" << field << "'; " << Describe(response);
  }
  const std::string actual_type = StringAt(*data, "type");
  if (actual_type.empty() || (!type.empty() && actual_type != type)) {
    return ::testing::AssertionFailure()
           << "messageTranslation.data.type is not '" << type << "'; " << Describe(response);
  }
  const std::string reason = "Field validation failure; entityType: " + std::string(entity) +
                             ", field: " + std::string(field) + ", type: " + actual_type + ".";
  if (response.Header("X-Status-Reason") != reason) {
    return ::testing::AssertionFailure()
           << "expected X-Status-Reason '" << reason << "'; " << Describe(response);
  }
  return ::testing::AssertionSuccess();
}

json::value ParseJson(std::string_view text) {
  boost::system::error_code ec;
  json::value value = json::parse(text, ec);
  EXPECT_FALSE(ec) << "not JSON: " << text;
  return ec ? json::value() : value;
}

json::object AsObject(const json::value& value) {
  if (!value.is_object()) {
    ADD_FAILURE() << "not a JSON object: " << json::serialize(value);
    return {};
  }
  return value.as_object();
}

json::array AsArray(const json::value& value) {
  if (!value.is_array()) {
    ADD_FAILURE() << "not a JSON array: " << json::serialize(value);
    return {};
  }
  return value.as_array();
}

std::string StringAt(const json::value& object, std::string_view key) {
  if (!object.is_object()) return {};
  const auto* v = object.as_object().if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

bool IsNullAt(const json::value& object, std::string_view key) {
  if (!object.is_object()) return false;
  const auto* v = object.as_object().if_contains(key);
  return v != nullptr && v->is_null();
}

std::vector<std::string> StringsAt(const json::value& object, std::string_view key) {
  std::vector<std::string> out;
  if (!object.is_object()) return out;
  const auto* v = object.as_object().if_contains(key);
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& item : v->as_array()) {
    if (item.is_string()) out.emplace_back(item.get_string());
  }
  return out;
}

std::vector<std::string> ListIds(const json::value& list_body) {
  std::vector<std::string> ids;
  if (!list_body.is_object()) return ids;
  const auto* list = list_body.as_object().if_contains("list");
  if (list == nullptr || !list->is_array()) return ids;
  for (const auto& item : list->as_array()) ids.push_back(StringAt(item, "id"));
  return ids;
}

bool JsonEquals(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  return a == b;
}

::testing::AssertionResult HasAttributes(const json::value& record, const json::object& expected,
                                         const std::vector<std::string>& ignore) {
  if (!record.is_object()) {
    return ::testing::AssertionFailure() << "record is not an object: " << json::serialize(record);
  }
  const json::object& r = record.as_object();
  for (const auto& [key, value] : expected) {
    if (std::find(ignore.begin(), ignore.end(), std::string(key)) != ignore.end()) continue;
    const auto* actual = r.if_contains(key);
    if (actual == nullptr) {
      return ::testing::AssertionFailure()
             << "attribute '" << key << "' missing in " << json::serialize(record);
    }
    if (value.is_array() && actual->is_array()) {
      for (const auto& item : value.as_array()) {
        const auto& a = actual->as_array();
        if (std::find(a.begin(), a.end(), item) == a.end()) {
          return ::testing::AssertionFailure()
                 << "attribute '" << key << "' = " << json::serialize(*actual) << " lacks "
                 << json::serialize(item);
        }
      }
      continue;
    }
    if (!JsonEquals(value, *actual)) {
      return ::testing::AssertionFailure()
             << "attribute '" << key << "' is " << json::serialize(*actual) << ", expected "
             << json::serialize(value);
    }
  }
  return ::testing::AssertionSuccess();
}

bool IsLowerHex(std::string_view text, std::size_t length) {
  if (text.size() != length) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsRecordId(std::string_view text) { return IsLowerHex(text, 17); }

bool IsDateTime(std::string_view text) {
  static const std::regex pattern(
      R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d)");
  return std::regex_match(std::string(text), pattern);
}

bool IsDate(std::string_view text) {
  static const std::regex pattern(R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))");
  return std::regex_match(std::string(text), pattern);
}

std::vector<std::string> SeedEntities() {
  return {"Contact", "Lead", "Account", "Opportunity", "Call", "Meeting", "Task"};
}

json::object SeedCreateBody(std::string_view entity, const SeedIds& ids) {
  // Verbatim from the seed document's "Create ..." examples.
  std::string text;
  if (entity == "Contact") {
    text = R"({
  "firstName": "John",
  "lastName": "Doe",
  "emailAddress": "john.doe@example.com",
  "phoneNumber": "+1234567890",
  "accountId": "account-id",
  "description": "New contact from API"
})";
  } else if (entity == "Lead") {
    text = R"({
  "firstName": "Jane",
  "lastName": "Smith",
  "emailAddress": "jane@example.com",
  "source": "Web Site",
  "status": "New",
  "industry": "Technology"
})";
  } else if (entity == "Account") {
    text = R"({
  "name": "Acme Corporation",
  "website": "https://acme.com",
  "type": "Customer",
  "industry": "Technology",
  "billingAddressStreet": "123 Main St",
  "billingAddressCity": "San Francisco",
  "billingAddressState": "CA",
  "billingAddressCountry": "USA",
  "billingAddressPostalCode": "94105"
})";
  } else if (entity == "Opportunity") {
    text = R"({
  "name": "Big Deal",
  "accountId": "account-id",
  "stage": "Prospecting",
  "amount": 50000,
  "probability": 75,
  "closeDate": "2024-12-31",
  "description": "Large enterprise deal"
})";
  } else if (entity == "Call") {
    text = R"({
  "name": "Sales Call",
  "parentType": "Contact",
  "parentId": "contact-id",
  "dateStart": "2024-01-15 10:00:00",
  "duration": 1800,
  "status": "Planned",
  "direction": "Outbound"
})";
  } else if (entity == "Meeting") {
    text = R"({
  "name": "Product Demo",
  "dateStart": "2024-01-20 14:00:00",
  "dateEnd": "2024-01-20 15:00:00",
  "status": "Planned",
  "contactsIds": ["contact-id-1", "contact-id-2"],
  "usersIds": ["user-id"]
})";
  } else if (entity == "Task") {
    text = R"({
  "name": "Follow up",
  "status": "Not Started",
  "priority": "High",
  "dateEnd": "2024-01-25",
  "parentType": "Opportunity",
  "parentId": "opportunity-id",
  "assignedUserId": "user-id"
})";
  } else {
    ADD_FAILURE() << "the seed document has no create example for " << entity;
    return {};
  }
  text = ReplaceAll(text, "\"account-id\"", "\"" + ids.account_id + "\"");
  text = ReplaceAll(text, "\"contact-id-1\"", "\"" + ids.contact_id + "\"");
  text = ReplaceAll(text, "\"contact-id-2\"", "\"" + ids.contact_id_2 + "\"");
  text = ReplaceAll(text, "\"contact-id\"", "\"" + ids.contact_id + "\"");
  text = ReplaceAll(text, "\"opportunity-id\"", "\"" + ids.opportunity_id + "\"");
  text = ReplaceAll(text, "\"user-id\"", "\"" + ids.user_id + "\"");
  return json::parse(text).as_object();
}

std::string Enc(std::string_view text) { return testing::UrlEncode(text); }

std::string FindProgram(std::string_view program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t at = 0;
  while (at <= dirs.size()) {
    const std::size_t colon = std::min(dirs.find(':', at), dirs.size());
    const std::filesystem::path candidate =
        std::filesystem::path(dirs.substr(at, colon - at)) / std::string(program);
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
    at = colon + 1;
  }
  return {};
}

}  // namespace crm::apitest
