// Relationships over the API (issue 4; docs/api.md "Relationships", captures 33-39): link with
// {"id"}, {"ids"} and {"massRelate", "where"}; unlink with a JSON body {"id"}/{"ids"} and by path
// /{E}/{id}/{link}/{relatedId}; both sides of every link type read back after linking and after
// unlinking (many-to-many Contact.accounts with role/isInactive, Opportunity.contacts,
// Meeting/Call contacts/users/leads with the attendee status, Lead/Account teams; one-to-many
// Account.opportunities and Account.contactsPrimary; belongsTo Contact.account set by a link;
// belongsToParent parentType/parentId/parentName with the parent type checked); the primary link
// kept in step with the many-to-many set (Contact.accountId vs Account.contacts); link-multiple
// attributes on read and write (*Ids, *Names, *Columns); idempotent link and unlink; 404s for a
// missing record, a missing related record and an unknown link; 403 for hasOne and parent links;
// related lists with where/select/order/paging/X-No-Total.
#include <algorithm>
#include <functional>
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

class RelationsApiTest : public RelatedRecordsTest {
 protected:
  static std::string NewAccount(const std::string& name) {
    ApiClient api = Api();
    return CreateRecordId(api, "Account", {{"name", name}});
  }
  static std::string NewContact(const std::string& first, const std::string& last,
                                const std::string& account_id = {}) {
    ApiClient api = Api();
    json::object body{{"firstName", first}, {"lastName", last}};
    if (!account_id.empty()) body["accountId"] = account_id;
    return CreateRecordId(api, "Contact", body);
  }
  static std::string NewOpportunity(const std::string& name, const std::string& account_id = {}) {
    ApiClient api = Api();
    json::object body{{"name", name}, {"amount", 100}, {"closeDate", "2025-06-30"}};
    if (!account_id.empty()) body["accountId"] = account_id;
    return CreateRecordId(api, "Opportunity", body);
  }
  // POST /{entity}/{id}/{link} with `body`; expects 200 and the body `true`.
  static void Link(const std::string& entity, const std::string& id, const std::string& link,
                   const json::object& body) {
    const HttpResponse r = Api().Post("/" + entity + "/" + id + "/" + link, body);
    EXPECT_HTTP_STATUS(r, 200) << " linking " << json::serialize(body);
    EXPECT_EQ(r.body, "true");
    EXPECT_EQ(r.Header("Content-Type"), "application/json");
  }
  static void Unlink(const std::string& entity, const std::string& id, const std::string& link,
                     const json::object& body) {
    ApiClient api = Api();
    const HttpResponse r = DeleteJson(api, "/" + entity + "/" + id + "/" + link, body);
    EXPECT_HTTP_STATUS(r, 200) << " unlinking " << json::serialize(body);
    EXPECT_EQ(r.body, "true");
  }
  static void UnlinkByPath(const std::string& entity, const std::string& id,
                           const std::string& link, const std::string& related_id) {
    const HttpResponse r = Api().Delete("/" + entity + "/" + id + "/" + link + "/" + related_id);
    EXPECT_HTTP_STATUS(r, 200);
    EXPECT_EQ(r.body, "true");
  }
};

// --- Account.contacts / Contact.accounts (many-to-many with role and isInactive) -------------

TEST_F(RelationsApiTest, LinkByIdShowsOnBothSides) {
  // Capture 33.
  const std::string account = NewAccount(UniqueName("LinkById"));
  const std::string contact = NewContact("Link", UniqueName("ById"));
  Link("Account", account, "contacts", {{"id", contact}});

  EXPECT_THAT(Related("Account", account, "contacts"), ElementsAre(contact));
  EXPECT_THAT(Related("Contact", contact, "accounts"), ElementsAre(account));
  const json::value record = Read("Contact", contact);
  EXPECT_THAT(StringsAt(record, "accountsIds"), ElementsAre(account));
  EXPECT_EQ(NameIn(record, "accountsNames", account), StringAt(Read("Account", account), "name"));
  EXPECT_TRUE(JsonEquals(json::value(ColumnsOf(record, "accountsColumns", account)),
                         json::parse(R"({"role": null, "isInactive": false})")))
      << json::serialize(record);
  // docs/api.md: linking a contact that has no account sets its accountId.
  EXPECT_EQ(StringAt(record, "accountId"), account);
  EXPECT_EQ(StringAt(record, "accountName"), StringAt(Read("Account", account), "name"));
}

TEST_F(RelationsApiTest, LinkByIdsLinksEveryOne) {
  // Capture 34.
  const std::string account = NewAccount(UniqueName("LinkByIds"));
  const std::string last = UniqueName("ByIds");
  const std::string c1 = NewContact("One", last);
  const std::string c2 = NewContact("Two", last);
  const std::string c3 = NewContact("Three", last);
  Link("Account", account, "contacts", {{"ids", json::array{json::value(c1), json::value(c2)}}});
  EXPECT_THAT(Related("Account", account, "contacts"), UnorderedElementsAre(c1, c2));
  EXPECT_THAT(StringsAt(Read("Contact", c1), "accountsIds"), ElementsAre(account));
  EXPECT_THAT(StringsAt(Read("Contact", c2), "accountsIds"), ElementsAre(account));
  EXPECT_THAT(StringsAt(Read("Contact", c3), "accountsIds"), IsEmpty());
}

TEST_F(RelationsApiTest, LinkingTwiceIsANoOp) {
  const std::string account = NewAccount(UniqueName("Twice"));
  ApiClient api = Api();
  const std::string contact =
      CreateRecordId(api, "Contact",
                     {{"lastName", UniqueName("Twice")}, {"accountId", account}, {"title", "CEO"}});
  const json::value before = Read("Contact", contact);
  const std::int64_t seq = LastEventSeq(env_->server->data_dir());

  // Again from the account's side, with {"id"} and {"ids"}, and from the contact's side.
  Link("Account", account, "contacts", {{"id", contact}});
  Link("Account", account, "contacts", {{"ids", json::array{json::value(contact)}}});
  Link("Contact", contact, "accounts", {{"id", account}});

  const json::value after = Read("Contact", contact);
  EXPECT_THAT(StringsAt(after, "accountsIds"), ElementsAre(account));
  // The relation's columns are kept (the role is not reset to null).
  EXPECT_EQ(ColumnsOf(after, "accountsColumns", account),
            ColumnsOf(before, "accountsColumns", account));
  EXPECT_EQ(ColumnAt(after, "accountsColumns", account, "role"), json::value("CEO"));
  EXPECT_EQ(StringAt(after, "modifiedAt"), StringAt(before, "modifiedAt"));
  const json::value list = Get("/Account/" + account + "/contacts");
  EXPECT_EQ(TotalOf(list), 1) << json::serialize(list);
  // A no-op changes nothing, so it writes no change event.
  const std::vector<ChangeEvent> events = ReadEvents(env_->server->data_dir(), seq);
  EXPECT_THAT(EventsFor(events, contact), IsEmpty());
  EXPECT_THAT(EventsFor(events, account), IsEmpty());
}

