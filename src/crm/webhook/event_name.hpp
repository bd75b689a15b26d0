// Webhook event names: "{Entity}.create", "{Entity}.update", "{Entity}.delete" and
// "{Entity}.fieldUpdate.{field}", checked against metadata the way EspoCRM checks them (the entity
// is a business object, the field is a field name, not an attribute).
//
// Thread-safety: pure functions.
#ifndef CRM_WEBHOOK_EVENT_NAME_HPP_
#define CRM_WEBHOOK_EVENT_NAME_HPP_

#include <string>
#include <string_view>

#include "crm/common/status.hpp"
#include "crm/metadata/metadata.hpp"

namespace crm::webhook {

enum class EventType { kCreate, kUpdate, kDelete, kFieldUpdate };

struct EventName {
  std::string entity;
  EventType type = EventType::kCreate;
  std::string field;  // kFieldUpdate only
};

// The wire word of a type ("create", "fieldUpdate", ...), as the Webhook record's `type` holds it.
std::string_view EventTypeWord(EventType type);

// kInvalidArgument saying what is wrong: the shape, an unknown entity, an entity that has no
// events, an unknown type, an unknown or unreadable field.
Result<EventName> ParseEventName(const metadata::Metadata& metadata, std::string_view event);

}  // namespace crm::webhook

#endif  // CRM_WEBHOOK_EVENT_NAME_HPP_
