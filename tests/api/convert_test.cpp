// Lead conversion over the API (issue 4; docs/api.md "Lead conversion", espocrm-wire.md 1.3,
// captures 40-44): EspoCRM's POST /Lead/action/convert {id, records, skipDuplicateCheck} and the
// seed document's POST /Lead/{id}/convert {createAccount, accountName, createContact,
// createOpportunity, opportunityName}; the records it creates and how they are linked (contact with
// the account and the lead's title as role, opportunity with both); the lead becoming Converted
// with createdAccountId/ContactId/OpportunityId and convertedAt; the lead's calls and meetings
// following; one transaction (a failing record, e.g. an Opportunity without closeDate, leaves no
// record, no event and the lead unchanged); duplicates 409 with [{id, name, _entityType}] unless
// skipDuplicateCheck or X-Skip-Duplicate-Check; POST /Lead/action/getConvertAttributes (capture 41)
// and using its answer to convert; the change events a conversion writes; 400/404 answers.
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
using ::testing::UnorderedElementsAre;

class LeadConvertApiTest : public RelatedRecordsTest {
 protected:
  // A new lead like capture 40, with names and address unique to the test.
  struct Lead {
    std::string id;
    std::string first_name;
    std::string last_name;
    std::string account_name;
    std::string email;
    json::value record;
  };
  static Lead NewLead(const json::object& extra = {}) {
    Lead lead;
    lead.first_name = "Leo";
    lead.last_name = UniqueName("Lead");
    lead.account_name = UniqueName("LeadCo");
    lead.email = UniqueName("leo") + "@leadco.example";
    json::object body{{"firstName", lead.first_name},
                      {"lastName", lead.last_name},
                      {"accountName", lead.account_name},
                      {"emailAddress", lead.email},
                      {"status", "New"},
                      {"source", "Web Site"}};
    for (const auto& [key, value] : extra) body[key] = value;
    lead.record = Create("Lead", body);
    lead.id = StringAt(lead.record, "id");
    return lead;
  }

  // EspoCRM's convert body for `lead` with all three records (capture 42).
  static json::object FullConvertBody(const Lead& lead, const std::string& opportunity_name) {
    return json::object{
        {"id", lead.id},
        {"records", json::object{{"Account", json::object{{"name", lead.account_name}}},
                                 {"Contact", json::object{{"firstName", lead.first_name},
                                                          {"lastName", lead.last_name},
                                                          {"emailAddress", lead.email}}},
                                 {"Opportunity", json::object{{"name", opportunity_name},
                                                              {"amount", 1000},
                                                              {"amountCurrency", "USD"},
                                                              {"closeDate", "2027-01-31"},
                                                              {"stage", "Prospecting"},
                                                              {"probability", 10}}}}}};
  }

  // The lead has not changed since `before` (its read).
  static void ExpectLeadUnchanged(const json::value& before) {
    const json::value after = Read("Lead", StringAt(before, "id"));
    EXPECT_EQ(after, before) << "lead changed:\n" << json::serialize(after);
    EXPECT_EQ(StringAt(after, "status"), StringAt(before, "status"));
  }
};

// --- EspoCRM's form ---------------------------------------------------------------------------

