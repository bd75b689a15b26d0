// Record semantics over the API (API key unless stated): partial PUT/PATCH, delete and what follows
// it, read-only attributes ignored on input, datetime normalisation, the business rules
// (Opportunity probability from stage, Task dateCompleted, Lead convertedAt, Call/Meeting dateEnd
// from duration, activities' assigned user and attendees, Contact accounts, accountId from the
// parent), Case numbers, optimistic concurrency (X-Version-Number -> 409 with values/versionNumber;
// ETag/If-Match -> 412), duplicate checks (409 with "duplicates", X-Skip-Duplicate-Check),
// case-insensitive entity names, and concurrent clients (parallel creates; versioned updates racing
// for one record).
#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_util.hpp"

namespace crm::apitest {
namespace {

class RecordsApiTest : public SharedServerTest {
 protected:
  static json::value Create(const std::string& entity, const json::object& body) {
    const HttpResponse r = Api().Post("/" + entity, body);
    EXPECT_HTTP_STATUS(r, 200);
    return r.status == 200 ? r.Json() : json::value(json::object());
  }
  static std::string CreateId(const std::string& entity, const json::object& body) {
    return StringAt(Create(entity, body), "id");
  }
};

// --- CRUD semantics ---------------------------------------------------------------------------

TEST_F(RecordsApiTest, CreateContactReturnsFullRecord) {
  const HttpResponse r = Api().Post(
      "/Contact", json::object{{"firstName", "Full"}, {"lastName", "Record"}, {"title", "Dr"}});
  ASSERT_HTTP_STATUS(r, 200);
  const json::value record = r.Json();
  EXPECT_TRUE(IsRecordId(StringAt(record, "id")));
  EXPECT_EQ(StringAt(record, "name"), "Full Record");
  EXPECT_EQ(StringAt(record, "title"), "Dr");
  EXPECT_TRUE(IsNullAt(record, "emailAddress"));
  EXPECT_EQ(AsObject(record).at("emailAddressData"), json::array());
  // The read returns the same record.
  const HttpResponse read = Api().Get("/Contact/" + StringAt(record, "id"));
  ASSERT_HTTP_STATUS(read, 200);
  EXPECT_EQ(read.Json(), record);
}

TEST_F(RecordsApiTest, PutChangesOnlyTheGivenAttributes) {
  // Captures 30 and 31.
  const json::value before = Create("Contact", {{"firstName", "Part"},
                                                {"lastName", "Ial"},
                                                {"title", "CTO"},
                                                {"description", "first contact"},
                                                {"addressCity", "Boston"}});
  const std::string target = "/Contact/" + StringAt(before, "id");
  const HttpResponse put =
      Api().Put(target, json::object{{"title", "CEO"}, {"description", "updated via PUT"}});
  ASSERT_HTTP_STATUS(put, 200);
  json::object expected = AsObject(before);
  expected["title"] = "CEO";
  expected["description"] = "updated via PUT";
  for (const char* changing : {"modifiedAt", "modifiedById", "modifiedByName"}) {
    expected.erase(changing);
  }
  EXPECT_TRUE(HasAttributes(put.Json(), expected));

  const HttpResponse patch = Api().Patch(target, json::object{{"addressCity", "Chicago"}});
  ASSERT_HTTP_STATUS(patch, 200);
  expected["addressCity"] = "Chicago";
  EXPECT_TRUE(HasAttributes(patch.Json(), expected));
  EXPECT_EQ(Api().Get(target).Json(), patch.Json());
}

TEST_F(RecordsApiTest, UpdateWithEmptyBodyChangesNothing) {
  const json::value before = Create("Lead", {{"firstName", "Empty"}, {"lastName", "Update"}});
  const HttpResponse r = Api().Put("/Lead/" + StringAt(before, "id"), json::object());
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_EQ(StringAt(r.Json(), "name"), "Empty Update");
  EXPECT_EQ(StringAt(r.Json(), "status"), "New");
}

TEST_F(RecordsApiTest, SettingAnAttributeToNullClearsIt) {
  const json::value before =
      Create("Account", {{"name", "Nulling Co"}, {"website", "https://n.example"}});
  const HttpResponse r =
      Api().Patch("/Account/" + StringAt(before, "id"), json::object{{"website", nullptr}});
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_TRUE(IsNullAt(r.Json(), "website")) << r.body;
}

TEST_F(RecordsApiTest, DeleteThenReadAndDeleteAgainAre404) {
  // Captures 58, 59, 60, and 32 for the update.
  const std::string id = CreateId("Contact", {{"firstName", "Gone"}, {"lastName", "Soon"}});
  const std::string target = "/Contact/" + id;
  const HttpResponse deleted = Api().Delete(target);
  ASSERT_HTTP_STATUS(deleted, 200);
  EXPECT_EQ(deleted.body, "true");
  EXPECT_EQ(deleted.Header("Content-Type"), "application/json");
  EXPECT_TRUE(IsApiError(Api().Get(target), 404, "Record " + id + " does not exist."));
  EXPECT_TRUE(IsApiError(Api().Delete(target), 404, "Record " + id + " not found."));
  EXPECT_TRUE(IsApiError(Api().Put(target, json::object{{"title", "x"}}), 404,
                         "Record " + id + " not found."));
  EXPECT_TRUE(IsApiError(Api().Patch(target, json::object{{"title", "x"}}), 404,
                         "Record " + id + " not found."));
  const HttpResponse list = Api().Get("/Contact?maxSize=200");
  EXPECT_THAT(ListIds(list.Json()), ::testing::Not(::testing::Contains(id)));
}

TEST_F(RecordsApiTest, EveryEntityCanBeDeleted) {
  const std::vector<std::pair<std::string, json::object>> records = {
      {"Lead", {{"lastName", "Deletable"}}},
      {"Account", {{"name", "Deletable Co"}}},
      {"Opportunity", {{"name", "Deletable Deal"}, {"amount", 1}, {"closeDate", "2024-01-01"}}},
      {"Call", {{"name", "Deletable Call"}, {"dateStart", "2024-01-01 10:00:00"}}},
      {"Meeting", {{"name", "Deletable Meeting"}, {"dateStart", "2024-01-01 10:00:00"}}},
      {"Task", {{"name", "Deletable Task"}}},
      {"Case", {{"name", "Deletable Case"}}},
  };
  for (const auto& [entity, body] : records) {
    const std::string id = CreateId(entity, body);
    const HttpResponse r = Api().Delete("/" + entity + "/" + id);
    EXPECT_HTTP_STATUS(r, 200) << entity;
    EXPECT_EQ(r.body, "true");
    EXPECT_TRUE(IsApiError(Api().Get("/" + entity + "/" + id), 404)) << entity;
  }
}

TEST_F(RecordsApiTest, ReadOnlyAttributesAreIgnoredOnCreate) {
  const std::string account_id = CreateId("Account", {{"name", "Real Account"}});
  const HttpResponse r = Api().Post("/Contact", json::object{{"id", "aaaaaaaaaaaaaaaaa"},
                                                             {"lastName", "Readonly"},
                                                             {"createdAt", "2000-01-01 00:00:00"},
                                                             {"modifiedAt", "2000-01-01 00:00:00"},
                                                             {"createdById", env_->admin_id},
                                                             {"createdByName", "Someone"},
                                                             {"accountId", account_id},
                                                             {"accountName", "Fake Name"},
                                                             {"deleted", true}});
  ASSERT_HTTP_STATUS(r, 200);
  const json::value record = r.Json();
  const std::string id = StringAt(record, "id");
  EXPECT_NE(id, "aaaaaaaaaaaaaaaaa");
  EXPECT_TRUE(IsRecordId(id));
  EXPECT_NE(StringAt(record, "createdAt"), "2000-01-01 00:00:00");
  EXPECT_NE(StringAt(record, "modifiedAt"), "2000-01-01 00:00:00");
  EXPECT_EQ(StringAt(record, "createdById"), env_->api_user.user_id);
  EXPECT_EQ(StringAt(record, "createdByName"), "api-key-user");
  EXPECT_EQ(StringAt(record, "accountName"), "Real Account");
  EXPECT_EQ(AsObject(record).at("deleted"), json::value(false));
  EXPECT_HTTP_STATUS(Api().Get("/Contact/" + id), 200);
}

TEST_F(RecordsApiTest, ReadOnlyAttributesAreIgnoredOnUpdate) {
  const json::value before = Create("Account", {{"name", "Stable Co"}});
  const std::string id = StringAt(before, "id");
  const HttpResponse r =
      Api().Put("/Account/" + id, json::object{{"id", "bbbbbbbbbbbbbbbbb"},
                                               {"createdAt", "2000-01-01 00:00:00"},
                                               {"versionNumber", 99},
                                               {"description", "changed"}});
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_EQ(StringAt(r.Json(), "id"), id);
  EXPECT_EQ(StringAt(r.Json(), "createdAt"), StringAt(before, "createdAt"));
  EXPECT_EQ(AsObject(r.Json()).at("versionNumber"), json::value(2));
  EXPECT_EQ(StringAt(r.Json(), "description"), "changed");
  EXPECT_TRUE(IsApiError(Api().Get("/Account/bbbbbbbbbbbbbbbbb"), 404));
  // Computed read-only attributes too.
  const json::value task =
      Create("Task", {{"name", "Not done"}, {"dateCompleted", "2000-01-01 00:00:00"}});
  EXPECT_TRUE(IsNullAt(task, "dateCompleted"));
  const json::value lead =
      Create("Lead", {{"lastName", "Unconverted"}, {"convertedAt", "2000-01-01 00:00:00"}});
  EXPECT_TRUE(IsNullAt(lead, "convertedAt"));
}

TEST_F(RecordsApiTest, DatetimeWithoutSecondsIsNormalised) {
  const json::value call =
      Create("Call", {{"name", "Short time"}, {"dateStart", "2024-01-15 10:00"}});
  EXPECT_EQ(StringAt(call, "dateStart"), "2024-01-15 10:00:00");
  EXPECT_EQ(StringAt(call, "dateEnd"), "2024-01-15 10:05:00");
}

TEST_F(RecordsApiTest, SeedTaskBodyWithDateOnlyDueDateIsAccepted) {
  // The seed's "Create Task" example gives "dateEnd": "2024-01-25" (a date: an all-day due date).
  const HttpResponse r =
      Api().Post("/Task", json::object{{"name", "Due date only"}, {"dateEnd", "2024-01-25"}});
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_TRUE(StringAt(r.Json(), "dateEndDate") == "2024-01-25" ||
              StringAt(r.Json(), "dateEnd").starts_with("2024-01-25"))
      << r.body;
}

TEST_F(RecordsApiTest, TaskAllDayDueDateThroughDateAttribute) {
  const json::value task = Create("Task", {{"name", "All day"}, {"dateEndDate", "2024-02-10"}});
  EXPECT_EQ(StringAt(task, "dateEndDate"), "2024-02-10");
}

TEST_F(RecordsApiTest, EntityNamesAreCaseInsensitiveInTheFirstLetter) {
  const HttpResponse created =
      Api().Post("/contact", json::object{{"firstName", "Lower"}, {"lastName", "Case"}});
  ASSERT_HTTP_STATUS(created, 200);
  const std::string id = StringAt(created.Json(), "id");
  EXPECT_HTTP_STATUS(Api().Get("/contact/" + id), 200);
  EXPECT_HTTP_STATUS(Api().Get("/Contact/" + id), 200);
  const HttpResponse list = Api().Get("/contact?maxSize=200");
  ASSERT_HTTP_STATUS(list, 200);
  EXPECT_THAT(ListIds(list.Json()), ::testing::Contains(id));
  EXPECT_HTTP_STATUS(Api().Get("/account"), 200);
  EXPECT_HTTP_STATUS(Api().Patch("/contact/" + id, json::object{{"title", "t"}}), 200);
  EXPECT_HTTP_STATUS(Api().Delete("/contact/" + id), 200);
}

// --- Business rules -------------------------------------------------------------------------

TEST_F(RecordsApiTest, OpportunityProbabilityFollowsStageOnCreate) {
  const std::vector<std::pair<std::string, int>> stages = {
      {"Prospecting", 10}, {"Qualification", 20}, {"Proposal", 50},
      {"Negotiation", 80}, {"Closed Won", 100},   {"Closed Lost", 0}};
  for (const auto& [stage, probability] : stages) {
    const json::value opportunity = Create("Opportunity", {{"name", "Stage " + stage},
                                                           {"amount", 100},
                                                           {"closeDate", "2024-12-31"},
                                                           {"stage", stage}});
    EXPECT_EQ(AsObject(opportunity).at("probability"), json::value(probability)) << stage;
  }
  const json::value defaulted = Create(
      "Opportunity", {{"name", "Default stage"}, {"amount", 1}, {"closeDate", "2024-12-31"}});
  EXPECT_EQ(StringAt(defaulted, "stage"), "Prospecting");
  EXPECT_EQ(AsObject(defaulted).at("probability"), json::value(10));
}

TEST_F(RecordsApiTest, OpportunityProbabilityFollowsStageOnUpdate) {
  // What the seed's Python example relies on: update_opportunity({'stage': 'Negotiation'}).
  const std::string id = CreateId(
      "Opportunity", {{"name", "Moving deal"}, {"amount", 50000}, {"closeDate", "2024-12-31"}});
  const HttpResponse r =
      Api().Put("/Opportunity/" + id,
                json::object{{"stage", "Negotiation"}, {"description", "Updated via API"}});
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_EQ(AsObject(r.Json()).at("probability"), json::value(80));
  const HttpResponse explicit_probability =
      Api().Put("/Opportunity/" + id, json::object{{"stage", "Proposal"}, {"probability", 65}});
  ASSERT_HTTP_STATUS(explicit_probability, 200);
  EXPECT_EQ(AsObject(explicit_probability.Json()).at("probability"), json::value(65));
}

TEST_F(RecordsApiTest, OpportunityAmountGetsDefaultCurrency) {
  const json::value opportunity = Create(
      "Opportunity", {{"name", "Currency deal"}, {"amount", 1234.5}, {"closeDate", "2024-12-31"}});
  EXPECT_EQ(StringAt(opportunity, "amountCurrency"), "USD");
  EXPECT_TRUE(JsonEquals(AsObject(opportunity).at("amount"), json::value(1234.5)));
  EXPECT_TRUE(JsonEquals(AsObject(opportunity).at("amountConverted"), json::value(1234.5)));
}

TEST_F(RecordsApiTest, TaskDateCompletedFollowsStatus) {
  const json::value task = Create("Task", {{"name", "Complete me"}});
  EXPECT_EQ(StringAt(task, "status"), "Not Started");
  EXPECT_EQ(StringAt(task, "priority"), "Normal");
  EXPECT_TRUE(IsNullAt(task, "dateCompleted"));
  const std::string target = "/Task/" + StringAt(task, "id");
  const HttpResponse completed = Api().Patch(target, json::object{{"status", "Completed"}});
  ASSERT_HTTP_STATUS(completed, 200);
  EXPECT_TRUE(IsDateTime(StringAt(completed.Json(), "dateCompleted"))) << completed.body;
  // espocrm-wire.md 6.2: cleared when the status leaves Completed.
  const HttpResponse reopened = Api().Patch(target, json::object{{"status", "Started"}});
  ASSERT_HTTP_STATUS(reopened, 200);
  EXPECT_TRUE(IsNullAt(reopened.Json(), "dateCompleted")) << reopened.body;
  // Created as completed.
  EXPECT_TRUE(IsDateTime(StringAt(
      Create("Task", {{"name", "Done already"}, {"status", "Completed"}}), "dateCompleted")));
}

TEST_F(RecordsApiTest, LeadConvertedAtSetWhenStatusBecomesConverted) {
  const json::value lead = Create("Lead", {{"firstName", "Con"}, {"lastName", "Verted"}});
  EXPECT_EQ(StringAt(lead, "status"), "New");
  EXPECT_TRUE(IsNullAt(lead, "convertedAt"));
  const HttpResponse r =
      Api().Put("/Lead/" + StringAt(lead, "id"), json::object{{"status", "Converted"}});
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_TRUE(IsDateTime(StringAt(r.Json(), "convertedAt"))) << r.body;
}

TEST_F(RecordsApiTest, CallDateEndDefaultsToFiveMinutes) {
  const json::value call =
      Create("Call", {{"name", "Quick call"}, {"dateStart", "2024-03-01 23:58:00"}});
  EXPECT_EQ(StringAt(call, "dateEnd"), "2024-03-02 00:03:00");
  EXPECT_EQ(AsObject(call).at("duration"), json::value(300));
  EXPECT_EQ(StringAt(call, "status"), "Planned");
  EXPECT_EQ(StringAt(call, "direction"), "Outbound");
}

TEST_F(RecordsApiTest, CallDateEndFollowsDuration) {
  const json::value call = Create(
      "Call", {{"name", "Long call"}, {"dateStart", "2024-01-15 10:00:00"}, {"duration", 1800}});
  EXPECT_EQ(StringAt(call, "dateEnd"), "2024-01-15 10:30:00");
  EXPECT_EQ(AsObject(call).at("duration"), json::value(1800));
}

TEST_F(RecordsApiTest, MeetingDateEndDefaultsToOneHour) {
  const json::value meeting =
      Create("Meeting", {{"name", "Hour meeting"}, {"dateStart", "2024-01-20 14:00:00"}});
  EXPECT_EQ(StringAt(meeting, "dateEnd"), "2024-01-20 15:00:00");
  EXPECT_EQ(AsObject(meeting).at("duration"), json::value(3600));
  const json::value given = Create("Meeting", {{"name", "Given end"},
                                               {"dateStart", "2024-01-20 14:00:00"},
                                               {"dateEnd", "2024-01-20 14:45:00"}});
  EXPECT_EQ(StringAt(given, "dateEnd"), "2024-01-20 14:45:00");
  EXPECT_EQ(AsObject(given).at("duration"), json::value(2700));
}

TEST_F(RecordsApiTest, ActivitiesAssignedUserDefaultsToCreator) {
  const std::vector<std::pair<std::string, json::object>> activities = {
      {"Call", {{"name", "Mine call"}, {"dateStart", "2024-01-01 10:00:00"}}},
      {"Meeting", {{"name", "Mine meeting"}, {"dateStart", "2024-01-01 10:00:00"}}},
      {"Task", {{"name", "Mine task"}}},
  };
  for (const auto& [entity, body] : activities) {
    const json::value record = Create(entity, body);
    EXPECT_EQ(StringAt(record, "assignedUserId"), env_->api_user.user_id) << entity;
    EXPECT_EQ(StringAt(record, "assignedUserName"), "api-key-user") << entity;
  }
  // Given explicitly, it is kept.
  const json::value task = Create("Task", {{"name", "Theirs"}, {"assignedUserId", env_->admin_id}});
  EXPECT_EQ(StringAt(task, "assignedUserId"), env_->admin_id);
}

TEST_F(RecordsApiTest, MeetingAndCallAssignedUserIsAttendee) {
  for (const char* entity : {"Meeting", "Call"}) {
    const json::value record = Create(entity, {{"name", std::string("Attended ") + entity},
                                               {"dateStart", "2024-01-01 10:00:00"},
                                               {"assignedUserId", env_->admin_id}});
    EXPECT_THAT(StringsAt(record, "usersIds"), ::testing::Contains(env_->admin_id)) << entity;
    EXPECT_TRUE(AsObject(AsObject(record).at("usersNames")).contains(env_->admin_id)) << entity;
    EXPECT_TRUE(AsObject(AsObject(record).at("usersColumns")).contains(env_->admin_id)) << entity;
  }
}

TEST_F(RecordsApiTest, MeetingKeepsGivenAttendees) {
  const std::string c1 = CreateId("Contact", {{"firstName", "Att"}, {"lastName", "Endee"}});
  const std::string c2 = CreateId("Contact", {{"firstName", "Sec"}, {"lastName", "Ond"}});
  const json::value meeting =
      Create("Meeting", {{"name", "Attendee meeting"},
                         {"dateStart", "2024-01-20 14:00:00"},
                         {"dateEnd", "2024-01-20 15:00:00"},
                         {"contactsIds", json::array{json::value(c1), json::value(c2)}},
                         {"usersIds", json::array{json::value(env_->admin_id)}}});
  EXPECT_THAT(StringsAt(meeting, "contactsIds"), ::testing::UnorderedElementsAre(c1, c2));
  EXPECT_THAT(StringsAt(meeting, "usersIds"),
              ::testing::UnorderedElementsAre(env_->admin_id, env_->api_user.user_id));
  EXPECT_EQ(AsObject(AsObject(meeting).at("contactsNames")).at(c1), json::value("Att Endee"));
  // Replacing the set on update.
  const HttpResponse r = Api().Patch("/Meeting/" + StringAt(meeting, "id"),
                                     json::object{{"contactsIds", json::array{json::value(c2)}}});
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_THAT(StringsAt(r.Json(), "contactsIds"), ::testing::ElementsAre(c2));
}

TEST_F(RecordsApiTest, ContactAccountIdFillsAccountsWithTitleAsRole) {
  const std::string account_id = CreateId("Account", {{"name", "Role Co"}});
  const json::value contact = Create(
      "Contact",
      {{"firstName", "Rol"}, {"lastName", "E"}, {"accountId", account_id}, {"title", "CTO"}});
  EXPECT_EQ(StringsAt(contact, "accountsIds"), std::vector<std::string>{account_id});
  EXPECT_EQ(AsObject(AsObject(contact).at("accountsColumns")).at(account_id),
            json::parse(R"({"role":"CTO","isInactive":false})"));
  // Capture 31: a new title is the new role.
  const HttpResponse r =
      Api().Put("/Contact/" + StringAt(contact, "id"), json::object{{"title", "CEO"}});
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_EQ(AsObject(AsObject(AsObject(r.Json()).at("accountsColumns")).at(account_id)).at("role"),
            json::value("CEO"));
}

TEST_F(RecordsApiTest, ActivityAccountIsDerivedFromParent) {
  const std::string account_id = CreateId("Account", {{"name", "Parent Co"}});
  const std::string contact_id =
      CreateId("Contact", {{"firstName", "Par"}, {"lastName", "Ent"}, {"accountId", account_id}});
  const std::string opportunity_id = CreateId("Opportunity", {{"name", "Parent deal"},
                                                              {"amount", 1},
                                                              {"closeDate", "2024-01-01"},
                                                              {"accountId", account_id}});
  const json::value call = Create("Call", {{"name", "Child call"},
                                           {"dateStart", "2024-01-15 10:00:00"},
                                           {"parentType", "Contact"},
                                           {"parentId", contact_id}});
  EXPECT_EQ(StringAt(call, "accountId"), account_id);
  EXPECT_EQ(StringAt(call, "accountName"), "Parent Co");
  const json::value task =
      Create("Task",
             {{"name", "Child task"}, {"parentType", "Opportunity"}, {"parentId", opportunity_id}});
  EXPECT_EQ(StringAt(task, "accountId"), account_id);
  const json::value meeting = Create("Meeting", {{"name", "Child meeting"},
                                                 {"dateStart", "2024-01-15 10:00:00"},
                                                 {"parentType", "Account"},
                                                 {"parentId", account_id}});
  EXPECT_EQ(StringAt(meeting, "accountId"), account_id);
  EXPECT_EQ(StringAt(meeting, "parentName"), "Parent Co");
}

TEST_F(RecordsApiTest, CaseNumbersIncrease) {
  const json::value first = Create("Case", {{"name", "First case"}});
  const json::value second = Create("Case", {{"name", "Second case"}});
  ASSERT_TRUE(AsObject(first).at("number").is_int64()) << json::serialize(first);
  ASSERT_TRUE(AsObject(second).at("number").is_int64());
  EXPECT_GT(AsObject(second).at("number").as_int64(), AsObject(first).at("number").as_int64());
  EXPECT_EQ(StringAt(first, "status"), "New");
  EXPECT_EQ(StringAt(first, "priority"), "Normal");
  // number is read-only.
  const HttpResponse r =
      Api().Patch("/Case/" + StringAt(first, "id"), json::object{{"number", 999}});
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_EQ(AsObject(r.Json()).at("number"), AsObject(first).at("number"));
}

// --- Optimistic concurrency ---------------------------------------------------------------------

TEST_F(RecordsApiTest, VersionNumberIncreasesOnEveryChange) {
  for (const char* entity : {"Account", "Opportunity", "Task", "Case"}) {
    json::object body{{"name", std::string("Versions ") + entity}};
    if (std::string(entity) == "Opportunity") {
      body["amount"] = 1;
      body["closeDate"] = "2024-01-01";
    }
    const json::value record = Create(entity, body);
    EXPECT_EQ(AsObject(record).at("versionNumber"), json::value(1)) << entity;
    const HttpResponse r = Api().Patch(std::string("/") + entity + "/" + StringAt(record, "id"),
                                       json::object{{"description", "v2"}});
    ASSERT_HTTP_STATUS(r, 200);
    EXPECT_EQ(AsObject(r.Json()).at("versionNumber"), json::value(2)) << entity;
  }
}

TEST_F(RecordsApiTest, StaleVersionNumberWithChangeIs409Modified) {
  const json::value account = Create("Account", {{"name", "Concurrent Co"}});
  const std::string target = "/Account/" + StringAt(account, "id");
  const HttpResponse first =
      Api().Put(target, json::object{{"description", "first"}}, {{"X-Version-Number", "1"}});
  ASSERT_HTTP_STATUS(first, 200);
  EXPECT_EQ(AsObject(first.Json()).at("versionNumber"), json::value(2));

  const HttpResponse stale =
      Api().Put(target, json::object{{"description", "second"}}, {{"X-Version-Number", "1"}});
  EXPECT_TRUE(IsApiError(stale, 409));
  const json::object& body = AsObject(stale.Json());
  ASSERT_TRUE(body.contains("values") && body.contains("versionNumber")) << stale.body;
  EXPECT_EQ(body.at("versionNumber"), json::value(2));
  EXPECT_EQ(StringAt(body.at("values"), "description"), "first");
  EXPECT_EQ(StringAt(Api().Get(target).Json(), "description"), "first");

  // A stale version without an effective change goes through (espocrm-wire.md 4.5).
  EXPECT_HTTP_STATUS(
      Api().Put(target, json::object{{"description", "first"}}, {{"X-Version-Number", "1"}}), 200);
  // The current version works.
  const HttpResponse current =
      Api().Patch(target, json::object{{"description", "third"}}, {{"X-Version-Number", "2"}});
  ASSERT_HTTP_STATUS(current, 200);
  EXPECT_EQ(AsObject(current.Json()).at("versionNumber"), json::value(3));
}

TEST_F(RecordsApiTest, IfMatchMismatchIs412) {
  const HttpResponse created =
      Api().Post("/Opportunity",
                 json::object{{"name", "Etag deal"}, {"amount", 1}, {"closeDate", "2024-01-01"}});
  ASSERT_HTTP_STATUS(created, 200);
  const std::string target = "/Opportunity/" + StringAt(created.Json(), "id");
  const std::string etag = created.Header("ETag");
  ASSERT_FALSE(etag.empty());

  const HttpResponse ok =
      Api().Patch(target, json::object{{"description", "a"}}, {{"If-Match", etag}});
  ASSERT_HTTP_STATUS(ok, 200);
  EXPECT_NE(ok.Header("ETag"), etag);

  const HttpResponse stale =
      Api().Patch(target, json::object{{"description", "b"}}, {{"If-Match", etag}});
  EXPECT_TRUE(IsApiError(stale, 412));
  EXPECT_EQ(StringAt(Api().Get(target).Json(), "description"), "a");

  EXPECT_HTTP_STATUS(Api().Patch(target, json::object{{"description", "c"}}, {{"If-Match", "*"}}),
                     200);
  EXPECT_HTTP_STATUS(Api().Patch(target, json::object{{"description", "d"}},
                                 {{"If-Match", "\"999\", " + Api().Get(target).Header("ETag")}}),
                     200);
}

TEST_F(RecordsApiTest, IfMatchMismatchOnDeleteIs412) {
  const HttpResponse created = Api().Post("/Task", json::object{{"name", "Guarded task"}});
  ASSERT_HTTP_STATUS(created, 200);
  const std::string target = "/Task/" + StringAt(created.Json(), "id");
  const std::string etag = created.Header("ETag");
  ASSERT_HTTP_STATUS(Api().Patch(target, json::object{{"priority", "High"}}), 200);
  EXPECT_TRUE(IsApiError(Api().Delete(target, {{"If-Match", etag}}), 412));
  EXPECT_HTTP_STATUS(Api().Get(target), 200);
  EXPECT_HTTP_STATUS(Api().Delete(target, {{"If-Match", Api().Get(target).Header("ETag")}}), 200);
}

// --- Concurrency ------------------------------------------------------------------------------

TEST_F(RecordsApiTest, ConcurrentCreatesFromSeveralClients) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &ids] {
      ApiClient client = env_->Client(t % 2 == 0 ? AuthMode::kApiKey : AuthMode::kHmacEspoHex);
      for (int i = 0; i < kPerThread; ++i) {
        const HttpResponse r = client.Post(
            "/Case",
            json::object{{"name", "Parallel " + std::to_string(t) + "-" + std::to_string(i)}});
        EXPECT_HTTP_STATUS(r, 200);
        ids[static_cast<std::size_t>(t)].push_back(StringAt(r.Json(), "id"));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<std::string> all;
  for (const auto& list : ids) all.insert(all.end(), list.begin(), list.end());
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "duplicate ids";
  for (const auto& id : all) {
    ASSERT_TRUE(IsRecordId(id));
    EXPECT_HTTP_STATUS(Api().Get("/Case/" + id), 200);
  }
}

TEST_F(RecordsApiTest, ConcurrentVersionedUpdatesLetExactlyOneWin) {
  const std::string target = "/Account/" + CreateId("Account", {{"name", "Contended Co"}});
  constexpr int kThreads = 4;
  std::vector<long> statuses(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &statuses, &target] {
      ApiClient client = env_->Client(AuthMode::kApiKey);
      const HttpResponse r =
          client.Patch(target, json::object{{"description", "writer " + std::to_string(t)}},
                       {{"X-Version-Number", "1"}});
      statuses[static_cast<std::size_t>(t)] = r.status;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200L), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 409L), kThreads - 1);
  EXPECT_EQ(AsObject(Api().Get(target).Json()).at("versionNumber"), json::value(2));
}

