#include "crm/service/business_rules.hpp"

#include <array>

#include "crm/acl/access_table.hpp"
#include "crm/auth/crypto.hpp"
#include "crm/common/strings.hpp"
#include "crm/query/sql.hpp"
#include "crm/service/access_rules.hpp"
#include "crm/service/record_sql.hpp"
#include "crm/service/webhook_rules.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;
using metadata::EntityDef;
using metadata::FieldDef;
using metadata::FieldType;
using query::QuoteIdentifier;
using query::SqlValue;

// The value the record will have after the save: from the input when given, else the stored one.
const json::value* Effective(const RuleContext& c, std::string_view attribute) {
  if (const auto* given = c.input.Find(c.entity, attribute)) return given;
  if (c.current != nullptr) return c.current->if_contains(attribute);
  return nullptr;
}

std::optional<std::string> EffectiveString(const RuleContext& c, std::string_view attribute) {
  const auto* value = Effective(c, attribute);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return std::string(value->get_string());
}

bool Given(const RuleContext& c, std::string_view attribute) {
  return c.input.Has(c.entity, attribute);
}

// Whether the save changes the attribute: given, and on an update other than the stored value
// (a client that sends the whole record back gives every attribute, changed or not).
bool Changed(const RuleContext& c, std::string_view attribute) {
  const auto* given = c.input.Find(c.entity, attribute);
  if (given == nullptr) return false;
  if (c.current == nullptr) return true;
  const auto* stored = c.current->if_contains(attribute);
  return stored == nullptr || *stored != *given;
}

// Defaults that depend on the caller: activities must have an assigned user; EspoCRM's UI fills in
// the current user and crmd does the same for API clients. So it does for any record of a
// non-admin who may not assign records to others (assignment permission `no` or `team`), so that
// a user whose roles reach only its own records still sees what it creates.
void DefaultAssignedUser(RuleContext& c) {
  const auto* field = c.entity.FindField("assignedUser");
  if (c.mode != WriteMode::kCreate || field == nullptr) return;
  const bool restricted =
      !c.principal.is_admin() &&
      AccessOf(c.principal, c.metadata)->permission(acl::Permission::kAssignment) !=
          acl::Level::kAll;
  if (!field->required && !restricted) return;
  const auto* given = c.input.Find(c.entity, "assignedUserId");
  if ((given == nullptr || given->is_null()) && c.principal.type != auth::UserType::kSystem) {
    c.input.Set(c.entity, "assignedUserId", json::string(c.principal.id));
  }
}

// Calls and meetings carry a duration: dateEnd follows from dateStart when not given.
void DateEndFromDuration(RuleContext& c) {
  const auto* duration_field = c.entity.FindField("duration");
  if (duration_field == nullptr || duration_field->type != FieldType::kDuration) return;
  if (Given(c, "dateEnd") && !c.input.Find(c.entity, "dateEnd")->is_null()) return;
  const auto start_text = EffectiveString(c, "dateStart");
  if (!start_text) return;
  const auto start = ParseDateTime(*start_text);
  if (!start) return;
  std::optional<std::int64_t> seconds = c.input.duration;
  if (!seconds && c.mode == WriteMode::kUpdate) {
    // A moved start keeps the stored length.
    if (!Given(c, "dateStart")) return;
    const auto old_start = c.current->if_contains("dateStart");
    const auto old_end = c.current->if_contains("dateEnd");
    if (old_start != nullptr && old_end != nullptr && old_start->is_string() &&
        old_end->is_string()) {
      const auto s = ParseDateTime(old_start->get_string());
      const auto e = ParseDateTime(old_end->get_string());
      if (s && e) seconds = std::chrono::duration_cast<std::chrono::seconds>(*e - *s).count();
    }
  }
  if (!seconds && c.mode == WriteMode::kCreate && duration_field->default_value.is_int64()) {
    seconds = duration_field->default_value.get_int64();
  }
  if (!seconds) return;
  c.input.Set(c.entity, "dateEnd",
              json::string(FormatDateTime(*start + std::chrono::seconds(*seconds))));
}

