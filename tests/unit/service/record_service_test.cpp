#include "crm/service/record_service.hpp"

#include <array>
#include <future>

#include <boost/json/parse.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/acl/access_table.hpp"
#include "crm/auth/crypto.hpp"
#include "crm/common/json.hpp"
#include "crm/common/strings.hpp"
#include "crm/query/where.hpp"
#include "crm/service/record_writer.hpp"
#include "crm/service/relation_service.hpp"
#include "crm/store/schema.hpp"
#include "crm/store/sqlite/sqlite_database.hpp"

#include "testing/status_matchers.hpp"
#include "testing/temp_dir.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;

class RecordServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(auth::InitCrypto(), IsOk());
    auto metadata = metadata::Metadata::Load(metadata::ShippedEntityDefs());
    ASSERT_THAT(metadata, IsOk());
    metadata_ = *metadata;
    auto db = store::SqliteDatabase::Open({dir_.File("service.db")});
    ASSERT_THAT(db, IsOk());
    db_ = std::move(db).value();
    ASSERT_THAT(db_->WriteAndWait(
                    [this](store::Connection& c) { return store::MigrateSchema(c, *metadata_); }),
                IsOk());
    service_ = std::make_unique<RecordService>(metadata_, *db_, clock_, &secrets_);
    user_ = Create("User", R"({"userName": "sales", "lastName": "Sales"})", admin_)->record;
    principal_.id = std::string(user_.at("id").as_string());
    // A user of the Full access role: these tests are about records, not about roles.
    principal_.access = acl::FullAccess(*metadata_, principal_.id);
  }

  const metadata::EntityDef& Entity(std::string_view name) { return metadata_->Entity(name); }

  // SQLite's EXPLAIN QUERY PLAN of `query`, a line per step ("" and a test failure on an error).
  std::string QueryPlan(const query::SqlFragment& query) {
    std::string plan;
    auto conn = db_->ReadConnection();
    EXPECT_THAT(conn, IsOk());
    if (!conn.ok()) return plan;
    EXPECT_THAT((*conn)->Query("EXPLAIN QUERY PLAN " + query.sql, query.params,
                               [&](const store::Row& row) {
                                 plan += std::string(row.Text(3)) + "\n";
                                 return true;
                               }),
                IsOk());
    return plan;
  }

  Result<RecordResult> Create(std::string_view entity, std::string_view body,
                              const auth::Principal& principal, WriteOptions options = {}) {
    std::promise<Result<RecordResult>> done;
    service_->Create(principal, Entity(entity), json::parse(body).as_object(), options,
                     [&](Result<RecordResult> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
  Result<RecordResult> Create(std::string_view entity, std::string_view body,
                              WriteOptions options = {}) {
    return Create(entity, body, principal_, options);
  }

  Result<RecordResult> Update(std::string_view entity, const std::string& id, std::string_view body,
                              WriteOptions options = {}) {
    std::promise<Result<RecordResult>> done;
    service_->Update(principal_, Entity(entity), id, json::parse(body).as_object(), options,
                     [&](Result<RecordResult> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }

  Result<bool> Delete(std::string_view entity, const std::string& id) {
    std::promise<Result<bool>> done;
    service_->Delete(principal_, Entity(entity), id, {},
                     [&](Result<bool> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }

  static std::string Id(const RecordResult& r) {
    return std::string(r.record.at("id").as_string());
  }

  crm::testing::TempDir dir_;
  FakeClock clock_{*ParseDateTime("2026-03-10 09:30:00")};
  std::shared_ptr<const metadata::Metadata> metadata_;
  std::unique_ptr<store::SqliteDatabase> db_;
  const auth::SecretBox secrets_ = auth::SecretBox::FromKey(std::string(32, 's'));
  std::unique_ptr<RecordService> service_;
  auth::Principal admin_{"admin-id", "admin", "Admin", auth::UserType::kAdmin};
  auth::Principal principal_{"", "sales", "Sales", auth::UserType::kRegular};
  json::object user_;
};

TEST_F(RecordServiceTest, CreateReturnsTheFullRecordAsEspoShapesIt) {
  auto account = Create("Account", R"({"name": "Acme", "emailAddress": "info@acme.example"})");
  ASSERT_THAT(account, IsOk());
  auto contact =
      Create("Contact", R"({"salutationName": "Mr.", "firstName": "John", "lastName": "Wire",
      "accountId": ")" + Id(*account) +
                            R"(", "title": "CTO", "phoneNumber": "+1 202 555 0101"})");
  ASSERT_THAT(contact, IsOk());
  const json::object& c = contact->record;
  EXPECT_EQ(Id(*contact).size(), 17u);
  EXPECT_EQ(c.at("name").as_string(), "John Wire");
  EXPECT_EQ(c.at("deleted").as_bool(), false);
  EXPECT_EQ(c.at("accountName").as_string(), "Acme");
  EXPECT_EQ(c.at("createdAt").as_string(), "2026-03-10 09:30:00");
  EXPECT_EQ(c.at("modifiedAt").as_string(), "2026-03-10 09:30:00");
  EXPECT_EQ(c.at("createdById").as_string(), principal_.id);
  EXPECT_EQ(c.at("createdByName").as_string(), "Sales");
  EXPECT_TRUE(c.at("modifiedById").is_null());
  EXPECT_TRUE(c.at("description").is_null());
  EXPECT_EQ(c.at("phoneNumber").as_string(), "+12025550101");
  EXPECT_EQ(c.at("phoneNumberData").as_array().size(), 1u);
  EXPECT_EQ(c.at("emailAddressData").as_array().size(), 0u);
  // The primary account is also in the accounts list, with the title as the role.
  EXPECT_EQ(c.at("accountsIds").as_array(), json::array{json::value(Id(*account))});
  EXPECT_EQ(c.at("accountsColumns").at(Id(*account)).at("role").as_string(), "CTO");
  EXPECT_EQ(account->record.at("versionNumber").as_int64(), 1);
}

TEST_F(RecordServiceTest, ReadFindsLiveRecordsOnly) {
  auto lead = Create("Lead", R"({"firstName": "Jane", "lastName": "Smith", "source": "Web Site"})");
  ASSERT_THAT(lead, IsOk());
  auto read = service_->Read(principal_, Entity("Lead"), Id(*lead));
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->record, lead->record);
  ASSERT_THAT(Delete("Lead", Id(*lead)), IsOk());
  EXPECT_THAT(service_->Read(principal_, Entity("Lead"), Id(*lead)),
              StatusIs(StatusCode::kNotFound, "Record " + Id(*lead) + " does not exist."));
  EXPECT_THAT(Delete("Lead", Id(*lead)),
              StatusIs(StatusCode::kNotFound, "Record " + Id(*lead) + " not found."));
  EXPECT_THAT(service_->Read(principal_, Entity("Lead"), "bad id"),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(RecordServiceTest, LinkNamesOfDeletedRecordsAreNull) {
  auto account = Create("Account", R"({"name": "Gone Soon", "type": "Customer"})");
  ASSERT_THAT(account, IsOk());
  auto contact =
      Create("Contact", R"({"lastName": "Orphan", "accountId": ")" + Id(*account) + R"("})");
  ASSERT_THAT(contact, IsOk());
  ASSERT_THAT(Delete("Account", Id(*account)), IsOk());
  auto read = service_->Read(principal_, Entity("Contact"), Id(*contact));
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->record.at("accountId").as_string(), Id(*account));
  EXPECT_TRUE(read->record.at("accountName").is_null());
  EXPECT_TRUE(read->record.at("accountType").is_null());
}

TEST_F(RecordServiceTest, UpdateIsPartialAndBumpsVersionOnlyOnChange) {
  auto account = Create("Account", R"({"name": "Acme", "type": "Customer"})");
  ASSERT_THAT(account, IsOk());
  clock_.Advance(std::chrono::minutes(5));
  auto same = Update("Account", Id(*account), R"({"type": "Customer"})");
  ASSERT_THAT(same, IsOk());
  EXPECT_EQ(same->version, account->version);
  EXPECT_EQ(same->record.at("modifiedAt").as_string(), "2026-03-10 09:30:00");
  auto changed = Update("Account", Id(*account), R"({"industry": "Technology"})");
  ASSERT_THAT(changed, IsOk());
  EXPECT_EQ(changed->version, account->version + 1);
  EXPECT_EQ(changed->record.at("versionNumber").as_int64(), 2);
  EXPECT_EQ(changed->record.at("type").as_string(), "Customer");
  EXPECT_EQ(changed->record.at("modifiedAt").as_string(), "2026-03-10 09:35:00");
  EXPECT_EQ(changed->record.at("modifiedById").as_string(), principal_.id);
  EXPECT_THAT(Update("Account", "doesnotexist123", R"({"type": "Partner"})"),
              StatusIs(StatusCode::kNotFound, "Record doesnotexist123 not found."));
}

TEST_F(RecordServiceTest, UpdateRecordsWhoModifiedTheRecordLast) {
  auto account = Create("Account", R"({"name": "Acme"})");
  ASSERT_THAT(account, IsOk());
  const auto update_as = [&](const auth::Principal& principal, std::string_view body) {
    std::promise<Result<RecordResult>> done;
    service_->Update(principal, Entity("Account"), Id(*account), json::parse(body).as_object(), {},
                     [&](Result<RecordResult> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  };
  auto first = update_as(principal_, R"({"industry": "Technology"})");
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->record.at("modifiedById").as_string(), principal_.id);
  auto again = update_as(principal_, R"({"industry": "Finance"})");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->version, first->version + 1);
  EXPECT_EQ(again->record.at("modifiedById").as_string(), principal_.id);
  auto by_admin = update_as(admin_, R"({"industry": "Retail"})");
  ASSERT_THAT(by_admin, IsOk());
  EXPECT_EQ(by_admin->record.at("modifiedById").as_string(), admin_.id);
  auto back = update_as(principal_, R"({"industry": "Energy"})");
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->record.at("modifiedById").as_string(), principal_.id);
}

TEST_F(RecordServiceTest, StaleVersionNumberConflictsOnlyWhenSomethingChanges) {
  auto account = Create("Account", R"({"name": "Acme", "type": "Customer"})");
  ASSERT_THAT(account, IsOk());
  ASSERT_THAT(Update("Account", Id(*account), R"({"type": "Partner"})"), IsOk());
  WriteOptions stale;
  stale.version_number = 1;
  auto conflict = Update("Account", Id(*account), R"({"type": "Reseller"})", stale);
  ASSERT_THAT(conflict, StatusIs(StatusCode::kConflict, "modified"));
  EXPECT_EQ(conflict.status().details()->at("versionNumber").as_int64(), 2);
  EXPECT_EQ(conflict.status().details()->at("values").at("type").as_string(), "Partner");
  EXPECT_THAT(Update("Account", Id(*account), R"({"type": "Partner"})", stale), IsOk());
  WriteOptions if_match;
  if_match.if_match = std::vector<std::int64_t>{1};
  EXPECT_THAT(Update("Account", Id(*account), R"({"type": "Investor"})", if_match),
              StatusIs(StatusCode::kFailedPrecondition));
}

TEST_F(RecordServiceTest, DuplicatesByNameOrEmailUnlessSkipped) {
  ASSERT_THAT(Create("Contact",
                     R"({"firstName": "Ann", "lastName": "Lee", "emailAddress": "ann@x.example"})"),
              IsOk());
  auto by_name = Create("Contact", R"({"firstName": "ann", "lastName": "LEE"})");
  ASSERT_THAT(by_name, StatusIs(StatusCode::kConflict, "duplicate"));
  EXPECT_EQ(by_name.status().details()->at("duplicates").as_array().size(), 1u);
  EXPECT_THAT(Create("Contact", R"({"lastName": "Other", "emailAddress": "ANN@x.example"})"),
              StatusIs(StatusCode::kConflict));
  WriteOptions skip;
  skip.skip_duplicate_check = true;
  EXPECT_THAT(Create("Contact", R"({"firstName": "Ann", "lastName": "Lee"})", skip), IsOk());
  EXPECT_THAT(
      Create("Contact", R"({"firstName": "Ann", "lastName": "Lee", "_skipDuplicateCheck": true})"),
      IsOk());
  // Deleted records are no duplicates.
  auto account = Create("Account", R"({"name": "Gone Inc"})");
  ASSERT_THAT(account, IsOk());
  ASSERT_THAT(Delete("Account", Id(*account)), IsOk());
  EXPECT_THAT(Create("Account", R"({"name": "Gone Inc"})"), IsOk());
}

// Every create runs this query; a plan that scans the table made creates take 75 ms each at 100k
// contacts (found by the benchmark suite).
TEST_F(RecordServiceTest, DuplicateCheckUsesIndexesNotScans) {
  for (const char* entity : {"Contact", "Lead", "Account"}) {
    const bool person = std::string_view(entity) != "Account";
    const std::string body =
        person ? R"({"firstName": "Ann", "lastName": "Lee", "emailAddress": "ann@x.example"})"
               : R"({"name": "Acme", "emailAddress": "info@acme.example"})";
    auto input =
        ParseRecordInput(Entity(entity), json::parse(body).as_object(), WriteMode::kCreate);
    ASSERT_THAT(input, IsOk());
    const query::SqlFragment query = RecordWriter::DuplicateQuery(Entity(entity), *input);
    ASSERT_FALSE(query.sql.empty()) << entity;
    const std::string plan = QueryPlan(query);
    EXPECT_THAT(plan, ::testing::HasSubstr("idx_" + ToSnakeCase(entity) + "_duplicate_name"))
        << plan;
    EXPECT_THAT(plan, ::testing::HasSubstr("idx_entity_email_address_lower")) << plan;
    EXPECT_THAT(plan, ::testing::Not(::testing::HasSubstr("SCAN t"))) << plan;
  }
}

// The console's global search sends a text filter to every entity it lists. Tested row by row in
// the list's order, a search that matched nothing read all 1M contacts (0.2-0.5 s). Its indexed
// form must be served by the text-filter indexes and the email lookup's index, for the page and for
// the total, and so must the probe that chooses it.
TEST_F(RecordServiceTest, TextFilterIndexedFormUsesTheTextFilterIndexes) {
  for (const char* name : {"Contact", "Lead", "Account", "User"}) {
    const metadata::EntityDef& entity = Entity(name);
    query::SearchParams params;
    params.text_filter = "Ann";
    query::FilterContext context{*metadata_, entity, query::Dialect::kSqlite, clock_.Now(),
                                 principal_.id};
    context.text_filter_by_index = true;
    const auto filter = query::CompileFilters(params, context);
    ASSERT_THAT(filter, IsOk());
    const std::string from = " FROM " + query::QuoteIdentifier(entity.table) +
                             " t WHERE t.\"deleted\" = 0 AND " + filter->sql;
    const auto probe = query::TextFilterProbe(params, context, 100);
    ASSERT_TRUE(probe.has_value()) << name;
    const std::vector<query::SqlFragment> queries = {
        {"SELECT t.\"id\"" + from + " ORDER BY t.\"created_at\" DESC, t.\"id\" DESC LIMIT 6",
         filter->params},
        {"SELECT COUNT(*)" + from, filter->params},
        *probe};
    const std::vector<query::TextFilterIndex> indexes = query::TextFilterIndexes(entity);
    ASSERT_FALSE(indexes.empty()) << name;
    for (const query::SqlFragment& query : queries) {
      const std::string plan = QueryPlan(query);
      // (The probe's "SCAN (subquery-n)" reads the union's rows, not a table.)
      EXPECT_THAT(plan, ::testing::Not(::testing::HasSubstr("SCAN t"))) << name << "\n" << plan;
      EXPECT_THAT(plan, ::testing::Not(::testing::HasSubstr("SCAN e"))) << name << "\n" << plan;
      EXPECT_THAT(plan, ::testing::HasSubstr("idx_entity_email_address_lower")) << name << "\n"
                                                                                << plan;
      for (const query::TextFilterIndex& index : indexes) {
        EXPECT_THAT(plan, ::testing::HasSubstr("USING COVERING INDEX idx_" + entity.table + "_" +
                                               index.name + " "))
            << name << "\n"
            << plan;
      }
    }
  }
}

// A record's timeline runs this query. Without statistics SQLite preferred the status index to the
// record's activity ids: for the held statuses (half of all meetings) an Account's history took
// 0.4-0.75 s at 1M contacts. The ids must drive it, each activity looked up by its primary key.
TEST_F(RecordServiceTest, ActivitiesQueryStartsFromTheRecordsActivities) {
  const std::string id = "0123456789abcdef0";
  for (const char* entity : {"Account", "Contact", "Lead", "Opportunity"}) {
    for (const bool history : {false, true}) {
      for (const auth::Principal* principal : {&admin_, &principal_}) {
        const query::SqlFragment query =
            RelationService::ActivitiesQuery(*principal, *metadata_, Entity(entity), id, history);
        ASSERT_FALSE(query.sql.empty()) << entity;
        const std::string plan = QueryPlan(query);
        EXPECT_THAT(plan, ::testing::Not(::testing::HasSubstr("_status"))) << entity << "\n"
                                                                           << plan;
        EXPECT_THAT(plan, ::testing::Not(::testing::HasSubstr("SCAN t"))) << entity << "\n" << plan;
        EXPECT_THAT(plan, ::testing::HasSubstr("SEARCH t USING PRIMARY KEY (id=?)"))
            << entity << "\n"
            << plan;
      }
    }
  }
}

TEST_F(RecordServiceTest, EmailAddressUpdatesReplaceThePrimaryAndKeepOthers) {
  auto contact = Create("Contact", R"({"lastName": "M", "emailAddressData": [
      {"emailAddress": "m1@x.example", "primary": true}, {"emailAddress": "m2@x.example", "optOut": true}]})");
  ASSERT_THAT(contact, IsOk());
  auto updated = Update("Contact", Id(*contact), R"({"emailAddress": "m3@x.example"})");
  ASSERT_THAT(updated, IsOk());
  const auto& data = updated->record.at("emailAddressData").as_array();
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data[0].at("emailAddress").as_string(), "m3@x.example");
  EXPECT_EQ(data[1].at("emailAddress").as_string(), "m2@x.example");
  EXPECT_TRUE(data[1].at("optOut").as_bool());
  EXPECT_EQ(updated->record.at("emailAddress").as_string(), "m3@x.example");
  auto cleared = Update("Contact", Id(*contact), R"({"emailAddressData": []})");
  ASSERT_THAT(cleared, IsOk());
  EXPECT_TRUE(cleared->record.at("emailAddress").is_null());
}

TEST_F(RecordServiceTest, AddressesSentBackUnchangedStillFindTheRecord) {
  auto contact = Create("Contact", R"({"lastName": "Kept", "emailAddressData": [
      {"emailAddress": "k1@x.example", "primary": true}, {"emailAddress": "k2@x.example"}],
      "phoneNumber": "+1 202 555 0199"})");
  ASSERT_THAT(contact, IsOk());
  const auto found = [&](std::string_view attribute, std::string_view value) {
    query::SearchParams params;
    params.where = json::array{
        json::object{{"type", "equals"}, {"attribute", attribute}, {"value", json::string(value)}}};
    auto list = service_->List(principal_, Entity("Contact"), params, ListOptions{true});
    EXPECT_THAT(list, IsOk());
    return list.ok() ? list->total : -1;
  };
  // A whole record sent back, as a sync job does: every address as it is stored.
  const json::object& stored = contact->record;
  auto same =
      Update("Contact", Id(*contact),
             SerializeJson(json::object{{"emailAddress", stored.at("emailAddress")},
                                        {"emailAddressData", stored.at("emailAddressData")},
                                        {"phoneNumber", stored.at("phoneNumber")},
                                        {"phoneNumberData", stored.at("phoneNumberData")}}));
  ASSERT_THAT(same, IsOk());
  EXPECT_EQ(same->version, contact->version);
  EXPECT_EQ(found("emailAddress", "k1@x.example"), 1);
  EXPECT_EQ(found("emailAddress", "k2@x.example"), 1);
  EXPECT_EQ(found("phoneNumber", "+12025550199"), 1);
  // A changed primary address replaces its lookup row and keeps the other one.
  ASSERT_THAT(Update("Contact", Id(*contact), R"({"emailAddress": "k3@x.example"})"), IsOk());
  EXPECT_EQ(found("emailAddress", "k1@x.example"), 0);
  EXPECT_EQ(found("emailAddress", "k3@x.example"), 1);
  EXPECT_EQ(found("emailAddress", "k2@x.example"), 1);
  EXPECT_EQ(found("phoneNumber", "+12025550199"), 1);
}