// --- Duplicates -------------------------------------------------------------------------------

::testing::AssertionResult IsDuplicateConflict(const HttpResponse& r,
                                               const std::string& existing_id) {
  auto error = IsApiError(r, 409);
  if (!error) return error;
  const json::value body = ParseJson(r.body);
  const json::object object = AsObject(body);
  const auto* duplicates = object.if_contains("duplicates");
  if (duplicates == nullptr || !duplicates->is_array()) {
    return ::testing::AssertionFailure() << "no duplicates array: " << r.body;
  }
  if (duplicates->as_array().empty() || duplicates->as_array().size() > 5) {
    return ::testing::AssertionFailure() << "duplicates should hold 1..5 records: " << r.body;
  }
  for (const auto& record : duplicates->as_array()) {
    if (StringAt(record, "id") == existing_id) {
      if (StringAt(record, "name").empty()) {
        return ::testing::AssertionFailure() << "duplicate record without name: " << r.body;
      }
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << existing_id << " not among the duplicates: " << r.body;
}

TEST_F(RecordsApiTest, AccountDuplicateByNameIs409) {
  // Captures 09 and 10.
  const std::string id =
      CreateId("Account", {{"name", "Acme Wire Dup"}, {"website", "https://a.example"}});
  EXPECT_TRUE(
      IsDuplicateConflict(Api().Post("/Account", json::object{{"name", "Acme Wire Dup"}}), id));
  const HttpResponse forced = Api().Post("/Account", json::object{{"name", "Acme Wire Dup"}},
                                         {{"X-Skip-Duplicate-Check", "true"}});
  ASSERT_HTTP_STATUS(forced, 200);
  EXPECT_NE(StringAt(forced.Json(), "id"), id);
}

TEST_F(RecordsApiTest, AccountDuplicateByEmailIs409) {
  const std::string id =
      CreateId("Account", {{"name", "Mail Dup One"}, {"emailAddress", "sales@maildup.example"}});
  EXPECT_TRUE(IsDuplicateConflict(
      Api().Post("/Account",
                 json::object{{"name", "Mail Dup Two"}, {"emailAddress", "sales@maildup.example"}}),
      id));
}

TEST_F(RecordsApiTest, ContactDuplicateByFirstAndLastNameIs409) {
  const std::string id = CreateId("Contact", {{"firstName", "Dup"}, {"lastName", "Licate"}});
  EXPECT_TRUE(IsDuplicateConflict(
      Api().Post("/Contact", json::object{{"firstName", "Dup"}, {"lastName", "Licate"}}), id));
  // Same last name, another first name: not a duplicate.
  EXPECT_HTTP_STATUS(
      Api().Post("/Contact", json::object{{"firstName", "Other"}, {"lastName", "Licate"}}), 200);
  EXPECT_HTTP_STATUS(
      Api().Post("/Contact", json::object{{"firstName", "Dup"}, {"lastName", "Licate"}},
                 {{"X-Skip-Duplicate-Check", "true"}}),
      200);
}

TEST_F(RecordsApiTest, ContactDuplicateByEmailIs409) {
  const std::string id = CreateId(
      "Contact",
      {{"firstName", "Mail"}, {"lastName", "Owner"}, {"emailAddress", "owner@dup.example"}});
  EXPECT_TRUE(IsDuplicateConflict(
      Api().Post("/Contact", json::object{{"firstName", "Someone"},
                                          {"lastName", "Else"},
                                          {"emailAddress", "owner@dup.example"}}),
      id));
  // Email addresses compare case-insensitively.
  EXPECT_TRUE(IsDuplicateConflict(
      Api().Post("/Contact", json::object{{"firstName", "Third"},
                                          {"lastName", "Person"},
                                          {"emailAddress", "OWNER@dup.example"}}),
      id));
}

TEST_F(RecordsApiTest, LeadDuplicateByNameAndEmailIs409) {
  const std::string id = CreateId(
      "Lead",
      {{"firstName", "Lead"}, {"lastName", "Twice"}, {"emailAddress", "twice@lead.example"}});
  EXPECT_TRUE(IsDuplicateConflict(
      Api().Post("/Lead", json::object{{"firstName", "Lead"}, {"lastName", "Twice"}}), id));
  EXPECT_TRUE(IsDuplicateConflict(
      Api().Post("/Lead",
                 json::object{{"lastName", "Another"}, {"emailAddress", "twice@lead.example"}}),
      id));
}

TEST_F(RecordsApiTest, DeletedRecordIsNoDuplicate) {
  const std::string id = CreateId("Account", {{"name", "Phoenix Co"}});
  ASSERT_HTTP_STATUS(Api().Delete("/Account/" + id), 200);
  EXPECT_HTTP_STATUS(Api().Post("/Account", json::object{{"name", "Phoenix Co"}}), 200);
}

TEST_F(RecordsApiTest, OtherEntitiesHaveNoDuplicateCheck) {
  for (int i = 0; i < 2; ++i) {
    EXPECT_HTTP_STATUS(Api().Post("/Task", json::object{{"name", "Same task"}}), 200);
    EXPECT_HTTP_STATUS(
        Api().Post("/Opportunity",
                   json::object{{"name", "Same deal"}, {"amount", 1}, {"closeDate", "2024-01-01"}}),
        200);
  }
}

// --- Text filter -------------------------------------------------------------------------------

// textFilter over Contact's name parts, full name and email addresses (espocrm-wire.md 2.2), with
// what its indexed form must keep exactly: ASCII-only case folding, '%' and '_' as literals, a term
// with a space matching the full name and no email, '*' as the wildcard, deleted records left out,
// and the same page, order and total either way.
TEST_F(RecordsApiTest, TextFilterMatchesByPrefixAsEspoDoes) {
  struct Person {
    const char* first;
    const char* last;
    const char* email;  // "" for none
  };
  const std::vector<Person> people = {{"Zqtfémile", "Ünal", "zqtf.alpha@tf.example"},
                                      {"ZQTF50%", "Off", ""},
                                      {"zqtf_under", "Score", ""},
                                      {"Other", "Zqtfy Person", "other@tf.example"},
                                      {"Zqtfab", "Cd", ""},
                                      {"Plain", "Mailed", "ZqtfMail@TF.example"},
                                      {"Zqtfgone", "Deleted", "zqtfgone@tf.example"}};
  std::map<std::string, std::string> ids;  // first name -> id
  for (const Person& p : people) {
    json::object body{{"firstName", p.first}, {"lastName", p.last}};
    if (*p.email != '\0') body["emailAddress"] = p.email;
    ids[p.first] = CreateId("Contact", body);
  }
  ASSERT_HTTP_STATUS(Api().Delete("/Contact/" + ids["Zqtfgone"]), 200);
  // The first names of the contacts that `term` finds, by the list (all pages, newest first), and
  // checks that the total counts them.
  const auto found = [&](const std::string& term) {
    const HttpResponse r =
        Api().Get("/Contact?select=firstName&maxSize=50&textFilter=" + testing::UrlEncode(term));
    EXPECT_HTTP_STATUS(r, 200);
    std::vector<std::string> names;
    for (const json::value& item : AsArray(AsObject(r.Json())["list"])) {
      names.push_back(StringAt(item, "firstName"));
    }
    EXPECT_EQ(AsObject(r.Json())["total"].as_int64(), static_cast<std::int64_t>(names.size()))
        << term;
    std::sort(names.begin(), names.end());
    return names;
  };
  using Names = std::vector<std::string>;
  const Names all = {"Other", "Plain", "ZQTF50%", "Zqtfab", "Zqtfémile", "zqtf_under"};
  EXPECT_EQ(found("zqtf"), all);
  EXPECT_EQ(found("ZqTf"), all);
  EXPECT_EQ(found("zqtfé"), Names{"Zqtfémile"});
  EXPECT_EQ(found("ZQTFÉ"), Names{});  // LIKE folds ASCII only
  EXPECT_EQ(found("zqtf50%"), Names{"ZQTF50%"});
  EXPECT_EQ(found("zqtf%"), Names{});
  EXPECT_EQ(found("zqtf_"), Names{"zqtf_under"});
  EXPECT_EQ(found("zqtfab cd"), Names{"Zqtfab"});
  EXPECT_EQ(found("zqtfy p"), Names{"Other"});
  EXPECT_EQ(found("ZQTFMAIL@tf"), Names{"Plain"});
  EXPECT_EQ(found("zqtf.alpha@"), Names{"Zqtfémile"});
  EXPECT_EQ(found("zqtfgone"), Names{});
  EXPECT_EQ(found("*qtfab"), Names{"Zqtfab"});
  EXPECT_EQ(found("zq*under"), Names{"zqtf_under"});

  // Pages of two, newest first, put together are the whole list in the same order.
  const HttpResponse whole = Api().Get("/Contact?select=id&maxSize=50&textFilter=zqtf");
  ASSERT_HTTP_STATUS(whole, 200);
  std::vector<std::string> expected;
  for (const json::value& item : AsArray(AsObject(whole.Json())["list"])) {
    expected.push_back(StringAt(item, "id"));
  }
  std::vector<std::string> paged;
  for (std::size_t offset = 0; offset < all.size(); offset += 2) {
    const HttpResponse page =
        Api().Get("/Contact?select=id&maxSize=2&textFilter=zqtf&offset=" + std::to_string(offset));
    ASSERT_HTTP_STATUS(page, 200);
    for (const json::value& item : AsArray(AsObject(page.Json())["list"])) {
      paged.push_back(StringAt(item, "id"));
    }
  }
  EXPECT_EQ(paged, expected);
  EXPECT_EQ(expected.size(), all.size());
}

}  // namespace
}  // namespace crm::apitest
