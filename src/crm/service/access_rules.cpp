#include "crm/service/access_rules.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "crm/acl/row_condition.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;
using acl::Action;
using acl::Level;
using metadata::EntityDef;

std::string ActionText(Action action) { return std::string(acl::ActionName(action)); }

// A non-admin's webhooks are its own, whatever its roles grant (EspoCRM's rule).
bool OwnWebhooksOnly(const auth::Principal& principal, const EntityDef& entity) {
  return entity.name == "Webhook" && !principal.is_admin();
}

}  // namespace

std::shared_ptr<const acl::AccessTable> AccessOf(const auth::Principal& principal,
                                                 const metadata::Metadata& metadata) {
  if (principal.access) return principal.access;
  return acl::AccessTable::Merge(metadata, {}, principal.id, {});
}

Status CheckScope(const auth::Principal& principal, const metadata::Metadata& metadata,
                  const EntityDef& entity, Action action) {
  if (principal.is_admin()) return {};
  const bool webhook_user = principal.type == auth::UserType::kApi;
  if (entity.name == "Webhook" && !webhook_user) {
    return Status::PermissionDenied("No " + ActionText(action) + " access.");
  }
  if (AccessOf(principal, metadata)->level(entity.name, action) == Level::kNo) {
    return Status::PermissionDenied("No " + ActionText(action) + " access.");
  }
  return {};
}

query::SqlFragment ReachableRows(const auth::Principal& principal,
                                 const metadata::Metadata& metadata, const EntityDef& entity,
                                 Action action) {
  if (principal.is_admin()) return {};
  const auto access = AccessOf(principal, metadata);
  query::SqlFragment rows = acl::RowCondition(entity, access->level(entity.name, action), *access);
  if (OwnWebhooksOnly(principal, entity)) {
    rows.sql = rows.sql.empty() ? "t.\"user_id\" = ?" : "(" + rows.sql + ") AND t.\"user_id\" = ?";
    rows.params.emplace_back(principal.id);
  }
  return rows;
}

namespace {

Status CheckRow(store::Connection& conn, const auth::Principal& principal,
                const metadata::Metadata& metadata, const EntityDef& entity, std::string_view id,
                Action action, const std::string& missing, bool must_exist) {
  query::SqlFragment rows;
  if (!principal.is_admin()) {
    const auto access = AccessOf(principal, metadata);
    rows = acl::RowCondition(entity, access->level(entity.name, action), *access,
                             acl::RowScope::kOneRow);
  }
  const bool own_webhooks = OwnWebhooksOnly(principal, entity);
  if (rows.sql.empty() && !own_webhooks && !must_exist) return {};
  // One statement tells a missing record (no row) from one out of reach (0).
  query::SqlFragment check;
  check.sql =
      "SELECT " +
      (rows.sql.empty() ? std::string("1") : "CASE WHEN " + rows.sql + " THEN 1 ELSE 0 END") +
      " FROM " + query::QuoteIdentifier(entity.table) +
      " t WHERE t.\"id\" = ? AND t.\"deleted\" = 0";
  check.params = rows.params;
  check.params.emplace_back(std::string(id));
  if (own_webhooks) {
    check.sql += " AND t.\"user_id\" = ?";
    check.params.emplace_back(principal.id);
  }
  std::optional<bool> reached;
  CRM_RETURN_IF_ERROR(conn.Query(check, [&](const store::Row& row) {
    reached = row.Int(0) != 0;
    return false;
  }));
  if (!reached) return Status::NotFound(missing);
  if (!*reached) return Status::PermissionDenied("No '" + ActionText(action) + "' access.");
  return {};
}

}  // namespace

Status CheckRecord(store::Connection& conn, const auth::Principal& principal,
                   const metadata::Metadata& metadata, const EntityDef& entity, std::string_view id,
                   Action action, const std::string& missing) {
  return CheckRow(conn, principal, metadata, entity, id, action, missing, true);
}

