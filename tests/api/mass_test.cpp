// Bulk operations over the API (issue 4; docs/api.md "Bulk operations", espocrm-wire.md 1.4,
// captures 45-47): POST /{E}/action/massCreate {list} (up to 1000 records, one transaction, a bad
// record fails everything with "Record {i}: ..." and "index": i, 1001 records is a 400);
// PUT /{E}/action/massUpdate {ids, data}, legacy {ids, attributes}, POST, and {where, data};
// DELETE /{E}/action/massDelete {ids} and legacy POST; POST /MassAction with action update or
// delete, params {ids} or {where}, data {values} or plain data. Answers {count, ids}; unknown ids
// are skipped; ids with where is a 400; an unknown action a 404. Business rules apply as on single
// requests, and the change events written to crmd_event are those single requests write, one per
// record, none for a failed request.
#include <algorithm>
#include <set>
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
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAreArray;

constexpr int kMaxMassCreate = 1000;

class MassApiTest : public RelatedRecordsTest {
 protected:
  // `n` contacts with firstName `tag` and distinct last names (no duplicates among them).
  static json::array Contacts(const std::string& tag, int n) {
    json::array list;
    for (int i = 0; i < n; ++i) {
      list.push_back(json::object{{"firstName", tag}, {"lastName", tag + "n" + std::to_string(i)}});
    }
    return list;
  }
  // massCreate of `list`; expects 200 and returns the ids.
  static std::vector<std::string> MassCreate(const std::string& entity, const json::array& list) {
    const HttpResponse r =
        Api().Post("/" + entity + "/action/massCreate", json::object{{"list", list}});
    EXPECT_HTTP_STATUS(r, 200);
    return r.status == 200 ? StringsAt(r.Json(), "ids") : std::vector<std::string>();
  }
  static json::array Ids(const std::vector<std::string>& ids) {
    json::array out;
    for (const auto& id : ids) out.push_back(json::value(id));
    return out;
  }
  // The answer is exactly {"count": ids.size(), "ids": ids} (ids in any order).
  static void ExpectCountAndIds(const HttpResponse& r, const std::vector<std::string>& ids) {
    ASSERT_HTTP_STATUS(r, 200);
    const json::value body = r.Json();
    EXPECT_THAT(KeysOf(body), ElementsAre("count", "ids")) << r.body;
    EXPECT_TRUE(JsonEquals(ValueAt(body, "count"), json::value(ids.size()))) << r.body;
    EXPECT_THAT(StringsAt(body, "ids"), UnorderedElementsAreArray(ids)) << r.body;
  }
  // "Entity.kind" of every event after `seq`, per entity id.
  static std::vector<std::string> EventKinds(std::int64_t seq) {
    std::vector<std::string> out;
    for (const auto& e : ReadEvents(DataDir(), seq)) out.push_back(e.event + " " + e.entity_id);
    return out;
  }
  static std::vector<std::string> Expected(const std::string& event,
                                           const std::vector<std::string>& ids) {
    std::vector<std::string> out;
    for (const auto& id : ids) out.push_back(event + " " + id);
    return out;
  }
};

// --- massCreate -------------------------------------------------------------------------------

TEST_F(MassApiTest, MassCreateCreatesEveryRecordInOrder) {
  const std::string tag = UniqueName("Bulk");
  const json::array list{
      json::object{{"firstName", "John"}, {"lastName", tag + "Doe"}, {"title", "CEO"}},
      json::object{{"firstName", "Jane"}, {"lastName", tag + "Smith"}, {"doNotCall", true}},
      json::object{{"lastName", tag + "Third"}, {"emailAddress", tag + "@bulk.example"}}};
  const HttpResponse r = Api().Post("/Contact/action/massCreate", json::object{{"list", list}});
  ASSERT_HTTP_STATUS(r, 200);
  const std::vector<std::string> ids = StringsAt(r.Json(), "ids");
  ExpectCountAndIds(r, ids);
  ASSERT_EQ(ids.size(), 3U);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_TRUE(IsRecordId(ids[i]));
    EXPECT_TRUE(HasAttributes(Read("Contact", ids[i]), list[i].as_object())) << i;
  }
  EXPECT_EQ(StringAt(Read("Contact", ids[2]), "name"), tag + "Third");
}