TEST_F(RelationsApiTest, UnlinkWithBodyIdRemovesBothSides) {
  // Captures 37 and 38.
  const std::string account = NewAccount(UniqueName("UnlinkId"));
  const std::string last = UniqueName("UnlinkId");
  const std::string c1 = NewContact("Una", last);
  const std::string c2 = NewContact("Dos", last);
  Link("Account", account, "contacts", {{"ids", json::array{json::value(c1), json::value(c2)}}});
  Unlink("Account", account, "contacts", {{"id", c1}});

  EXPECT_THAT(Related("Account", account, "contacts"), ElementsAre(c2));
  EXPECT_THAT(Related("Contact", c1, "accounts"), IsEmpty());
  const json::value record = Read("Contact", c1);
  EXPECT_THAT(StringsAt(record, "accountsIds"), IsEmpty());
  EXPECT_EQ(ValueAt(record, "accountsNames"), json::object());
  // docs/api.md: unlinking clears the primary account it had set.
  EXPECT_TRUE(IsNullAt(record, "accountId")) << json::serialize(record);
  EXPECT_TRUE(IsNullAt(record, "accountName"));
  EXPECT_EQ(StringAt(Read("Contact", c2), "accountId"), account);
}

TEST_F(RelationsApiTest, UnlinkWithBodyIdsRemovesEveryOne) {
  const std::string account = NewAccount(UniqueName("UnlinkIds"));
  const std::string last = UniqueName("UnlinkIds");
  const std::string c1 = NewContact("Uno", last);
  const std::string c2 = NewContact("Due", last);
  const std::string c3 = NewContact("Tre", last);
  Link("Account", account, "contacts",
       {{"ids", json::array{json::value(c1), json::value(c2), json::value(c3)}}});
  Unlink("Account", account, "contacts", {{"ids", json::array{json::value(c1), json::value(c3)}}});
  EXPECT_THAT(Related("Account", account, "contacts"), ElementsAre(c2));
  for (const std::string& gone : {c1, c3}) {
    EXPECT_THAT(StringsAt(Read("Contact", gone), "accountsIds"), IsEmpty());
    EXPECT_THAT(Related("Contact", gone, "accounts"), IsEmpty());
  }
}

TEST_F(RelationsApiTest, UnlinkByPathSeedForm) {
  const std::string account = NewAccount(UniqueName("UnlinkPath"));
  const std::string contact = NewContact("Path", UniqueName("Unlink"));
  Link("Account", account, "contacts", {{"id", contact}});
  UnlinkByPath("Account", account, "contacts", contact);
  EXPECT_THAT(Related("Account", account, "contacts"), IsEmpty());
  const json::value record = Read("Contact", contact);
  EXPECT_THAT(StringsAt(record, "accountsIds"), IsEmpty());
  EXPECT_TRUE(IsNullAt(record, "accountId"));
}

TEST_F(RelationsApiTest, UnlinkingFromTheOtherSide) {
  const std::string account = NewAccount(UniqueName("OtherSide"));
  const std::string c1 = NewContact("Other", UniqueName("SideBody"));
  const std::string c2 = NewContact("Other", UniqueName("SidePath"));
  Link("Account", account, "contacts", {{"ids", json::array{json::value(c1), json::value(c2)}}});
  Unlink("Contact", c1, "accounts", {{"id", account}});
  UnlinkByPath("Contact", c2, "accounts", account);
  EXPECT_THAT(Related("Account", account, "contacts"), IsEmpty());
  for (const std::string& id : {c1, c2}) {
    const json::value record = Read("Contact", id);
    EXPECT_THAT(StringsAt(record, "accountsIds"), IsEmpty());
    EXPECT_TRUE(IsNullAt(record, "accountId")) << json::serialize(record);
  }
}

TEST_F(RelationsApiTest, UnlinkingTwiceIsANoOp) {
  const std::string account = NewAccount(UniqueName("UnlinkTwice"));
  const std::string linked = NewContact("Was", UniqueName("Linked"));
  const std::string never = NewContact("Never", UniqueName("Linked"));
  const std::string stays = NewContact("Stays", UniqueName("Linked"));
  Link("Account", account, "contacts",
       {{"ids", json::array{json::value(linked), json::value(stays)}}});
  Unlink("Account", account, "contacts", {{"id", linked}});
  // Again, in every form, and a pair that was never linked.
  Unlink("Account", account, "contacts", {{"id", linked}});
  Unlink("Account", account, "contacts", {{"ids", json::array{json::value(linked)}}});
  UnlinkByPath("Account", account, "contacts", linked);
  UnlinkByPath("Account", account, "contacts", never);
  EXPECT_THAT(Related("Account", account, "contacts"), ElementsAre(stays));
  EXPECT_THAT(StringsAt(Read("Contact", stays), "accountsIds"), ElementsAre(account));
  EXPECT_THAT(StringsAt(Read("Contact", never), "accountsIds"), IsEmpty());
}

TEST_F(RelationsApiTest, LinkKeepsAnExistingPrimaryAccount) {
  const std::string primary = NewAccount(UniqueName("Primary"));
  const std::string second = NewAccount(UniqueName("Second"));
  const std::string contact = NewContact("Has", UniqueName("Primary"), primary);
  Link("Account", second, "contacts", {{"id", contact}});
  json::value record = Read("Contact", contact);
  EXPECT_EQ(StringAt(record, "accountId"), primary);
  EXPECT_THAT(StringsAt(record, "accountsIds"), UnorderedElementsAre(primary, second));
  EXPECT_THAT(Related("Account", primary, "contacts"), Contains(contact));
  EXPECT_THAT(Related("Account", second, "contacts"), Contains(contact));
  // Unlinking the second account leaves the primary one.
  Unlink("Account", second, "contacts", {{"id", contact}});
  record = Read("Contact", contact);
  EXPECT_EQ(StringAt(record, "accountId"), primary);
  EXPECT_THAT(StringsAt(record, "accountsIds"), ElementsAre(primary));
}

TEST_F(RelationsApiTest, ContactAccountIdIsSeenFromTheAccount) {
  const std::string first = NewAccount(UniqueName("FirstHome"));
  const std::string second = NewAccount(UniqueName("SecondHome"));
  const std::string contact = NewContact("Moving", UniqueName("Contact"), first);
  EXPECT_THAT(Related("Account", first, "contacts"), ElementsAre(contact));
  EXPECT_THAT(Related("Account", first, "contactsPrimary"), ElementsAre(contact));
  const json::value row = RowWithId(Get("/Account/" + first + "/contacts"), contact);
  EXPECT_EQ(StringAt(row, "accountId"), first) << json::serialize(row);

  const HttpResponse moved = Api().Put("/Contact/" + contact, json::object{{"accountId", second}});
  ASSERT_HTTP_STATUS(moved, 200);
  EXPECT_THAT(StringsAt(moved.Json(), "accountsIds"), Contains(second));
  EXPECT_THAT(Related("Account", second, "contacts"), Contains(contact));
  EXPECT_THAT(Related("Account", second, "contactsPrimary"), ElementsAre(contact));
  EXPECT_THAT(Related("Account", first, "contactsPrimary"), IsEmpty());
}

