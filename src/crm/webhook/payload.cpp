#include "crm/webhook/payload.hpp"

#include <chrono>

#include "crm/common/json.hpp"

namespace crm::webhook {
namespace {

namespace json = boost::json;

constexpr std::string_view kFieldUpdate = ".fieldUpdate.";

// The item a consumer sees for one delivery.
json::object Item(const metadata::Metadata& metadata, const WebhookTarget& target,
                  const PendingDelivery& delivery) {
  auto parsed = ParseJson(delivery.payload);
  json::object data =
      parsed.ok() && parsed->is_object() ? std::move(parsed->get_object()) : json::object{};
  const metadata::EntityDef* entity = metadata.FindEntity(delivery.entity_type);
  if (entity == nullptr) return data;
  const metadata::FieldDef* only_field = nullptr;
  if (const auto at = delivery.event.find(kFieldUpdate); at != std::string::npos) {
    only_field = entity->FindField(delivery.event.substr(at + kFieldUpdate.size()));
  }
  json::object out;
  for (auto& [key, value] : data) {
    const metadata::AttributeDef* attribute = entity->FindAttribute(key);
    if (key != "id") {
      if (attribute == nullptr || attribute->internal) continue;
      if (attribute->sensitive && !target.owner_is_admin) continue;
      if (target.owner_access && attribute->field >= 0 &&
          !target.owner_access->FieldReadable(entity->name, entity->FieldOf(*attribute).name)) {
        continue;
      }
      if (only_field != nullptr &&
          (attribute->field < 0 || &entity->FieldOf(*attribute) != only_field)) {
        continue;
      }
    }
    out[key] = std::move(value);
  }
  return out;
}

}  // namespace

std::string BuildBody(const metadata::Metadata& metadata, const WebhookTarget& target,
                      std::span<const PendingDelivery> deliveries) {
  if (target.espo_format) {
    json::array items;
    for (const auto& delivery : deliveries) items.push_back(Item(metadata, target, delivery));
    return SerializeJson(items);
  }
  const PendingDelivery& delivery = deliveries.front();
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(delivery.event_time.time_since_epoch());
  return SerializeJson(json::object{{"event", delivery.event},
                                    {"data", Item(metadata, target, delivery)},
                                    {"userId", delivery.user_id},
                                    {"timestamp", seconds.count()}});
}

}  // namespace crm::webhook