TEST_F(MassApiTest, MassCreateAtTheLimitOfOneThousand) {
  const std::string tag = UniqueName("Thousand");
  const std::int64_t seq = LastEventSeq(DataDir());
  const std::vector<std::string> ids = MassCreate("Contact", Contacts(tag, kMaxMassCreate));
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kMaxMassCreate));
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  EXPECT_TRUE(
      std::all_of(ids.begin(), ids.end(), [](const std::string& id) { return IsRecordId(id); }));
  EXPECT_EQ(Count("Contact", "firstName", tag), kMaxMassCreate);
  EXPECT_EQ(StringAt(Read("Contact", ids[999]), "lastName"), tag + "n999");
  // One create event per record.
  EXPECT_THAT(EventKinds(seq), UnorderedElementsAreArray(Expected("Contact.create", ids)));
}

TEST_F(MassApiTest, MassCreateOverTheLimitIs400) {
  const std::string tag = UniqueName("TooMany");
  const std::int64_t seq = LastEventSeq(DataDir());
  const HttpResponse r = Api().Post("/Contact/action/massCreate",
                                    json::object{{"list", Contacts(tag, kMaxMassCreate + 1)}});
  EXPECT_TRUE(IsApiError(r, 400));
  EXPECT_EQ(Count("Contact", "firstName", tag), 0);
  EXPECT_THAT(ReadEvents(DataDir(), seq), IsEmpty());
}