TEST_F(RelationsApiTest, AccountsColumnsWriteRoleAndIsInactive) {
  const std::string a1 = NewAccount(UniqueName("RoleOne"));
  const std::string a2 = NewAccount(UniqueName("RoleTwo"));
  const std::string contact = NewContact("Role", UniqueName("Player"));
  const HttpResponse r = Api().Put(
      "/Contact/" + contact,
      json::object{{"accountsIds", json::array{json::value(a1), json::value(a2)}},
                   {"accountsColumns",
                    json::object{{a1, json::object{{"role", "Buyer"}}},
                                 {a2, json::object{{"role", "Advisor"}, {"isInactive", true}}}}}});
  ASSERT_HTTP_STATUS(r, 200);
  const json::value record = Read("Contact", contact);
  EXPECT_THAT(StringsAt(record, "accountsIds"), UnorderedElementsAre(a1, a2));
  EXPECT_EQ(ColumnAt(record, "accountsColumns", a1, "role"), json::value("Buyer"));
  EXPECT_EQ(ColumnAt(record, "accountsColumns", a1, "isInactive"), json::value(false));
  EXPECT_EQ(ColumnAt(record, "accountsColumns", a2, "role"), json::value("Advisor"));
  EXPECT_EQ(ColumnAt(record, "accountsColumns", a2, "isInactive"), json::value(true));

  // Capture 35: the account's related rows carry the relation's columns.
  const json::value row1 = RowWithId(
      Get("/Account/" + a1 + "/contacts?select=id,name,accountRole,title&orderBy=name&order=asc"),
      contact);
  EXPECT_EQ(StringAt(row1, "accountRole"), "Buyer") << json::serialize(row1);
  const json::value row2 = RowWithId(Get("/Account/" + a2 + "/contacts"), contact);
  EXPECT_EQ(StringAt(row2, "accountRole"), "Advisor") << json::serialize(row2);
  EXPECT_EQ(ValueAt(row2, "accountIsInactive"), json::value(true));
  EXPECT_THAT(Related("Contact", contact, "accounts"), UnorderedElementsAre(a1, a2));

  // The columns of relations that exist change in place.
  ASSERT_HTTP_STATUS(
      Api().Put("/Contact/" + contact,
                json::object{
                    {"accountsIds", json::array{json::value(a1), json::value(a2)}},
                    {"accountsColumns", json::object{{a1, json::object{{"role", "Owner"}}},
                                                     {a2, json::object{{"isInactive", false}}}}}}),
      200);
  const json::value changed = Read("Contact", contact);
  EXPECT_EQ(ColumnAt(changed, "accountsColumns", a1, "role"), json::value("Owner"));
  EXPECT_EQ(ColumnAt(changed, "accountsColumns", a2, "role"), json::value("Advisor"));
  EXPECT_EQ(ColumnAt(changed, "accountsColumns", a2, "isInactive"), json::value(false));
}

TEST_F(RelationsApiTest, TitleBecomesThePrimaryAccountsRoleOnlyWhenItChanges) {
  // EspoCRM's Contact hook: the title is written to the primary account's role when the title or
  // the account changes, not when a client sends the stored values back.
  const std::string account = NewAccount(UniqueName("TitleRole"));
  ApiClient api = Api();
  const std::string contact = CreateRecordId(
      api, "Contact",
      {{"lastName", UniqueName("Titled")}, {"accountId", account}, {"title", "CTO"}});
  EXPECT_EQ(ColumnAt(Read("Contact", contact), "accountsColumns", account, "role"),
            json::value("CTO"));
  ASSERT_HTTP_STATUS(
      api.Put("/Contact/" + contact,
              json::object{
                  {"accountsIds", json::array{json::value(account)}},
                  {"accountsColumns", json::object{{account, json::object{{"role", "Founder"}}}}}}),
      200);
  EXPECT_EQ(ColumnAt(Read("Contact", contact), "accountsColumns", account, "role"),
            json::value("Founder"));

  ASSERT_HTTP_STATUS(
      api.Put("/Contact/" + contact, json::object{{"accountId", account}, {"title", "CTO"}}), 200);
  EXPECT_EQ(ColumnAt(Read("Contact", contact), "accountsColumns", account, "role"),
            json::value("Founder"));

  ASSERT_HTTP_STATUS(api.Put("/Contact/" + contact, json::object{{"title", "CEO"}}), 200);
  EXPECT_EQ(ColumnAt(Read("Contact", contact), "accountsColumns", account, "role"),
            json::value("CEO"));

  // A new primary account the contact already had keeps its role there.
  const std::string other = NewAccount(UniqueName("TitleRoleOther"));
  ASSERT_HTTP_STATUS(
      api.Put("/Contact/" + contact,
              json::object{
                  {"accountsIds", json::array{json::value(account), json::value(other)}},
                  {"accountsColumns", json::object{{other, json::object{{"role", "Advisor"}}}}}}),
      200);
  ASSERT_HTTP_STATUS(api.Put("/Contact/" + contact, json::object{{"accountId", other}}), 200);
  const json::value moved = Read("Contact", contact);
  EXPECT_EQ(StringAt(moved, "accountId"), other);
  EXPECT_EQ(ColumnAt(moved, "accountsColumns", other, "role"), json::value("Advisor"));
}

TEST_F(RelationsApiTest, RelatedRowsCarryRelationColumnsWithAndWithoutSelect) {
  // Captures 35 and 36.
  const std::string account = NewAccount(UniqueName("Columns"));
  const std::string contact = NewContact("Col", UniqueName("Umns"), account);
  for (const std::string query : {"", "?select=id,name", "?select=id,name,accountRole"}) {
    const json::value row = RowWithId(Get("/Account/" + account + "/contacts" + query), contact);
    ASSERT_TRUE(row.is_object()) << query;
    EXPECT_TRUE(AsObject(row).contains("accountIsInactive")) << query << json::serialize(row);
    EXPECT_EQ(ValueAt(row, "accountIsInactive"), json::value(false)) << query;
  }
  const json::value selected =
      RowWithId(Get("/Account/" + account + "/contacts?select=id,name,accountRole"), contact);
  EXPECT_TRUE(AsObject(selected).contains("accountRole")) << json::serialize(selected);
}

TEST_F(RelationsApiTest, LinksThatChangeAForeignKeyWriteUpdateEvents) {
  // Every change writes a crmd_event row: a link or unlink that sets or clears a record's
  // accountId is an update of that record, as the PUT of accountId would be.
  const std::string account = NewAccount(UniqueName("LinkEvents"));
  const std::string by_belongs_to = NewContact("Ev", UniqueName("BelongsTo"));
  const std::string by_primary_sync = NewContact("Ev", UniqueName("Sync"));
  const std::string opportunity = NewOpportunity(UniqueName("EvDeal"));
  struct Step {
    std::string what;
    std::function<void()> run;
    std::string entity;
    std::string id;
    json::value account_id;
  };
  const std::vector<Step> steps = {
      {"belongsTo link",
       [&] {
         Link("Contact", by_belongs_to, "account", {{"id", account}});
       },
       "Contact", by_belongs_to, json::value(account)},
      {"belongsTo unlink", [&] { UnlinkByPath("Contact", by_belongs_to, "account", account); },
       "Contact", by_belongs_to, json::value()},
      {"one-to-many link",
       [&] {
         Link("Account", account, "opportunities", {{"id", opportunity}});
       },
       "Opportunity", opportunity, json::value(account)},
      {"one-to-many unlink",
       [&] {
         Unlink("Account", account, "opportunities", {{"id", opportunity}});
       },
       "Opportunity", opportunity, json::value()},
      {"many-to-many link setting the primary account",
       [&] {
         Link("Account", account, "contacts", {{"id", by_primary_sync}});
       },
       "Contact", by_primary_sync, json::value(account)},
      {"many-to-many unlink clearing the primary account",
       [&] { UnlinkByPath("Account", account, "contacts", by_primary_sync); }, "Contact",
       by_primary_sync, json::value()},
  };
  for (const auto& step : steps) {
    SCOPED_TRACE(step.what);
    const std::int64_t seq = LastEventSeq(env_->server->data_dir());
    step.run();
    EXPECT_TRUE(JsonEquals(ValueAt(Read(step.entity, step.id), "accountId"), step.account_id));
    const std::vector<ChangeEvent> events =
        EventsFor(ReadEvents(env_->server->data_dir(), seq), step.id);
    EXPECT_EQ(events.size(), 1U);
    if (events.empty()) continue;
    EXPECT_EQ(events[0].event, step.entity + ".update");
    EXPECT_TRUE(JsonEquals(ValueAt(events[0].payload, "accountId"), step.account_id))
        << json::serialize(events[0].payload);
  }
}

