#include "crm/webhook/outbox.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "crm/acl/access_loader.hpp"
#include "crm/acl/row_condition.hpp"
#include "crm/common/ids.hpp"
#include "crm/store/schema.hpp"

namespace crm::webhook {
namespace {

using query::SqlValue;

bool FieldChanged(const metadata::EntityDef& entity, std::string_view field_name,
                  const boost::json::object& changed) {
  const metadata::FieldDef* field = entity.FindField(field_name);
  if (field == nullptr) return false;
  for (const int index : field->attributes) {
    if (changed.contains(entity.attributes[static_cast<std::size_t>(index)].name)) return true;
  }
  return false;
}

bool IsAdminType(std::string_view type) {
  return type == "admin" || type == "super-admin" || type == "system";
}

// Whether `owner` (not an admin) may read the record of `event`: its roles' read level on the
// entity, applied to the row (deleted or not, so that a delete reaches those who saw the record).
Result<bool> OwnerMayRead(store::Connection& conn, const ChangeEvent& event,
                          std::string_view owner) {
  if (event.metadata == nullptr) return false;
  CRM_ASSIGN_OR_RETURN(auto access, acl::LoadAccess(conn, *event.metadata, owner));
  const query::SqlFragment rows =
      acl::RowCondition(*event.entity, access->level(event.entity->name, acl::Action::kRead),
                        *access, acl::RowScope::kOneRow);
  if (rows.sql.empty()) return true;
  query::SqlFragment check;
  check.sql = "SELECT 1 FROM " + query::QuoteIdentifier(event.entity->table) +
              " t WHERE t.\"id\" = ? AND " + rows.sql;
  check.params.emplace_back(std::string(event.record_id));
  check.params.insert(check.params.end(), rows.params.begin(), rows.params.end());
  bool reached = false;
  CRM_RETURN_IF_ERROR(conn.Query(check, [&](const store::Row&) {
    reached = true;
    return false;
  }));
  return reached;
}

}  // namespace

Status QueueDeliveries(store::Connection& conn, const ChangeEvent& event, TimePoint now) {
  struct Match {
    std::string webhook_id;
    std::string event;
    std::string owner;  // a non-admin owner whose read access decides; empty otherwise
  };
  std::vector<Match> matches;
  const std::array<SqlValue, 1> entity_type = {event.entity->name};
  CRM_RETURN_IF_ERROR(conn.Query(
      std::string("SELECT w.\"id\", w.\"type\", w.\"field\", w.\"user_id\", w.\"skip_own\", "
                  "u.\"type\" FROM ") +
          kWebhookTable +
          " w LEFT JOIN \"user\" u ON u.\"id\" = w.\"user_id\" WHERE w.\"entity_type\" = ? AND "
          "w.\"is_active\" = 1 AND w.\"deleted\" = 0 ORDER BY w.\"created_at\", w.\"id\"",
      entity_type, [&](const store::Row& row) {
        const std::string_view type = row.Text(1);
        const bool skip_own = !row.IsNull(4) && row.Int(4) != 0;
        if (skip_own && !row.IsNull(3) && row.Text(3) == event.user_id) return true;
        std::string name = event.entity->name + "." + std::string(type);
        if (type == EventTypeWord(EventType::kFieldUpdate)) {
          if (event.type != EventType::kUpdate || event.payload == nullptr ||
              !FieldChanged(*event.entity, row.Text(2), *event.payload)) {
            return true;
          }
          name += "." + std::string(row.Text(2));
        } else if (type != EventTypeWord(event.type)) {
          return true;
        }
        const bool admin_owned = row.IsNull(3) || (!row.IsNull(5) && IsAdminType(row.Text(5)));
        matches.push_back({std::string(row.Text(0)), std::move(name),
                           admin_owned ? std::string() : std::string(row.Text(3))});
        return true;
      }));
  // Each non-admin owner's access is looked up once per event.
  std::vector<std::pair<std::string, bool>> owners;
  std::vector<Match> allowed;
  for (auto& match : matches) {
    if (!match.owner.empty()) {
      auto known = std::find_if(owners.begin(), owners.end(),
                                [&](const auto& o) { return o.first == match.owner; });
      if (known == owners.end()) {
        CRM_ASSIGN_OR_RETURN(const bool may_read, OwnerMayRead(conn, event, match.owner));
        owners.emplace_back(match.owner, may_read);
        known = owners.end() - 1;
      }
      if (!known->second) continue;
    }
    allowed.push_back(std::move(match));
  }
  const std::int64_t at = ToUnixMillis(now);
  for (auto& match : allowed) {
    const std::array<SqlValue, 7> params = {
        GenerateId(), std::move(match.webhook_id), event.seq, std::move(match.event), at, at, at};
    CRM_RETURN_IF_ERROR(
        conn.Execute(std::string("INSERT INTO ") + store::kWebhookDeliveryTable +
                         " (\"id\", \"webhook_id\", \"event_seq\", \"event\", \"status\", "
                         "\"next_attempt_at\", \"queued_at\", \"created_at\") "
                         "VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)",
                     params)
            .TakeStatus());
  }
  return {};
}

}  // namespace crm::webhook
