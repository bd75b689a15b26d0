// Helpers shared by the API tests (tests/api/*_test.cpp): an API client that authenticates every
// request in one of the supported modes (API key, Basic, Espo-Authorization password or token, HMAC
// in the seed's and EspoCRM's forms), a started server with its users (ServerEnv), assertions for
// the contract's error responses, JSON accessors, format checks (ids, dates), and the seed
// document's example request bodies.
//
// Thread-safety: none; one test thread uses these.
#ifndef CRM_TESTS_API_API_TEST_UTIL_HPP_
#define CRM_TESTS_API_API_TEST_UTIL_HPP_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include "testing/http_client.hpp"
#include "testing/test_server.hpp"

namespace crm::apitest {

namespace json = boost::json;
using crm::testing::Headers;
using crm::testing::HttpClient;
using crm::testing::HttpResponse;
using crm::testing::TestServer;

inline constexpr char kApiBase[] = "/api/v1";

// How an ApiClient authenticates each request.
enum class AuthMode {
  kApiKey,        // X-Api-Key of an api-key API user
  kBasicAdmin,    // Authorization: Basic admin:password
  kEspoPassword,  // Espo-Authorization: base64(admin:password)
  kEspoToken,     // Espo-Authorization: base64(admin:token) + Espo-Authorization-By-Token: true
  kHmacSeed,      // X-Api-Key + X-Hmac-Authorization: base64(raw HMAC(secret, "GET /api/v1/Path"))
  kHmacEspoHex,   // X-Hmac-Authorization: base64(apiKey + ":" + hex HMAC(secret, "GET /Path"))
  kHmacEspoRaw,   // X-Hmac-Authorization: base64(apiKey + ":" + raw HMAC(secret, "GET /Path"))
};
std::string AuthModeName(AuthMode mode);
std::vector<AuthMode> AllAuthModes();

struct Credentials {
  AuthMode mode = AuthMode::kApiKey;
  std::string user_id;
  std::string user_name;   // password and token modes
  std::string secret;      // password or token
  std::string api_key;     // api-key and HMAC modes
  std::string secret_key;  // HMAC modes
};

std::string Base64(std::string_view bytes);
std::string HmacSha256Raw(std::string_view key, std::string_view message);
std::string HmacSha256Hex(std::string_view key, std::string_view message);
// "Basic base64(user:password)".
std::string BasicAuthorization(std::string_view user, std::string_view password);

// The authentication headers `credentials` put on `method target` (target = path below /api/v1 with
// an optional query, e.g. "/Contact?maxSize=2").
Headers AuthHeaders(const Credentials& credentials, std::string_view method,
                    std::string_view target);

// An HTTP client for the API under /api/v1 that authenticates every request with its credentials.
// Targets are relative to /api/v1 ("/Contact/abc").
class ApiClient {
 public:
  ApiClient(const std::string& base_url, Credentials credentials);

  HttpResponse Get(std::string_view target, const Headers& headers = {});
  HttpResponse Post(std::string_view target, const json::value& body, const Headers& headers = {});
  HttpResponse Put(std::string_view target, const json::value& body, const Headers& headers = {});
  HttpResponse Patch(std::string_view target, const json::value& body, const Headers& headers = {});
  HttpResponse Delete(std::string_view target, const Headers& headers = {});
  // Sends `body` verbatim; no Content-Type unless `headers` has one.
  HttpResponse Raw(std::string_view method, std::string_view target, std::string_view body,
                   const Headers& headers = {});

  const Credentials& credentials() const { return credentials_; }

 private:
  HttpResponse Send(std::string_view method, std::string_view target, std::string_view body,
                    Headers headers);

  HttpClient http_;
  Credentials credentials_;
};

// A running crmd with an api-key API user, an HMAC API user and the admin's id and auth token.
struct ServerEnv {
  std::unique_ptr<TestServer> server;
  testing::ApiCredentials api_user;
  testing::ApiCredentials hmac_user;
  std::string admin_id;
  std::string admin_token;