// --- belongsTo, hasOne, parent ----------------------------------------------------------------

TEST_F(RelationsApiTest, BelongsToLinkSetsTheForeignKey) {
  // docs/api.md: unlike EspoCRM, POST /Contact/{id}/account {"id"} sets accountId.
  const std::string account = NewAccount(UniqueName("BelongsTo"));
  const std::string contact = NewContact("Belongs", UniqueName("To"));
  Link("Contact", contact, "account", {{"id", account}});
  const json::value record = Read("Contact", contact);
  EXPECT_EQ(StringAt(record, "accountId"), account);
  EXPECT_EQ(StringAt(record, "accountName"), StringAt(Read("Account", account), "name"));
  EXPECT_THAT(StringsAt(record, "accountsIds"), Contains(account));
  EXPECT_THAT(Related("Account", account, "contactsPrimary"), ElementsAre(contact));
  EXPECT_THAT(Related("Account", account, "contacts"), Contains(contact));

  const std::string opportunity = NewOpportunity(UniqueName("BelongsToDeal"));
  Link("Opportunity", opportunity, "account", {{"id", account}});
  EXPECT_EQ(StringAt(Read("Opportunity", opportunity), "accountId"), account);
  EXPECT_THAT(Related("Account", account, "opportunities"), ElementsAre(opportunity));

  // Unlinking clears the foreign key.
  UnlinkByPath("Opportunity", opportunity, "account", account);
  EXPECT_TRUE(IsNullAt(Read("Opportunity", opportunity), "accountId"));
  EXPECT_THAT(Related("Account", account, "opportunities"), IsEmpty());
}

TEST_F(RelationsApiTest, HasOneAndParentLinksAre403) {
  const std::string account = NewAccount(UniqueName("HasOne"));
  ApiClient api = Api();
  const std::string lead = CreateRecordId(api, "Lead", {{"lastName", UniqueName("HasOne")}});
  EXPECT_TRUE(IsApiError(
      Api().Post("/Account/" + account + "/originalLead", json::object{{"id", lead}}), 403));
  EXPECT_TRUE(
      IsApiError(Api().Post("/Contact/" + NewContact("Has", UniqueName("One")) + "/originalLead",
                            json::object{{"id", lead}}),
                 403));
  for (const char* entity : {"Call", "Meeting", "Task"}) {
    const std::string id = CreateRecordId(
        api, entity,
        {{"name", std::string("Parent link ") + entity}, {"dateStart", "2024-05-01 10:00:00"}});
    EXPECT_TRUE(IsApiError(
        Api().Post("/" + std::string(entity) + "/" + id + "/parent", json::object{{"id", account}}),
        403))
        << entity;
    EXPECT_TRUE(IsNullAt(Read(entity, id), "parentId")) << entity;
  }
  EXPECT_TRUE(IsNullAt(Read("Account", account), "originalLeadId"));
}

// --- one-to-many (hasMany with a foreign belongsTo) -------------------------------------------

TEST_F(RelationsApiTest, OneToManyLinkSetsAndUnlinkClearsTheForeignKey) {
  const std::string account = NewAccount(UniqueName("OneToMany"));
  const std::string o1 = NewOpportunity(UniqueName("OneToManyA"));
  const std::string o2 = NewOpportunity(UniqueName("OneToManyB"));
  Link("Account", account, "opportunities",
       {{"ids", json::array{json::value(o1), json::value(o2)}}});
  for (const std::string& id : {o1, o2}) {
    const json::value record = Read("Opportunity", id);
    EXPECT_EQ(StringAt(record, "accountId"), account);
    EXPECT_EQ(StringAt(record, "accountName"), StringAt(Read("Account", account), "name"));
  }
  EXPECT_THAT(Related("Account", account, "opportunities"), UnorderedElementsAre(o1, o2));

  Unlink("Account", account, "opportunities", {{"id", o1}});
  UnlinkByPath("Account", account, "opportunities", o2);
  EXPECT_TRUE(IsNullAt(Read("Opportunity", o1), "accountId"));
  EXPECT_TRUE(IsNullAt(Read("Opportunity", o2), "accountId"));
  EXPECT_THAT(Related("Account", account, "opportunities"), IsEmpty());

  // Account.contactsPrimary works the same way on Contact.accountId.
  const std::string contact = NewContact("Primary", UniqueName("Link"));
  Link("Account", account, "contactsPrimary", {{"id", contact}});
  EXPECT_EQ(StringAt(Read("Contact", contact), "accountId"), account);
  EXPECT_THAT(Related("Account", account, "contactsPrimary"), ElementsAre(contact));
  UnlinkByPath("Account", account, "contactsPrimary", contact);
  EXPECT_TRUE(IsNullAt(Read("Contact", contact), "accountId"));
}

TEST_F(RelationsApiTest, OneToManyLinkMovesTheRecord) {
  const std::string from = NewAccount(UniqueName("MoveFrom"));
  const std::string to = NewAccount(UniqueName("MoveTo"));
  const std::string opportunity = NewOpportunity(UniqueName("Mover"), from);
  EXPECT_THAT(Related("Account", from, "opportunities"), ElementsAre(opportunity));
  Link("Account", to, "opportunities", {{"id", opportunity}});
  EXPECT_EQ(StringAt(Read("Opportunity", opportunity), "accountId"), to);
  EXPECT_THAT(Related("Account", to, "opportunities"), ElementsAre(opportunity));
  EXPECT_THAT(Related("Account", from, "opportunities"), IsEmpty());
  // Linking again is a no-op; unlinking from the old account changes nothing.
  Link("Account", to, "opportunities", {{"id", opportunity}});
  Unlink("Account", from, "opportunities", {{"id", opportunity}});
  EXPECT_EQ(StringAt(Read("Opportunity", opportunity), "accountId"), to);
}

// --- Opportunity.contacts / Contact.opportunities ------------------------------------------

TEST_F(RelationsApiTest, OpportunityContactsFromBothSides) {
  const std::string opportunity = NewOpportunity(UniqueName("OppContacts"));
  const std::string last = UniqueName("OppContact");
  const std::string c1 = NewContact("Oc", last);
  const std::string c2 = NewContact("Od", last);
  const std::string c3 = NewContact("Oe", last);
  Link("Opportunity", opportunity, "contacts",
       {{"ids", json::array{json::value(c1), json::value(c2)}}});
  Link("Contact", c3, "opportunities", {{"id", opportunity}});

  json::value record = Read("Opportunity", opportunity);
  EXPECT_THAT(StringsAt(record, "contactsIds"), UnorderedElementsAre(c1, c2, c3));
  EXPECT_EQ(NameIn(record, "contactsNames", c1), "Oc " + last);
  EXPECT_THAT(Related("Opportunity", opportunity, "contacts"), UnorderedElementsAre(c1, c2, c3));
  for (const std::string& c : {c1, c2, c3}) {
    EXPECT_THAT(Related("Contact", c, "opportunities"), ElementsAre(opportunity));
  }

  Unlink("Opportunity", opportunity, "contacts", {{"id", c1}});
  UnlinkByPath("Contact", c3, "opportunities", opportunity);
  record = Read("Opportunity", opportunity);
  EXPECT_THAT(StringsAt(record, "contactsIds"), ElementsAre(c2));
  EXPECT_THAT(Related("Contact", c1, "opportunities"), IsEmpty());
  EXPECT_THAT(Related("Contact", c3, "opportunities"), IsEmpty());
}