// The probability metadata gives the stage (fields.stage.probabilityMap); nullopt for a stage the
// map does not name.
std::optional<std::int64_t> StageProbability(const EntityDef& entity, std::string_view stage) {
  const FieldDef* field = entity.FindField("stage");
  if (field == nullptr) return std::nullopt;
  for (const auto& [name, probability] : field->probability_map) {
    if (name == stage) return probability;
  }
  return std::nullopt;
}

void OpportunityRules(RuleContext& c) {
  const auto stage = EffectiveString(c, "stage");
  if (!stage) return;
  const bool stage_given = Given(c, "stage") || c.mode == WriteMode::kCreate;
  if (stage_given && !Given(c, "probability")) {
    if (const auto probability = StageProbability(c.entity, *stage))
      c.input.Set(c.entity, "probability", *probability);
  }
  if (stage_given && *stage != "Closed Lost")
    c.input.Set(c.entity, "lastStage", json::string(*stage));
}

void TaskRules(RuleContext& c) {
  if (!Given(c, "status")) return;
  const auto status = EffectiveString(c, "status");
  const bool completed = status && *status == "Completed";
  const auto* before = c.current != nullptr ? c.current->if_contains("status") : nullptr;
  const bool was_completed =
      before != nullptr && before->is_string() && before->get_string() == "Completed";
  if (completed && !was_completed) {
    c.input.Set(c.entity, "dateCompleted", json::string(FormatDateTime(c.now)));
  } else if (!completed) {
    c.input.Set(c.entity, "dateCompleted", nullptr);
  }
}

void LeadRules(RuleContext& c) {
  if (!Given(c, "status")) return;
  const auto status = EffectiveString(c, "status");
  const auto* before = c.current != nullptr ? c.current->if_contains("status") : nullptr;
  const bool was_converted =
      before != nullptr && before->is_string() && before->get_string() == "Converted";
  if (status && *status == "Converted" && !was_converted) {
    c.input.Set(c.entity, "convertedAt", json::string(FormatDateTime(c.now)));
  }
}

// Activities point at an account (and tasks at a contact) through their parent.
Status AccountFromParent(RuleContext& c) {
  const auto* parent_field = c.entity.FindField("parent");
  if (parent_field == nullptr || parent_field->type != FieldType::kLinkParent) return {};
  if (!Given(c, "parentId") && !Given(c, "parentType")) return {};
  const auto type = EffectiveString(c, "parentType");
  const auto id = EffectiveString(c, "parentId");
  std::optional<std::string> account_id;
  std::optional<std::string> contact_id;
  if (type && id) {
    if (*type == "Account") {
      account_id = *id;
    } else if (const EntityDef* parent = c.metadata.FindEntity(*type); parent != nullptr) {
      if (parent->FindAttribute("accountId") != nullptr) {
        CRM_ASSIGN_OR_RETURN(account_id, ReadColumn(c.conn, *parent, *id, "account_id"));
      }
      if (*type == "Contact") {
        contact_id = *id;
      } else if (parent->FindAttribute("contactId") != nullptr) {
        CRM_ASSIGN_OR_RETURN(contact_id, ReadColumn(c.conn, *parent, *id, "contact_id"));
      }
    }
  }
  const auto as_json = [](const std::optional<std::string>& v) {
    return v ? json::value(*v) : json::value();
  };
  if (c.entity.FindAttribute("accountId") != nullptr)
    c.input.Set(c.entity, "accountId", as_json(account_id));
  if (c.entity.FindAttribute("contactId") != nullptr && c.entity.FindField("contact")->read_only) {
    c.input.Set(c.entity, "contactId", as_json(contact_id));
  }
  return {};
}

