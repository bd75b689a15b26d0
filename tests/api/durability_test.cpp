// Durability: what the server acknowledged survives kill -9. Records of every entity are created,
// updated and deleted, the server is killed with SIGKILL (TestServer::KillAndRestart) and restarted
// on the same data, and every acknowledged write reads back: created records with their values,
// updates, deletes, versions, links, API users and auth tokens. The restart does not create the
// admin again.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_util.hpp"

namespace crm::apitest {
namespace {

class DurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = StartServerEnv();
    ASSERT_NE(env_, nullptr);
  }

  ApiClient Api() const { return env_->Client(AuthMode::kApiKey); }

  std::unique_ptr<ServerEnv> env_;
};

TEST_F(DurabilityTest, AcknowledgedWritesSurviveKill9) {
  ApiClient api = Api();
  struct Written {
    std::string target;
    json::value record;
  };
  std::vector<Written> written;
  const auto create = [&](const std::string& entity, const json::object& body) {
    const HttpResponse r = api.Post("/" + entity, body);
    EXPECT_HTTP_STATUS(r, 200);
    written.push_back({"/" + entity + "/" + StringAt(r.Json(), "id"), r.Json()});
    return StringAt(r.Json(), "id");
  };
  const std::string account_id =
      create("Account", {{"name", "Durable Co"}, {"emailAddress", "d@durable.example"}});
  const std::string contact_id = create("Contact", {{"firstName", "Dura"},
                                                    {"lastName", "Ble"},
                                                    {"accountId", account_id},
                                                    {"title", "Keeper"},
                                                    {"phoneNumber", "+1 555 0100"}});
  create("Lead", {{"firstName", "Last"}, {"lastName", "Ing"}, {"status", "Assigned"}});
  create("Opportunity", {{"name", "Durable deal"},
                         {"amount", 123},
                         {"closeDate", "2024-10-10"},
                         {"accountId", account_id}});
  create("Call", {{"name", "Durable call"},
                  {"dateStart", "2024-01-01 10:00:00"},
                  {"parentType", "Contact"},
                  {"parentId", contact_id}});
  create("Meeting", {{"name", "Durable meeting"},
                     {"dateStart", "2024-01-01 10:00:00"},
                     {"contactsIds", json::array{json::value(contact_id)}}});
  create("Task", {{"name", "Durable task"}, {"status", "Completed"}});
  create("Case", {{"name", "Durable case"}});

  // An update and a delete, acknowledged before the kill.
  const HttpResponse updated =
      api.Put(written[0].target, json::object{{"description", "updated before kill"}});
  ASSERT_HTTP_STATUS(updated, 200);
  written[0].record = updated.Json();
  const std::string doomed = create("Contact", {{"firstName", "Deleted"}, {"lastName", "Before"}});
  ASSERT_HTTP_STATUS(api.Delete("/Contact/" + doomed), 200);
  written.pop_back();
  const HttpResponse count_before = api.Get("/Contact");
  ASSERT_HTTP_STATUS(count_before, 200);

  env_->server->KillAndRestart();
  ASSERT_FALSE(::testing::Test::HasFatalFailure());

  ApiClient after = Api();
  for (const auto& w : written) {
    const HttpResponse r = after.Get(w.target);
    ASSERT_HTTP_STATUS(r, 200) << w.target;
    EXPECT_EQ(r.Json(), w.record) << w.target;
  }
  EXPECT_EQ(StringAt(after.Get(written[0].target).Json(), "description"), "updated before kill");
  EXPECT_EQ(AsObject(after.Get(written[0].target).Json()).at("versionNumber"), json::value(2));
  EXPECT_TRUE(IsApiError(after.Get("/Contact/" + doomed), 404));
  EXPECT_EQ(AsObject(after.Get("/Contact").Json()).at("total"),
            AsObject(count_before.Json()).at("total"));
}

TEST_F(DurabilityTest, BurstOfCreatesSurvivesKill9) {
  ApiClient api = Api();
  std::vector<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    const HttpResponse r = api.Post(
        "/Task", json::object{{"name", "Burst " + std::to_string(i)}, {"priority", "High"}});
    ASSERT_HTTP_STATUS(r, 200);
    ids.push_back(StringAt(r.Json(), "id"));
  }
  env_->server->KillAndRestart();
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const HttpResponse list = Api().Get("/Task?maxSize=200");
  ASSERT_HTTP_STATUS(list, 200);
  EXPECT_THAT(ListIds(list.Json()), ::testing::UnorderedElementsAreArray(ids));
  EXPECT_EQ(AsObject(list.Json()).at("total"), json::value(50));
}

TEST_F(DurabilityTest, CredentialsSurviveKill9) {
  const testing::ApiCredentials late = env_->server->CreateApiUser("created-late");
  env_->server->KillAndRestart();
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  for (AuthMode mode : AllAuthModes()) {
    EXPECT_HTTP_STATUS(env_->Client(mode).Get("/Contact"), 200) << AuthModeName(mode);
  }
  HttpClient http(env_->server->base_url() + kApiBase);
  EXPECT_HTTP_STATUS(http.Get("/Contact", {{"X-Api-Key", late.api_key}}), 200);
}

TEST_F(DurabilityTest, RestartDoesNotRecreateTheAdmin) {
  env_->server->KillAndRestart();
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  const std::string& banner = env_->server->banner();
  std::size_t count = 0;
  for (std::size_t at = banner.find("Created the admin user"); at != std::string::npos;
       at = banner.find("Created the admin user", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 1U) << banner;
  const HttpResponse users = env_->Admin().Get("/User?maxSize=200&select=userName");
  ASSERT_HTTP_STATUS(users, 200);
  int admins = 0;
  for (const auto& user : AsArray(AsObject(users.Json()).at("list"))) {
    if (StringAt(user, "userName") == "admin") ++admins;
  }
  EXPECT_EQ(admins, 1);
}

TEST_F(DurabilityTest, SeveralKillsInARow) {
  std::vector<std::string> ids;
  for (int round = 0; round < 3; ++round) {
    const HttpResponse r = Api().Post(
        "/Lead",
        json::object{{"firstName", "Round"}, {"lastName", "Number" + std::to_string(round)}});
    ASSERT_HTTP_STATUS(r, 200);
    ids.push_back(StringAt(r.Json(), "id"));
    env_->server->KillAndRestart();
    ASSERT_FALSE(::testing::Test::HasFatalFailure());
  }
  ApiClient api = Api();
  for (const auto& id : ids) EXPECT_HTTP_STATUS(api.Get("/Lead/" + id), 200);
}

}  // namespace
}  // namespace crm::apitest
