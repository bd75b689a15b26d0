// The body of one delivery request. The seed document's format ("seed", the default) sends one
// event per request as {"event", "data", "userId", "timestamp"}; EspoCRM's format ("espo") sends a
// JSON array of payload items, one per event, as EspoCRM's own webhooks do. A fieldUpdate event
// carries the id and that field's attributes; an owner who is not an admin gets no attribute it
// could not read through the API.
//
// Thread-safety: pure functions.
#ifndef CRM_WEBHOOK_PAYLOAD_HPP_
#define CRM_WEBHOOK_PAYLOAD_HPP_

#include <span>
#include <string>

#include "crm/metadata/metadata.hpp"
#include "crm/webhook/delivery_store.hpp"

namespace crm::webhook {

// `deliveries` holds exactly one item in the seed format.
std::string BuildBody(const metadata::Metadata& metadata, const WebhookTarget& target,
                      std::span<const PendingDelivery> deliveries);

}  // namespace crm::webhook

#endif  // CRM_WEBHOOK_PAYLOAD_HPP_