TEST_F(MassApiTest, MassCreateIsAtomic) {
  struct Case {
    int size;
    int bad_index;
    json::object bad_record;
  };
  const std::vector<Case> cases = {
      {5, 2, {{"firstName", "No last name"}}},
      {3, 0, {{"lastName", "Unknown attribute"}, {"noSuchAttribute", 1}}},
      {4, 3, {{"lastName", "Bad enum"}, {"salutationName", "Sir"}}},
      {kMaxMassCreate, 999, {{"lastName", "Bad email"}, {"emailAddress", "not an address"}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE("bad record " + std::to_string(c.bad_index) + " of " + std::to_string(c.size));
    const std::string tag = UniqueName("Atomic");
    json::array list = Contacts(tag, c.size);
    json::object bad = c.bad_record;
    bad["firstName"] = tag;
    list[static_cast<std::size_t>(c.bad_index)] = bad;
    const std::int64_t seq = LastEventSeq(DataDir());
    const HttpResponse r = Api().Post("/Contact/action/massCreate", json::object{{"list", list}});
    EXPECT_TRUE(IsApiError(r, 400));
    EXPECT_THAT(r.Header("X-Status-Reason"),
                StartsWith("Record " + std::to_string(c.bad_index) + ": "));
    EXPECT_TRUE(JsonEquals(ValueAt(r.Json(), "index"), json::value(c.bad_index))) << r.body;
    EXPECT_EQ(Count("Contact", "firstName", tag), 0);
    EXPECT_THAT(ReadEvents(DataDir(), seq), IsEmpty());
  }
  // A validation failure keeps EspoCRM's messageTranslation beside the index.
  const std::string tag = UniqueName("AtomicMt");
  json::array list = Contacts(tag, 2);
  list[1] = json::object{{"firstName", tag}};
  const HttpResponse r = Api().Post("/Contact/action/massCreate", json::object{{"list", list}});
  EXPECT_EQ(ValueAt(ValueAt(ValueAt(r.Json(), "messageTranslation"), "data"), "field"),
            json::value("lastName"))
      << r.body;
}

TEST_F(MassApiTest, MassCreateBadBodiesAre400) {
  for (const std::string body :
       {R"({})", R"({"list": "x"})", R"({"list": {"lastName": "x"}})", R"({"list": [1, 2]})",
        R"({"list": [{"lastName": "ok"}, "not an object"]})"}) {
    const HttpResponse r = Api().Raw("POST", "/Contact/action/massCreate", body,
                                     {{"Content-Type", "application/json"}});
    EXPECT_TRUE(IsApiError(r, 400)) << body;
  }
  EXPECT_EQ(Count("Contact", "lastName", "ok"), 0);
  // Unknown entity.
  EXPECT_TRUE(
      IsApiError(Api().Post("/NoSuchEntity/action/massCreate",
                            json::object{{"list", json::array{json::object{{"name", "x"}}}}}),
                 404));
}

TEST_F(MassApiTest, MassCreateAppliesTheBusinessRules) {
  const std::string tag = UniqueName("Rules");
  const json::value account = Create("Account", {{"name", tag}});
  const std::string account_id = StringAt(account, "id");
  const std::vector<std::string> opportunities =
      MassCreate("Opportunity", json::array{json::object{{"name", tag + "A"},
                                                         {"amount", 1},
                                                         {"closeDate", "2025-01-01"},
                                                         {"stage", "Negotiation"}},
                                            json::object{{"name", tag + "B"},
                                                         {"amount", 2},
                                                         {"closeDate", "2025-01-01"},
                                                         {"stage", "Closed Won"},
                                                         {"accountId", account_id}}});
  ASSERT_EQ(opportunities.size(), 2U);
  EXPECT_TRUE(
      JsonEquals(ValueAt(Read("Opportunity", opportunities[0]), "probability"), json::value(80)));
  EXPECT_TRUE(
      JsonEquals(ValueAt(Read("Opportunity", opportunities[1]), "probability"), json::value(100)));
  EXPECT_EQ(StringAt(Read("Opportunity", opportunities[1]), "accountName"), tag);

  const std::vector<std::string> tasks =
      MassCreate("Task", json::array{json::object{{"name", tag + "Done"}, {"status", "Completed"}},
                                     json::object{{"name", tag + "Open"}}});
  ASSERT_EQ(tasks.size(), 2U);
  EXPECT_TRUE(IsDateTime(StringAt(Read("Task", tasks[0]), "dateCompleted")));
  EXPECT_TRUE(IsNullAt(Read("Task", tasks[1]), "dateCompleted"));
  EXPECT_EQ(StringAt(Read("Task", tasks[1]), "assignedUserId"), env_->api_user.user_id);

  const std::vector<std::string> meetings =
      MassCreate("Meeting", json::array{json::object{{"name", tag + "Meet"},
                                                     {"dateStart", "2024-01-01 10:00:00"},
                                                     {"assignedUserId", env_->admin_id},
                                                     {"parentType", "Account"},
                                                     {"parentId", account_id}}});
  ASSERT_EQ(meetings.size(), 1U);
  const json::value meeting = Read("Meeting", meetings[0]);
  EXPECT_EQ(ColumnAt(meeting, "usersColumns", env_->admin_id, "status"), json::value("Accepted"));
  EXPECT_EQ(StringAt(meeting, "dateEnd"), "2024-01-01 11:00:00");
  EXPECT_EQ(StringAt(meeting, "accountId"), account_id);

  const std::vector<std::string> contacts = MassCreate(
      "Contact", json::array{json::object{
                     {"lastName", tag + "C"}, {"accountId", account_id}, {"title", "CFO"}}});
  ASSERT_EQ(contacts.size(), 1U);
  EXPECT_EQ(ColumnAt(Read("Contact", contacts[0]), "accountsColumns", account_id, "role"),
            json::value("CFO"));
  ApiClient api = Api();
  EXPECT_THAT(RelatedIds(api, "Account", account_id, "contacts"), Contains(contacts[0]));
}

// --- massUpdate -------------------------------------------------------------------------------

TEST_F(MassApiTest, MassUpdateByIdsSkipsUnknownIds) {
  const std::string tag = UniqueName("Update");
  const std::vector<std::string> ids = MassCreate("Contact", Contacts(tag, 3));
  ASSERT_EQ(ids.size(), 3U);
  const std::string untouched = ids[2];
  const std::int64_t seq = LastEventSeq(DataDir());
  // The seed document's form.
  const HttpResponse r = Api().Put(
      "/Contact/action/massUpdate",
      json::object{
          {"ids", json::array{json::value(ids[0]), json::value(kMissingId), json::value(ids[1])}},
          {"data", json::object{{"description", "Active"}, {"title", "Lead buyer"}}}});
  ExpectCountAndIds(r, {ids[0], ids[1]});
  for (const std::string& id : {ids[0], ids[1]}) {
    const json::value record = Read("Contact", id);
    EXPECT_EQ(StringAt(record, "description"), "Active");
    EXPECT_EQ(StringAt(record, "title"), "Lead buyer");
    EXPECT_EQ(StringAt(record, "modifiedById"), env_->api_user.user_id);
  }
  EXPECT_TRUE(IsNullAt(Read("Contact", untouched), "description"));
  EXPECT_THAT(EventKinds(seq),
              UnorderedElementsAreArray(Expected("Contact.update", {ids[0], ids[1]})));
}

TEST_F(MassApiTest, MassUpdateLegacyFormsAndWhere) {
  const std::string tag = UniqueName("Legacy");
  const std::vector<std::string> ids = MassCreate("Contact", Contacts(tag, 3));
  ASSERT_EQ(ids.size(), 3U);
  // Legacy "attributes" (EspoCRM <= 6).
  ExpectCountAndIds(Api().Put("/Contact/action/massUpdate",
                              json::object{{"ids", Ids({ids[0]})},
                                           {"attributes", json::object{{"addressCity", "Paris"}}}}),
                    {ids[0]});
  EXPECT_EQ(StringAt(Read("Contact", ids[0]), "addressCity"), "Paris");
  // POST is accepted too.
  ExpectCountAndIds(Api().Post("/Contact/action/massUpdate",
                               json::object{{"ids", Ids({ids[1]})},
                                            {"data", json::object{{"addressCity", "Rome"}}}}),
                    {ids[1]});
  EXPECT_EQ(StringAt(Read("Contact", ids[1]), "addressCity"), "Rome");
  // By where: every matching record, and only those.
  const std::string other =
      StringAt(Create("Contact", {{"lastName", UniqueName("NotTagged")}}), "id");
  const HttpResponse r =
      Api().Put("/Contact/action/massUpdate",
                json::object{{"where", EqualsWhere("firstName", json::value(tag))},
                             {"data", json::object{{"doNotCall", true}}}});
  ExpectCountAndIds(r, ids);
  for (const auto& id : ids)
    EXPECT_EQ(ValueAt(Read("Contact", id), "doNotCall"), json::value(true));
  EXPECT_EQ(ValueAt(Read("Contact", other), "doNotCall"), json::value(false));
  // A where that matches nothing updates nothing.
  ExpectCountAndIds(
      Api().Put("/Contact/action/massUpdate",
                json::object{{"where", EqualsWhere("firstName", json::value(UniqueName("None")))},
                             {"data", json::object{{"doNotCall", false}}}}),
      {});
}

TEST_F(MassApiTest, MassUpdateIsAtomic) {
  const std::string tag = UniqueName("UpdAtomic");
  const std::vector<std::string> ids = MassCreate("Contact", Contacts(tag, 3));
  ASSERT_EQ(ids.size(), 3U);
  std::vector<json::value> before;
  for (const auto& id : ids) before.push_back(Read("Contact", id));
  const std::int64_t seq = LastEventSeq(DataDir());
  for (const json::object& data : {json::object{{"description", "x"}, {"salutationName", "Sir"}},
                                   json::object{{"description", "x"}, {"noSuchAttribute", 1}},
                                   json::object{{"lastName", nullptr}}}) {
    const HttpResponse r =
        Api().Put("/Contact/action/massUpdate", json::object{{"ids", Ids(ids)}, {"data", data}});
    EXPECT_TRUE(IsApiError(r, 400)) << json::serialize(data);
  }
  for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(Read("Contact", ids[i]), before[i]);
  EXPECT_THAT(ReadEvents(DataDir(), seq), IsEmpty());
  // Bad selections.
  EXPECT_TRUE(IsApiError(Api().Put("/Contact/action/massUpdate",
                                   json::object{{"data", json::object{{"description", "x"}}}}),
                         400));
  EXPECT_TRUE(IsApiError(
      Api().Put("/Contact/action/massUpdate",
                json::object{{"ids", "not a list"}, {"data", json::object{{"description", "x"}}}}),
      400));
}

TEST_F(MassApiTest, MassUpdateAppliesTheBusinessRules) {
  const std::string tag = UniqueName("UpdRules");
  const std::vector<std::string> opportunities = MassCreate(
      "Opportunity",
      json::array{json::object{{"name", tag + "A"}, {"amount", 1}, {"closeDate", "2025-01-01"}},
                  json::object{{"name", tag + "B"}, {"amount", 1}, {"closeDate", "2025-01-01"}}});
  ASSERT_EQ(opportunities.size(), 2U);
  ExpectCountAndIds(Api().Put("/Opportunity/action/massUpdate",
                              json::object{{"ids", Ids(opportunities)},
                                           {"data", json::object{{"stage", "Proposal"}}}}),
                    opportunities);
  for (const auto& id : opportunities) {
    EXPECT_TRUE(JsonEquals(ValueAt(Read("Opportunity", id), "probability"), json::value(50)));
  }
  const std::vector<std::string> tasks = MassCreate(
      "Task", json::array{json::object{{"name", tag + "T1"}}, json::object{{"name", tag + "T2"}}});
  ASSERT_EQ(tasks.size(), 2U);
  ExpectCountAndIds(
      Api().Post(
          "/MassAction",
          json::object{{"entityType", "Task"},
                       {"action", "update"},
                       {"params", json::object{{"ids", Ids(tasks)}}},
                       {"data", json::object{{"values", json::object{{"status", "Completed"}}}}}}),
      tasks);
  for (const auto& id : tasks) EXPECT_TRUE(IsDateTime(StringAt(Read("Task", id), "dateCompleted")));
}

TEST_F(MassApiTest, MassUpdateAndDeleteAThousand) {
  const std::string tag = UniqueName("ThousandOps");
  const std::vector<std::string> ids = MassCreate("Contact", Contacts(tag, kMaxMassCreate));
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kMaxMassCreate));
  std::int64_t seq = LastEventSeq(DataDir());
  ExpectCountAndIds(
      Api().Put("/Contact/action/massUpdate",
                json::object{{"ids", Ids(ids)}, {"data", json::object{{"description", "bulk"}}}}),
      ids);
  EXPECT_EQ(StringAt(Read("Contact", ids[500]), "description"), "bulk");
  EXPECT_THAT(EventKinds(seq), UnorderedElementsAreArray(Expected("Contact.update", ids)));

  seq = LastEventSeq(DataDir());
  ApiClient api = Api();
  ExpectCountAndIds(DeleteJson(api, "/Contact/action/massDelete", json::object{{"ids", Ids(ids)}}),
                    ids);
  EXPECT_EQ(Count("Contact", "firstName", tag), 0);
  EXPECT_THAT(EventKinds(seq), UnorderedElementsAreArray(Expected("Contact.delete", ids)));
}

