#include "crm/webhook/outbox.hpp"

#include <array>
#include <string>
#include <vector>

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

}  // namespace

Status QueueDeliveries(store::Connection& conn, const ChangeEvent& event, TimePoint now) {
  struct Match {
    std::string webhook_id;
    std::string event;
  };
  std::vector<Match> matches;
  const std::array<SqlValue, 1> entity_type = {event.entity->name};
  CRM_RETURN_IF_ERROR(conn.Query(
      std::string("SELECT \"id\", \"type\", \"field\", \"user_id\", \"skip_own\" FROM ") +
          kWebhookTable +
          " WHERE \"entity_type\" = ? AND \"is_active\" = 1 AND \"deleted\" = 0 "
          "ORDER BY \"created_at\", \"id\"",
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
        matches.push_back({std::string(row.Text(0)), std::move(name)});
        return true;
      }));
  const std::int64_t at = ToUnixMillis(now);
  for (auto& match : matches) {
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
