// Authentication over the wire, and the record round trip under every authentication mode: each of
// Contact, Lead, Account, Opportunity, Call, Meeting and Task is created from the seed document's
// example body, read, updated with PUT and PATCH, listed and deleted with an API key, Basic admin,
// Espo-Authorization password and token, and HMAC in the seed's form and in EspoCRM's hex and raw
// forms; User and Team are read in every mode. Then the failure cases: missing and wrong
// credentials (401 with the contract's body and the Basic challenge), HMAC signatures of other
// requests, API users on Basic, GET App/user and its token, token-only mode, logout
// (App/destroyAuthToken), deactivated users, 403 for non-admins creating a User, and API keys
// hidden from non-admins.
#include <string>
#include <tuple>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_util.hpp"

namespace crm::apitest {
namespace {

// One shared server: the fixture records the seed bodies refer to, plus a team.
struct AuthSuiteState {
  std::unique_ptr<ServerEnv> env;
  SeedIds ids;
  std::string team_id;
};
AuthSuiteState* state = nullptr;

void SetUpAuthSuite() {
  if (state != nullptr) return;
  state = new AuthSuiteState();
  // These tests send wrong credentials on purpose, far more than the 10 a minute an address may.
  state->env = StartServerEnv({"--rate-limit", "auth-failures=100000/m"});
  ASSERT_NE(state->env, nullptr);
  ApiClient admin = state->env->Admin();
  const auto create = [&](const std::string& entity, const json::object& body) {
    const HttpResponse r = admin.Post("/" + entity, body);
    EXPECT_HTTP_STATUS(r, 200);
    return StringAt(r.Json(), "id");
  };
  SeedIds& ids = state->ids;
  ids.account_id = create("Account", {{"name", "Fixture Holdings"}, {"type", "Customer"}});
  ids.contact_id = create(
      "Contact", {{"firstName", "Fiona"}, {"lastName", "Fixture"}, {"accountId", ids.account_id}});
  ids.contact_id_2 = create("Contact", {{"firstName", "Felix"}, {"lastName", "Fixture"}});
  ids.opportunity_id = create("Opportunity", {{"name", "Fixture Deal"},
                                              {"accountId", ids.account_id},
                                              {"amount", 1000},
                                              {"closeDate", "2024-06-30"}});
  ids.user_id = state->env->admin_id;
  state->team_id = create("Team", {{"name", "Fixture Team"}});
  ASSERT_TRUE(IsRecordId(ids.account_id) && IsRecordId(ids.contact_id) &&
              IsRecordId(ids.contact_id_2) && IsRecordId(ids.opportunity_id) &&
              IsRecordId(state->team_id));
}

void TearDownAuthSuite() {
  delete state;
  state = nullptr;
}

// What the round trip sends after the create, and what it then expects besides the sent values.
struct UpdateCase {
  json::object put;
  json::object patch;
  json::object derived_after_put;  // attributes the server computes from the PUT
  std::string kept;                // an attribute of the create body neither update touches
};

UpdateCase UpdatesFor(const std::string& entity) {
  if (entity == "Contact") {
    // The seed document's "Update Contact" body.
    return {{{"lastName", "Smith"}, {"description", "Updated via API"}},
            {{"addressCity", "Chicago"}},
            {{"name", "John Smith"}},
            "firstName"};
  }
  if (entity == "Lead") {
    return {{{"status", "In Process"}, {"description", "Updated via API"}},
            {{"addressCity", "Chicago"}},
            {},
            "firstName"};
  }
  if (entity == "Account") {
    return {{{"type", "Partner"}, {"description", "Updated via API"}},
            {{"billingAddressCity", "Oakland"}},
            {},
            "website"};
  }
  if (entity == "Opportunity") {
    return {{{"stage", "Negotiation"}, {"description", "Updated via API"}},
            {{"amount", 75000}},
            {{"probability", 80}},
            "closeDate"};
  }
  if (entity == "Call") {
    return {{{"status", "Held"}, {"description", "Updated via API"}},
            {{"direction", "Inbound"}},
            {},
            "dateStart"};
  }
  if (entity == "Meeting") {
    return {{{"status", "Held"}, {"description", "Updated via API"}},
            {{"name", "Product Demo (follow-up)"}},
            {},
            "dateStart"};
  }
  return {{{"status", "Started"}, {"description", "Updated via API"}},
          {{"priority", "Urgent"}},
          {},
          "name"};
}

class AuthRoundTripTest : public ::testing::TestWithParam<std::tuple<AuthMode, std::string>> {
 protected:
  static void SetUpTestSuite() { SetUpAuthSuite(); }
  static void TearDownTestSuite() { TearDownAuthSuite(); }

