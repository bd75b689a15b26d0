#include "crm/service/webhook_rules.hpp"

#include <array>
#include <string>

#include "crm/auth/crypto.hpp"
#include "crm/auth/secret_box.hpp"
#include "crm/query/sql.hpp"
#include "crm/webhook/event_name.hpp"
#include "crm/webhook/signing.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxHeaders = 20;
constexpr std::int64_t kMaxWebhooksPerUser = 50;
constexpr std::size_t kMaxHeaderValue = 1000;

// RFC 9110 token characters.
bool IsTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

Status CheckHeaders(const json::value& value) {
  if (value.is_null()) return {};
  if (!value.is_object()) {
    return Status::InvalidArgument("headers must be an object of header names to values.");
  }
  const json::object& headers = value.get_object();
  if (headers.size() > kMaxHeaders) {
    return Status::InvalidArgument("A webhook has at most " + std::to_string(kMaxHeaders) +
                                   " headers.");
  }
  for (const auto& [name, header_value] : headers) {
    const std::string_view key = name;
    if (key.empty() || !std::all_of(key.begin(), key.end(), IsTokenChar)) {
      return Status::InvalidArgument("'" + std::string(key) + "' is not a header name.");
    }
    if (webhook::IsReservedHeader(key)) {
      return Status::InvalidArgument("The header '" + std::string(key) +
                                     "' is set by crmd and cannot be configured.");
    }
    if (!header_value.is_string()) {
      return Status::InvalidArgument("The value of header '" + std::string(key) +
                                     "' must be a string.");
    }
    const std::string_view text = header_value.get_string();
    if (text.size() > kMaxHeaderValue || std::any_of(text.begin(), text.end(), [](char c) {
          return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
        })) {
      return Status::InvalidArgument("The value of header '" + std::string(key) +
                                     "' must be one line of at most " +
                                     std::to_string(kMaxHeaderValue) + " characters.");
    }
  }
  return {};
}

}  // namespace

Status CheckWebhookInput(const metadata::Metadata& metadata, const webhook::AddressGuard& guard,
                         const json::object& body, WriteMode mode) {
  if (const auto* event = body.if_contains("event");
      event != nullptr && mode == WriteMode::kCreate) {
    if (!event->is_string()) return Status::InvalidArgument("event must be a string.");
    CRM_RETURN_IF_ERROR(webhook::ParseEventName(metadata, event->get_string()).TakeStatus());
  }
  if (const auto* url = body.if_contains("url"); url != nullptr && url->is_string()) {
    CRM_RETURN_IF_ERROR(guard.CheckUrl(url->get_string()));
  }
  if (const auto* headers = body.if_contains("headers"))
    CRM_RETURN_IF_ERROR(CheckHeaders(*headers));
  return {};
}

Status ApplyWebhookRules(RuleContext& c) {
  const bool admin = c.principal.is_admin();
  if (c.mode == WriteMode::kCreate && !admin) {
    // EspoCRM's webhookMaxCountPerUser: an API key cannot fan every change out without bound.
    std::int64_t count = 0;
    const std::array<query::SqlValue, 1> owner = {c.principal.id};
    CRM_RETURN_IF_ERROR(c.conn.Query("SELECT COUNT(*) FROM " +
                                         query::QuoteIdentifier(c.entity.table) +
                                         " WHERE \"user_id\" = ? AND \"deleted\" = 0",
                                     owner, [&](const store::Row& row) {
                                       count = row.Int(0);
                                       return false;
                                     }));
    if (count >= kMaxWebhooksPerUser) {
      return Status::PermissionDenied("Webhook number per user exceeded the limit.");
    }
  }
  if (c.mode == WriteMode::kCreate) {
    const auto* event = c.input.Find(c.entity, "event");
    if (event == nullptr || !event->is_string())
      return ValidationFailure(c.entity, "event", "required");
    CRM_ASSIGN_OR_RETURN(const webhook::EventName name,
                         webhook::ParseEventName(c.metadata, event->get_string()));
    c.input.Set(c.entity, "entityType", json::string(name.entity));
    c.input.Set(c.entity, "type", json::string(webhook::EventTypeWord(name.type)));
    c.input.Set(c.entity, "field",
                name.field.empty() ? json::value(nullptr) : json::value(json::string(name.field)));
    // Sealed at rest like API users' HMAC secrets; the creator sees the secret in this answer only.
    if (c.secrets == nullptr) return Status::Internal("webhook secrets cannot be sealed here");
    const std::string secret = auth::RandomHex(16);
    c.input.Set(c.entity, "secretKey", json::string(c.secrets->Seal(secret)));
    c.shown_once["secretKey"] = secret;
    c.shown_once["standardWebhooksSecret"] = webhook::StandardWebhooksSecret(secret);
  }
  if (!admin) {
    // An API user's webhooks are its own: EspoCRM forces the user on create, and a non-admin
    // cannot hand a webhook to someone else.
    c.input.Set(c.entity, "userId", json::string(c.principal.id));
  }
  const auto* user = c.input.Find(c.entity, "userId");
  if (admin && user != nullptr && user->is_string()) {
    // The owner's rights decide what its webhooks carry; EspoCRM gives webhooks to API users only.
    bool api_user = false;
    const std::array<query::SqlValue, 1> id = {std::string(user->get_string())};
    CRM_RETURN_IF_ERROR(c.conn.Query(
        "SELECT 1 FROM \"user\" WHERE \"id\" = ? AND \"type\" = 'api' AND \"deleted\" = 0", id,
        [&](const store::Row&) {
          api_user = true;
          return false;
        }));
    if (!api_user) return Status::PermissionDenied("User must be an API User.");
  }
  const bool has_user = user != nullptr ? !user->is_null()
                                        : c.current != nullptr && c.current->contains("userId") &&
                                              !c.current->at("userId").is_null();
  if (!has_user) c.input.Set(c.entity, "skipOwn", false);
  return {};
}

}  // namespace crm::service