TEST_F(LeadConvertApiTest, EspoFormCreatesAndLinksEverything) {
  const Lead lead = NewLead({{"title", "Chief"}});
  const std::string opportunity_name = UniqueName("LeadCo deal");
  const std::int64_t seq = LastEventSeq(DataDir());
  const HttpResponse r =
      Api().Post("/Lead/action/convert", FullConvertBody(lead, opportunity_name));
  ASSERT_HTTP_STATUS(r, 200);

  // The answer is the lead (capture 42).
  const json::value answer = r.Json();
  EXPECT_EQ(StringAt(answer, "id"), lead.id);
  EXPECT_EQ(StringAt(answer, "status"), "Converted");
  EXPECT_TRUE(IsDateTime(StringAt(answer, "convertedAt"))) << r.body;
  const std::string account = StringAt(answer, "createdAccountId");
  const std::string contact = StringAt(answer, "createdContactId");
  const std::string opportunity = StringAt(answer, "createdOpportunityId");
  ASSERT_TRUE(IsRecordId(account)) << r.body;
  ASSERT_TRUE(IsRecordId(contact)) << r.body;
  ASSERT_TRUE(IsRecordId(opportunity)) << r.body;

  // Capture 43: the lead reads back with the created records' names.
  const json::value read = Read("Lead", lead.id);
  EXPECT_EQ(StringAt(read, "status"), "Converted");
  EXPECT_EQ(StringAt(read, "createdAccountId"), account);
  EXPECT_EQ(StringAt(read, "createdAccountName"), lead.account_name);
  EXPECT_EQ(StringAt(read, "createdContactName"), lead.first_name + " " + lead.last_name);
  EXPECT_EQ(StringAt(read, "createdOpportunityName"), opportunity_name);

  // The records, linked: contact with the account (the lead's title as role), opportunity with
  // both.
  const json::value account_record = Read("Account", account);
  EXPECT_EQ(StringAt(account_record, "name"), lead.account_name);
  const json::value contact_record = Read("Contact", contact);
  EXPECT_EQ(StringAt(contact_record, "lastName"), lead.last_name);
  EXPECT_EQ(StringAt(contact_record, "emailAddress"), lead.email);
  EXPECT_EQ(StringAt(contact_record, "accountId"), account);
  EXPECT_THAT(StringsAt(contact_record, "accountsIds"), ElementsAre(account));
  EXPECT_EQ(ColumnAt(contact_record, "accountsColumns", account, "role"), json::value("Chief"))
      << json::serialize(contact_record);
  const json::value opportunity_record = Read("Opportunity", opportunity);
  EXPECT_EQ(StringAt(opportunity_record, "name"), opportunity_name);
  EXPECT_TRUE(JsonEquals(ValueAt(opportunity_record, "amount"), json::value(1000)));
  EXPECT_EQ(StringAt(opportunity_record, "closeDate"), "2027-01-31");
  EXPECT_EQ(StringAt(opportunity_record, "accountId"), account);
  EXPECT_THAT(StringsAt(opportunity_record, "contactsIds"), ElementsAre(contact));
  ApiClient api = Api();
  EXPECT_THAT(RelatedIds(api, "Account", account, "contacts"), ElementsAre(contact));
  EXPECT_THAT(RelatedIds(api, "Account", account, "opportunities"), ElementsAre(opportunity));
  EXPECT_THAT(RelatedIds(api, "Contact", contact, "opportunities"), ElementsAre(opportunity));

  // The change events: one create per record and the lead's update, as single requests write.
  const std::vector<ChangeEvent> events = ReadEvents(DataDir(), seq);
  std::vector<std::string> kinds;
  for (const auto& e : events) kinds.push_back(e.event + " " + e.entity_id);
  EXPECT_THAT(kinds,
              UnorderedElementsAre("Account.create " + account, "Contact.create " + contact,
                                   "Opportunity.create " + opportunity, "Lead.update " + lead.id));
  for (const auto& e : events) {
    EXPECT_EQ(e.user_id, env_->api_user.user_id) << e.event;
    if (e.event == "Lead.update") {
      EXPECT_EQ(StringAt(e.payload, "status"), "Converted") << json::serialize(e.payload);
    }
    if (e.event == "Contact.create") {
      EXPECT_EQ(StringAt(e.payload, "accountId"), account) << json::serialize(e.payload);
    }
  }
}

TEST_F(LeadConvertApiTest, OnlyTheGivenRecordsAreCreated) {
  const Lead lead = NewLead();
  const HttpResponse r = Api().Post(
      "/Lead/action/convert",
      json::object{
          {"id", lead.id},
          {"records", json::object{{"Contact", json::object{{"lastName", lead.last_name}}}}}});
  ASSERT_HTTP_STATUS(r, 200);
  const json::value answer = r.Json();
  EXPECT_EQ(StringAt(answer, "status"), "Converted");
  EXPECT_TRUE(IsRecordId(StringAt(answer, "createdContactId"))) << r.body;
  EXPECT_TRUE(IsNullAt(answer, "createdAccountId")) << r.body;
  EXPECT_TRUE(IsNullAt(answer, "createdOpportunityId")) << r.body;
  EXPECT_TRUE(IsNullAt(Read("Contact", StringAt(answer, "createdContactId")), "accountId"));
  EXPECT_EQ(Count("Account", "name", lead.account_name), 0);

  // Account and opportunity without a contact.
  const Lead other = NewLead();
  const std::string deal = UniqueName("NoContactDeal");
  const HttpResponse r2 = Api().Post(
      "/Lead/action/convert",
      json::object{
          {"id", other.id},
          {"records", json::object{{"Account", json::object{{"name", other.account_name}}},
                                   {"Opportunity", json::object{{"name", deal},
                                                                {"amount", 5},
                                                                {"closeDate", "2026-05-05"}}}}}});
  ASSERT_HTTP_STATUS(r2, 200);
  EXPECT_TRUE(IsNullAt(r2.Json(), "createdContactId"));
  const json::value opportunity = Read("Opportunity", StringAt(r2.Json(), "createdOpportunityId"));
  EXPECT_EQ(StringAt(opportunity, "accountId"), StringAt(r2.Json(), "createdAccountId"));
  EXPECT_THAT(StringsAt(opportunity, "contactsIds"), IsEmpty());
}