  Credentials For(AuthMode mode) const;
  ApiClient Client(AuthMode mode) const { return ApiClient(server->base_url(), For(mode)); }
  // The admin through Basic auth: for set-up and clean-up.
  ApiClient Admin() const { return Client(AuthMode::kBasicAdmin); }
};
// Starts crmd and creates the users; returns nullptr (after a test failure) when that fails. The
// server keeps crmd's real rate limits (1000 requests an hour per user, 10 failed authentications
// a minute per address, all from 127.0.0.1): a suite that sends more passes `--rate-limit` in
// `extra_args` (auth_test raises auth-failures; "--rate-limit", "off" for load).
std::unique_ptr<ServerEnv> StartServerEnv(const std::vector<std::string>& extra_args = {});

// A test suite whose tests share one running server: started before the suite's first test, stopped
// after its last. A test fails at SetUp when the server did not start. Suites run one after
// another, so one pointer serves every suite derived from this.
class SharedServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { env_ = StartServerEnv().release(); }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(env_, nullptr); }

  // A client with the api-key API user's key.
  static ApiClient Api() { return env_->Client(AuthMode::kApiKey); }
  // The server's data directory (its SQLite database is crmd.db inside).
  static std::string DataDir() { return env_->server->data_dir(); }

  static inline ServerEnv* env_ = nullptr;
};

// "HTTP 400 [X-Status-Reason: ...] body" for failure messages.
std::string Describe(const HttpResponse& response);

// The contract's error response: `status`, Content-Type exactly application/json, a non-empty
// X-Status-Reason, and a body {"error": {"status": status, "message": <string>, "description":
// <the reason>}} (further keys allowed beside "error").
::testing::AssertionResult IsApiError(const HttpResponse& response, long status);
// ... and X-Status-Reason equal to `reason`.
::testing::AssertionResult IsApiError(const HttpResponse& response, long status,
                                      std::string_view reason);
// A 400 validation failure of `field` with messageTranslation {label: validationFailure, scope:
// null, data: {field, type}}; `type` empty = any type.
::testing::AssertionResult IsValidationError(const HttpResponse& response, std::string_view entity,
                                             std::string_view field, std::string_view type = {});

// JSON access that fails the test (instead of throwing) on a shape mismatch. AsObject and AsArray
// return copies so that `AsArray(AsObject(response.Json()).at("list"))` in a range-for is safe.
json::value ParseJson(std::string_view text);
json::object AsObject(const json::value& value);
json::array AsArray(const json::value& value);
// The string at `key`, or "" when absent, null or not a string.
std::string StringAt(const json::value& object, std::string_view key);
bool IsNullAt(const json::value& object, std::string_view key);
std::vector<std::string> StringsAt(const json::value& object, std::string_view key);
// Ids of the records in a {"total", "list"} body.
std::vector<std::string> ListIds(const json::value& list_body);
// Numbers compare by value (50000 == 50000.0); everything else as JSON.
bool JsonEquals(const json::value& a, const json::value& b);

// Every key of `expected` is in `record` with an equal value; arrays of strings in `expected` must
// be contained in the record's array (the server may add members, e.g. the assigned user to
// usersIds).
::testing::AssertionResult HasAttributes(const json::value& record, const json::object& expected,
                                         const std::vector<std::string>& ignore = {});

bool IsRecordId(std::string_view text);  // 17 lowercase hex characters
bool IsDateTime(std::string_view text);  // YYYY-MM-DD HH:MM:SS
bool IsDate(std::string_view text);      // YYYY-MM-DD
bool IsLowerHex(std::string_view text, std::size_t length);

// Ids the seed document's example bodies refer to ("account-id", "contact-id", ...).
struct SeedIds {
  std::string account_id;
  std::string contact_id;
  std::string contact_id_2;
  std::string opportunity_id;
  std::string user_id;
};
// The seed document's "Create <entity>" body for Contact, Lead, Account, Opportunity, Call, Meeting
// and Task, with the placeholder ids replaced.
json::object SeedCreateBody(std::string_view entity, const SeedIds& ids);
// The entities the seed document shows a create body for.
std::vector<std::string> SeedEntities();

// Percent-encodes a query value.
std::string Enc(std::string_view text);

// The absolute path of `program` found on PATH, or "" (RunCommand needs absolute paths).
std::string FindProgram(std::string_view program);

}  // namespace crm::apitest

#define EXPECT_HTTP_STATUS(response, code) \
  EXPECT_EQ((response).status, code) << ::crm::apitest::Describe(response)
#define ASSERT_HTTP_STATUS(response, code) \
  ASSERT_EQ((response).status, code) << ::crm::apitest::Describe(response)

#endif  // CRM_TESTS_API_API_TEST_UTIL_HPP_
