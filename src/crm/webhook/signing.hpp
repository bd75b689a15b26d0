// The signature headers of a webhook delivery, in every form a consumer may check, all keyed with
// the webhook's secret (its `secretKey`, used as the bytes of that string):
//   X-EspoCRM-Signature  hex(HMAC-SHA256(body))                      the seed document's form
//   Signature            base64(webhookId ":" hex(HMAC-SHA256(body)))  EspoCRM 9
//   X-Signature          base64(webhookId ":" raw HMAC-SHA256(body))   EspoCRM before 9
//   webhook-id, webhook-timestamp, webhook-signature ("v1," base64(HMAC-SHA256(id "." ts "."
//   body))):
//                        Standard Webhooks, whose secret is "whsec_" base64(secret bytes); the
//                        timestamp lets a consumer reject replays.
//
// Thread-safety: pure functions.
#ifndef CRM_WEBHOOK_SIGNING_HPP_
#define CRM_WEBHOOK_SIGNING_HPP_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crm::webhook {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// The headers above for one request. `message_id` is the delivery's id (the same on every retry,
// so a consumer can drop duplicates); `timestamp` is the attempt's time in unix seconds.
HeaderList SignatureHeaders(std::string_view webhook_id, std::string_view secret,
                            std::string_view message_id, std::int64_t timestamp,
                            std::string_view body);

// Whether crmd sets header `name` (any case) on every delivery itself: the body's framing and the
// signatures above. A webhook's custom headers may not name one (refused on save, skipped on send).
bool IsReservedHeader(std::string_view name);

// The Standard Webhooks form of `secret`: "whsec_" + base64 of its bytes.
std::string StandardWebhooksSecret(std::string_view secret);

}  // namespace crm::webhook

#endif  // CRM_WEBHOOK_SIGNING_HPP_
