// `crmd migrate-data`: a database filled through the API (records of every entity, links with
// their relation columns, an API user with a key, an HMAC user, a role, a team, a webhook with a
// delivery still pending, change events) is copied to another backend; every table of the copy
// equals the source's, and crmd serving the copy authenticates the old credentials, opens the
// sealed secrets and delivers the pending delivery. The copy's target is SQLite, and PostgreSQL
// when CRMD_TEST_POSTGRES_URL names a cluster; the source is the server's backend of the run
// (SQLite, or PostgreSQL in the suite's _pg run). A copy that fails part-way leaves its target
// marked unfinished: no command opens it until a copy with --replace completes.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/store/open_database.hpp"

#include "api/relation_test_util.hpp"
#include "api/webhook_test_util.hpp"
#include "testing/postgres_schema.hpp"
#include "testing/temp_dir.hpp"

namespace crm::apitest {
namespace {

using testing::CommandResult;
using testing::CrmdBinary;
using ::testing::HasSubstr;
using testing::PostgresSchema;
using testing::PostgresTestUrl;
using testing::RunCommand;
using testing::TempDir;

enum class Backend { kSqlite, kPostgres };

std::string BackendName(Backend backend) {
  return backend == Backend::kSqlite ? "Sqlite" : "Postgres";
}

bool SourceIsPostgres() {
  const char* backend = std::getenv("CRMD_TEST_BACKEND");
  return backend != nullptr && std::string_view(backend) == "postgres";
}

// A server on `backend`, whatever backend this run's servers use by default.
std::unique_ptr<ServerEnv> StartOn(Backend backend, const std::vector<std::string>& args) {
  const bool was_postgres = SourceIsPostgres();
  if (backend == Backend::kPostgres) {
    setenv("CRMD_TEST_BACKEND", "postgres", 1);
  } else {
    unsetenv("CRMD_TEST_BACKEND");
  }
  auto env = StartServerEnv(args);
  if (was_postgres) {
    setenv("CRMD_TEST_BACKEND", "postgres", 1);
  } else {
    unsetenv("CRMD_TEST_BACKEND");
  }
  return env;
}

// What migrate-data's --from/--to take for a server's database.
std::string LocationOf(const TestServer& server) {
  return server.database_url().empty() ? server.data_dir() : server.database_url();
}

CommandResult MigrateData(const std::string& from, const std::string& to,
                          std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"migrate-data", "--from", from, "--to", to};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunCommand(CrmdBinary(), args);
}

std::unique_ptr<store::Database> OpenLocation(const std::string& location) {
  const bool postgres = location.starts_with("postgres");
  store::SqliteOptions sqlite;
  sqlite.path = postgres ? "" : location + "/crmd.db";
  auto db = store::OpenDatabase(postgres ? location : "", sqlite);
  EXPECT_TRUE(db.ok()) << db.status().message();
  return db.ok() ? std::move(*db) : nullptr;
}

void ExecuteOn(const std::string& location, const std::string& sql) {
  auto db = OpenLocation(location);
  ASSERT_NE(db, nullptr);
  const Status status =
      db->WriteAndWait([&](store::Connection& conn) { return conn.ExecuteScript(sql); });
  EXPECT_TRUE(status.ok()) << sql << ": " << status.message();
  db->Shutdown();
}

// Every table of the database (SQLite's own excepted), each as its rows rendered to text and
// sorted; columns in name order, numbers by value (SQLite and PostgreSQL print REAL differently).
using Dump = std::map<std::string, std::vector<std::string>>;

Dump DumpDatabase(const std::string& location) {
  Dump dump;
  auto db = OpenLocation(location);
  if (db == nullptr) return dump;
  auto conn = db->ReadConnection();
  EXPECT_TRUE(conn.ok());
  if (!conn.ok()) return dump;
  const bool postgres = (*conn)->dialect() == query::Dialect::kPostgres;
  std::vector<std::string> tables;
  EXPECT_TRUE((*conn)
                  ->Query(postgres ? "SELECT table_name FROM information_schema.tables WHERE "
                                     "table_schema = current_schema()"
                                   : "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                     "name NOT LIKE 'sqlite_%'",
                          {},
                          [&](const store::Row& row) {
                            tables.emplace_back(row.Text(0));
                            return true;
                          })
                  .ok());
  for (const std::string& table : tables) {
    std::map<std::string, std::string> columns;  // name -> type
    const query::SqlValue name = table;
    EXPECT_TRUE((*conn)
                    ->Query(postgres ? "SELECT column_name, data_type FROM "
                                       "information_schema.columns WHERE table_schema = "
                                       "current_schema() AND table_name = ?"
                                     : "SELECT name, type FROM pragma_table_info(?)",
                            std::span(&name, 1),
                            [&](const store::Row& row) {
                              columns[std::string(row.Text(0))] = std::string(row.Text(1));
                              return true;
                            })
                    .ok());
    std::string select;
    std::vector<char> kinds;  // 'i' integer, 'r' real, 't' text
    for (const auto& [column, type] : columns) {
      select += (select.empty() ? "" : ", ") + query::QuoteIdentifier(column);
      std::string upper;
      for (const char c : type) {
        upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      kinds.push_back(upper.find("INT") != std::string::npos ? 'i'
                      : upper.find("REAL") != std::string::npos ||
                              upper.find("DOUBLE") != std::string::npos
                          ? 'r'
                          : 't');
    }
    std::vector<std::string>& rows = dump[table];
    EXPECT_TRUE((*conn)
                    ->Query("SELECT " + select + " FROM " + query::QuoteIdentifier(table), {},
                            [&](const store::Row& row) {
                              std::string text;
                              for (int i = 0; i < row.size(); ++i) {
                                if (row.IsNull(i)) {
                                  text += "NULL";
                                } else if (kinds[static_cast<std::size_t>(i)] == 'i') {
                                  text += std::to_string(row.Int(i));
                                } else if (kinds[static_cast<std::size_t>(i)] == 'r') {
                                  char number[40];
                                  std::snprintf(number, sizeof number, "%.17g", row.Double(i));
                                  text += number;
                                } else {
                                  text += "'" + std::string(row.Text(i)) + "'";
                                }
                                text += "|";
                              }
                              rows.push_back(std::move(text));
                              return true;
                            })
                    .ok())
        << table;
    std::sort(rows.begin(), rows.end());
  }
  db->Shutdown();
  return dump;
}

// Every table of `source` is in `copy` with the same rows, except the running servers' own state
// on PostgreSQL, which migrate-data leaves behind on purpose: who holds which webhook's lease, and
// the shared rate-limit counters (a copy starts its budgets afresh).
void ExpectSameRows(const Dump& source, const Dump& copy) {
  for (const auto& [table, rows] : source) {
    if (table == "crmd_webhook_lease" || table == "crmd_rate_count") continue;
    const auto it = copy.find(table);
    ASSERT_NE(it, copy.end()) << table << " is missing from the copy";
    EXPECT_EQ(it->second, rows) << "table " << table;
  }
}

// Where the source's key is: migrate-data finds it only beside a SQLite source by itself.
std::vector<std::string> KeyArgs(const ServerEnv& source) {
  return {"--secret-key-file", source.server->data_dir() + "/secret.key"};
}

std::int64_t RowsIn(const Dump& dump, const std::string& table) {
  const auto it = dump.find(table);
  return it == dump.end() ? -1 : static_cast<std::int64_t>(it->second.size());
}

class MigrateDataTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres && PostgresTestUrl().empty()) {
      GTEST_SKIP() << "no CRMD_TEST_POSTGRES_URL";
    }
  }
  Backend source_backend() const {
    return SourceIsPostgres() ? Backend::kPostgres : Backend::kSqlite;
  }
};