TEST_F(RelationsApiTest, WritingLinkMultipleIdsReplacesTheSet) {
  const std::string last = UniqueName("Replace");
  const std::string c1 = NewContact("Ra", last);
  const std::string c2 = NewContact("Rb", last);
  const std::string c3 = NewContact("Rc", last);
  ApiClient api = Api();
  const json::value created =
      CreateRecord(api, "Opportunity",
                   {{"name", UniqueName("ReplaceDeal")},
                    {"amount", 5},
                    {"closeDate", "2025-01-01"},
                    {"contactsIds", json::array{json::value(c1), json::value(c2)}}});
  const std::string opportunity = StringAt(created, "id");
  EXPECT_THAT(StringsAt(created, "contactsIds"), UnorderedElementsAre(c1, c2));
  EXPECT_EQ(NameIn(created, "contactsNames", c2), "Rb " + last);
  EXPECT_THAT(Related("Contact", c1, "opportunities"), ElementsAre(opportunity));

  const HttpResponse r = Api().Put(
      "/Opportunity/" + opportunity,
      json::object{
          {"contactsIds", json::array{json::value(c2), json::value(c3)}},
          {"contactsColumns", json::object{{c3, json::object{{"role", "Decision Maker"}}}}}});
  ASSERT_HTTP_STATUS(r, 200);
  const json::value record = Read("Opportunity", opportunity);
  EXPECT_THAT(StringsAt(record, "contactsIds"), UnorderedElementsAre(c2, c3));
  EXPECT_EQ(ColumnAt(record, "contactsColumns", c3, "role"), json::value("Decision Maker"))
      << json::serialize(record);
  EXPECT_THAT(Related("Contact", c1, "opportunities"), IsEmpty());
  EXPECT_THAT(Related("Contact", c3, "opportunities"), ElementsAre(opportunity));
  EXPECT_THAT(Related("Opportunity", opportunity, "contacts"), UnorderedElementsAre(c2, c3));

  // Writing an empty list empties it.
  ASSERT_HTTP_STATUS(
      Api().Patch("/Opportunity/" + opportunity, json::object{{"contactsIds", json::array()}}),
      200);
  EXPECT_THAT(StringsAt(Read("Opportunity", opportunity), "contactsIds"), IsEmpty());
  EXPECT_THAT(Related("Opportunity", opportunity, "contacts"), IsEmpty());
  EXPECT_THAT(Related("Contact", c2, "opportunities"), IsEmpty());
}

// --- Meeting/Call attendees -------------------------------------------------------------------

TEST_F(RelationsApiTest, AttendeesLinkFromBothSidesWithStatus) {
  ApiClient api = Api();
  for (const std::string entity : {"Meeting", "Call"}) {
    SCOPED_TRACE(entity);
    const std::string link_back = entity == "Meeting" ? "meetings" : "calls";
    const std::string last = UniqueName("Attendee");
    const std::string c1 = NewContact("Ca", last);
    const std::string c2 = NewContact("Cb", last);
    const std::string lead = CreateRecordId(api, "Lead", {{"lastName", last}});
    const std::string event = CreateRecordId(api, entity,
                                             {{"name", "Attendees " + entity},
                                              {"dateStart", "2024-06-01 09:00:00"},
                                              {"assignedUserId", env_->admin_id}});
    Link(entity, event, "contacts", {{"ids", json::array{json::value(c1), json::value(c2)}}});
    Link(entity, event, "leads", {{"id", lead}});
    Link(entity, event, "users", {{"id", env_->api_user.user_id}});

    json::value record = Read(entity, event);
    EXPECT_THAT(StringsAt(record, "contactsIds"), UnorderedElementsAre(c1, c2));
    EXPECT_THAT(StringsAt(record, "leadsIds"), ElementsAre(lead));
    EXPECT_THAT(StringsAt(record, "usersIds"),
                UnorderedElementsAre(env_->admin_id, env_->api_user.user_id));
    EXPECT_EQ(NameIn(record, "leadsNames", lead), last);
    EXPECT_EQ(NameIn(record, "usersNames", env_->api_user.user_id), "api-key-user");
    EXPECT_EQ(ColumnAt(record, "contactsColumns", c1, "status"), json::value("None"));
    EXPECT_EQ(ColumnAt(record, "leadsColumns", lead, "status"), json::value("None"));
    // Related rows carry acceptanceStatus.
    const json::value rows = Get("/" + entity + "/" + event + "/contacts?select=id,name");
    EXPECT_EQ(StringAt(RowWithId(rows, c1), "acceptanceStatus"), "None") << json::serialize(rows);
    EXPECT_TRUE(
        RowWithId(Get("/" + entity + "/" + event + "/users"), env_->api_user.user_id).is_object());
    // The other sides.
    EXPECT_THAT(Related("Contact", c1, link_back), ElementsAre(event));
    EXPECT_THAT(Related("Lead", lead, link_back), ElementsAre(event));
    EXPECT_THAT(Related("User", env_->api_user.user_id, link_back), Contains(event));
    EXPECT_EQ(
        StringAt(RowWithId(Get("/Contact/" + c1 + "/" + link_back), event), "acceptanceStatus"),
        "None");

    // Linking from the contact's side is the same relation.
    const std::string c3 = NewContact("Cc", last);
    Link("Contact", c3, link_back, {{"id", event}});
    EXPECT_THAT(StringsAt(Read(entity, event), "contactsIds"), UnorderedElementsAre(c1, c2, c3));

    Unlink(entity, event, "contacts", {{"ids", json::array{json::value(c1), json::value(c3)}}});
    UnlinkByPath(entity, event, "leads", lead);
    record = Read(entity, event);
    EXPECT_THAT(StringsAt(record, "contactsIds"), ElementsAre(c2));
    EXPECT_THAT(StringsAt(record, "leadsIds"), IsEmpty());
    EXPECT_THAT(Related("Contact", c1, link_back), IsEmpty());
    EXPECT_THAT(Related("Lead", lead, link_back), IsEmpty());
  }
}

TEST_F(RelationsApiTest, AttendeeStatusIsWrittenThroughColumns) {
  const std::string contact = NewContact("Tent", UniqueName("Ative"));
  ApiClient api = Api();
  const std::string meeting = CreateRecordId(
      api, "Meeting", {{"name", "Status meeting"}, {"dateStart", "2024-06-02 09:00:00"}});
  const HttpResponse r = Api().Put(
      "/Meeting/" + meeting,
      json::object{
          {"contactsIds", json::array{json::value(contact)}},
          {"contactsColumns", json::object{{contact, json::object{{"status", "Tentative"}}}}}});
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_EQ(ColumnAt(r.Json(), "contactsColumns", contact, "status"), json::value("Tentative"));
  EXPECT_EQ(
      StringAt(RowWithId(Get("/Meeting/" + meeting + "/contacts"), contact), "acceptanceStatus"),
      "Tentative");
  EXPECT_EQ(
      StringAt(RowWithId(Get("/Contact/" + contact + "/meetings"), meeting), "acceptanceStatus"),
      "Tentative");
  // Linking the linked pair again keeps the status.
  Link("Meeting", meeting, "contacts", {{"id", contact}});
  EXPECT_EQ(ColumnAt(Read("Meeting", meeting), "contactsColumns", contact, "status"),
            json::value("Tentative"));
  // A status outside the options is a 400.
  EXPECT_EQ(Api()
                .Put("/Meeting/" + meeting,
                     json::object{{"contactsIds", json::array{json::value(contact)}},
                                  {"contactsColumns",
                                   json::object{{contact, json::object{{"status", "Maybe"}}}}}})
                .status,
            400);
}

// --- teams ------------------------------------------------------------------------------------