TEST_F(LeadConvertApiTest, ConvertingAgainAddsOnlyTheGivenRecords) {
  // Capture 44: a converted lead converts again; only the given record is created and replaces
  // the lead's created id of its type.
  const Lead lead = NewLead();
  const HttpResponse first =
      Api().Post("/Lead/action/convert", FullConvertBody(lead, UniqueName("Again deal")));
  ASSERT_HTTP_STATUS(first, 200);
  const HttpResponse again = Api().Post(
      "/Lead/action/convert",
      json::object{
          {"id", lead.id},
          {"records", json::object{{"Contact", json::object{{"lastName", UniqueName("X")}}}}},
          {"skipDuplicateCheck", true}});
  ASSERT_HTTP_STATUS(again, 200);
  EXPECT_EQ(StringAt(again.Json(), "status"), "Converted");
  EXPECT_EQ(StringAt(again.Json(), "createdAccountId"), StringAt(first.Json(), "createdAccountId"));
  EXPECT_EQ(StringAt(again.Json(), "createdOpportunityId"),
            StringAt(first.Json(), "createdOpportunityId"));
  EXPECT_TRUE(IsRecordId(StringAt(again.Json(), "createdContactId")));
  EXPECT_NE(StringAt(again.Json(), "createdContactId"), StringAt(first.Json(), "createdContactId"));
}

// --- the seed document's form -----------------------------------------------------------------

TEST_F(LeadConvertApiTest, SeedFormCreatesTheFlaggedRecords) {
  const Lead lead = NewLead({{"opportunityAmount", 2500}, {"title", "Buyer"}});
  const std::string account_name = UniqueName("New Company");
  const std::string opportunity_name = UniqueName("New Deal");
  const std::string earliest = UtcDatePlusDays(30);
  const HttpResponse r = Api().Post("/Lead/" + lead.id + "/convert",
                                    json::object{{"createAccount", true},
                                                 {"accountName", account_name},
                                                 {"createContact", true},
                                                 {"createOpportunity", true},
                                                 {"opportunityName", opportunity_name}});
  const std::string latest = UtcDatePlusDays(30);
  ASSERT_HTTP_STATUS(r, 200);
  const json::value answer = r.Json();
  EXPECT_EQ(StringAt(answer, "id"), lead.id);
  EXPECT_EQ(StringAt(answer, "status"), "Converted");
  EXPECT_TRUE(IsDateTime(StringAt(answer, "convertedAt")));
  const std::string account = StringAt(answer, "createdAccountId");
  const std::string contact = StringAt(answer, "createdContactId");
  const std::string opportunity = StringAt(answer, "createdOpportunityId");
  ASSERT_TRUE(IsRecordId(account) && IsRecordId(contact) && IsRecordId(opportunity)) << r.body;

  EXPECT_EQ(StringAt(Read("Account", account), "name"), account_name);
  const json::value contact_record = Read("Contact", contact);
  EXPECT_EQ(StringAt(contact_record, "firstName"), lead.first_name);
  EXPECT_EQ(StringAt(contact_record, "lastName"), lead.last_name);
  EXPECT_EQ(StringAt(contact_record, "emailAddress"), lead.email);
  EXPECT_EQ(StringAt(contact_record, "accountId"), account);
  const json::value opportunity_record = Read("Opportunity", opportunity);
  EXPECT_EQ(StringAt(opportunity_record, "name"), opportunity_name);
  // docs/api.md: amount from the lead's opportunityAmount, close date 30 days ahead.
  EXPECT_TRUE(JsonEquals(ValueAt(opportunity_record, "amount"), json::value(2500)))
      << json::serialize(opportunity_record);
  EXPECT_THAT(StringAt(opportunity_record, "closeDate"), ::testing::AnyOf(earliest, latest));
  EXPECT_EQ(StringAt(opportunity_record, "accountId"), account);
  EXPECT_THAT(StringsAt(opportunity_record, "contactsIds"), ElementsAre(contact));
}