// --- massDelete -------------------------------------------------------------------------------

TEST_F(MassApiTest, MassDeleteSeedAndLegacyForms) {
  const std::string tag = UniqueName("Delete");
  const std::vector<std::string> ids = MassCreate("Contact", Contacts(tag, 4));
  ASSERT_EQ(ids.size(), 4U);
  const std::int64_t seq = LastEventSeq(DataDir());
  ApiClient api = Api();
  // The seed document's DELETE with a body; an unknown id is skipped.
  ExpectCountAndIds(
      DeleteJson(api, "/Contact/action/massDelete",
                 json::object{{"ids", json::array{json::value(ids[0]), json::value(kMissingId),
                                                  json::value(ids[1])}}}),
      {ids[0], ids[1]});
  // EspoCRM <= 6: POST.
  ExpectCountAndIds(Api().Post("/Contact/action/massDelete", json::object{{"ids", Ids({ids[2]})}}),
                    {ids[2]});
  for (const std::string& id : {ids[0], ids[1], ids[2]}) {
    EXPECT_TRUE(IsApiError(Api().Get("/Contact/" + id), 404)) << id;
  }
  EXPECT_EQ(StringAt(Read("Contact", ids[3]), "firstName"), tag);
  // Deleting deleted records again: skipped.
  ExpectCountAndIds(
      DeleteJson(api, "/Contact/action/massDelete", json::object{{"ids", Ids({ids[0]})}}), {});
  EXPECT_THAT(EventKinds(seq),
              UnorderedElementsAreArray(Expected("Contact.delete", {ids[0], ids[1], ids[2]})));
  // By where.
  ExpectCountAndIds(DeleteJson(api, "/Contact/action/massDelete",
                               json::object{{"where", EqualsWhere("firstName", json::value(tag))}}),
                    {ids[3]});
  EXPECT_EQ(Count("Contact", "firstName", tag), 0);
}

