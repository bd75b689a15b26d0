// Activities over the API (issue 4; docs/api.md "Activities", espocrm-wire.md 6.2): the Meeting and
// Call attendee rules (the assigned user attends with status Accepted, other attendees start at
// None, the assigned user stays an attendee), Task dateCompleted as a task moves between the
// activities and history views, the related lists of activities (GET /Account/{id}/meetings,
// calls, tasks, the *Primary lists by derived account, attendee lists of contacts, leads and
// users) with list parameters, and the activities views GET /Activities/{E}/{id}/activities and
// /history and their short forms GET /{E}/{id}/activities and /history: planned items vs held,
// completed or canceled ones, found through the parent, the account or attendance, newest first,
// each with _scope, paged, 404 for a missing record or entity.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_util.hpp"
#include "api/relation_test_util.hpp"

namespace crm::apitest {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

class ActivitiesApiTest : public RelatedRecordsTest {
 protected:
  // An activity of `entity` with a parent (empty parent_type = none).
  static std::string Activity(const std::string& entity, const std::string& name,
                              const std::string& status, const std::string& date_start,
                              const std::string& parent_type = {},
                              const std::string& parent_id = {}) {
    json::object body{{"name", name}};
    if (!status.empty()) body["status"] = status;
    if (!date_start.empty()) body["dateStart"] = date_start;
    if (!parent_type.empty()) {
      body["parentType"] = parent_type;
      body["parentId"] = parent_id;
    }
    return CreateId(entity, body);
  }
  // The ids of an activities view, checking that both URL forms answer the same, and that every
  // item names its entity in _scope.
  static std::vector<std::string> View(const std::string& entity, const std::string& id,
                                       const std::string& view, const std::string& query = {}) {
    const json::value full = Get("/Activities/" + entity + "/" + id + "/" + view + query);
    const json::value short_form = Get("/" + entity + "/" + id + "/" + view + query);
    EXPECT_EQ(ListIds(full), ListIds(short_form)) << entity << " " << view;
    EXPECT_EQ(TotalOf(full), TotalOf(short_form));
    if (full.is_object() && full.as_object().contains("list")) {
      for (const auto& item : AsArray(full.as_object().at("list"))) {
        const std::string scope = StringAt(item, "_scope");
        EXPECT_THAT(scope, ::testing::AnyOf("Meeting", "Call", "Task")) << json::serialize(item);
        if (!scope.empty()) {
          EXPECT_EQ(StringAt(Read(scope, StringAt(item, "id")), "name"), StringAt(item, "name"));
        }
      }
    }
    return ListIds(full);
  }
};

// --- attendee rules ---------------------------------------------------------------------------

TEST_F(ActivitiesApiTest, AssignedUserAttendsWithStatusAccepted) {
  const std::string contact = CreateId("Contact", {{"lastName", UniqueName("Attending")}});
  for (const std::string entity : {"Meeting", "Call"}) {
    SCOPED_TRACE(entity);
    // Assigned to another user than the creator.
    const json::value record = Create(entity, {{"name", "Assigned " + entity},
                                               {"dateStart", "2024-08-01 10:00:00"},
                                               {"assignedUserId", env_->admin_id},
                                               {"contactsIds", json::array{json::value(contact)}}});
    const std::string id = StringAt(record, "id");
    EXPECT_THAT(StringsAt(record, "usersIds"), Contains(env_->admin_id));
    EXPECT_EQ(ColumnAt(record, "usersColumns", env_->admin_id, "status"), json::value("Accepted"))
        << json::serialize(record);
    EXPECT_EQ(ColumnAt(record, "contactsColumns", contact, "status"), json::value("None"));
    const json::value users = Get("/" + entity + "/" + id + "/users");
    EXPECT_EQ(StringAt(RowWithId(users, env_->admin_id), "acceptanceStatus"), "Accepted")
        << json::serialize(users);
    EXPECT_THAT(Related("User", env_->admin_id, entity == "Meeting" ? "meetings" : "calls"),
                Contains(id));

    // Without an assigned user the creator is assigned, and attends.
    const json::value own =
        Create(entity, {{"name", "Own " + entity}, {"dateStart", "2024-08-02 10:00:00"}});
    EXPECT_EQ(StringAt(own, "assignedUserId"), env_->api_user.user_id);
    EXPECT_EQ(ColumnAt(own, "usersColumns", env_->api_user.user_id, "status"),
              json::value("Accepted"));
  }
}

TEST_F(ActivitiesApiTest, AssignedUserStaysAnAttendee) {
  for (const std::string entity : {"Meeting", "Call"}) {
    SCOPED_TRACE(entity);
    const std::string id =
        CreateId(entity, {{"name", "Reassigned " + entity}, {"dateStart", "2024-08-03 10:00:00"}});
    // Reassigning adds the new assignee.
    HttpResponse r =
        Api().Put("/" + entity + "/" + id, json::object{{"assignedUserId", env_->admin_id}});
    ASSERT_HTTP_STATUS(r, 200);
    EXPECT_THAT(StringsAt(r.Json(), "usersIds"), Contains(env_->admin_id));
    EXPECT_EQ(ColumnAt(r.Json(), "usersColumns", env_->admin_id, "status"), json::value("Accepted"))
        << r.body;
    // Emptying the attendees keeps the assigned user.
    r = Api().Put("/" + entity + "/" + id, json::object{{"usersIds", json::array()}});
    ASSERT_HTTP_STATUS(r, 200);
    EXPECT_THAT(StringsAt(r.Json(), "usersIds"), Contains(env_->admin_id));
    EXPECT_THAT(Related(entity, id, "users"), Contains(env_->admin_id));
  }
}

TEST_F(ActivitiesApiTest, TaskDateCompletedMovesTaskToHistory) {
  const std::string account = CreateId("Account", {{"name", UniqueName("TaskHistory")}});
  const std::string task = Activity("Task", "Finish it", "", "", "Account", account);
  EXPECT_THAT(View("Account", account, "activities"), ElementsAre(task));
  EXPECT_THAT(View("Account", account, "history"), IsEmpty());

  HttpResponse r = Api().Patch("/Task/" + task, json::object{{"status", "Completed"}});
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_TRUE(IsDateTime(StringAt(r.Json(), "dateCompleted"))) << r.body;
  EXPECT_THAT(View("Account", account, "activities"), IsEmpty());
  EXPECT_THAT(View("Account", account, "history"), ElementsAre(task));

  r = Api().Patch("/Task/" + task, json::object{{"status", "Started"}});
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_TRUE(IsNullAt(r.Json(), "dateCompleted")) << r.body;
  EXPECT_THAT(View("Account", account, "activities"), ElementsAre(task));

  r = Api().Patch("/Task/" + task, json::object{{"status", "Canceled"}});
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_TRUE(IsNullAt(r.Json(), "dateCompleted")) << r.body;
  EXPECT_THAT(View("Account", account, "activities"), IsEmpty());
  EXPECT_THAT(View("Account", account, "history"), ElementsAre(task));
}

// --- related lists of activities --------------------------------------------------------------

TEST_F(ActivitiesApiTest, RelatedActivityListsOfAnAccount) {
  const std::string account = CreateId("Account", {{"name", UniqueName("Related")}});
  const std::string contact =
      CreateId("Contact", {{"lastName", UniqueName("Related")}, {"accountId", account}});
  // Parented by the account.
  const std::string m1 =
      Activity("Meeting", "Acc meeting 1", "", "2024-01-10 10:00:00", "Account", account);
  const std::string m2 =
      Activity("Meeting", "Acc meeting 2", "Held", "2024-01-20 10:00:00", "Account", account);
  const std::string call =
      Activity("Call", "Acc call", "", "2024-01-15 10:00:00", "Account", account);
  const std::string task = Activity("Task", "Acc task", "", "", "Account", account);
  // Parented by the account's contact: the account is derived.
  const std::string cm =
      Activity("Meeting", "Contact meeting", "", "2024-01-30 10:00:00", "Contact", contact);
  const std::string cc =
      Activity("Call", "Contact call", "", "2024-01-31 10:00:00", "Contact", contact);
  const std::string ct = Activity("Task", "Contact task", "", "", "Contact", contact);
  // Unrelated.
  Activity("Meeting", "Other meeting", "", "2024-01-12 10:00:00");

  EXPECT_THAT(Related("Account", account, "meetings"), UnorderedElementsAre(m1, m2));
  EXPECT_THAT(Related("Account", account, "calls"), ElementsAre(call));
  EXPECT_THAT(Related("Account", account, "tasks"), ElementsAre(task));
  EXPECT_THAT(Related("Account", account, "meetingsPrimary"), UnorderedElementsAre(m1, m2, cm));
  EXPECT_THAT(Related("Account", account, "callsPrimary"), UnorderedElementsAre(call, cc));
  EXPECT_THAT(Related("Account", account, "tasksPrimary"), UnorderedElementsAre(task, ct));
  EXPECT_THAT(Related("Contact", contact, "tasks"), ElementsAre(ct));

  // List parameters on an activity list.
  const std::string base = "/Account/" + account + "/meetings";
  EXPECT_THAT(ListIds(Get(base + "?orderBy=dateStart&order=asc")), ElementsAre(m1, m2));
  EXPECT_THAT(ListIds(Get(base + "?orderBy=dateStart&order=desc")), ElementsAre(m2, m1));
  // Default order: dateStart desc.
  EXPECT_THAT(ListIds(Get(base)), ElementsAre(m2, m1));
  json::value body =
      Get(base + "?orderBy=dateStart&order=asc&maxSize=1&offset=1&select=id,name,status");
  EXPECT_EQ(TotalOf(body), 2);
  EXPECT_THAT(ListIds(body), ElementsAre(m2));
  const json::array rows = AsArray(ValueAt(body, "list"));
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(StringAt(rows.at(0), "status"), "Held");
  body = Get(base + "?" + EqualsWhereQuery("status", "Planned"));
  EXPECT_THAT(ListIds(body), ElementsAre(m1));
  body =
      Get("/Account/" + account + "/meetingsPrimary?" + EqualsWhereQuery("parentType", "Contact"));
  EXPECT_THAT(ListIds(body), ElementsAre(cm));
}

TEST_F(ActivitiesApiTest, AttendanceListsOfContactsLeadsAndUsers) {
  const std::string contact = CreateId("Contact", {{"lastName", UniqueName("Attends")}});
  const std::string lead = CreateId("Lead", {{"lastName", UniqueName("Attends")}});
  const std::string meeting =
      CreateId("Meeting", {{"name", "Attended meeting"},
                           {"dateStart", "2024-09-01 10:00:00"},
                           {"contactsIds", json::array{json::value(contact)}},
                           {"leadsIds", json::array{json::value(lead)}},
                           {"usersIds", json::array{json::value(env_->admin_id)}}});
  const std::string call = CreateId("Call", {{"name", "Attended call"},
                                             {"dateStart", "2024-09-02 10:00:00"},
                                             {"contactsIds", json::array{json::value(contact)}},
                                             {"leadsIds", json::array{json::value(lead)}}});
  EXPECT_THAT(Related("Contact", contact, "meetings"), ElementsAre(meeting));
  EXPECT_THAT(Related("Contact", contact, "calls"), ElementsAre(call));
  EXPECT_THAT(Related("Lead", lead, "meetings"), ElementsAre(meeting));
  EXPECT_THAT(Related("Lead", lead, "calls"), ElementsAre(call));
  EXPECT_THAT(Related("User", env_->admin_id, "meetings"), Contains(meeting));
  EXPECT_THAT(Related("User", env_->admin_id, "calls"), Not(Contains(call)));
  const json::value rows = Get("/Lead/" + lead + "/meetings?select=id,name");
  EXPECT_EQ(StringAt(RowWithId(rows, meeting), "acceptanceStatus"), "None")
      << json::serialize(rows);
  // Tasks of a user are the ones assigned to it.
  const std::string task =
      CreateId("Task", {{"name", "Assigned task"}, {"assignedUserId", env_->admin_id}});
  EXPECT_THAT(Related("User", env_->admin_id, "tasks"), Contains(task));
  EXPECT_THAT(Related("User", env_->api_user.user_id, "tasks"), Not(Contains(task)));
}

// --- activities and history views -------------------------------------------------------------

TEST_F(ActivitiesApiTest, ActivitiesAndHistoryOfAnAccount) {
  const std::string account = CreateId("Account", {{"name", UniqueName("Views")}});
  const std::string contact =
      CreateId("Contact", {{"lastName", UniqueName("Views")}, {"accountId", account}});
  // Planned: a meeting of the account, an open task of the account, a call of its contact.
  const std::string planned_meeting =
      Activity("Meeting", "Planned meeting", "Planned", "2024-03-01 10:00:00", "Account", account);
  const std::string open_task =
      Activity("Task", "Open task", "Not Started", "", "Account", account);
  const std::string planned_call =
      Activity("Call", "Planned call", "Planned", "2024-03-02 10:00:00", "Contact", contact);
  // History: held, not held, completed, canceled.
  const std::string held_call =
      Activity("Call", "Held call", "Held", "2024-02-01 10:00:00", "Contact", contact);
  const std::string not_held = Activity("Meeting", "Not held meeting", "Not Held",
                                        "2024-02-02 10:00:00", "Account", account);
  const std::string done_task = Activity("Task", "Done task", "Completed", "", "Account", account);
  const std::string canceled_task =
      Activity("Task", "Canceled task", "Canceled", "", "Account", account);
  // Of another account.
  const std::string other = CreateId("Account", {{"name", UniqueName("OtherViews")}});
  Activity("Meeting", "Other planned", "Planned", "2024-03-03 10:00:00", "Account", other);
  Activity("Call", "Other held", "Held", "2024-02-03 10:00:00", "Account", other);

  EXPECT_THAT(View("Account", account, "activities"),
              UnorderedElementsAre(planned_meeting, open_task, planned_call));
  EXPECT_THAT(View("Account", account, "history"),
              UnorderedElementsAre(held_call, not_held, done_task, canceled_task));
  EXPECT_EQ(TotalOf(Get("/Activities/Account/" + account + "/activities")), 3);
  EXPECT_EQ(TotalOf(Get("/Account/" + account + "/history")), 4);
  // The contact's own: the calls it is the parent of.
  EXPECT_THAT(View("Contact", contact, "activities"), ElementsAre(planned_call));
  EXPECT_THAT(View("Contact", contact, "history"), ElementsAre(held_call));
}

TEST_F(ActivitiesApiTest, AttendanceCountsForContactsAndLeads) {
  const std::string contact = CreateId("Contact", {{"lastName", UniqueName("ViewAttend")}});
  const std::string lead = CreateId("Lead", {{"lastName", UniqueName("ViewAttend")}});
  const std::string planned =
      CreateId("Meeting", {{"name", "Attended planned"},
                           {"dateStart", "2024-04-01 10:00:00"},
                           {"contactsIds", json::array{json::value(contact)}},
                           {"leadsIds", json::array{json::value(lead)}}});
  const std::string held = CreateId("Call", {{"name", "Attended held"},
                                             {"status", "Held"},
                                             {"dateStart", "2024-04-02 10:00:00"},
                                             {"contactsIds", json::array{json::value(contact)}},
                                             {"leadsIds", json::array{json::value(lead)}}});
  const std::string lead_task = Activity("Task", "Lead task", "Started", "", "Lead", lead);
  EXPECT_THAT(View("Contact", contact, "activities"), ElementsAre(planned));
  EXPECT_THAT(View("Contact", contact, "history"), ElementsAre(held));
  EXPECT_THAT(View("Lead", lead, "activities"), UnorderedElementsAre(planned, lead_task));
  EXPECT_THAT(View("Lead", lead, "history"), ElementsAre(held));
}

TEST_F(ActivitiesApiTest, ActivitiesOfAnOpportunity) {
  const std::string opportunity =
      CreateId("Opportunity",
               {{"name", UniqueName("ViewDeal")}, {"amount", 10}, {"closeDate", "2025-01-01"}});
  const std::string meeting = Activity("Meeting", "Deal meeting", "Planned", "2024-05-01 10:00:00",
                                       "Opportunity", opportunity);
  const std::string call =
      Activity("Call", "Deal call", "Held", "2024-05-02 10:00:00", "Opportunity", opportunity);
  EXPECT_THAT(View("Opportunity", opportunity, "activities"), ElementsAre(meeting));
  EXPECT_THAT(View("Opportunity", opportunity, "history"), ElementsAre(call));
  EXPECT_THAT(Related("Opportunity", opportunity, "meetings"), ElementsAre(meeting));
  EXPECT_THAT(Related("Opportunity", opportunity, "calls"), ElementsAre(call));
}

TEST_F(ActivitiesApiTest, ActivitiesAreNewestFirstAndPaged) {
  const std::string account = CreateId("Account", {{"name", UniqueName("Order")}});
  const std::string jan =
      Activity("Meeting", "January", "Planned", "2024-01-01 10:00:00", "Account", account);
  const std::string mar =
      Activity("Meeting", "March", "Planned", "2024-03-01 10:00:00", "Account", account);
  const std::string feb =
      Activity("Meeting", "February", "Planned", "2024-02-01 10:00:00", "Account", account);
  const std::string mid_feb =
      Activity("Call", "Mid February", "Planned", "2024-02-15 10:00:00", "Account", account);
  EXPECT_THAT(View("Account", account, "activities"), ElementsAre(mar, mid_feb, feb, jan));

  json::value page = Get("/Activities/Account/" + account + "/activities?maxSize=2");
  EXPECT_EQ(TotalOf(page), 4);
  EXPECT_THAT(ListIds(page), ElementsAre(mar, mid_feb));
  page = Get("/Activities/Account/" + account + "/activities?maxSize=2&offset=2");
  EXPECT_EQ(TotalOf(page), 4);
  EXPECT_THAT(ListIds(page), ElementsAre(feb, jan));
  EXPECT_THAT(View("Account", account, "activities", "?maxSize=1&offset=3"), ElementsAre(jan));

  // Held ones are history, newest first too.
  const std::string held_old =
      Activity("Call", "Held old", "Held", "2023-05-01 10:00:00", "Account", account);
  const std::string held_new =
      Activity("Meeting", "Held new", "Held", "2023-06-01 10:00:00", "Account", account);
  EXPECT_THAT(View("Account", account, "history"), ElementsAre(held_new, held_old));
}

TEST_F(ActivitiesApiTest, ChangesMoveItemsBetweenTheViews) {
  const std::string account = CreateId("Account", {{"name", UniqueName("Moves")}});
  const std::string meeting =
      Activity("Meeting", "Will be held", "Planned", "2024-06-01 10:00:00", "Account", account);
  const std::string call =
      Activity("Call", "Will be deleted", "Planned", "2024-06-02 10:00:00", "Account", account);
  EXPECT_THAT(View("Account", account, "activities"), ElementsAre(call, meeting));

  ASSERT_HTTP_STATUS(Api().Put("/Meeting/" + meeting, json::object{{"status", "Held"}}), 200);
  EXPECT_THAT(View("Account", account, "activities"), ElementsAre(call));
  EXPECT_THAT(View("Account", account, "history"), ElementsAre(meeting));

  ASSERT_HTTP_STATUS(Api().Delete("/Call/" + call), 200);
  EXPECT_THAT(View("Account", account, "activities"), IsEmpty());

  // Moving the meeting to another parent takes it out of this account's history.
  const std::string other = CreateId("Account", {{"name", UniqueName("MovesTo")}});
  ASSERT_HTTP_STATUS(Api().Put("/Meeting/" + meeting,
                               json::object{{"parentType", "Account"}, {"parentId", other}}),
                     200);
  EXPECT_THAT(View("Account", account, "history"), IsEmpty());
  EXPECT_THAT(View("Account", other, "history"), ElementsAre(meeting));
}

// The views collect an activity's ids from each way it can belong to the record (its parent, its
// account, attendance): one that belongs in several ways is listed and counted once.
TEST_F(ActivitiesApiTest, ActivityBelongingInSeveralWaysIsListedOnce) {
  const std::string account = CreateId("Account", {{"name", UniqueName("Twice")}});
  const std::string contact =
      CreateId("Contact", {{"lastName", UniqueName("Twice")}, {"accountId", account}});
  // Parent and account are the account; parent and attendee are the contact.
  const std::string meeting =
      CreateId("Meeting", {{"name", "Both ways"},
                           {"status", "Held"},
                           {"dateStart", "2024-07-01 10:00:00"},
                           {"parentType", "Account"},
                           {"parentId", account},
                           {"accountId", account},
                           {"contactsIds", json::array{json::value(contact)}}});
  const std::string call = CreateId("Call", {{"name", "Contact both ways"},
                                             {"dateStart", "2024-07-02 10:00:00"},
                                             {"parentType", "Contact"},
                                             {"parentId", contact},
                                             {"contactsIds", json::array{json::value(contact)}}});
  EXPECT_EQ(StringAt(Read("Meeting", meeting), "accountId"), account);
  EXPECT_THAT(View("Account", account, "history"), ElementsAre(meeting));
  EXPECT_EQ(TotalOf(Get("/Account/" + account + "/history")), 1);
  EXPECT_THAT(View("Contact", contact, "history"), ElementsAre(meeting));
  EXPECT_EQ(TotalOf(Get("/Contact/" + contact + "/history")), 1);
  EXPECT_THAT(View("Contact", contact, "activities"), ElementsAre(call));
  EXPECT_EQ(TotalOf(Get("/Contact/" + contact + "/activities")), 1);
}

TEST_F(ActivitiesApiTest, ViewsOfMissingRecordsAre404) {
  EXPECT_TRUE(
      IsApiError(Api().Get(std::string("/Activities/Account/") + kMissingId + "/activities"), 404));
  EXPECT_TRUE(
      IsApiError(Api().Get(std::string("/Activities/Contact/") + kMissingId + "/history"), 404));
  EXPECT_TRUE(IsApiError(Api().Get(std::string("/Account/") + kMissingId + "/activities"), 404));
  EXPECT_TRUE(IsApiError(Api().Get(std::string("/Lead/") + kMissingId + "/history"), 404));
  const std::string account = CreateId("Account", {{"name", UniqueName("Missing")}});
  EXPECT_TRUE(IsApiError(Api().Get("/Activities/NoSuchEntity/" + account + "/activities"), 404));
  // The record exists but as another entity.
  EXPECT_TRUE(IsApiError(Api().Get("/Activities/Contact/" + account + "/activities"), 404));
}

}  // namespace
}  // namespace crm::apitest