TEST_F(LeadConvertApiTest, SeedFormDefaultsAndPartialFlags) {
  // No opportunityAmount on the lead: amount 0.
  const Lead lead = NewLead();
  const HttpResponse r = Api().Post(
      "/Lead/" + lead.id + "/convert",
      json::object{{"createOpportunity", true}, {"opportunityName", UniqueName("Zero deal")}});
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_TRUE(IsNullAt(r.Json(), "createdAccountId")) << r.body;
  EXPECT_TRUE(IsNullAt(r.Json(), "createdContactId")) << r.body;
  const json::value opportunity = Read("Opportunity", StringAt(r.Json(), "createdOpportunityId"));
  EXPECT_TRUE(JsonEquals(ValueAt(opportunity, "amount"), json::value(0)))
      << json::serialize(opportunity);
  EXPECT_TRUE(IsDate(StringAt(opportunity, "closeDate")));

  // Flags false create nothing of that type.
  const Lead second = NewLead();
  const HttpResponse r2 = Api().Post("/Lead/" + second.id + "/convert",
                                     json::object{{"createAccount", false},
                                                  {"accountName", second.account_name},
                                                  {"createContact", true},
                                                  {"createOpportunity", false}});
  ASSERT_HTTP_STATUS(r2, 200);
  EXPECT_TRUE(IsRecordId(StringAt(r2.Json(), "createdContactId")));
  EXPECT_TRUE(IsNullAt(r2.Json(), "createdAccountId"));
  EXPECT_TRUE(IsNullAt(r2.Json(), "createdOpportunityId"));
  EXPECT_EQ(Count("Account", "name", second.account_name), 0);
}

// --- one transaction --------------------------------------------------------------------------

TEST_F(LeadConvertApiTest, FailingOpportunityLeavesNothingBehind) {
  const Lead lead = NewLead();
  const std::string call = CreateId("Call", {{"name", "Lead's call"},
                                             {"dateStart", "2024-10-01 10:00:00"},
                                             {"parentType", "Lead"},
                                             {"parentId", lead.id}});
  const json::value lead_before = Read("Lead", lead.id);
  const json::value call_before = Read("Call", call);
  const std::string opportunity_name = UniqueName("No close date");
  const std::int64_t seq = LastEventSeq(DataDir());

  json::object body = FullConvertBody(lead, opportunity_name);
  body["records"].as_object()["Opportunity"].as_object().erase("closeDate");
  const HttpResponse r = Api().Post("/Lead/action/convert", body);
  EXPECT_TRUE(IsValidationError(r, "Opportunity", "closeDate", "required"));

  EXPECT_EQ(Count("Account", "name", lead.account_name), 0);
  EXPECT_EQ(Count("Contact", "lastName", lead.last_name), 0);
  EXPECT_EQ(Count("Opportunity", "name", opportunity_name), 0);
  ExpectLeadUnchanged(lead_before);
  EXPECT_EQ(Read("Call", call), call_before);
  EXPECT_THAT(ReadEvents(DataDir(), seq), IsEmpty());

  // The same in the seed form: a contact the lead cannot fill (no last name) fails the request.
  const Lead nameless = NewLead({{"lastName", nullptr}});
  const json::value nameless_before = Read("Lead", nameless.id);
  const std::string seed_account = UniqueName("Seed rollback");
  const HttpResponse seed =
      Api().Post("/Lead/" + nameless.id + "/convert", json::object{{"createAccount", true},
                                                                   {"accountName", seed_account},
                                                                   {"createContact", true}});
  EXPECT_TRUE(IsValidationError(seed, "Contact", "lastName", "required"));
  EXPECT_EQ(Count("Account", "name", seed_account), 0);
  ExpectLeadUnchanged(nameless_before);
}

