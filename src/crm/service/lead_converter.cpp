#include "crm/service/lead_converter.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "crm/common/ids.hpp"
#include "crm/query/sql.hpp"
#include "crm/service/access_rules.hpp"
#include "crm/service/record_input.hpp"
#include "crm/service/record_writer.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;
using metadata::EntityDef;

// Days until the default close date of an opportunity created from the seed form.
constexpr int kDefaultCloseDays = 30;

void Copy(const json::object& from, const char* from_key, json::object& to, const char* to_key) {
  if (const auto* value = from.if_contains(from_key)) to[to_key] = *value;
}

// Lead attributes carried over under the same name when the target entity has them.
void CopyShared(const json::object& lead, const EntityDef& target, json::object& out,
                std::initializer_list<const char*> names) {
  for (const char* name : names) {
    const auto* attribute = target.FindAttribute(name);
    if (attribute != nullptr && !attribute->read_only) Copy(lead, name, out, name);
  }
}

// A record the conversion creates, checked like a normal create before anything is written.
struct Planned {
  const EntityDef* entity;
  RecordInput input;
};

// The ids of the records the conversion created; empty for those it did not create.
struct CreatedIds {
  std::string account;
  std::string contact;
  std::string opportunity;
};

// Converting edits the lead and creates the records asked for.
Status CheckConvertAccess(const auth::Principal& principal, const metadata::Metadata& metadata,
                          const std::vector<Planned>& planned) {
  CRM_RETURN_IF_ERROR(CheckScope(principal, metadata, metadata.Entity("Lead"), acl::Action::kEdit));
  for (const Planned& item : planned) {
    CRM_RETURN_IF_ERROR(CheckScope(principal, metadata, *item.entity, acl::Action::kCreate));
  }
  return {};
}

// The requested records in creation order (Account, Contact, Opportunity), each parsed and
// validated.
Result<std::vector<Planned>> PlanRecords(const metadata::Metadata& metadata,
                                         const ConvertRequest& request) {
  std::vector<Planned> planned;
  for (auto [type, body] :
       {std::pair{"Account", &request.account}, std::pair{"Contact", &request.contact},
        std::pair{"Opportunity", &request.opportunity}}) {
    if (!*body) continue;
    const EntityDef& entity = metadata.Entity(type);
    CRM_ASSIGN_OR_RETURN(RecordInput input, ParseRecordInput(entity, **body, WriteMode::kCreate));
    planned.push_back({&entity, std::move(input)});
  }
  return planned;
}

// kConflict with details {"duplicates": [{id, name, _entityType}]} when an existing record
// duplicates one of the planned ones.
Status CheckDuplicates(RecordWriter& writer, const std::vector<Planned>& planned) {
  json::array duplicates;
  for (const auto& item : planned) {
    CRM_ASSIGN_OR_RETURN(auto found, writer.FindDuplicates(*item.entity, item.input));
    for (const auto& record : found) {
      duplicates.push_back(
          json::object{{"id", record.at("id")},
                       {"name", record.contains("name") ? record.at("name") : json::value()},
                       {"_entityType", item.entity->name}});
    }
  }
  if (duplicates.empty()) return {};
  return Status::Conflict("duplicate")
      .WithDetails(json::object{{"duplicates", std::move(duplicates)}});
}

// Links a planned record to those created before it: the contact and the opportunity to the
// account, the opportunity to the contact, and the lead's title becomes the contact's role in the
// new account (EspoCRM's rule).
void LinkToCreated(const json::object& lead, const CreatedIds& created, Planned& item) {
  const EntityDef& entity = *item.entity;
  if (entity.name == "Contact") {
    if (!created.account.empty())
      item.input.Set(entity, "accountId", json::string(created.account));
    const auto* title = lead.if_contains("title");
    if (!item.input.Has(entity, "title") && title != nullptr && title->is_string()) {
      item.input.Set(entity, "title", *title);
    }
  }
  if (entity.name == "Opportunity") {
    if (!created.account.empty())
      item.input.Set(entity, "accountId", json::string(created.account));
    if (!created.contact.empty()) {
      if (entity.FindAttribute("contactId") != nullptr) {
        item.input.Set(entity, "contactId", json::string(created.contact));
      }
      if (const auto it = entity.field_index.find("contacts"); it != entity.field_index.end()) {
        item.input.link_sets.push_back(
            LinkSetInput{it->second, std::vector<std::string>{created.contact}, std::nullopt});
      }
    }
  }
}