TEST_F(RecordServiceTest, TheWholeRecordSentBackChangesNothing) {
  // What a sync job does: it sends back every attribute it read. Without an address the flags
  // read null while the row holds false; that difference is no change either.
  auto account = Create("Account", R"({"name": "Synced"})");
  ASSERT_THAT(account, IsOk());
  const std::vector<std::string> bodies = {
      R"({"lastName": "Bare"})",
      R"({"lastName": "Full", "title": "CTO", "emailAddress": "full@x.example",
          "phoneNumber": "+1 202 555 0142", "accountId": ")" +
          Id(*account) + R"("})"};
  for (const std::string& body : bodies) {
    auto contact = Create("Contact", body);
    ASSERT_THAT(contact, IsOk());
    clock_.Advance(std::chrono::minutes(5));
    auto read = service_->Read(principal_, Entity("Contact"), Id(*contact));
    ASSERT_THAT(read, IsOk());
    auto same = Update("Contact", Id(*contact), SerializeJson(read->record));
    ASSERT_THAT(same, IsOk());
    EXPECT_EQ(same->version, contact->version) << body;
    EXPECT_EQ(same->record.at("modifiedAt"), contact->record.at("modifiedAt")) << body;
    EXPECT_EQ(SerializeJson(same->record), SerializeJson(read->record));
  }
}

