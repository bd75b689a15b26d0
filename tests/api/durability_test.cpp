// Durability: what the server acknowledged survives kill -9. Records of every entity are created,
// updated and deleted, the server is killed with SIGKILL (TestServer::KillAndRestart) and restarted
// on the same data, and every acknowledged write reads back: created records with their values,
// updates, deletes, versions, links, API users and auth tokens. The restart does not create the
// admin again. The crash test kills the server ten times at random moments while several clients
// write, and checks that every acknowledged write survived and the database file is intact.
#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/store/sqlite/sqlite_database.hpp"

#include "api/api_test_util.hpp"

namespace crm::apitest {
namespace {

class DurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The crash rounds send more than an hour's budget, and on PostgreSQL the counts outlive the
    // restarts (they are kept in the database, shared by every process).
    env_ = StartServerEnv({"--rate-limit", "off"});
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

// PRAGMA integrity_check on the database of `data_dir`, read through the store layer as the server
// reads it; "ok" when the file is sound.
std::string IntegrityCheck(const std::string& data_dir) {
  // On PostgreSQL the kill hits crmd only, a client of the database server, whose files it never
  // writes: there is no file of crmd's to check (the acknowledged writes still are, above).
  if (!testing::DatabaseUrlOf(data_dir).empty()) return "ok";
  store::SqliteOptions options;
  options.path = (std::filesystem::path(data_dir) / "crmd.db").string();
  auto db = store::SqliteDatabase::Open(options);
  if (!db.ok()) return "cannot open: " + db.status().message();
  auto conn = (*db)->ReadConnection();
  if (!conn.ok()) return "cannot read: " + conn.status().message();
  std::string result;
  const Status status =
      (*conn)->Query("PRAGMA integrity_check", {}, [&result](const store::Row& row) {
        result += std::string(row.Text(0));
        return true;
      });
  if (!status.ok()) return "integrity_check failed: " + status.message();
  return result;
}

// The seed of the crash test: CRMD_CRASH_SEED when set (to replay a failure), else random.
std::uint64_t CrashSeed() {
  const char* preset = std::getenv("CRMD_CRASH_SEED");
  if (preset != nullptr && *preset != '\0') return std::strtoull(preset, nullptr, 10);
  return (std::uint64_t{std::random_device{}()} << 32) | std::random_device{}();
}

// Many clients create tasks at once; after a random number of acknowledged creates the server is
// killed with SIGKILL while the others are mid-request, the database file is checked while no
// server runs, and the server restarts. Ten rounds. Every create answered 200 must read back;
// the ones that got no answer may or may not have been committed.
TEST_F(DurabilityTest, AcknowledgedConcurrentWritesSurviveTenRandomKills) {
#ifdef CRM_SANITIZED_BUILD
  constexpr int kWriters = 4;
  constexpr int kMostAcksPerRound = 30;
#else
  constexpr int kWriters = 8;
  constexpr int kMostAcksPerRound = 80;
#endif
  constexpr int kRounds = 10;
  const std::uint64_t seed = CrashSeed();
  std::cout << "crash test seed " << seed << " (set CRMD_CRASH_SEED to replay)" << std::endl;
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  const std::string api_key = env_->api_user.api_key;
  std::vector<std::string> acknowledged;  // over all rounds

  for (int round = 0; round < kRounds; ++round) {
    const int kill_after = std::uniform_int_distribution<int>(1, kMostAcksPerRound)(rng);
    std::mutex mu;
    std::condition_variable acked;
    std::vector<std::string> round_ids;
    int finished = 0;  // writers that stopped (all of them only when something went wrong)
    std::atomic<bool> killed{false};
    std::vector<std::thread> writers;
    const std::string base = env_->server->base_url() + kApiBase;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        HttpClient http(base);
        http.SetDefaultHeader("X-Api-Key", api_key);
        http.SetDefaultHeader("Content-Type", "application/json");
        const auto done = [&] {
          std::lock_guard<std::mutex> lock(mu);
          ++finished;
          acked.notify_all();
        };
        for (int n = 0; !killed.load(); ++n) {
          const std::string name = "Crash r" + std::to_string(round) + " w" + std::to_string(w) +
                                   " n" + std::to_string(n);
          const HttpResponse r =
              http.TryRequest("POST", "/Task", json::serialize(json::object{{"name", name}}), {});
          if (r.status == 0) return done();  // the server is gone
          if (r.status != 200) {
            ADD_FAILURE() << name << ": " << r.status << " " << r.body;
            return done();
          }
          const std::string id = StringAt(r.Json(), "id");
          std::lock_guard<std::mutex> lock(mu);
          round_ids.push_back(id);
          acked.notify_all();
        }
        done();
      });
    }
    {
      std::unique_lock<std::mutex> lock(mu);
      acked.wait(lock, [&] {
        return round_ids.size() >= static_cast<std::size_t>(kill_after) || finished == kWriters;
      });
    }
    env_->server->Kill();
    killed = true;
    for (auto& writer : writers) writer.join();
    ASSERT_FALSE(HasFailure());
    EXPECT_EQ(IntegrityCheck(env_->server->data_dir()), "ok") << "after kill " << round;

    env_->server->Restart();
    ASSERT_FALSE(HasFatalFailure());
    ApiClient api = Api();
    std::size_t found = 0;
    for (const auto& id : round_ids) {
      const HttpResponse r = api.Get("/Task/" + id);
      EXPECT_HTTP_STATUS(r, 200) << "acknowledged task " << id << " of round " << round;
      found += r.status == 200 ? 1 : 0;
    }
    std::cout << "kill " << round + 1 << ": " << round_ids.size()
              << " writes acknowledged (kill after " << kill_after << "), " << found
              << " found after restart" << std::endl;
    acknowledged.insert(acknowledged.end(), round_ids.begin(), round_ids.end());
  }

  // Every acknowledged task is in the list too, and at most one unanswered create per writer and
  // round was committed besides them.
  ApiClient api = Api();
  const HttpResponse count = api.Get("/Task?maxSize=1");
  ASSERT_HTTP_STATUS(count, 200);
  const std::int64_t total = AsObject(count.Json()).at("total").to_number<std::int64_t>();
  EXPECT_GE(total, static_cast<std::int64_t>(acknowledged.size()));
  EXPECT_LE(total, static_cast<std::int64_t>(acknowledged.size()) + kWriters * kRounds);
  std::cout << "after " << kRounds << " kills: " << acknowledged.size() << " acknowledged, "
            << total << " tasks stored" << std::endl;
  EXPECT_EQ(IntegrityCheck(env_->server->data_dir()), "ok");
}

}  // namespace
}  // namespace crm::apitest