// --- MassAction -------------------------------------------------------------------------------

TEST_F(MassApiTest, MassActionUpdate) {
  const std::string tag = UniqueName("MassAction");
  const std::vector<std::string> ids = MassCreate("Contact", Contacts(tag, 3));
  ASSERT_EQ(ids.size(), 3U);
  // Capture 45: params.ids with data as the attribute map.
  ExpectCountAndIds(
      Api().Post("/MassAction",
                 json::object{{"entityType", "Contact"},
                              {"action", "update"},
                              {"params", json::object{{"ids", Ids({ids[0], ids[1]})}}},
                              {"data", json::object{{"description", "mass updated"}}}}),
      {ids[0], ids[1]});
  // docs/api.md: data {values: {...}}, params.where (capture 46).
  ExpectCountAndIds(
      Api().Post(
          "/MassAction",
          json::object{
              {"entityType", "Contact"},
              {"action", "update"},
              {"params", json::object{{"where", EqualsWhere("firstName", json::value(tag))}}},
              {"data", json::object{{"values", json::object{{"doNotCall", true}}}}}}),
      ids);
  // Capture 47.
  const json::value first = Read("Contact", ids[0]);
  EXPECT_EQ(StringAt(first, "description"), "mass updated");
  EXPECT_EQ(ValueAt(first, "doNotCall"), json::value(true));
  EXPECT_TRUE(IsNullAt(Read("Contact", ids[2]), "description"));
  EXPECT_EQ(ValueAt(Read("Contact", ids[2]), "doNotCall"), json::value(true));
  // Unknown ids are skipped.
  ExpectCountAndIds(
      Api().Post("/MassAction",
                 json::object{{"entityType", "Contact"},
                              {"action", "update"},
                              {"params", json::object{{"ids", Ids({kMissingId, ids[2]})}}},
                              {"data", json::object{{"values", json::object{{"title", "T"}}}}}}),
      {ids[2]});
  EXPECT_EQ(StringAt(Read("Contact", ids[2]), "title"), "T");
}

