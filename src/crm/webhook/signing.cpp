#include "crm/webhook/signing.hpp"

#include <algorithm>
#include <iterator>

#include "crm/auth/crypto.hpp"
#include "crm/common/strings.hpp"

namespace crm::webhook {

HeaderList SignatureHeaders(std::string_view webhook_id, std::string_view secret,
                            std::string_view message_id, std::int64_t timestamp,
                            std::string_view body) {
  const std::string digest = auth::HmacSha256(secret, body);
  const std::string hex = auth::HexEncode(digest);
  const std::string prefix = std::string(webhook_id) + ":";
  const std::string stamp = std::to_string(timestamp);
  std::string signed_content;
  signed_content.reserve(message_id.size() + stamp.size() + body.size() + 2);
  signed_content.append(message_id).append(".").append(stamp).append(".").append(body);
  HeaderList headers;
  headers.emplace_back("X-EspoCRM-Signature", hex);
  headers.emplace_back("Signature", auth::Base64Encode(prefix + hex));
  headers.emplace_back("X-Signature", auth::Base64Encode(prefix + digest));
  headers.emplace_back("webhook-id", std::string(message_id));
  headers.emplace_back("webhook-timestamp", stamp);
  headers.emplace_back("webhook-signature",
                       "v1," + auth::Base64Encode(auth::HmacSha256(secret, signed_content)));
  return headers;
}

bool IsReservedHeader(std::string_view name) {
  static constexpr std::string_view kReserved[] = {
      "content-type",      "content-length",    "host",
      "transfer-encoding", "connection",        "expect",
      "signature",         "x-signature",       "x-espocrm-signature",
      "webhook-id",        "webhook-timestamp", "webhook-signature"};
  return std::any_of(std::begin(kReserved), std::end(kReserved), [name](std::string_view reserved) {
    return EqualsIgnoreCaseAscii(name, reserved);
  });
}

std::string StandardWebhooksSecret(std::string_view secret) {
  return "whsec_" + auth::Base64Encode(secret);
}

}  // namespace crm::webhook