TEST_F(LeadConvertApiTest, FailingContactLeavesNoAccount) {
  const Lead lead = NewLead();
  const json::value lead_before = Read("Lead", lead.id);
  const std::int64_t seq = LastEventSeq(DataDir());
  const HttpResponse r = Api().Post(
      "/Lead/action/convert",
      json::object{
          {"id", lead.id},
          {"records", json::object{{"Account", json::object{{"name", lead.account_name}}},
                                   {"Contact", json::object{{"firstName", "No last name"}}}}}});
  EXPECT_TRUE(IsValidationError(r, "Contact", "lastName", "required"));
  EXPECT_EQ(Count("Account", "name", lead.account_name), 0);
  ExpectLeadUnchanged(lead_before);
  EXPECT_THAT(ReadEvents(DataDir(), seq), IsEmpty());

  // An unknown attribute or a bad value fails the same way.
  const HttpResponse unknown = Api().Post(
      "/Lead/action/convert",
      json::object{{"id", lead.id},
                   {"records", json::object{{"Account", json::object{{"name", lead.account_name},
                                                                     {"noSuchAttribute", 1}}}}}});
  EXPECT_TRUE(IsApiError(unknown, 400));
  EXPECT_EQ(Count("Account", "name", lead.account_name), 0);
  ExpectLeadUnchanged(lead_before);
}

// --- duplicates -------------------------------------------------------------------------------

TEST_F(LeadConvertApiTest, DuplicatesAre409UnlessSkipped) {
  const Lead lead = NewLead();
  const std::string existing_account = CreateId("Account", {{"name", lead.account_name}});
  const std::string existing_contact =
      CreateId("Contact", {{"lastName", UniqueName("Existing")}, {"emailAddress", lead.email}});
  const json::value lead_before = Read("Lead", lead.id);
  const std::int64_t seq = LastEventSeq(DataDir());

  const json::object body = FullConvertBody(lead, UniqueName("Dup deal"));
  const HttpResponse r = Api().Post("/Lead/action/convert", body);
  EXPECT_TRUE(IsApiError(r, 409, "duplicate"));
  // docs/api.md: the 409 lists [{id, name, _entityType}].
  const json::value duplicates = ValueAt(r.Json(), "duplicates");
  std::vector<std::string> found;
  for (const auto& d : AsArray(duplicates)) {
    found.push_back(StringAt(d, "_entityType") + " " + StringAt(d, "id"));
    EXPECT_FALSE(StringAt(d, "name").empty()) << json::serialize(d);
  }
  EXPECT_THAT(found, Contains("Account " + existing_account)) << r.body;
  EXPECT_THAT(found, Contains("Contact " + existing_contact)) << r.body;
  EXPECT_EQ(Count("Account", "name", lead.account_name), 1);
  EXPECT_EQ(Count("Contact", "lastName", lead.last_name), 0);
  ExpectLeadUnchanged(lead_before);
  EXPECT_THAT(ReadEvents(DataDir(), seq), IsEmpty());

  // skipDuplicateCheck in the body.
  json::object skip = body;
  skip["skipDuplicateCheck"] = true;
  const HttpResponse skipped = Api().Post("/Lead/action/convert", skip);
  ASSERT_HTTP_STATUS(skipped, 200);
  EXPECT_EQ(StringAt(skipped.Json(), "status"), "Converted");
  EXPECT_NE(StringAt(skipped.Json(), "createdAccountId"), existing_account);
  EXPECT_EQ(Count("Account", "name", lead.account_name), 2);

  // The X-Skip-Duplicate-Check header, for another lead with the same company.
  Lead other = NewLead();
  json::object header_body = FullConvertBody(other, UniqueName("Header deal"));
  header_body["records"].as_object()["Account"] = json::object{{"name", lead.account_name}};
  EXPECT_TRUE(IsApiError(Api().Post("/Lead/action/convert", header_body), 409));
  const HttpResponse by_header =
      Api().Post("/Lead/action/convert", header_body, {{"X-Skip-Duplicate-Check", "true"}});
  ASSERT_HTTP_STATUS(by_header, 200);
  EXPECT_EQ(Count("Account", "name", lead.account_name), 3);
}