TEST_F(RelationsApiTest, TeamsLinkOnLeadAndAccount) {
  ApiClient admin = env_->Admin();
  const std::string team_name = UniqueName("Team");
  const std::string team = CreateRecordId(admin, "Team", {{"name", team_name}});
  ASSERT_FALSE(team.empty());
  ApiClient api = Api();

  const std::string lead = CreateRecordId(api, "Lead", {{"lastName", UniqueName("TeamLead")}});
  Link("Lead", lead, "teams", {{"id", team}});
  json::value record = Read("Lead", lead);
  EXPECT_THAT(StringsAt(record, "teamsIds"), ElementsAre(team));
  EXPECT_EQ(NameIn(record, "teamsNames", team), team_name);
  EXPECT_THAT(Related("Lead", lead, "teams"), ElementsAre(team));
  Link("Lead", lead, "teams", {{"id", team}});
  EXPECT_THAT(StringsAt(Read("Lead", lead), "teamsIds"), ElementsAre(team));
  Unlink("Lead", lead, "teams", {{"id", team}});
  record = Read("Lead", lead);
  EXPECT_THAT(StringsAt(record, "teamsIds"), IsEmpty());
  EXPECT_EQ(ValueAt(record, "teamsNames"), json::object());
  EXPECT_THAT(Related("Lead", lead, "teams"), IsEmpty());

  // Account: teamsIds on write, the teams link on read.
  const json::value account = CreateRecord(
      api, "Account",
      {{"name", UniqueName("TeamAccount")}, {"teamsIds", json::array{json::value(team)}}});
  const std::string account_id = StringAt(account, "id");
  EXPECT_THAT(StringsAt(account, "teamsIds"), ElementsAre(team));
  EXPECT_THAT(Related("Account", account_id, "teams"), ElementsAre(team));
  UnlinkByPath("Account", account_id, "teams", team);
  EXPECT_THAT(StringsAt(Read("Account", account_id), "teamsIds"), IsEmpty());
  Link("Account", account_id, "teams", {{"ids", json::array{json::value(team)}}});
  EXPECT_THAT(StringsAt(Read("Account", account_id), "teamsIds"), ElementsAre(team));
  ASSERT_HTTP_STATUS(
      Api().Patch("/Account/" + account_id, json::object{{"teamsIds", json::array()}}), 200);
  EXPECT_THAT(Related("Account", account_id, "teams"), IsEmpty());
}

// --- belongsToParent --------------------------------------------------------------------------

TEST_F(RelationsApiTest, ParentIsReadFromBothSides) {
  const std::string account = NewAccount(UniqueName("ParentAcc"));
  const std::string contact = NewContact("Paren", UniqueName("Tal"));
  ApiClient api = Api();
  const json::value task = CreateRecord(
      api, "Task", {{"name", "Parented task"}, {"parentType", "Account"}, {"parentId", account}});
  const std::string task_id = StringAt(task, "id");
  EXPECT_EQ(StringAt(task, "parentType"), "Account");
  EXPECT_EQ(StringAt(task, "parentId"), account);
  EXPECT_EQ(StringAt(task, "parentName"), StringAt(Read("Account", account), "name"));
  EXPECT_THAT(Related("Account", account, "tasks"), ElementsAre(task_id));

  // Moving the parent moves the task between the related lists.
  const HttpResponse r =
      Api().Put("/Task/" + task_id, json::object{{"parentType", "Contact"}, {"parentId", contact}});
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_EQ(StringAt(r.Json(), "parentName"), StringAt(Read("Contact", contact), "name"));
  EXPECT_THAT(Related("Account", account, "tasks"), IsEmpty());
  EXPECT_THAT(Related("Contact", contact, "tasks"), ElementsAre(task_id));

  // Clearing it.
  ASSERT_HTTP_STATUS(
      Api().Put("/Task/" + task_id, json::object{{"parentType", nullptr}, {"parentId", nullptr}}),
      200);
  const json::value cleared = Read("Task", task_id);
  EXPECT_TRUE(IsNullAt(cleared, "parentId"));
  EXPECT_TRUE(IsNullAt(cleared, "parentName"));
  EXPECT_THAT(Related("Contact", contact, "tasks"), IsEmpty());
}

TEST_F(RelationsApiTest, ParentTypeIsChecked) {
  const std::string account = NewAccount(UniqueName("ParentCheck"));
  const std::string user = env_->admin_id;
  struct Case {
    std::string entity;
    std::string parent_type;
    std::string parent_id;
  };
  const std::vector<Case> cases = {
      {"Task", "Team", account}, {"Task", "Meeting", account}, {"Meeting", "User", user},
      {"Call", "Nope", account}, {"Call", "Task", account},
  };
  for (const auto& c : cases) {
    const HttpResponse r =
        Api().Post("/" + c.entity, json::object{{"name", "Bad parent"},
                                                {"dateStart", "2024-01-01 10:00:00"},
                                                {"parentType", c.parent_type},
                                                {"parentId", c.parent_id}});
    EXPECT_TRUE(IsApiError(r, 400)) << c.entity << " parentType " << c.parent_type;
  }
  // Each allowed parent type works, for every activity.
  ApiClient api = Api();
  const std::string contact = NewContact("Any", UniqueName("Parent"));
  const std::string lead = CreateRecordId(api, "Lead", {{"lastName", UniqueName("ParentLead")}});
  const std::string opportunity = NewOpportunity(UniqueName("ParentDeal"));
  const std::string case_id = CreateRecordId(api, "Case", {{"name", UniqueName("ParentCase")}});
  const std::vector<std::pair<std::string, std::string>> parents = {{"Account", account},
                                                                    {"Contact", contact},
                                                                    {"Lead", lead},
                                                                    {"Opportunity", opportunity},
                                                                    {"Case", case_id}};
  for (const char* entity : {"Call", "Meeting", "Task"}) {
    for (const auto& [type, id] : parents) {
      const json::value record = CreateRecord(api, entity,
                                              {{"name", std::string(entity) + " of " + type},
                                               {"dateStart", "2024-01-01 10:00:00"},
                                               {"parentType", type},
                                               {"parentId", id}});
      EXPECT_EQ(StringAt(record, "parentType"), type) << entity;
      EXPECT_EQ(StringAt(record, "parentId"), id) << entity;
      EXPECT_FALSE(StringAt(record, "parentName").empty()) << entity << " " << type;
    }
  }
}

// --- link-multiple attributes and related lists -----------------------------------------------

TEST_F(RelationsApiTest, LinkMultipleOnCreateIsSeenFromTheOtherSide) {
  const std::string a1 = NewAccount(UniqueName("MultiA"));
  const std::string a2 = NewAccount(UniqueName("MultiB"));
  ApiClient api = Api();
  const json::value contact =
      CreateRecord(api, "Contact",
                   {{"lastName", UniqueName("Multi")},
                    {"accountsIds", json::array{json::value(a1), json::value(a2)}}});
  const std::string contact_id = StringAt(contact, "id");
  EXPECT_THAT(StringsAt(contact, "accountsIds"), UnorderedElementsAre(a1, a2));
  EXPECT_THAT(Related("Account", a1, "contacts"), ElementsAre(contact_id));
  EXPECT_THAT(Related("Account", a2, "contacts"), ElementsAre(contact_id));

  const json::value meeting =
      CreateRecord(api, "Meeting",
                   {{"name", "Multi meeting"},
                    {"dateStart", "2024-02-02 10:00:00"},
                    {"contactsIds", json::array{json::value(contact_id)}},
                    {"usersIds", json::array{json::value(env_->admin_id)}}});
  EXPECT_THAT(Related("Contact", contact_id, "meetings"), ElementsAre(StringAt(meeting, "id")));
  EXPECT_THAT(Related("User", env_->admin_id, "meetings"), Contains(StringAt(meeting, "id")));
}