TEST_F(RecordServiceTest, LinkMultipleFieldsReplaceTheSet) {
  auto team_a = Create("Team", R"({"name": "A"})", admin_);
  auto team_b = Create("Team", R"({"name": "B"})", admin_);
  ASSERT_THAT(team_a, IsOk());
  ASSERT_THAT(team_b, IsOk());
  auto lead = Create("Lead", R"({"lastName": "T", "teamsIds": [")" + Id(*team_a) + R"("]})");
  ASSERT_THAT(lead, IsOk());
  EXPECT_EQ(lead->record.at("teamsNames").at(Id(*team_a)).as_string(), "A");
  auto updated = Update("Lead", Id(*lead), R"({"teamsIds": [")" + Id(*team_b) + R"("]})");
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->record.at("teamsIds").as_array(), json::array{json::value(Id(*team_b))});
  EXPECT_THAT(Update("Lead", Id(*lead), R"({"teamsIds": ["nosuchteam000000"]})"),
              StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(RecordServiceTest, BusinessRules) {
  auto opportunity =
      Create("Opportunity", R"({"name": "Big Deal", "amount": 50000, "closeDate": "2024-12-31"})");
  ASSERT_THAT(opportunity, IsOk());
  EXPECT_EQ(opportunity->record.at("stage").as_string(), "Prospecting");
  EXPECT_EQ(opportunity->record.at("probability").as_int64(), 10);
  EXPECT_EQ(opportunity->record.at("amount").as_int64(), 50000);
  EXPECT_EQ(opportunity->record.at("amountCurrency").as_string(), "USD");
  auto negotiated = Update("Opportunity", Id(*opportunity), R"({"stage": "Negotiation"})");
  ASSERT_THAT(negotiated, IsOk());
  EXPECT_EQ(negotiated->record.at("probability").as_int64(), 80);

  auto call = Create(
      "Call", R"({"name": "Sales Call", "dateStart": "2024-01-15 10:00:00", "duration": 1800})");
  ASSERT_THAT(call, IsOk());
  EXPECT_EQ(call->record.at("dateEnd").as_string(), "2024-01-15 10:30:00");
  EXPECT_EQ(call->record.at("duration").as_int64(), 1800);
  EXPECT_EQ(call->record.at("assignedUserId").as_string(), principal_.id);
  EXPECT_EQ(call->record.at("usersIds").as_array(), json::array{json::value(principal_.id)});
  EXPECT_EQ(call->record.at("usersColumns").at(principal_.id).at("status").as_string(), "Accepted");

  auto task = Create("Task", R"({"name": "Follow up"})");
  ASSERT_THAT(task, IsOk());
  EXPECT_TRUE(task->record.at("dateCompleted").is_null());
  clock_.Advance(std::chrono::hours(1));
  auto completed = Update("Task", Id(*task), R"({"status": "Completed"})");
  ASSERT_THAT(completed, IsOk());
  EXPECT_EQ(completed->record.at("dateCompleted").as_string(), "2026-03-10 10:30:00");

  auto account = Create("Account", R"({"name": "Parent Co"})");
  ASSERT_THAT(account, IsOk());
  auto meeting = Create(
      "Meeting", R"({"name": "Demo", "dateStart": "2024-01-20 14:00:00", "parentType": "Account",
      "parentId": ")" +
                     Id(*account) + R"("})");
  ASSERT_THAT(meeting, IsOk());
  EXPECT_EQ(meeting->record.at("parentName").as_string(), "Parent Co");
  EXPECT_EQ(meeting->record.at("accountId").as_string(), Id(*account));
  EXPECT_EQ(meeting->record.at("dateEnd").as_string(), "2024-01-20 15:00:00");
}