TEST_F(LeadConvertApiTest, SeedFormChecksDuplicatesToo) {
  const Lead lead = NewLead();
  const std::string taken = UniqueName("Taken Co");
  CreateId("Account", {{"name", taken}});
  const json::value lead_before = Read("Lead", lead.id);
  const HttpResponse r = Api().Post(
      "/Lead/" + lead.id + "/convert",
      json::object{{"createAccount", true}, {"accountName", taken}, {"createContact", true}});
  EXPECT_TRUE(IsApiError(r, 409));
  ExpectLeadUnchanged(lead_before);
  EXPECT_EQ(Count("Contact", "lastName", lead.last_name), 0);
  const HttpResponse skipped = Api().Post(
      "/Lead/" + lead.id + "/convert",
      json::object{{"createAccount", true}, {"accountName", taken}, {"createContact", true}},
      {{"X-Skip-Duplicate-Check", "true"}});
  ASSERT_HTTP_STATUS(skipped, 200);
  EXPECT_EQ(Count("Account", "name", taken), 2);
}

// --- the lead's activities --------------------------------------------------------------------

TEST_F(LeadConvertApiTest, CallsAndMeetingsFollowTheConversion) {
  const Lead lead = NewLead();
  // A call of the lead (parent), and a meeting of the lead that it also attends.
  const std::string call = CreateId("Call", {{"name", "Call of the lead"},
                                             {"dateStart", "2024-11-01 10:00:00"},
                                             {"parentType", "Lead"},
                                             {"parentId", lead.id}});
  const std::string meeting =
      CreateId("Meeting", {{"name", "Meeting of the lead"},
                           {"dateStart", "2024-11-02 10:00:00"},
                           {"parentType", "Lead"},
                           {"parentId", lead.id},
                           {"leadsIds", json::array{json::value(lead.id)}}});
  const std::int64_t seq = LastEventSeq(DataDir());
  const HttpResponse r =
      Api().Post("/Lead/action/convert", FullConvertBody(lead, UniqueName("Deal")));
  ASSERT_HTTP_STATUS(r, 200);
  const std::string account = StringAt(r.Json(), "createdAccountId");
  const std::string contact = StringAt(r.Json(), "createdContactId");
  const std::string opportunity = StringAt(r.Json(), "createdOpportunityId");

  for (const auto& [entity, id] :
       std::vector<std::pair<std::string, std::string>>{{"Call", call}, {"Meeting", meeting}}) {
    SCOPED_TRACE(entity);
    const json::value record = Read(entity, id);
    // docs/api.md: they move to the opportunity, with the contact attending.
    EXPECT_EQ(StringAt(record, "parentType"), "Opportunity") << json::serialize(record);
    EXPECT_EQ(StringAt(record, "parentId"), opportunity);
    EXPECT_EQ(StringAt(record, "parentName"), StringAt(Read("Opportunity", opportunity), "name"));
    EXPECT_THAT(StringsAt(record, "contactsIds"), Contains(contact)) << json::serialize(record);
    // Attendee statuses are one of the options; a new attendee starts at None.
    EXPECT_EQ(ColumnAt(record, "contactsColumns", contact, "status"), json::value("None"))
        << json::serialize(record);
    // espocrm-wire.md 6.2: the account follows the parent.
    EXPECT_EQ(StringAt(record, "accountId"), account) << json::serialize(record);
    ApiClient api = Api();
    EXPECT_THAT(
        RelatedIds(api, "Opportunity", opportunity, entity == "Call" ? "calls" : "meetings"),
        ElementsAre(id));
    EXPECT_THAT(RelatedIds(api, "Contact", contact, entity == "Call" ? "calls" : "meetings"),
                ElementsAre(id));
    // The change is written as an update of the activity.
    std::vector<std::string> kinds;
    for (const auto& e : EventsFor(ReadEvents(DataDir(), seq), id)) kinds.push_back(e.event);
    EXPECT_THAT(kinds, Contains(entity + ".update"));
  }
  EXPECT_THAT(StringsAt(Read("Meeting", meeting), "leadsIds"), Contains(lead.id));

  // Without an opportunity they move to the account.
  const Lead second = NewLead();
  const std::string second_call = CreateId("Call", {{"name", "Second lead call"},
                                                    {"dateStart", "2024-11-03 10:00:00"},
                                                    {"parentType", "Lead"},
                                                    {"parentId", second.id}});
  const HttpResponse r2 = Api().Post(
      "/Lead/action/convert",
      json::object{
          {"id", second.id},
          {"records", json::object{{"Account", json::object{{"name", second.account_name}}}}}});
  ASSERT_HTTP_STATUS(r2, 200);
  const json::value moved = Read("Call", second_call);
  EXPECT_EQ(StringAt(moved, "parentType"), "Account");
  EXPECT_EQ(StringAt(moved, "parentId"), StringAt(r2.Json(), "createdAccountId"));
}