TEST_F(RelationsApiTest, RelatedListSearchParameters) {
  const std::string account = NewAccount(UniqueName("Search"));
  const std::string last = UniqueName("Search");
  std::vector<std::string> ids;  // Ann, Bob, Cid, Dee, Eve
  for (const char* first : {"Cid", "Eve", "Ann", "Dee", "Bob"}) {
    ids.push_back(NewContact(first, last, account));
  }
  const std::string ann = ids[2], bob = ids[4], cid = ids[0], dee = ids[3], eve = ids[1];
  // A matching contact that is not linked never shows.
  NewContact("Dee", UniqueName("Unlinked"));
  const std::string base = "/Account/" + account + "/contacts";

  json::value body = Get(base + "?orderBy=firstName&order=asc");
  EXPECT_EQ(TotalOf(body), 5);
  EXPECT_THAT(ListIds(body), ElementsAre(ann, bob, cid, dee, eve));
  body = Get(base + "?orderBy=name&order=desc");
  EXPECT_THAT(ListIds(body), ElementsAre(eve, dee, cid, bob, ann));

  // Paging.
  body = Get(base + "?orderBy=firstName&order=asc&maxSize=2&offset=1");
  EXPECT_EQ(TotalOf(body), 5);
  EXPECT_THAT(ListIds(body), ElementsAre(bob, cid));
  body = Get(base + "?orderBy=firstName&order=asc&maxSize=2&offset=4");
  EXPECT_THAT(ListIds(body), ElementsAre(eve));
  EXPECT_EQ(TotalOf(Get(base + "?maxSize=2&offset=10")), 5);

  // Select: the selected attributes and id, not the others.
  body = Get(base + "?select=id,firstName&orderBy=firstName");
  for (const auto& row : AsArray(ValueAt(body, "list"))) {
    EXPECT_TRUE(AsObject(row).contains("id"));
    EXPECT_TRUE(AsObject(row).contains("firstName"));
    EXPECT_FALSE(AsObject(row).contains("description")) << json::serialize(row);
    EXPECT_FALSE(AsObject(row).contains("addressCity")) << json::serialize(row);
  }

  // Where, in the bracket form (capture 36), as searchParams, and as the seed's JSON string.
  body = Get(base + "?select=id,name&" + EqualsWhereQuery("firstName", "Dee"));
  EXPECT_EQ(TotalOf(body), 1);
  EXPECT_THAT(ListIds(body), ElementsAre(dee));
  const json::object search{
      {"where",
       json::array{json::object{
           {"type", "in"}, {"attribute", "firstName"}, {"value", json::array{"Ann", "Eve"}}}}},
      {"orderBy", "firstName"},
      {"order", "desc"},
      {"maxSize", 1}};
  body = Get(base + "?searchParams=" + Enc(json::serialize(search)));
  EXPECT_EQ(TotalOf(body), 2);
  EXPECT_THAT(ListIds(body), ElementsAre(eve));
  const json::array seed_where{
      json::object{{"type", "startsWith"}, {"field", "firstName"}, {"value", "D"}}};
  body = Get(base + "?where=" + Enc(json::serialize(seed_where)));
  EXPECT_THAT(ListIds(body), ElementsAre(dee));
  body = Get(
      base + "?where=" +
      Enc(json::serialize(json::array{json::object{
          {"type", "or"},
          {"value",
           json::array{
               json::object{{"type", "equals"}, {"attribute", "firstName"}, {"value", "Bob"}},
               json::object{
                   {"type", "equals"}, {"attribute", "firstName"}, {"value", "Cid"}}}}}})));
  EXPECT_THAT(ListIds(body), UnorderedElementsAre(bob, cid));

  // Text filter.
  EXPECT_THAT(ListIds(Get(base + "?q=Ann")), ElementsAre(ann));
  EXPECT_THAT(ListIds(Get(base + "?textFilter=Eve")), ElementsAre(eve));

  // X-No-Total: -1 when more records follow, -2 at the end.
  const Headers no_total = {{"X-No-Total", "true"}};
  EXPECT_EQ(TotalOf(Get(base + "?maxSize=2", no_total)), -1);
  EXPECT_EQ(TotalOf(Get(base + "?maxSize=5", no_total)), -2);
  EXPECT_EQ(TotalOf(Get(base + "?maxSize=1&offset=3", no_total)), -1);
  EXPECT_EQ(TotalOf(Get(base + "?maxSize=1&offset=4", no_total)), -2);
  EXPECT_EQ(AsArray(ValueAt(Get(base + "?maxSize=2", no_total), "list")).size(), 2U);

  // Bad parameters are 400s, as on the main list.
  EXPECT_TRUE(IsApiError(Api().Get(base + "?maxSize=201"), 400));
  EXPECT_TRUE(IsApiError(Api().Get(base + "?select=id,noSuchAttribute"), 400));
  EXPECT_TRUE(IsApiError(
      Api().Get(base + "?where[0][type]=bogus&where[0][attribute]=firstName&where[0][value]=x"),
      400));
  EXPECT_TRUE(IsApiError(Api().Get(base + "?orderBy=noSuchAttribute"), 400));
  EXPECT_TRUE(IsApiError(Api().Get(base + "?where=" + Enc("[{\"type\":")), 400));
  // Lower-case entity in the path.
  EXPECT_EQ(TotalOf(Get("/account/" + account + "/contacts?maxSize=1")), 5);
}

TEST_F(RelationsApiTest, DeletedRecordsLeaveRelatedLists) {
  const std::string account = NewAccount(UniqueName("Deleted"));
  const std::string last = UniqueName("Deleted");
  const std::string gone = NewContact("Gone", last, account);
  const std::string kept = NewContact("Kept", last, account);
  ApiClient api = Api();
  const std::string meeting =
      CreateRecordId(api, "Meeting",
                     {{"name", "Deleted attendee"},
                      {"dateStart", "2024-02-03 10:00:00"},
                      {"contactsIds", json::array{json::value(gone), json::value(kept)}}});
  ASSERT_HTTP_STATUS(Api().Delete("/Contact/" + gone), 200);
  const json::value list = Get("/Account/" + account + "/contacts");
  EXPECT_EQ(TotalOf(list), 1);
  EXPECT_THAT(ListIds(list), ElementsAre(kept));
  EXPECT_THAT(Related("Meeting", meeting, "contacts"), ElementsAre(kept));
  EXPECT_THAT(StringsAt(Read("Meeting", meeting), "contactsIds"), ElementsAre(kept));
  // Linking a deleted record is a 404.
  EXPECT_TRUE(
      IsApiError(Api().Post("/Account/" + account + "/contacts", json::object{{"id", gone}}), 404));
}

// --- massRelate -------------------------------------------------------------------------------