// Creates the planned records in order, without a second duplicate check.
Result<CreatedIds> CreateRecords(RecordWriter& writer, const json::object& lead,
                                 std::vector<Planned>& planned) {
  WriteOptions no_duplicate_check;
  no_duplicate_check.skip_duplicate_check = true;
  CreatedIds created;
  for (auto& item : planned) {
    LinkToCreated(lead, created, item);
    CRM_ASSIGN_OR_RETURN(RecordResult record,
                         writer.Create(*item.entity, std::move(item.input), no_duplicate_check));
    std::string id(record.record.at("id").get_string());
    const std::string& type = item.entity->name;
    if (type == "Account") {
      created.account = std::move(id);
    } else if (type == "Contact") {
      created.contact = std::move(id);
    } else {
      created.opportunity = std::move(id);
    }
  }
  return created;
}

// An activity of the lead and whether it is under the lead (its parent) rather than only attended
// by it.
struct LeadActivity {
  std::string id;
  bool under_lead = false;
};

// The live `activity` records (meetings or calls) the lead attends through `lead_link` or that
// are under it.
Result<std::vector<LeadActivity>> LeadActivities(store::Connection& conn, const EntityDef& activity,
                                                 const metadata::LinkDef& lead_link,
                                                 const std::string& lead_id) {
  const std::array<query::SqlValue, 3> params = {lead_id, lead_id, lead_id};
  std::vector<LeadActivity> activities;
  CRM_RETURN_IF_ERROR(conn.Query(
      "SELECT a.\"id\", CASE WHEN a.\"parent_type\" = 'Lead' AND a.\"parent_id\" = ? THEN 1 ELSE 0 "
      "END FROM " +
          query::QuoteIdentifier(activity.table) + " a WHERE a.\"deleted\" = 0 AND (a.\"id\" IN " +
          "(SELECT l." + query::QuoteIdentifier(lead_link.far_key_column) + " FROM " +
          query::QuoteIdentifier(lead_link.join_table) + " l WHERE l." +
          query::QuoteIdentifier(lead_link.near_key_column) +
          " = ?) OR (a.\"parent_type\" = 'Lead' AND a.\"parent_id\" = ?))",
      params, [&](const store::Row& row) {
        activities.push_back({std::string(row.Text(0)), row.Int(1) != 0});
        return true;
      }));
  return activities;
}

// The ids of the contacts attending `activity_id` through the many-to-many link `contacts`.
Result<std::vector<std::string>> Attendees(store::Connection& conn,
                                           const metadata::LinkDef& contacts,
                                           const std::string& activity_id) {
  std::vector<std::string> attendees;
  const std::array<query::SqlValue, 1> owner = {activity_id};
  CRM_RETURN_IF_ERROR(conn.Query("SELECT " + query::QuoteIdentifier(contacts.far_key_column) +
                                     " FROM " + query::QuoteIdentifier(contacts.join_table) +
                                     " WHERE " + query::QuoteIdentifier(contacts.near_key_column) +
                                     " = ?",
                                 owner, [&](const store::Row& row) {
                                   attendees.emplace_back(row.Text(0));
                                   return true;
                                 }));
  return attendees;
}