TEST_F(RecordServiceTest, OnlyAdminsChangeUsers) {
  EXPECT_THAT(Create("User", R"({"userName": "intruder"})"),
              StatusIs(StatusCode::kPermissionDenied, "No create access."));
  auto api_user =
      Create("User", R"({"userName": "robot", "type": "api", "authMethod": "Hmac"})", admin_);
  ASSERT_THAT(api_user, IsOk());
  EXPECT_EQ(api_user->record.at("apiKey").as_string().size(), 32u);
  const std::string secret(api_user->record.at("secretKey").as_string());
  EXPECT_EQ(secret.size(), 32u);
  // The creator sees the key and secret once: no later read shows them, or their hash, to
  // anyone. The secret is stored sealed; the key only as its hash.
  for (const auth::Principal* reader : {&principal_, &admin_}) {
    auto read = service_->Read(*reader, Entity("User"), Id(*api_user));
    ASSERT_THAT(read, IsOk());
    for (const char* hidden : {"apiKey", "secretKey", "apiKeyHash"}) {
      EXPECT_FALSE(read->record.contains(hidden)) << hidden;
    }
  }
  auto* conn = *db_->ReadConnection();
  std::string stored;
  const std::array<query::SqlValue, 1> id = {Id(*api_user)};
  ASSERT_THAT(conn->Query("SELECT \"secret_key\" FROM \"user\" WHERE \"id\" = ?", id,
                          [&](const store::Row& row) {
                            stored = row.Text(0);
                            return false;
                          }),
              IsOk());
  auto opened = secrets_.Open(stored);
  ASSERT_THAT(opened, IsOk());
  EXPECT_EQ(*opened, secret);
  EXPECT_THAT(Create("User", R"({"userName": "ROBOT"})", admin_), StatusIs(StatusCode::kConflict));
}

