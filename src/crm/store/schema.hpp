// The database schema derived from metadata: one table per entity (a column per stored attribute,
// plus id, deleted and version_number), join tables for many-to-many links, lookup tables for email
// addresses and phone numbers, and crmd's own bookkeeping tables. MigrateSchema creates what is
// missing and adds columns and indexes that metadata gained since the database was created; it
// never drops anything.
//
// Thread-safety: run MigrateSchema inside a write job (it needs the writer's transaction).
#ifndef CRM_STORE_SCHEMA_HPP_
#define CRM_STORE_SCHEMA_HPP_

#include <string>
#include <vector>

#include "crm/common/status.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/store/database.hpp"

namespace crm::store {

// Tables crmd keeps besides entity tables.
inline constexpr char kEmailTable[] = "entity_email_address";
inline constexpr char kPhoneTable[] = "entity_phone_number";
inline constexpr char kAuthTokenTable[] = "auth_token";
inline constexpr char kMetaTable[] = "crmd_meta";
// Per-user request budgets (crmd api-user create --rate-limit), outside the User entity so that
// EspoCRM's User record keeps its shape: user_id, requests (NULL: unlimited), window_seconds.
inline constexpr char kUserRateLimitTable[] = "crmd_user_rate_limit";
// The transactional outbox: one row per record change, written in the change's own transaction,
// read by webhook delivery. Columns: seq (increasing), event ("Contact.create"), entity_type,
// entity_id, user_id, payload (JSON), created_at.
inline constexpr char kEventTable[] = "crmd_event";
// Webhook deliveries: one row per (webhook, event) written in the event's transaction, so a
// committed change is delivered and a rolled-back one is not. Columns: seq (increasing: the order
// of delivery per webhook), id (the delivery's id, stable across retries: the Standard Webhooks
// message id), webhook_id, event_seq (crmd_event.seq; NULL for a test ping), event (the subscribed
// name), payload (only for a ping), status (pending, delivered, failed), attempts, next_attempt_at,
// queued_at (when it was queued or redelivered: retries give up counting from it), last_attempt_at,
// delivered_at, created_at (unix milliseconds), last_status (HTTP status; 0 for a transport error),
// error.
inline constexpr char kWebhookDeliveryTable[] = "crmd_webhook_delivery";

// The CREATE statements for the whole schema, in order (also used by tests and docs).
std::vector<std::string> SchemaStatements(const metadata::Metadata& metadata,
                                          query::Dialect dialect);

// Brings the database up to the schema of `metadata`. Returns the first database error.
Status MigrateSchema(Connection& conn, const metadata::Metadata& metadata);

}  // namespace crm::store

#endif  // CRM_STORE_SCHEMA_HPP_