// --- getConvertAttributes ---------------------------------------------------------------------

TEST_F(LeadConvertApiTest, GetConvertAttributesPrefillsTheRecords) {
  // Capture 41, with more of the lead filled in.
  const Lead lead = NewLead({{"title", "Owner"},
                             {"website", "https://leadco.example"},
                             {"industry", "Banking"},
                             {"phoneNumber", "+1 555 0199"},
                             {"addressStreet", "1 Lead Way"},
                             {"addressCity", "Lyon"},
                             {"addressCountry", "France"},
                             {"opportunityAmount", 4200},
                             {"description", "From the web"}});
  const json::value before = Read("Lead", lead.id);
  const std::int64_t seq = LastEventSeq(DataDir());
  const HttpResponse r =
      Api().Post("/Lead/action/getConvertAttributes", json::object{{"id", lead.id}});
  ASSERT_HTTP_STATUS(r, 200);
  const json::value body = r.Json();
  ASSERT_TRUE(body.is_object()) << r.body;

  const json::value account = ValueAt(body, "Account");
  EXPECT_EQ(StringAt(account, "name"), lead.account_name) << json::serialize(account);
  EXPECT_EQ(StringAt(account, "emailAddress"), lead.email);
  EXPECT_EQ(StringAt(account, "website"), "https://leadco.example");
  EXPECT_EQ(StringAt(account, "industry"), "Banking");
  EXPECT_EQ(StringAt(account, "billingAddressStreet"), "1 Lead Way");
  EXPECT_EQ(StringAt(account, "billingAddressCity"), "Lyon");
  EXPECT_EQ(StringAt(account, "billingAddressCountry"), "France");
  EXPECT_FALSE(StringAt(account, "phoneNumber").empty());
  ASSERT_FALSE(AsArray(ValueAt(account, "emailAddressData")).empty());
  EXPECT_EQ(StringAt(AsArray(ValueAt(account, "emailAddressData")).at(0), "emailAddress"),
            lead.email);
  // Lead-only attributes are not carried over.
  for (const char* lead_only : {"firstName", "lastName", "status", "source", "convertedAt", "id"}) {
    EXPECT_FALSE(AsObject(account).contains(lead_only)) << lead_only;
  }

  const json::value contact = ValueAt(body, "Contact");
  EXPECT_EQ(StringAt(contact, "firstName"), lead.first_name) << json::serialize(contact);
  EXPECT_EQ(StringAt(contact, "lastName"), lead.last_name);
  EXPECT_EQ(StringAt(contact, "emailAddress"), lead.email);
  EXPECT_EQ(StringAt(contact, "title"), "Owner");
  EXPECT_EQ(StringAt(contact, "addressCity"), "Lyon");
  EXPECT_EQ(StringAt(contact, "addressStreet"), "1 Lead Way");
  EXPECT_EQ(ValueAt(contact, "doNotCall"), json::value(false));
  EXPECT_FALSE(StringAt(contact, "phoneNumber").empty());
  for (const char* lead_only : {"status", "source", "accountName", "id", "website"}) {
    EXPECT_FALSE(AsObject(contact).contains(lead_only)) << lead_only;
  }

  const json::value opportunity = ValueAt(body, "Opportunity");
  EXPECT_TRUE(JsonEquals(ValueAt(opportunity, "amount"), json::value(4200)))
      << json::serialize(opportunity);
  EXPECT_EQ(StringAt(opportunity, "amountCurrency"), "USD");
  EXPECT_EQ(StringAt(opportunity, "leadSource"), "Web Site");
  for (const char* lead_only : {"status", "firstName", "accountName", "id"}) {
    EXPECT_FALSE(AsObject(opportunity).contains(lead_only)) << lead_only;
  }

  // Nothing changed, nothing was created.
  ExpectLeadUnchanged(before);
  EXPECT_THAT(ReadEvents(DataDir(), seq), IsEmpty());
  EXPECT_EQ(Count("Account", "name", lead.account_name), 0);
}