TEST_P(MigrateDataTest, CopiesEveryRecordLinkEventAndCredential) {
  auto receiver = WebhookReceiver::Start();
  ASSERT_NE(receiver, nullptr);
  // The receiver is down while the source serves: its delivery stays pending.
  receiver->Script("/hook", {}, Reply::Status(503));
  auto source = StartOn(source_backend(), WebhookServeArgs());
  ASSERT_NE(source, nullptr);
  ApiClient admin = source->Admin();
  const json::object hook =
      CreateWebhook(admin, json::object{{"event", "Case.create"}, {"url", receiver->Url("/hook")}});
  const std::string hook_id = StringAt(hook, "id");

  // Records of every entity, through the seed document's bodies where it has one.
  const std::string account = CreateRecordId(admin, "Account", {{"name", "Migrated Inc"}});
  const std::string contact =
      CreateRecordId(admin, "Contact",
                     {{"firstName", "Mia"},
                      {"lastName", "Grant"},
                      {"emailAddress", "mia@example.com"},
                      {"phoneNumber", "+1 555 0100"},
                      {"accountsIds", json::array{account}},
                      {"accountsColumns", json::object{{account, json::object{{"role", "CEO"}}}}}});
  const std::string opportunity = CreateRecordId(
      admin, "Opportunity",
      {{"name", "Big deal"},
       {"amount", 1234.5},
       {"stage", "Prospecting"},
       {"closeDate", UtcDatePlusDays(30)},
       {"accountId", account},
       {"contactsIds", json::array{contact}},
       {"contactsColumns", json::object{{contact, json::object{{"role", "Decision Maker"}}}}}});
  const std::string second = CreateRecordId(admin, "Contact", {{"lastName", "Second"}});
  SeedIds ids{account, contact, second, opportunity, source->admin_id};
  for (const std::string& entity : SeedEntities()) {
    CreateRecordId(admin, entity, SeedCreateBody(entity, ids));
  }
  CreateRecordId(admin, "Case", {{"name", "Broken widget"}, {"accountId", account}});
  const std::string team = CreateRecordId(admin, "Team", {{"name", "Migrated team"}});
  const std::string role = CreateRecordId(admin, "Role", {{"name", "Migrated role"}});
  ApiClient api = source->Client(AuthMode::kApiKey);
  ApiClient hmac = source->Client(AuthMode::kHmacSeed);
  ASSERT_EQ(hmac.Get("/Contact/" + contact).status, 200);
  const json::value contact_before = ReadRecord(api, "Contact", contact);
  const json::value deal_before = ReadRecord(api, "Opportunity", opportunity);
  // At least one attempt failed: the delivery is pending with a retry scheduled.
  const std::string pending_id = receiver->WaitFor("/hook", 1).at(0).Header("webhook-id");
  ASSERT_EQ(source->server->Stop(), 0);
  const std::string from = LocationOf(*source->server);
  const Dump before = DumpDatabase(from);
  ASSERT_GT(RowsIn(before, "crmd_event"), 0);
  ASSERT_EQ(RowsIn(before, "crmd_webhook_delivery"), 1);

  // The target has been served already (its own admin, roles and key): refused until --replace.
  auto target = StartOn(GetParam(), WebhookServeArgs());
  ASSERT_NE(target, nullptr);
  ASSERT_EQ(target->server->Stop(), 0);
  const std::string to = LocationOf(*target->server);
  const CommandResult refused = MigrateData(from, to, KeyArgs(*source));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("the target is not empty"));

  // A small batch: the copy takes several transactions per table.
  std::vector<std::string> args = KeyArgs(*source);
  args.insert(args.end(), {"--replace", "--batch-rows", "3"});
  const CommandResult copied = MigrateData(from, to, args);
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  EXPECT_THAT(copied.out, HasSubstr("crmd_webhook_delivery 1\n"));
  ExpectSameRows(before, DumpDatabase(to));

  // And back: the copy copied again to a SQLite directory holds the same rows.
  TempDir round_trip;
  const CommandResult back = MigrateData(to, round_trip.path().string(), KeyArgs(*source));
  ASSERT_EQ(back.exit_code, 0) << back.err;
  ExpectSameRows(before, DumpDatabase(round_trip.path().string()));

  // A directory target got the key with the copy; a PostgreSQL target's servers are given it.
  if (GetParam() == Backend::kPostgres) {
    std::filesystem::copy_file(std::filesystem::path(source->server->data_dir()) / "secret.key",
                               std::filesystem::path(target->server->data_dir()) / "secret.key",
                               std::filesystem::copy_options::overwrite_existing);
  }
  receiver->Script("/hook", {}, Reply::Status(200));
  target->server->Restart();
  const std::string base = target->server->base_url();
  ApiClient old_key(base, source->For(AuthMode::kApiKey));
  const json::value record = ReadRecord(old_key, "Contact", contact);
  EXPECT_EQ(StringAt(record, "lastName"), "Grant");
  EXPECT_EQ(StringAt(record, "emailAddress"), "mia@example.com");
  EXPECT_TRUE(JsonEquals(record, contact_before)) << record << "\n" << contact_before;
  EXPECT_EQ(ColumnAt(record, "accountsColumns", account, "role"), json::value("CEO"));
  EXPECT_THAT(RelatedIds(old_key, "Account", account, "contacts"), ::testing::Contains(contact));
  const json::value deal = ReadRecord(old_key, "Opportunity", opportunity);
  EXPECT_EQ(ColumnAt(deal, "contactsColumns", contact, "role"), json::value("Decision Maker"));
  EXPECT_EQ(ValueAt(deal, "amount"), json::value(1234.5));
  EXPECT_TRUE(JsonEquals(deal, deal_before)) << deal << "\n" << deal_before;
  // The HMAC secret was sealed with the source's key and opens on the copy.
  ApiClient old_hmac(base, source->For(AuthMode::kHmacSeed));
  EXPECT_EQ(old_hmac.Get("/Contact/" + contact).status, 200);
  ApiClient old_admin(base, source->For(AuthMode::kBasicAdmin));
  EXPECT_EQ(StringAt(ReadRecord(old_admin, "Team", team), "name"), "Migrated team");
  EXPECT_EQ(StringAt(ReadRecord(old_admin, "Role", role), "name"), "Migrated role");

  // The pending delivery goes out from the copy, signed with the webhook's (sealed) secret.
  WaitForOnlyDelivery(old_admin, hook_id, "delivered");
  const auto requests = receiver->Requests("/hook");
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests.back().Header("webhook-id"), pending_id);
  EXPECT_EQ(requests.back().Header("x-espocrm-signature"),
            HmacSha256HexOf(StringAt(hook, "secretKey"), requests.back().body));
  // New writes continue after the copied rows (PostgreSQL's sequences were moved past them).
  const std::string later = CreateRecordId(old_key, "Case", {{"name", "After the move"}});
  const auto delivered = receiver->WaitUntil("/hook", [&](const auto& received) {
    return !received.empty() && received.back().body.find(later) != std::string::npos;
  });
  ASSERT_FALSE(delivered.empty());
}