TEST_F(RelationsApiTest, MassRelateLinksEveryMatch) {
  const std::string account = NewAccount(UniqueName("MassRelate"));
  const std::string last = UniqueName("MassRelate");
  std::vector<std::string> matching;
  for (const char* first : {"Ma", "Mb", "Mc"}) matching.push_back(NewContact(first, last));
  const std::string other = NewContact("Ma", UniqueName("NotMatching"));
  // One of them is linked already.
  Link("Account", account, "contacts", {{"id", matching[0]}});

  Link("Account", account, "contacts",
       {{"massRelate", true}, {"where", EqualsWhere("lastName", json::value(last))}});
  const json::value list = Get("/Account/" + account + "/contacts");
  EXPECT_EQ(TotalOf(list), 3);
  EXPECT_THAT(ListIds(list), UnorderedElementsAre(matching[0], matching[1], matching[2]));
  for (const std::string& id : matching) {
    EXPECT_THAT(StringsAt(Read("Contact", id), "accountsIds"), ElementsAre(account));
  }
  EXPECT_THAT(StringsAt(Read("Contact", other), "accountsIds"), IsEmpty());

  // Mass-relating again is a no-op.
  Link("Account", account, "contacts",
       {{"massRelate", true}, {"where", EqualsWhere("lastName", json::value(last))}});
  EXPECT_EQ(TotalOf(Get("/Account/" + account + "/contacts")), 3);

  // A where that matches nothing links nothing; a bad where is a 400 and links nothing.
  Link("Account", account, "contacts",
       {{"massRelate", true}, {"where", EqualsWhere("lastName", json::value(UniqueName("None")))}});
  EXPECT_EQ(TotalOf(Get("/Account/" + account + "/contacts")), 3);
  const HttpResponse bad = Api().Post(
      "/Account/" + account + "/contacts",
      json::object{{"massRelate", true},
                   {"where", json::array{json::object{
                                 {"type", "bogus"}, {"attribute", "lastName"}, {"value", "x"}}}}});
  EXPECT_TRUE(IsApiError(bad, 400));
  EXPECT_THAT(StringsAt(Read("Contact", other), "accountsIds"), IsEmpty());
}

TEST_F(RelationsApiTest, MassRelateAttendees) {
  const std::string last = UniqueName("MassAttend");
  const std::string c1 = NewContact("Xa", last);
  const std::string c2 = NewContact("Xb", last);
  ApiClient api = Api();
  const std::string meeting = CreateRecordId(
      api, "Meeting", {{"name", "Mass attended"}, {"dateStart", "2024-07-01 10:00:00"}});
  Link("Meeting", meeting, "contacts",
       {{"massRelate", true}, {"where", EqualsWhere("lastName", json::value(last))}});
  const json::value record = Read("Meeting", meeting);
  EXPECT_THAT(StringsAt(record, "contactsIds"), UnorderedElementsAre(c1, c2));
  EXPECT_EQ(ColumnAt(record, "contactsColumns", c2, "status"), json::value("None"));
  EXPECT_THAT(Related("Contact", c1, "meetings"), ElementsAre(meeting));
}

TEST_F(RelationsApiTest, LinkAndUnlinkWithEveryAuthMode) {
  const std::string account = NewAccount(UniqueName("AuthModes"));
  for (const AuthMode mode : AllAuthModes()) {
    SCOPED_TRACE(AuthModeName(mode));
    ApiClient client = env_->Client(mode);
    const std::string c1 = NewContact("Auth", UniqueName(AuthModeName(mode)));
    const std::string c2 = NewContact("Auth", UniqueName(AuthModeName(mode)));
    const std::string target = "/Account/" + account + "/contacts";
    EXPECT_HTTP_STATUS(
        client.Post(target, json::object{{"ids", json::array{json::value(c1), json::value(c2)}}}),
        200);
    EXPECT_EQ(TotalOf(ParseJson(client.Get(target + "?select=id&maxSize=1").body)), 2);
    EXPECT_HTTP_STATUS(DeleteJson(client, target, json::object{{"id", c1}}), 200);
    EXPECT_HTTP_STATUS(client.Delete(target + "/" + c2), 200);
    EXPECT_THAT(Related("Account", account, "contacts"), IsEmpty());
  }
}

// --- errors -----------------------------------------------------------------------------------

TEST_F(RelationsApiTest, MissingRecordIs404) {
  const std::string contact = NewContact("Miss", UniqueName("Ing"));
  const std::string missing = std::string("/Account/") + kMissingId + "/contacts";
  EXPECT_TRUE(IsApiError(Api().Get(missing), 404));
  EXPECT_TRUE(IsApiError(Api().Post(missing, json::object{{"id", contact}}), 404));
  EXPECT_TRUE(IsApiError(
      Api().Post(missing, json::object{{"ids", json::array{json::value(contact)}}}), 404));
  ApiClient api = Api();
  EXPECT_TRUE(IsApiError(DeleteJson(api, missing, json::object{{"id", contact}}), 404));
  EXPECT_TRUE(IsApiError(Api().Delete(missing + "/" + contact), 404));
  EXPECT_THAT(StringsAt(Read("Contact", contact), "accountsIds"), IsEmpty());
}

TEST_F(RelationsApiTest, MissingRelatedRecordIs404) {
  const std::string account = NewAccount(UniqueName("MissingRelated"));
  const std::string contact = NewContact("Real", UniqueName("One"));
  const std::string target = "/Account/" + account + "/contacts";
  EXPECT_TRUE(IsApiError(Api().Post(target, json::object{{"id", kMissingId}}), 404));
  EXPECT_TRUE(IsApiError(
      Api().Post(target, json::object{{"ids", json::array{json::value(kMissingId)}}}), 404));
  // An unknown id among known ones: 404, and (one transaction) nothing is linked.
  EXPECT_TRUE(IsApiError(
      Api().Post(target,
                 json::object{{"ids", json::array{json::value(contact), json::value(kMissingId)}}}),
      404));
  EXPECT_THAT(Related("Account", account, "contacts"), IsEmpty());
  // Unlinking a record that does not exist is a 404 too.
  ApiClient api = Api();
  EXPECT_TRUE(IsApiError(DeleteJson(api, target, json::object{{"id", kMissingId}}), 404));
  EXPECT_TRUE(IsApiError(Api().Delete(target + "/" + kMissingId), 404));
  // The same on the other link types.
  EXPECT_TRUE(IsApiError(
      Api().Post("/Account/" + account + "/opportunities", json::object{{"id", kMissingId}}), 404));
  EXPECT_TRUE(IsApiError(
      Api().Post("/Contact/" + contact + "/account", json::object{{"id", kMissingId}}), 404));
  EXPECT_TRUE(IsNullAt(Read("Contact", contact), "accountId"));
}

TEST_F(RelationsApiTest, UnknownLinkIs404) {
  // Capture 39.
  const std::string account = NewAccount(UniqueName("UnknownLink"));
  const std::string contact = NewContact("Un", UniqueName("Known"));
  const std::string base = "/Account/" + account;
  EXPECT_TRUE(IsApiError(Api().Get(base + "/nosuchlink"), 404, "Link does not exist."));
  // A field that is not a link is not a link either.
  EXPECT_TRUE(IsApiError(Api().Get(base + "/name"), 404, "Link does not exist."));
  EXPECT_TRUE(IsApiError(Api().Get(base + "/nosuchlink?maxSize=1"), 404, "Link does not exist."));
  EXPECT_TRUE(IsApiError(Api().Post(base + "/nosuchlink", json::object{{"id", contact}}), 404));
  ApiClient api = Api();
  EXPECT_TRUE(
      IsApiError(DeleteJson(api, base + "/nosuchlink", json::object{{"id", contact}}), 404));
  EXPECT_TRUE(IsApiError(Api().Delete(base + "/nosuchlink/" + contact), 404));
}

TEST_F(RelationsApiTest, LinkBodyWithoutIdsIs400) {
  const std::string account = NewAccount(UniqueName("NoIds"));
  const std::string target = "/Account/" + account + "/contacts";
  EXPECT_TRUE(IsApiError(Api().Post(target, json::object()), 400));
  EXPECT_TRUE(IsApiError(Api().Post(target, json::object{{"ids", "not-a-list"}}), 400));
  EXPECT_TRUE(IsApiError(Api().Post(target, json::object{{"id", 12}}), 400));
}

}  // namespace
}  // namespace crm::apitest