TEST_F(MassApiTest, MassActionDelete) {
  const std::string tag = UniqueName("MassActionDel");
  const std::vector<std::string> ids = MassCreate("Contact", Contacts(tag, 3));
  ASSERT_EQ(ids.size(), 3U);
  const std::int64_t seq = LastEventSeq(DataDir());
  ExpectCountAndIds(
      Api().Post("/MassAction",
                 json::object{{"entityType", "Contact"},
                              {"action", "delete"},
                              {"params", json::object{{"ids", Ids({ids[0], kMissingId})}}}}),
      {ids[0]});
  EXPECT_TRUE(IsApiError(Api().Get("/Contact/" + ids[0]), 404));
  ExpectCountAndIds(
      Api().Post(
          "/MassAction",
          json::object{
              {"entityType", "Contact"},
              {"action", "delete"},
              {"params", json::object{{"where", EqualsWhere("firstName", json::value(tag))}}}}),
      {ids[1], ids[2]});
  EXPECT_EQ(Count("Contact", "firstName", tag), 0);
  EXPECT_THAT(EventKinds(seq), UnorderedElementsAreArray(Expected("Contact.delete", ids)));
}

TEST_F(MassApiTest, MassActionErrors) {
  const std::string tag = UniqueName("MassErr");
  const std::vector<std::string> ids = MassCreate("Contact", Contacts(tag, 2));
  ASSERT_EQ(ids.size(), 2U);
  const std::int64_t seq = LastEventSeq(DataDir());
  const json::object values{{"values", json::object{{"description", "should not happen"}}}};
  // ids and where together.
  EXPECT_TRUE(IsApiError(
      Api().Post("/MassAction",
                 json::object{{"entityType", "Contact"},
                              {"action", "update"},
                              {"params",
                               json::object{{"ids", Ids(ids)},
                                            {"where", EqualsWhere("firstName", json::value(tag))}}},
                              {"data", values}}),
      400));
  EXPECT_TRUE(IsApiError(
      Api().Post("/MassAction",
                 json::object{{"entityType", "Contact"},
                              {"action", "delete"},
                              {"params", json::object{{"ids", Ids(ids)},
                                                      {"where", EqualsWhere("firstName",
                                                                            json::value(tag))}}}}),
      400));
  // Unknown action.
  EXPECT_TRUE(IsApiError(
      Api().Post("/MassAction", json::object{{"entityType", "Contact"},
                                             {"action", "frobnicate"},
                                             {"params", json::object{{"ids", Ids(ids)}}}}),
      404));
  // Missing entityType, action or params.
  EXPECT_TRUE(
      IsApiError(Api().Post("/MassAction", json::object{{"action", "update"},
                                                        {"params", json::object{{"ids", Ids(ids)}}},
                                                        {"data", values}}),
                 400));
  EXPECT_TRUE(
      IsApiError(Api().Post("/MassAction", json::object{{"entityType", "Contact"},
                                                        {"params", json::object{{"ids", Ids(ids)}}},
                                                        {"data", values}}),
                 400));
  EXPECT_TRUE(IsApiError(
      Api().Post("/MassAction",
                 json::object{{"entityType", "Contact"}, {"action", "update"}, {"data", values}}),
      400));
  // Unknown entity type.
  EXPECT_TRUE(IsApiError(
      Api().Post("/MassAction", json::object{{"entityType", "NoSuchEntity"},
                                             {"action", "delete"},
                                             {"params", json::object{{"ids", Ids(ids)}}}}),
      404));
  // A bad where.
  EXPECT_TRUE(IsApiError(
      Api().Post(
          "/MassAction",
          json::object{
              {"entityType", "Contact"},
              {"action", "delete"},
              {"params", json::object{{"where", json::array{json::object{{"type", "bogus"},
                                                                         {"attribute", "firstName"},
                                                                         {"value", tag}}}}}}}),
      400));
  // Nothing changed.
  for (const auto& id : ids) EXPECT_TRUE(IsNullAt(Read("Contact", id), "description"));
  EXPECT_THAT(ReadEvents(DataDir(), seq), IsEmpty());
}

