// The write side of webhooks: for a change event just written to the outbox (crmd_event), queue
// one delivery per active webhook that subscribes to it, in the same transaction, so that a
// committed change is delivered (after any crash) and a rolled-back one never is. A webhook owned
// by a user who is not an admin only gets the changes of records its owner's roles let it read.
//
// Thread-safety: call inside a write job, with the job's connection.
#ifndef CRM_WEBHOOK_OUTBOX_HPP_
#define CRM_WEBHOOK_OUTBOX_HPP_

#include <cstdint>
#include <string_view>

#include <boost/json/object.hpp>

#include "crm/common/status.hpp"
#include "crm/common/time.hpp"
#include "crm/metadata/entity_def.hpp"
#include "crm/store/database.hpp"
#include "crm/webhook/event_name.hpp"

namespace crm::webhook {

struct ChangeEvent {
  std::int64_t seq = 0;  // crmd_event.seq
  const metadata::EntityDef* entity = nullptr;
  EventType type = EventType::kCreate;  // kCreate, kUpdate or kDelete
  // For an update: the changed attributes and the id (a fieldUpdate subscription matches when one
  // of its field's attributes is among them).
  const boost::json::object* payload = nullptr;
  std::string_view user_id;  // who made the change (skipOwn)
  std::string_view record_id;
  // For the owners' access tables (acl::LoadAccess); without it only admins' webhooks match.
  const metadata::Metadata* metadata = nullptr;
};

// Webhook records' table (metadata/entityDefs/Webhook.json), which this layer reads directly.
inline constexpr char kWebhookTable[] = "webhook";

Status QueueDeliveries(store::Connection& conn, const ChangeEvent& event, TimePoint now);

}  // namespace crm::webhook

#endif  // CRM_WEBHOOK_OUTBOX_HPP_