Status CheckReach(store::Connection& conn, const auth::Principal& principal,
                  const metadata::Metadata& metadata, const EntityDef& entity, std::string_view id,
                  Action action, const std::string& missing) {
  return CheckRow(conn, principal, metadata, entity, id, action, missing, false);
}

bool MayReadField(const auth::Principal& principal, const EntityDef& entity,
                  const metadata::FieldDef& field) {
  if (principal.is_admin() || !principal.access) return true;
  return principal.access->FieldReadable(entity.name, field.name);
}

void DropUneditableFields(const auth::Principal& principal, const EntityDef& entity,
                          json::object& body) {
  if (principal.is_admin() || !principal.access || !principal.access->HasFieldLimits(entity.name))
    return;
  std::vector<std::string> dropped;
  for (const auto& [key, value] : body) {
    const metadata::AttributeDef* attribute = entity.FindAttribute(key);
    const metadata::FieldDef* field = attribute != nullptr && attribute->field >= 0
                                          ? &entity.FieldOf(*attribute)
                                          : entity.FindField(key);
    if (field != nullptr && !principal.access->FieldEditable(entity.name, field->name)) {
      dropped.emplace_back(key);
    }
  }
  for (const auto& key : dropped) body.erase(key);
}

Status CheckAssignment(store::Connection& conn, const auth::Principal& principal,
                       const metadata::Metadata& metadata, const EntityDef& entity,
                       const RecordInput& input, const json::object* stored) {
  if (principal.is_admin() || !entity.HasField("assignedUser")) return {};
  const auto access = AccessOf(principal, metadata);
  const Level permission = access->permission(acl::Permission::kAssignment);
  if (permission == Level::kAll) return {};
  const Status failure =
      Status::PermissionDenied("Assignment failure: assigned user or team not allowed.");

  if (const json::value* assigned = input.Find(entity, "assignedUserId");
      assigned != nullptr && assigned->is_string() && assigned->get_string() != principal.id) {
    const json::value* before = stored != nullptr ? stored->if_contains("assignedUserId") : nullptr;
    if (before == nullptr || *before != *assigned) {
      if (permission != Level::kTeam || access->team_ids().empty()) return failure;
      // `team`: the user assigned must share one of the principal's teams.
      const metadata::LinkDef& membership = *metadata.Entity("User").FindLink("teams");
      query::SqlFragment shares;
      shares.sql = "SELECT 1 FROM " + query::QuoteIdentifier(membership.join_table) + " WHERE " +
                   query::QuoteIdentifier(membership.near_key_column) + " = ? AND " +
                   query::QuoteIdentifier(membership.far_key_column) + " IN (";
      shares.params.emplace_back(std::string(assigned->get_string()));
      for (std::size_t i = 0; i < access->team_ids().size(); ++i) {
        shares.sql += i == 0 ? "?" : ", ?";
        shares.params.emplace_back(access->team_ids()[i]);
      }
      shares.sql += ") LIMIT 1";
      bool found = false;
      CRM_RETURN_IF_ERROR(conn.Query(shares, [&](const store::Row&) {
        found = true;
        return false;
      }));
      if (!found) return failure;
    }
  }
  // Teams added must be the principal's own.
  const metadata::FieldDef* teams = entity.FindField("teams");
  if (teams == nullptr) return {};
  const int teams_index = static_cast<int>(teams - entity.fields.data());
  for (const auto& set : input.link_sets) {
    if (set.field != teams_index || !set.ids) continue;
    std::vector<std::string> before;
    if (stored != nullptr) {
      if (const auto* ids = stored->if_contains("teamsIds"); ids != nullptr && ids->is_array()) {
        for (const auto& id : ids->get_array()) {
          if (id.is_string()) before.emplace_back(id.get_string());
        }
      }
    }
    for (const auto& id : *set.ids) {
      if (std::find(before.begin(), before.end(), id) != before.end()) continue;
      const auto& mine = access->team_ids();
      if (!std::binary_search(mine.begin(), mine.end(), id)) return failure;
    }
  }
  return {};
}

}  // namespace crm::service