TEST_F(LeadConvertApiTest, GetConvertAttributesAnswerConvertsAsIs) {
  // What EspoCRM's UI does: fetch the attributes, complete the opportunity, convert.
  const Lead lead = NewLead({{"opportunityAmount", 300}, {"addressCity", "Oslo"}});
  const HttpResponse attributes =
      Api().Post("/Lead/action/getConvertAttributes", json::object{{"id", lead.id}});
  ASSERT_HTTP_STATUS(attributes, 200);
  json::object records = AsObject(attributes.Json());
  const std::string deal = UniqueName("Prefilled deal");
  records["Opportunity"].as_object()["name"] = deal;
  records["Opportunity"].as_object()["closeDate"] = "2026-03-31";
  const HttpResponse r =
      Api().Post("/Lead/action/convert", json::object{{"id", lead.id}, {"records", records}});
  ASSERT_HTTP_STATUS(r, 200);
  const json::value account = Read("Account", StringAt(r.Json(), "createdAccountId"));
  EXPECT_EQ(StringAt(account, "name"), lead.account_name);
  EXPECT_EQ(StringAt(account, "billingAddressCity"), "Oslo");
  const json::value contact = Read("Contact", StringAt(r.Json(), "createdContactId"));
  EXPECT_EQ(StringAt(contact, "emailAddress"), lead.email);
  EXPECT_EQ(StringAt(contact, "addressCity"), "Oslo");
  const json::value opportunity = Read("Opportunity", StringAt(r.Json(), "createdOpportunityId"));
  EXPECT_EQ(StringAt(opportunity, "name"), deal);
  EXPECT_TRUE(JsonEquals(ValueAt(opportunity, "amount"), json::value(300)));
  EXPECT_EQ(StringAt(opportunity, "leadSource"), "Web Site");
}

// --- errors -----------------------------------------------------------------------------------

TEST_F(LeadConvertApiTest, BadConvertRequests) {
  const Lead lead = NewLead();
  const json::value before = Read("Lead", lead.id);
  const json::object contact_only{{"Contact", json::object{{"lastName", lead.last_name}}}};
  // Missing lead.
  EXPECT_TRUE(IsApiError(Api().Post("/Lead/action/convert",
                                    json::object{{"id", kMissingId}, {"records", contact_only}}),
                         404));
  EXPECT_TRUE(IsApiError(Api().Post(std::string("/Lead/") + kMissingId + "/convert",
                                    json::object{{"createContact", true}}),
                         404));
  EXPECT_TRUE(IsApiError(
      Api().Post("/Lead/action/getConvertAttributes", json::object{{"id", kMissingId}}), 404));
  // The id of a record that is not a lead.
  const std::string contact = CreateId("Contact", {{"lastName", UniqueName("NotALead")}});
  EXPECT_TRUE(IsApiError(
      Api().Post("/Lead/action/convert", json::object{{"id", contact}, {"records", contact_only}}),
      404));
  // Missing id, records not an object.
  EXPECT_TRUE(
      IsApiError(Api().Post("/Lead/action/convert", json::object{{"records", contact_only}}), 400));
  EXPECT_TRUE(IsApiError(
      Api().Post("/Lead/action/convert", json::object{{"id", lead.id}, {"records", "Contact"}}),
      400));
  EXPECT_TRUE(IsApiError(Api().Post("/Lead/action/getConvertAttributes", json::object()), 400));
  // An unknown record type.
  EXPECT_TRUE(IsApiError(
      Api().Post("/Lead/action/convert",
                 json::object{{"id", lead.id},
                              {"records", json::object{{"Nope", json::object{{"name", "x"}}}}}}),
      400));
  ExpectLeadUnchanged(before);
  EXPECT_EQ(Count("Contact", "lastName", lead.last_name), 0);
}

}  // namespace
}  // namespace crm::apitest
