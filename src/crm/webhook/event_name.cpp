#include "crm/webhook/event_name.hpp"

#include <vector>

namespace crm::webhook {

std::string_view EventTypeWord(EventType type) {
  switch (type) {
    case EventType::kCreate:
      return "create";
    case EventType::kUpdate:
      return "update";
    case EventType::kDelete:
      return "delete";
    case EventType::kFieldUpdate:
      return "fieldUpdate";
  }
  return "create";
}

Result<EventName> ParseEventName(const metadata::Metadata& metadata, std::string_view event) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t dot = event.find('.', start);
    parts.push_back(event.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  const std::string quoted = "'" + std::string(event) + "'";
  if (parts.size() < 2 || parts.size() > 3) {
    return Status::InvalidArgument(
        "Not supported event " + quoted +
        ": expected {Entity}.create, {Entity}.update, {Entity}.delete or "
        "{Entity}.fieldUpdate.{field}.");
  }
  const metadata::EntityDef* entity = metadata.FindEntity(parts[0]);
  if (entity == nullptr) {
    return Status::InvalidArgument("Not supported event " + quoted + ": unknown entity '" +
                                   std::string(parts[0]) + "'.");
  }
  if (!entity->object) {
    return Status::InvalidArgument("Not supported event " + quoted + ": " + entity->name +
                                   " has no events.");
  }
  EventName name{entity->name, EventType::kCreate, ""};
  const std::string_view type = parts[1];
  if (type == "create" || type == "update" || type == "delete") {
    if (parts.size() != 2) {
      return Status::InvalidArgument("Not supported event " + quoted +
                                     ": only fieldUpdate names a field.");
    }
    name.type = type == "create"   ? EventType::kCreate
                : type == "update" ? EventType::kUpdate
                                   : EventType::kDelete;
    return name;
  }
  if (type != "fieldUpdate") {
    return Status::InvalidArgument("Not supported event " + quoted + ": unknown type '" +
                                   std::string(type) +
                                   "' (create, update, delete or fieldUpdate).");
  }
  if (parts.size() != 3 || parts[2].empty()) {
    return Status::InvalidArgument("Not supported event " + quoted +
                                   ": fieldUpdate needs a field, as in " + entity->name +
                                   ".fieldUpdate.assignedUser.");
  }
  const metadata::FieldDef* field = entity->FindField(parts[2]);
  if (field == nullptr || field->internal || field->attributes.empty()) {
    return Status::InvalidArgument("Not supported event " + quoted + ": " + entity->name +
                                   " has no field '" + std::string(parts[2]) + "'.");
  }
  name.type = EventType::kFieldUpdate;
  name.field = field->name;
  return name;
}

}  // namespace crm::webhook