// GET by id and lists write their JSON straight from the rows (ReadJson, ListJson); the bytes must
// be those of the built records: link sets, durations, flags without an address, fractional
// numbers, escapes and the ETag's version included.
TEST_F(RecordServiceTest, RecordsWrittenFromRowsMatchTheBuiltRecords) {
  auto account = Create("Account", R"({"name": "Acme \"Quoted\" \\ Co", "type": "Customer"})");
  ASSERT_THAT(account, IsOk());
  auto team = Create("Team", R"({"name": "Sales"})", admin_);
  ASSERT_THAT(team, IsOk());
  std::vector<std::pair<std::string, std::string>> records;  // entity, id
  const auto add = [&](std::string_view entity, const std::string& body) {
    auto created = Create(entity, body);
    ASSERT_THAT(created, IsOk()) << body;
    records.emplace_back(entity, Id(*created));
  };
  add("Contact", R"({"firstName": "J\u00f6rg", "lastName": "Tab\tNew\nLine", "accountId": ")" +
                     Id(*account) + R"(", "title": "CTO", "teamsIds": [")" + Id(*team) +
                     R"("], "emailAddress": "jorg@example.com", "description": "</script>"})");
  add("Contact", R"({"firstName": "No", "lastName": "Address"})");
  add("Meeting", R"({"name": "Kick-off", "dateStart": "2026-03-11 10:00:00",
                     "dateEnd": "2026-03-11 11:30:00"})");
  add("Opportunity", R"({"name": "Deal", "amount": 1234.56, "accountId": ")" + Id(*account) +
                         R"(", "stage": "Prospecting", "closeDate": "2026-04-01"})");
  add("Account", R"({"name": "Second", "emailAddress": "second@example.com"})");
  for (const auth::Principal& principal : {principal_, admin_}) {
    for (const auto& [entity, id] : records) {
      auto built = service_->Read(principal, Entity(entity), id);
      ASSERT_THAT(built, IsOk());
      auto written = service_->ReadJson(principal, Entity(entity), id);
      ASSERT_THAT(written, IsOk());
      EXPECT_EQ(written->json, SerializeJson(built->record)) << entity;
      EXPECT_EQ(written->version, built->version);
    }
  }
  EXPECT_THAT(service_->ReadJson(principal_, Entity("Contact"), "0000000000000000x"),
              StatusIs(StatusCode::kNotFound));

  // Pages: with a total, without one (a full page with more behind it, and the last page), with
  // select, with a filter and an order.
  const auto list_params = [](std::optional<std::int64_t> max_size,
                              std::optional<std::vector<std::string>> select) {
    query::SearchParams params;
    params.max_size = max_size;
    params.select = std::move(select);
    return params;
  };
  query::SearchParams filtered;
  filtered.where =
      json::parse(R"([{"type": "equals", "attribute": "firstName", "value": "No"}])").as_array();
  filtered.order_by = "lastName";
  const std::vector<query::SearchParams> pages = {
      list_params(std::nullopt, std::nullopt), list_params(1, std::nullopt),
      list_params(2, std::nullopt), list_params(5, std::vector<std::string>{"name", "createdBy"})};
  for (const std::string entity : {"Contact", "Meeting", "Opportunity", "Account"}) {
    auto entity_pages = pages;
    if (entity == "Contact") {
      entity_pages.push_back(filtered);
      entity_pages.push_back(list_params(3, std::vector<std::string>{"name", "account"}));
    }
    for (const auto& params : entity_pages) {
      for (const bool count_total : {true, false}) {
        auto built = service_->List(principal_, Entity(entity), params, ListOptions{count_total});
        ASSERT_THAT(built, IsOk());
        auto written =
            service_->ListJson(principal_, Entity(entity), params, ListOptions{count_total});
        ASSERT_THAT(written, IsOk());
        json::array list;
        for (auto& record : built->list) list.emplace_back(std::move(record));
        EXPECT_EQ(*written,
                  SerializeJson(json::object{{"total", built->total}, {"list", std::move(list)}}))
            << entity << " maxSize " << params.max_size.value_or(-1) << " total " << count_total;
      }
    }
  }
}

}  // namespace
}  // namespace crm::service