  void SetUp() override { ASSERT_NE(state->env, nullptr); }

  // Records a failed test left behind would make the next mode's create a duplicate.
  void TearDown() override {
    if (state->env == nullptr) return;
    ApiClient admin = state->env->Admin();
    for (const auto& target : created_) admin.Delete(target);
  }

  std::vector<std::string> created_;
};

TEST_P(AuthRoundTripTest, SeedBodyRoundTrips) {
  const auto& [mode, entity] = GetParam();
  ApiClient client = state->env->Client(mode);
  const std::string user_id = client.credentials().user_id;
  const json::object body = SeedCreateBody(entity, state->ids);
  const UpdateCase updates = UpdatesFor(entity);
  // The seed's Task due date is date-only; it is checked on its own below.
  const std::vector<std::string> ignore =
      entity == "Task" ? std::vector<std::string>{"dateEnd"} : std::vector<std::string>{};

  // Create: 200 with the full record.
  const HttpResponse created = client.Post("/" + entity, body);
  ASSERT_HTTP_STATUS(created, 200);
  EXPECT_EQ(created.Header("Content-Type"), "application/json");
  const json::value record = created.Json();
  const std::string id = StringAt(record, "id");
  ASSERT_TRUE(IsRecordId(id)) << created.body;
  const std::string target = "/" + entity + "/" + id;
  created_.push_back(target);
  EXPECT_TRUE(HasAttributes(record, body, ignore));
  EXPECT_EQ(StringAt(record, "createdById"), user_id);
  EXPECT_TRUE(IsDateTime(StringAt(record, "createdAt"))) << created.body;
  if (entity == "Task") {
    EXPECT_TRUE(StringAt(record, "dateEndDate") == "2024-01-25" ||
                StringAt(record, "dateEnd").starts_with("2024-01-25"))
        << created.body;
  }

  // Read.
  const HttpResponse read = client.Get(target);
  ASSERT_HTTP_STATUS(read, 200);
  EXPECT_EQ(StringAt(read.Json(), "id"), id);
  EXPECT_TRUE(HasAttributes(read.Json(), body, ignore));

  // PUT: partial update.
  const HttpResponse put = client.Put(target, updates.put);
  ASSERT_HTTP_STATUS(put, 200);
  EXPECT_TRUE(HasAttributes(put.Json(), updates.put));
  EXPECT_TRUE(HasAttributes(put.Json(), updates.derived_after_put));
  EXPECT_TRUE(JsonEquals(AsObject(put.Json()).at(updates.kept), body.at(updates.kept)))
      << updates.kept << " changed: " << put.body;
  EXPECT_EQ(StringAt(put.Json(), "modifiedById"), user_id);

  // PATCH: partial update; the PUT's values stay.
  const HttpResponse patch = client.Patch(target, updates.patch);
  ASSERT_HTTP_STATUS(patch, 200);
  EXPECT_TRUE(HasAttributes(patch.Json(), updates.patch));
  EXPECT_TRUE(HasAttributes(patch.Json(), updates.put));

  const HttpResponse reread = client.Get(target);
  ASSERT_HTTP_STATUS(reread, 200);
  EXPECT_TRUE(HasAttributes(reread.Json(), updates.put));
  EXPECT_TRUE(HasAttributes(reread.Json(), updates.patch));

  // List.
  const HttpResponse list = client.Get("/" + entity + "?maxSize=200");
  ASSERT_HTTP_STATUS(list, 200);
  EXPECT_THAT(ListIds(list.Json()), ::testing::Contains(id));

  // Delete, then the record is gone.
  const HttpResponse deleted = client.Delete(target);
  ASSERT_HTTP_STATUS(deleted, 200);
  EXPECT_EQ(deleted.body, "true");
  EXPECT_TRUE(IsApiError(client.Get(target), 404, "Record " + id + " does not exist."));
  const HttpResponse after = client.Get("/" + entity + "?maxSize=200");
  ASSERT_HTTP_STATUS(after, 200);
  EXPECT_THAT(ListIds(after.Json()), ::testing::Not(::testing::Contains(id)));
}

INSTANTIATE_TEST_SUITE_P(AllModes, AuthRoundTripTest,
                         ::testing::Combine(::testing::ValuesIn(AllAuthModes()),
                                            ::testing::ValuesIn(SeedEntities())),
                         [](const ::testing::TestParamInfo<AuthRoundTripTest::ParamType>& p) {
                           return AuthModeName(std::get<0>(p.param)) + "_" + std::get<1>(p.param);
                         });

class UserTeamReadTest : public ::testing::TestWithParam<AuthMode> {
 protected:
  static void SetUpTestSuite() { SetUpAuthSuite(); }
  static void TearDownTestSuite() { TearDownAuthSuite(); }
  void SetUp() override { ASSERT_NE(state->env, nullptr); }
};

TEST_P(UserTeamReadTest, ReadsUsersAndTeams) {
  ApiClient client = state->env->Client(GetParam());
  const HttpResponse users = client.Get("/User");
  ASSERT_HTTP_STATUS(users, 200);
  EXPECT_THAT(ListIds(users.Json()),
              ::testing::IsSupersetOf({state->env->admin_id, state->env->api_user.user_id,
                                       state->env->hmac_user.user_id}));

  const HttpResponse admin = client.Get("/User/" + state->env->admin_id);
  ASSERT_HTTP_STATUS(admin, 200);
  EXPECT_EQ(StringAt(admin.Json(), "userName"), "admin");
  EXPECT_EQ(StringAt(admin.Json(), "type"), "admin");
  EXPECT_FALSE(AsObject(admin.Json()).contains("password"));

  const HttpResponse self = client.Get("/User/" + client.credentials().user_id);
  ASSERT_HTTP_STATUS(self, 200);
  EXPECT_EQ(StringAt(self.Json(), "userName"), client.credentials().user_name);

  const HttpResponse teams = client.Get("/Team");
  ASSERT_HTTP_STATUS(teams, 200);
  EXPECT_THAT(ListIds(teams.Json()), ::testing::Contains(state->team_id));
  const HttpResponse team = client.Get("/Team/" + state->team_id);
  ASSERT_HTTP_STATUS(team, 200);
  EXPECT_EQ(StringAt(team.Json(), "name"), "Fixture Team");
}

INSTANTIATE_TEST_SUITE_P(AllModes, UserTeamReadTest, ::testing::ValuesIn(AllAuthModes()),
                         [](const ::testing::TestParamInfo<AuthMode>& p) {
                           return AuthModeName(p.param);
                         });

// Failure modes and the login/token flow (a server of its own, set up the same way).
class AuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { SetUpAuthSuite(); }
  static void TearDownTestSuite() { TearDownAuthSuite(); }
  void SetUp() override { ASSERT_NE(state->env, nullptr); }