// --- events equal in kind to the single requests' --------------------------------------------

TEST_F(MassApiTest, MassEventsMatchSingleOnes) {
  const std::string tag = UniqueName("Events");
  const std::string data_dir = DataDir();
  const auto only_event = [&](std::int64_t since, const std::string& id) {
    const std::vector<ChangeEvent> events = EventsFor(ReadEvents(data_dir, since), id);
    EXPECT_EQ(events.size(), 1U) << id;
    return events.empty() ? ChangeEvent{} : events.front();
  };
  const auto expect_same_kind = [&](const ChangeEvent& single, const ChangeEvent& mass) {
    EXPECT_EQ(mass.event, single.event);
    EXPECT_EQ(mass.entity_type, single.entity_type);
    EXPECT_EQ(mass.user_id, single.user_id);
    EXPECT_EQ(KeysOf(mass.payload), KeysOf(single.payload)) << single.event;
    EXPECT_EQ(StringAt(mass.payload, "id"), mass.entity_id);
    EXPECT_TRUE(IsDateTime(mass.created_at)) << mass.created_at;
  };

  // Create.
  std::int64_t seq = LastEventSeq(data_dir);
  const std::string single =
      StringAt(Create("Contact", {{"firstName", tag}, {"lastName", tag + "Single"}}), "id");
  const ChangeEvent single_create = only_event(seq, single);
  EXPECT_EQ(single_create.event, "Contact.create");
  EXPECT_EQ(single_create.user_id, env_->api_user.user_id);
  seq = LastEventSeq(data_dir);
  const std::vector<std::string> mass = MassCreate(
      "Contact", json::array{json::object{{"firstName", tag}, {"lastName", tag + "MassA"}},
                             json::object{{"firstName", tag}, {"lastName", tag + "MassB"}},
                             json::object{{"firstName", tag}, {"lastName", tag + "MassC"}}});
  ASSERT_EQ(mass.size(), 3U);
  const ChangeEvent mass_create = only_event(seq, mass[0]);
  expect_same_kind(single_create, mass_create);
  EXPECT_EQ(StringAt(mass_create.payload, "lastName"), tag + "MassA");

  // Update, by each mass form.
  const json::object data{{"description", "changed"}};
  seq = LastEventSeq(data_dir);
  ASSERT_HTTP_STATUS(Api().Put("/Contact/" + single, data), 200);
  const ChangeEvent single_update = only_event(seq, single);
  EXPECT_EQ(single_update.event, "Contact.update");
  seq = LastEventSeq(data_dir);
  ASSERT_HTTP_STATUS(Api().Put("/Contact/action/massUpdate",
                               json::object{{"ids", Ids({mass[0]})}, {"data", data}}),
                     200);
  expect_same_kind(single_update, only_event(seq, mass[0]));
  seq = LastEventSeq(data_dir);
  ASSERT_HTTP_STATUS(
      Api().Post("/MassAction", json::object{{"entityType", "Contact"},
                                             {"action", "update"},
                                             {"params", json::object{{"ids", Ids({mass[1]})}}},
                                             {"data", json::object{{"values", data}}}}),
      200);
  const ChangeEvent action_update = only_event(seq, mass[1]);
  expect_same_kind(single_update, action_update);
  EXPECT_EQ(StringAt(action_update.payload, "description"), "changed");

  // Delete.
  seq = LastEventSeq(data_dir);
  ASSERT_HTTP_STATUS(Api().Delete("/Contact/" + single), 200);
  const ChangeEvent single_delete = only_event(seq, single);
  EXPECT_EQ(single_delete.event, "Contact.delete");
  seq = LastEventSeq(data_dir);
  ApiClient api = Api();
  ASSERT_HTTP_STATUS(
      DeleteJson(api, "/Contact/action/massDelete", json::object{{"ids", Ids({mass[0]})}}), 200);
  expect_same_kind(single_delete, only_event(seq, mass[0]));
  seq = LastEventSeq(data_dir);
  ASSERT_HTTP_STATUS(
      Api().Post("/MassAction", json::object{{"entityType", "Contact"},
                                             {"action", "delete"},
                                             {"params", json::object{{"ids", Ids({mass[1]})}}}}),
      200);
  expect_same_kind(single_delete, only_event(seq, mass[1]));

  // An update that changes nothing writes as many events in bulk as singly.
  seq = LastEventSeq(data_dir);
  ASSERT_HTTP_STATUS(Api().Put("/Contact/action/massUpdate",
                               json::object{{"ids", Ids({mass[2]})},
                                            {"data", json::object{{"lastName", tag + "MassC"}}}}),
                     200);
  const std::size_t bulk_no_op = EventsFor(ReadEvents(data_dir, seq), mass[2]).size();
  seq = LastEventSeq(data_dir);
  ASSERT_HTTP_STATUS(Api().Put("/Contact/" + mass[2], json::object{{"lastName", tag + "MassC"}}),
                     200);
  EXPECT_EQ(bulk_no_op, EventsFor(ReadEvents(data_dir, seq), mass[2]).size());
}

}  // namespace
}  // namespace crm::apitest