// The assigned user of a meeting or call attends it (EspoCRM's default), also after a reassignment
// or a new attendee list.
Status AssignedUserAttends(RuleContext& c) {
  const auto* users_field = c.entity.FindField("users");
  const metadata::LinkDef* link = c.entity.FindLink("users");
  if (users_field == nullptr || users_field->type != FieldType::kLinkMultiple || link == nullptr ||
      !link->many_to_many()) {
    return {};
  }
  const int field_index = c.entity.field_index.at("users");
  LinkSetInput* set = nullptr;
  for (auto& candidate : c.input.link_sets) {
    if (candidate.field == field_index) set = &candidate;
  }
  if (c.mode == WriteMode::kUpdate && !Given(c, "assignedUserId") && (set == nullptr || !set->ids))
    return {};
  const auto assigned = EffectiveString(c, "assignedUserId");
  if (!assigned) return {};
  if (set == nullptr) {
    c.input.link_sets.push_back(LinkSetInput{field_index, std::nullopt, std::nullopt});
    set = &c.input.link_sets.back();
  }
  if (!set->ids) {
    set->ids.emplace();
    if (c.current != nullptr) {
      const std::array<SqlValue, 1> params = {std::string(c.current->at("id").get_string())};
      CRM_RETURN_IF_ERROR(c.conn.Query("SELECT " + QuoteIdentifier(link->far_key_column) +
                                           " FROM " + QuoteIdentifier(link->join_table) +
                                           " WHERE " + QuoteIdentifier(link->near_key_column) +
                                           " = ?",
                                       params, [&](const store::Row& row) {
                                         set->ids->emplace_back(row.Text(0));
                                         return true;
                                       }));
    }
  }
  if (std::find(set->ids->begin(), set->ids->end(), *assigned) == set->ids->end())
    set->ids->push_back(*assigned);
  return {};
}

// A contact's primary account is also in its accounts list, with the contact's title as the role.
Status ContactAccountAfterSave(RuleContext& c, const std::string& id) {
  // As EspoCRM's Contact hook: only a changed account or title touches the relation. Unchanged
  // values a client sends back would otherwise rewrite the row (a random page of a large table)
  // and reset a role set through accountsColumns.
  const bool title_changed = Changed(c, "title");
  if (!Changed(c, "accountId") && !title_changed) return {};
  const auto account_id = EffectiveString(c, "accountId");
  if (!account_id) return {};
  const metadata::LinkDef* link = c.entity.FindLink("accounts");
  if (link == nullptr || !link->many_to_many()) return {};
  const auto title = EffectiveString(c, "title");
  const SqlValue role = title ? SqlValue(*title) : SqlValue(nullptr);
  const std::string table = QuoteIdentifier(link->join_table);
  const std::string near = QuoteIdentifier(link->near_key_column);
  const std::string far = QuoteIdentifier(link->far_key_column);
  if (title_changed) {
    const std::array<SqlValue, 3> update = {role, id, *account_id};
    CRM_ASSIGN_OR_RETURN(const std::int64_t changed,
                         c.conn.Execute("UPDATE " + table + " SET \"role\" = ? WHERE " + near +
                                            " = ? AND " + far + " = ?",
                                        update));
    if (changed > 0) return {};
  }
  // The new primary account joins the accounts with the title as role; an account the contact
  // already had keeps its role.
  const std::array<SqlValue, 3> insert = {id, *account_id, role};
  return c.conn
      .Execute("INSERT INTO " + table + " (" + near + ", " + far +
                   ", \"role\", \"is_inactive\") VALUES (?, ?, ?, 0) ON CONFLICT DO NOTHING",
               insert)
      .TakeStatus();
}

// The assigned user's attendance is accepted when the service adds them (on create, or when the
// meeting is reassigned); an answer they already gave is kept.
Status AttendeeAcceptedAfterSave(RuleContext& c, const std::string& id) {
  if (c.mode != WriteMode::kCreate && !Given(c, "assignedUserId")) return {};
  const metadata::LinkDef* link = c.entity.FindLink("users");
  const auto assigned = EffectiveString(c, "assignedUserId");
  if (link == nullptr || !link->many_to_many() || !assigned) return {};
  const std::array<SqlValue, 2> params = {id, *assigned};
  return c.conn
      .Execute("UPDATE " + QuoteIdentifier(link->join_table) +
                   " SET \"status\" = 'Accepted' WHERE " + QuoteIdentifier(link->near_key_column) +
                   " = ? AND " + QuoteIdentifier(link->far_key_column) +
                   " = ? AND (\"status\" IS NULL OR \"status\" = 'None')",
               params)
      .TakeStatus();
}