// The lead's calls and meetings (those it attends and those under it) follow the conversion: the
// contact attends them, and those under the lead move to the opportunity (or else the account).
Status MoveActivities(store::Connection& conn, RecordWriter& writer,
                      const metadata::Metadata& metadata, const EntityDef& lead_entity,
                      const std::string& lead_id, const CreatedIds& created) {
  const std::string new_parent_type = !created.opportunity.empty() ? "Opportunity" : "Account";
  const std::string& new_parent_id =
      !created.opportunity.empty() ? created.opportunity : created.account;
  for (const char* link_name : {"meetings", "calls"}) {
    const metadata::LinkDef* lead_link = lead_entity.FindLink(link_name);
    if (lead_link == nullptr || !lead_link->many_to_many()) continue;
    const EntityDef& activity = metadata.Entity(lead_link->entity);
    CRM_ASSIGN_OR_RETURN(const std::vector<LeadActivity> activities,
                         LeadActivities(conn, activity, *lead_link, lead_id));
    const metadata::LinkDef* contacts = activity.FindLink("contacts");
    for (const auto& [activity_id, under_lead] : activities) {
      RecordInput input;
      if (under_lead && !new_parent_id.empty()) {
        input.Set(activity, "parentType", json::string(new_parent_type));
        input.Set(activity, "parentId", json::string(new_parent_id));
      }
      if (!created.contact.empty() && contacts != nullptr && contacts->many_to_many()) {
        CRM_ASSIGN_OR_RETURN(std::vector<std::string> attendees,
                             Attendees(conn, *contacts, activity_id));
        if (std::find(attendees.begin(), attendees.end(), created.contact) == attendees.end()) {
          attendees.push_back(created.contact);
          input.link_sets.push_back(LinkSetInput{activity.field_index.at("contacts"),
                                                 std::move(attendees), std::nullopt});
        }
      }
      if (input.values.empty() && input.link_sets.empty()) continue;
      CRM_RETURN_IF_ERROR(
          writer.Update(activity, activity_id, std::move(input), WriteOptions{}).TakeStatus());
    }
  }
  return {};
}

// Marks the lead Converted with its created*Id links; the result is the updated lead.
Result<RecordResult> MarkConverted(RecordWriter& writer, const EntityDef& lead_entity,
                                   const std::string& lead_id, const CreatedIds& created) {
  RecordInput update;
  update.Set(lead_entity, "status", json::string("Converted"));
  if (!created.account.empty()) {
    update.Set(lead_entity, "createdAccountId", json::string(created.account));
  }
  if (!created.contact.empty()) {
    update.Set(lead_entity, "createdContactId", json::string(created.contact));
  }
  if (!created.opportunity.empty()) {
    update.Set(lead_entity, "createdOpportunityId", json::string(created.opportunity));
  }
  return writer.Update(lead_entity, lead_id, std::move(update), WriteOptions{});
}

}  // namespace

Result<json::object> LeadConverter::ConvertAttributes(const auth::Principal& principal,
                                                      const std::string& lead_id) {
  const metadata::Metadata& metadata = records_.metadata();
  CRM_ASSIGN_OR_RETURN(RecordResult lead,
                       records_.Read(principal, metadata.Entity("Lead"), lead_id));
  const json::object& l = lead.record;
  json::object account;
  const EntityDef& account_entity = metadata.Entity("Account");
  Copy(l, "accountName", account, "name");
  CopyShared(l, account_entity, account,
             {"website", "emailAddress", "emailAddressData", "phoneNumber", "phoneNumberData",
              "industry", "assignedUserId", "teamsIds"});
  for (const char* part : {"Street", "City", "State", "Country", "PostalCode"}) {
    const std::string from = std::string("address") + part;
    const std::string to = std::string("billingAddress") + part;
    Copy(l, from.c_str(), account, to.c_str());
  }
  json::object contact;
  CopyShared(l, metadata.Entity("Contact"), contact,
             {"salutationName", "firstName", "lastName", "middleName", "title", "emailAddress",
              "emailAddressData", "phoneNumber", "phoneNumberData", "doNotCall", "addressStreet",
              "addressCity", "addressState", "addressCountry", "addressPostalCode", "description",
              "assignedUserId", "teamsIds"});
  json::object opportunity;
  Copy(l, "opportunityAmount", opportunity, "amount");
  Copy(l, "opportunityAmountCurrency", opportunity, "amountCurrency");
  Copy(l, "source", opportunity, "leadSource");
  CopyShared(l, metadata.Entity("Opportunity"), opportunity, {"assignedUserId", "teamsIds"});
  return json::object{{"Account", std::move(account)},
                      {"Contact", std::move(contact)},
                      {"Opportunity", std::move(opportunity)}};
}