// The copy fails on the target's event table (a refusal put there by the test, standing in for a
// full disk or a lost connection) after the tables before it were copied and committed.
TEST_P(MigrateDataTest, AnInterruptedCopyIsMarkedUnusableUntilRedone) {
  auto source = StartOn(source_backend(), {});
  ASSERT_NE(source, nullptr);
  ApiClient admin = source->Admin();
  CreateRecordId(admin, "Account", {{"name", "Half copied"}});
  ASSERT_EQ(source->server->Stop(), 0);
  const std::string from = LocationOf(*source->server);

  TempDir dir;
  std::unique_ptr<PostgresSchema> schema;
  std::string to = dir.path().string();
  if (GetParam() == Backend::kPostgres) {
    schema = std::make_unique<PostgresSchema>(PostgresTestUrl());
    to = schema->url();
  }
  const auto open_target = [&] {
    std::vector<std::string> args = {"migrate", "--data", dir.path().string()};
    if (schema != nullptr) args.insert(args.end(), {"--database", schema->url()});
    return RunCommand(CrmdBinary(), args);
  };
  ASSERT_EQ(open_target().exit_code, 0);
  const bool postgres = GetParam() == Backend::kPostgres;
  ExecuteOn(to, postgres ? "ALTER TABLE crmd_event ADD CONSTRAINT crmd_test_refuse CHECK (seq < 0)"
                         : "CREATE TRIGGER crmd_test_refuse BEFORE INSERT ON crmd_event BEGIN "
                           "SELECT RAISE(ABORT, 'refused'); END");
  std::vector<std::string> replace = KeyArgs(*source);
  replace.push_back("--replace");
  const CommandResult failed = MigrateData(from, to, replace);
  EXPECT_EQ(failed.exit_code, 1) << failed.out;
  // Not rolled back: what was copied stays, behind the mark.
  EXPECT_EQ(RowsIn(DumpDatabase(to), "account"), 1);
  const CommandResult opened = open_target();
  EXPECT_EQ(opened.exit_code, 1);
  EXPECT_THAT(opened.err, HasSubstr("unfinished crmd migrate-data copy"));
  const CommandResult again = MigrateData(from, to, KeyArgs(*source));
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("the target holds an unfinished copy from"));

  ExecuteOn(to, postgres ? "ALTER TABLE crmd_event DROP CONSTRAINT crmd_test_refuse"
                         : "DROP TRIGGER crmd_test_refuse");
  const CommandResult redone = MigrateData(from, to, replace);
  ASSERT_EQ(redone.exit_code, 0) << redone.err;
  ExpectSameRows(DumpDatabase(from), DumpDatabase(to));
  EXPECT_EQ(open_target().exit_code, 0);
}

TEST(MigrateDataCliTest, RefusesAMissingSourceAndTheSameDatabaseTwice) {
  TempDir empty;
  const CommandResult missing = MigrateData(empty.File("none"), empty.File("copy"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("no database at"));
  auto source = StartOn(SourceIsPostgres() ? Backend::kPostgres : Backend::kSqlite, {});
  ASSERT_NE(source, nullptr);
  const std::string from = LocationOf(*source->server);
  const CommandResult same = MigrateData(from, from);
  EXPECT_EQ(same.exit_code, 1);
  EXPECT_THAT(same.err, HasSubstr("the same database"));
}

INSTANTIATE_TEST_SUITE_P(Targets, MigrateDataTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& target) { return BackendName(target.param); });

}  // namespace
}  // namespace crm::apitest