// API users get their key (and, for HMAC, their secret) when created; user names are unique. The
// key is stored as its hash only and the secret sealed; the creator sees both once.
Status UserRules(RuleContext& c) {
  if (Given(c, "userName")) {
    const auto user_name = EffectiveString(c, "userName");
    std::vector<SqlValue> params = {user_name.value_or("")};
    std::string sql =
        "SELECT 1 FROM \"user\" WHERE LOWER(\"user_name\") = LOWER(?) AND \"deleted\" = 0";
    if (c.current != nullptr) {
      sql += " AND \"id\" <> ?";
      params.emplace_back(std::string(c.current->at("id").get_string()));
    }
    bool taken = false;
    CRM_RETURN_IF_ERROR(c.conn.Query(sql, params, [&](const store::Row&) {
      taken = true;
      return false;
    }));
    if (taken)
      return Status::Conflict("User name '" + user_name.value_or("") + "' is already taken.");
  }
  if (c.mode != WriteMode::kCreate) return {};
  const auto type = EffectiveString(c, "type");
  if (!type || *type != "api") return {};
  auto method = EffectiveString(c, "authMethod");
  if (!method || method->empty()) {
    method = "ApiKey";
    c.input.Set(c.entity, "authMethod", json::string(*method));
  }
  const std::string api_key = auth::NewCredential();
  c.input.Set(c.entity, "apiKeyHash", json::string(auth::Sha256Hex(api_key)));
  c.shown_once["apiKey"] = api_key;
  if (*method == "Hmac") {
    if (c.secrets == nullptr) return Status::Internal("HMAC secrets cannot be sealed here");
    const std::string secret = auth::NewCredential();
    c.input.Set(c.entity, "secretKey", json::string(c.secrets->Seal(secret)));
    c.shown_once["secretKey"] = secret;
  }
  return {};
}

// A Role's grants must name known scopes, actions, fields and levels: the parts given are checked
// as ACL loading reads them.
Status RoleRules(const RuleContext& c) {
  json::object role;
  for (const char* key : {"data", "fieldData"}) {
    if (const auto* value = c.input.Find(c.entity, key)) role[key] = *value;
  }
  for (std::size_t p = 0; p < acl::kPermissionCount; ++p) {
    const std::string_view key = acl::PermissionAttribute(static_cast<acl::Permission>(p));
    if (const auto* value = c.input.Find(c.entity, key)) role[key] = *value;
  }
  return acl::ParseRole(c.metadata, role).status();
}

}  // namespace

Status ApplyRulesBeforeSave(RuleContext& context) {
  DefaultAssignedUser(context);
  DateEndFromDuration(context);
  CRM_RETURN_IF_ERROR(AccountFromParent(context));
  const std::string& name = context.entity.name;
  if (name == "Opportunity") OpportunityRules(context);
  if (name == "Task") TaskRules(context);
  if (name == "Lead") LeadRules(context);
  if (name == "User") CRM_RETURN_IF_ERROR(UserRules(context));
  if (name == "Webhook") CRM_RETURN_IF_ERROR(ApplyWebhookRules(context));
  if (name == "Role") CRM_RETURN_IF_ERROR(RoleRules(context));
  CRM_RETURN_IF_ERROR(AssignedUserAttends(context));
  // Required fields the rules above may have filled.
  for (const char* field : {"assignedUser", "dateEnd"}) {
    const auto* def = context.entity.FindField(field);
    if (def == nullptr || !def->required || context.mode != WriteMode::kCreate) continue;
    const auto* value = context.input.Find(
        context.entity, def->type == FieldType::kLink ? "assignedUserId" : field);
    if (value == nullptr || value->is_null())
      return ValidationFailure(context.entity, field, "required");
  }
  return {};
}

Status ApplyRulesAfterSave(RuleContext& context, const std::string& id) {
  if (context.entity.name == "Contact") CRM_RETURN_IF_ERROR(ContactAccountAfterSave(context, id));
  CRM_RETURN_IF_ERROR(AttendeeAcceptedAfterSave(context, id));
  return {};
}

}  // namespace crm::service