  const ServerEnv& env() const { return *state->env; }
  HttpClient Raw() const { return HttpClient(env().server->base_url() + kApiBase); }
  std::string ContactTarget() const { return "/Contact/" + state->ids.contact_id; }
};

TEST_F(AuthTest, NoCredentialsIs401WithBasicChallenge) {
  HttpClient http = Raw();
  const HttpResponse r = http.Get(ContactTarget());
  EXPECT_TRUE(IsApiError(r, 401));
  EXPECT_EQ(r.Header("WWW-Authenticate"), "Basic realm=\"\"");
}

TEST_F(AuthTest, NoCredentialsOnListAndCreateIs401) {
  HttpClient http = Raw();
  EXPECT_TRUE(IsApiError(http.Get("/Contact"), 401));
  EXPECT_TRUE(IsApiError(http.Post("/Contact", json::object{{"lastName", "Nobody"}}), 401));
  EXPECT_TRUE(IsApiError(http.Get("/App/user"), 401));
}

TEST_F(AuthTest, WrongApiKeyIs401) {
  HttpClient http = Raw();
  EXPECT_TRUE(IsApiError(http.Get(ContactTarget(), {{"X-Api-Key", "wrongkey"}}), 401));
  EXPECT_TRUE(IsApiError(http.Get(ContactTarget(), {{"X-Api-Key", std::string(32, 'a')}}), 401));
}

TEST_F(AuthTest, HmacUserCannotUseItsKeyAsPlainApiKey) {
  HttpClient http = Raw();
  EXPECT_TRUE(IsApiError(http.Get(ContactTarget(), {{"X-Api-Key", env().hmac_user.api_key}}), 401));
}

TEST_F(AuthTest, WrongHmacSignatureIs401) {
  HttpClient http = Raw();
  // Capture 51: a signature of zeros in EspoCRM's form.
  EXPECT_TRUE(IsApiError(
      http.Get(ContactTarget(), {{"X-Hmac-Authorization",
                                  Base64(env().hmac_user.api_key + ":" + std::string(64, '0'))}}),
      401));
  // Signed with the wrong secret, both forms.
  const std::string wrong_secret(32, 'f');
  const std::string espo_path = "GET " + ContactTarget();
  EXPECT_TRUE(IsApiError(
      http.Get(ContactTarget(),
               {{"X-Hmac-Authorization",
                 Base64(env().hmac_user.api_key + ":" + HmacSha256Hex(wrong_secret, espo_path))}}),
      401));
  EXPECT_TRUE(
      IsApiError(http.Get(ContactTarget(),
                          {{"X-Api-Key", env().hmac_user.api_key},
                           {"X-Hmac-Authorization",
                            Base64(HmacSha256Raw(wrong_secret, "GET /api/v1" + ContactTarget()))}}),
                 401));
}

TEST_F(AuthTest, HmacSignatureOfAnotherRequestIs401) {
  HttpClient http = Raw();
  Credentials hex = env().For(AuthMode::kHmacEspoHex);
  // Signed for GET /Account but sent to GET /Contact/{id}; signed for GET but sent as DELETE.
  EXPECT_TRUE(IsApiError(http.Get(ContactTarget(), AuthHeaders(hex, "GET", "/Account")), 401));
  EXPECT_TRUE(IsApiError(
      http.Request("DELETE", ContactTarget(), {}, AuthHeaders(hex, "GET", ContactTarget())), 401));
  Credentials seed = env().For(AuthMode::kHmacSeed);
  EXPECT_TRUE(IsApiError(http.Get(ContactTarget(), AuthHeaders(seed, "GET", "/Account")), 401));
  // The record still exists.
  EXPECT_HTTP_STATUS(env().Admin().Get(ContactTarget()), 200);
}

TEST_F(AuthTest, HmacWithUnknownApiKeyIs401) {
  HttpClient http = Raw();
  Credentials forged = env().For(AuthMode::kHmacEspoHex);
  forged.api_key = std::string(32, '0');
  EXPECT_TRUE(
      IsApiError(http.Get(ContactTarget(), AuthHeaders(forged, "GET", ContactTarget())), 401));
  EXPECT_TRUE(
      IsApiError(http.Get(ContactTarget(), {{"X-Hmac-Authorization", "not base64!"}}), 401));
}

TEST_F(AuthTest, HmacQueryStringIsNotSigned) {
  // Capture 49: the signature covers "GET /Contact" only.
  for (AuthMode mode : {AuthMode::kHmacEspoHex, AuthMode::kHmacEspoRaw, AuthMode::kHmacSeed}) {
    ApiClient client = env().Client(mode);
    const HttpResponse r = client.Get("/Contact?select=id,name&maxSize=2");
    ASSERT_HTTP_STATUS(r, 200) << AuthModeName(mode);
    EXPECT_LE(AsArray(AsObject(r.Json()).at("list")).size(), 2U);
  }
}

TEST_F(AuthTest, BasicAuthWithWrongPasswordIs401) {
  HttpClient http = Raw();
  EXPECT_TRUE(IsApiError(
      http.Get(ContactTarget(), {{"Authorization", BasicAuthorization("admin", "wrong")}}), 401));
  EXPECT_TRUE(IsApiError(
      http.Get(ContactTarget(), {{"Authorization", BasicAuthorization("nobody", "wrong")}}), 401));
}

TEST_F(AuthTest, ApiUsersCannotUseBasicAuth) {
  HttpClient http = Raw();
  EXPECT_TRUE(IsApiError(
      http.Get(ContactTarget(), {{"Authorization", BasicAuthorization(env().api_user.user_name,
                                                                      env().api_user.api_key)}}),
      401));
}

TEST_F(AuthTest, EspoAuthorizationLoginReturnsAppUserWithToken) {
  ApiClient client = env().Client(AuthMode::kEspoPassword);
  const HttpResponse r = client.Get("/App/user");
  ASSERT_HTTP_STATUS(r, 200);
  const json::object& body = AsObject(r.Json());
  for (const char* key :
       {"user", "acl", "preferences", "token", "settings", "language", "appParams"}) {
    EXPECT_TRUE(body.contains(key)) << key << " missing: " << r.body;
  }
  EXPECT_EQ(StringAt(body.at("user"), "userName"), "admin");
  EXPECT_EQ(StringAt(body.at("user"), "id"), env().admin_id);
  EXPECT_TRUE(IsLowerHex(StringAt(r.Json(), "token"), 32)) << r.body;
  EXPECT_TRUE(body.at("acl").is_object());
}

TEST_F(AuthTest, AppUserWithoutEspoAuthorizationHasNoToken) {
  for (AuthMode mode : {AuthMode::kApiKey, AuthMode::kBasicAdmin, AuthMode::kHmacEspoHex}) {
    const HttpResponse r = env().Client(mode).Get("/App/user");
    ASSERT_HTTP_STATUS(r, 200) << AuthModeName(mode);
    EXPECT_TRUE(IsNullAt(r.Json(), "token")) << AuthModeName(mode) << ": " << r.body;
    EXPECT_EQ(StringAt(AsObject(r.Json()).at("user"), "id"), env().For(mode).user_id);
  }
}

TEST_F(AuthTest, TokenWorksWithAndWithoutByTokenHeader) {
  HttpClient http = Raw();
  const std::string encoded = Base64("admin:" + env().admin_token);
  EXPECT_HTTP_STATUS(http.Get(ContactTarget(), {{"Espo-Authorization", encoded}}), 200);
  EXPECT_HTTP_STATUS(http.Get(ContactTarget(), {{"Espo-Authorization", encoded},
                                                {"Espo-Authorization-By-Token", "true"}}),
                     200);
}

TEST_F(AuthTest, ByTokenRejectsPasswordsAndUnknownTokens) {
  HttpClient http = Raw();
  EXPECT_TRUE(IsApiError(
      http.Get(ContactTarget(),
               {{"Espo-Authorization", Base64(std::string("admin:") + TestServer::kAdminPassword)},
                {"Espo-Authorization-By-Token", "true"}}),
      401));
  EXPECT_TRUE(IsApiError(
      http.Get(ContactTarget(), {{"Espo-Authorization", Base64("admin:" + std::string(32, 'a'))},
                                 {"Espo-Authorization-By-Token", "true"}}),
      401));
  EXPECT_TRUE(IsApiError(
      http.Get(ContactTarget(), {{"Espo-Authorization", Base64("admin:" + std::string(32, 'a'))}}),
      401));
}

TEST_F(AuthTest, TokenOfOneUserDoesNotAuthenticateAnother) {
  const auto created =
      env().server->Cli({"user", "create", "--username", "token-owner", "--password",
                         "Owner-Password-1", "--role", "Full access"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  HttpClient http = Raw();
  const HttpResponse login =
      http.Get("/App/user", {{"Espo-Authorization", Base64("token-owner:Owner-Password-1")}});
  ASSERT_HTTP_STATUS(login, 200);
  const std::string token = StringAt(login.Json(), "token");
  ASSERT_FALSE(token.empty()) << login.body;
  EXPECT_HTTP_STATUS(
      http.Get(ContactTarget(), {{"Espo-Authorization", Base64("token-owner:" + token)},
                                 {"Espo-Authorization-By-Token", "true"}}),
      200);
  EXPECT_TRUE(
      IsApiError(http.Get(ContactTarget(), {{"Espo-Authorization", Base64("admin:" + token)},
                                            {"Espo-Authorization-By-Token", "true"}}),
                 401));
}

TEST_F(AuthTest, DestroyAuthTokenLogsOut) {
  HttpClient http = Raw();
  const HttpResponse login = http.Get(
      "/App/user",
      {{"Espo-Authorization", Base64(std::string("admin:") + TestServer::kAdminPassword)}});
  ASSERT_HTTP_STATUS(login, 200);
  const std::string token = StringAt(login.Json(), "token");
  ASSERT_TRUE(IsLowerHex(token, 32)) << login.body;
  const Headers by_token = {{"Espo-Authorization", Base64("admin:" + token)},
                            {"Espo-Authorization-By-Token", "true"}};
  ASSERT_HTTP_STATUS(http.Get(ContactTarget(), by_token), 200);

  ApiClient admin = env().Admin();
  const HttpResponse destroyed =
      admin.Post("/App/destroyAuthToken", json::object{{"token", token}});
  ASSERT_HTTP_STATUS(destroyed, 200);
  EXPECT_EQ(destroyed.body, "true");
  EXPECT_TRUE(IsApiError(http.Get(ContactTarget(), by_token), 401));
  // A second logout finds nothing.
  const HttpResponse again = admin.Post("/App/destroyAuthToken", json::object{{"token", token}});
  ASSERT_HTTP_STATUS(again, 200);
  EXPECT_EQ(again.body, "false");
  // The suite's own token is unaffected.
  EXPECT_HTTP_STATUS(env().Client(AuthMode::kEspoToken).Get(ContactTarget()), 200);
}

TEST_F(AuthTest, EspoAuthorizationWithoutColonIs400) {
  HttpClient http = Raw();
  EXPECT_TRUE(IsApiError(http.Get(ContactTarget(), {{"Espo-Authorization", Base64("nocolon")}}),
                         400, "Auth: Bad authorization string provided."));
}

TEST_F(AuthTest, ApiUserCreatingUserIs403) {
  // Capture 56.
  for (AuthMode mode : {AuthMode::kApiKey, AuthMode::kHmacEspoHex}) {
    const HttpResponse r =
        env().Client(mode).Post("/User", json::object{{"userName", "x"}, {"lastName", "x"}});
    EXPECT_TRUE(IsApiError(r, 403, "No create access.")) << AuthModeName(mode);
  }
}

TEST_F(AuthTest, RegularUserCreatingUserIs403) {
  const auto created =
      env().server->Cli({"user", "create", "--username", "regular-joe", "--password",
                         "Regular-Password-1", "--role", "Full access"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  HttpClient http = Raw();
  const Headers basic = {
      {"Authorization", BasicAuthorization("regular-joe", "Regular-Password-1")}};
  EXPECT_HTTP_STATUS(http.Get("/Contact", basic), 200);
  EXPECT_TRUE(
      IsApiError(http.Post("/User", json::object{{"userName", "y"}, {"lastName", "y"}}, basic), 403,
                 "No create access."));
}

TEST_F(AuthTest, AdminCanCreateUsers) {
  const HttpResponse r = env().Admin().Post(
      "/User", json::object{{"userName", "created-by-admin"}, {"lastName", "Created"}});
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_TRUE(IsRecordId(StringAt(r.Json(), "id")));
  EXPECT_EQ(StringAt(r.Json(), "userName"), "created-by-admin");
  EXPECT_FALSE(AsObject(r.Json()).contains("password"));
}

// Nobody, not even an admin, reads a key or secret (or the key's hash) after creation.
TEST_F(AuthTest, NobodySeesApiKeysOfUsers) {
  for (const AuthMode mode : {AuthMode::kApiKey, AuthMode::kBasicAdmin}) {
    ApiClient client = env().Client(mode);
    const HttpResponse r = client.Get("/User/" + env().hmac_user.user_id);
    ASSERT_HTTP_STATUS(r, 200);
    EXPECT_NE(r.body.find(env().hmac_user.user_name), std::string::npos);
    const HttpResponse list = client.Get("/User?maxSize=200");
    ASSERT_HTTP_STATUS(list, 200);
    for (const std::string& body : {r.body, list.body}) {
      for (const std::string& secret :
           {env().hmac_user.api_key, env().hmac_user.secret_key, env().api_user.api_key}) {
        EXPECT_EQ(body.find(secret), std::string::npos) << body;
      }
      for (const char* attribute : {"\"apiKey\"", "\"secretKey\"", "\"apiKeyHash\""}) {
        EXPECT_EQ(body.find(attribute), std::string::npos) << body;
      }
    }
    for (const char* select : {"apiKey", "secretKey", "apiKeyHash"}) {
      EXPECT_TRUE(IsApiError(client.Get(std::string("/User?select=userName,") + select), 400));
    }
  }
}

TEST_F(AuthTest, DeactivatedApiUserIs401) {
  const testing::ApiCredentials user = env().server->CreateApiUser("short-lived");
  HttpClient http = Raw();
  ASSERT_HTTP_STATUS(http.Get("/Contact", {{"X-Api-Key", user.api_key}}), 200);
  ASSERT_HTTP_STATUS(env().Admin().Put("/User/" + user.user_id, json::object{{"isActive", false}}),
                     200);
  EXPECT_TRUE(IsApiError(http.Get("/Contact", {{"X-Api-Key", user.api_key}}), 401));
}

}  // namespace
}  // namespace crm::apitest
