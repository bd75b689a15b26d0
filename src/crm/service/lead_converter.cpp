#include "crm/service/lead_converter.hpp"

#include <algorithm>
#include <array>

#include "crm/common/ids.hpp"
#include "crm/query/sql.hpp"
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
  const EntityDef& lead_entity = metadata.Entity("Lead");
  for (const char* type : {"Lead", "Account", "Contact", "Opportunity"}) {
    if (Status s = RecordService::CheckAccess(principal, metadata.Entity(type),
                                              type[0] == 'L' ? "edit" : "create");
        !s.ok()) {
      return done(std::move(s));
    }
  }
  if (!IsWellFormedId(request.lead_id))
    return done(Status::InvalidArgument("Bad id '" + request.lead_id + "'."));
  // Each record is checked like a normal create, before anything is written.
  struct Planned {
    const EntityDef* entity;
    RecordInput input;
  };
  std::vector<Planned> planned;
  for (auto [type, body] :
       {std::pair{"Account", &request.account}, std::pair{"Contact", &request.contact},
        std::pair{"Opportunity", &request.opportunity}}) {
    if (!*body) continue;
    const EntityDef& entity = metadata.Entity(type);
    auto input = ParseRecordInput(entity, **body, WriteMode::kCreate);
    if (!input.ok()) return done(std::move(input).TakeStatus());
    planned.push_back({&entity, std::move(input).value()});
  }
  auto result = std::make_shared<Result<RecordResult>>(Status::Internal("conversion did not run"));
  RecordService& records = records_;
  records.database().SubmitWrite(
      [&records, &lead_entity, principal, request = std::move(request),
       planned = std::move(planned), result](store::Connection& conn) mutable -> Status {
        const metadata::Metadata& m = records.metadata();
        RecordWriter writer(records.reader(), conn, principal, records.clock().Now());
        auto lead = writer.ReadBack(lead_entity, request.lead_id);
        if (!lead.ok()) return lead.status();
        if (!request.skip_duplicate_check) {
          json::array duplicates;
          for (const auto& item : planned) {
            CRM_ASSIGN_OR_RETURN(auto found, writer.FindDuplicates(*item.entity, item.input));
            for (const auto& record : found) {
              duplicates.push_back(json::object{
                  {"id", record.at("id")},
                  {"name", record.contains("name") ? record.at("name") : json::value()},
                  {"_entityType", item.entity->name}});
            }
          }
          if (!duplicates.empty()) {
            return Status::Conflict("duplicate")
                .WithDetails(json::object{{"duplicates", std::move(duplicates)}});
          }
        }
        WriteOptions no_duplicate_check;
        no_duplicate_check.skip_duplicate_check = true;
        std::string account_id;
        std::string contact_id;
        std::string opportunity_id;
        for (auto& item : planned) {
          const std::string& type = item.entity->name;
          if (type == "Contact") {
            if (!account_id.empty())
              item.input.Set(*item.entity, "accountId", json::string(account_id));
            // The lead's title becomes the contact's role in the new account (EspoCRM's rule).
            const auto* title = lead->record.if_contains("title");
            if (!item.input.Has(*item.entity, "title") && title != nullptr && title->is_string()) {
              item.input.Set(*item.entity, "title", *title);
            }
          }
          if (type == "Opportunity") {
            if (!account_id.empty())
              item.input.Set(*item.entity, "accountId", json::string(account_id));
            if (!contact_id.empty()) {
              if (item.entity->FindAttribute("contactId") != nullptr) {
                item.input.Set(*item.entity, "contactId", json::string(contact_id));
              }
              if (const auto it = item.entity->field_index.find("contacts");
                  it != item.entity->field_index.end()) {
                item.input.link_sets.push_back(
                    LinkSetInput{it->second, std::vector<std::string>{contact_id}, std::nullopt});
              }
            }
          }
          CRM_ASSIGN_OR_RETURN(
              RecordResult created,
              writer.Create(*item.entity, std::move(item.input), no_duplicate_check));
          const std::string id(created.record.at("id").get_string());
          (type == "Account" ? account_id : type == "Contact" ? contact_id : opportunity_id) = id;
        }
        // The lead's calls and meetings (those it attends and those under it) follow the
        // conversion: the contact attends them, and those under the lead move to the opportunity
        // (or else the account).
        const std::string new_parent_type = !opportunity_id.empty() ? "Opportunity" : "Account";
        const std::string& new_parent_id = !opportunity_id.empty() ? opportunity_id : account_id;
        for (const char* link_name : {"meetings", "calls"}) {
          const metadata::LinkDef* lead_link = lead_entity.FindLink(link_name);
          if (lead_link == nullptr || !lead_link->many_to_many()) continue;
          const EntityDef& activity = m.Entity(lead_link->entity);
          const std::array<query::SqlValue, 2> key = {request.lead_id, request.lead_id};
          std::vector<std::pair<std::string, bool>> activities;  // id, under the lead
          CRM_RETURN_IF_ERROR(conn.Query(
              "SELECT a.\"id\", a.\"parent_type\" = 'Lead' AND a.\"parent_id\" = ?2 FROM " +
                  query::QuoteIdentifier(activity.table) +
                  " a WHERE a.\"deleted\" = 0 AND (a.\"id\" IN (SELECT l." +
                  query::QuoteIdentifier(lead_link->far_key_column) + " FROM " +
                  query::QuoteIdentifier(lead_link->join_table) + " l WHERE l." +
                  query::QuoteIdentifier(lead_link->near_key_column) +
                  " = ?1) OR (a.\"parent_type\" = 'Lead' AND a.\"parent_id\" = ?2))",
              key, [&](const store::Row& row) {
                activities.emplace_back(row.Text(0), row.Int(1) != 0);
                return true;
              }));
          const metadata::LinkDef* contacts = activity.FindLink("contacts");
          for (const auto& [activity_id, under_lead] : activities) {
            RecordInput input;
            if (under_lead && !new_parent_id.empty()) {
              input.Set(activity, "parentType", json::string(new_parent_type));
              input.Set(activity, "parentId", json::string(new_parent_id));
            }
            if (!contact_id.empty() && contacts != nullptr && contacts->many_to_many()) {
              std::vector<std::string> attendees;
              const std::array<query::SqlValue, 1> owner = {activity_id};
              CRM_RETURN_IF_ERROR(conn.Query(
                  "SELECT " + query::QuoteIdentifier(contacts->far_key_column) + " FROM " +
                      query::QuoteIdentifier(contacts->join_table) + " WHERE " +
                      query::QuoteIdentifier(contacts->near_key_column) + " = ?",
                  owner, [&](const store::Row& row) {
                    attendees.emplace_back(row.Text(0));
                    return true;
                  }));
              if (std::find(attendees.begin(), attendees.end(), contact_id) == attendees.end()) {
                attendees.push_back(contact_id);
                input.link_sets.push_back(LinkSetInput{activity.field_index.at("contacts"),
                                                       std::move(attendees), std::nullopt});
              }
            }
            if (input.values.empty() && input.link_sets.empty()) continue;
            CRM_RETURN_IF_ERROR(
                writer.Update(activity, activity_id, std::move(input), WriteOptions{})
                    .TakeStatus());
          }
        }
        RecordInput lead_update;
        lead_update.Set(lead_entity, "status", json::string("Converted"));
        if (!account_id.empty())
          lead_update.Set(lead_entity, "createdAccountId", json::string(account_id));
        if (!contact_id.empty())
          lead_update.Set(lead_entity, "createdContactId", json::string(contact_id));
        if (!opportunity_id.empty())
          lead_update.Set(lead_entity, "createdOpportunityId", json::string(opportunity_id));
        *result =
            writer.Update(lead_entity, request.lead_id, std::move(lead_update), WriteOptions{});
        return result->status();
      },
      [result, done = std::move(done)](Status status) {
        if (!status.ok()) return done(std::move(status));
        done(std::move(*result));
      });
}

}  // namespace crm::service