Result<ConvertRequest> LeadConverter::FromSeedFlags(const auth::Principal& principal,
                                                    const std::string& lead_id,
                                                    const json::object& flags) {
  CRM_ASSIGN_OR_RETURN(json::object attributes, ConvertAttributes(principal, lead_id));
  const auto flag = [&](const char* name) {
    const auto* value = flags.if_contains(name);
    return value != nullptr &&
           ((value->is_bool() && value->get_bool()) ||
            (value->is_string() && (value->get_string() == "true" || value->get_string() == "1")));
  };
  const auto text = [&](const char* name) -> std::optional<std::string> {
    const auto* value = flags.if_contains(name);
    if (value == nullptr || !value->is_string() || value->get_string().empty()) return std::nullopt;
    return std::string(value->get_string());
  };
  ConvertRequest request;
  request.lead_id = lead_id;
  request.skip_duplicate_check = flag("skipDuplicateCheck");
  if (flag("createAccount")) {
    json::object account = attributes.at("Account").as_object();
    if (auto name = text("accountName")) account["name"] = *name;
    request.account = std::move(account);
  }
  if (flag("createContact")) request.contact = attributes.at("Contact").as_object();
  if (flag("createOpportunity")) {
    json::object opportunity = attributes.at("Opportunity").as_object();
    if (auto name = text("opportunityName")) {
      opportunity["name"] = *name;
    } else if (request.account) {
      opportunity["name"] = request.account->at("name");
    }
    if (const auto* amount = flags.if_contains("opportunityAmount"))
      opportunity["amount"] = *amount;
    const auto* amount = opportunity.if_contains("amount");
    if (amount == nullptr || amount->is_null()) opportunity["amount"] = 0;
    if (auto close = text("closeDate")) {
      opportunity["closeDate"] = *close;
    } else {
      opportunity["closeDate"] =
          FormatDate(records_.clock().Now() + std::chrono::days(kDefaultCloseDays));
    }
    request.opportunity = std::move(opportunity);
  }
  if (!request.account && !request.contact && !request.opportunity) {
    return Status::InvalidArgument(
        "Nothing to convert: set createAccount, createContact or createOpportunity.");
  }
  return request;
}

void LeadConverter::Convert(const auth::Principal& principal, ConvertRequest request,
                            Callback<RecordResult> done) {
  const metadata::Metadata& metadata = records_.metadata();
  if (Status s = CheckScope(principal, metadata, metadata.Entity("Lead"), acl::Action::kEdit);
      !s.ok()) {
    return done(std::move(s));
  }
  if (!IsWellFormedId(request.lead_id)) {
    return done(Status::InvalidArgument("Bad id '" + request.lead_id + "'."));
  }
  auto planned = PlanRecords(metadata, request);
  if (!planned.ok()) return done(std::move(planned).TakeStatus());
  if (Status s = CheckConvertAccess(principal, metadata, *planned); !s.ok())
    return done(std::move(s));
  const EntityDef& lead_entity = metadata.Entity("Lead");
  auto result = std::make_shared<Result<RecordResult>>(Status::Internal("conversion did not run"));
  RecordService& records = records_;
  records.database().SubmitWrite(
      [&records, &lead_entity, principal, request = std::move(request),
       planned = std::move(planned).value(), result](store::Connection& conn) mutable -> Status {
        CRM_RETURN_IF_ERROR(CheckRecord(conn, principal, records.metadata(), lead_entity,
                                        request.lead_id, acl::Action::kEdit,
                                        "Record " + request.lead_id + " not found."));
        RecordWriter writer(records.reader(), conn, principal, records.clock().Now());
        CRM_ASSIGN_OR_RETURN(const RecordResult lead,
                             writer.ReadBack(lead_entity, request.lead_id));
        if (!request.skip_duplicate_check) {
          CRM_RETURN_IF_ERROR(CheckDuplicates(writer, planned));
        }
        CRM_ASSIGN_OR_RETURN(const CreatedIds created, CreateRecords(writer, lead.record, planned));
        CRM_RETURN_IF_ERROR(MoveActivities(conn, writer, records.metadata(), lead_entity,
                                           request.lead_id, created));
        *result = MarkConverted(writer, lead_entity, request.lead_id, created);
        return result->status();
      },
      [result, done = std::move(done)](Status status) {
        if (!status.ok()) return done(std::move(status));
        done(std::move(*result));
      });
}

}  // namespace crm::service
