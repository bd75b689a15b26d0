// The delivery queue's SQL (table crmd_webhook_delivery, see store/schema.hpp): what the delivery
// worker reads and records, and what the delivery-log endpoints show and change. Times are unix
// milliseconds in the table and TimePoints here.
//
// Thread-safety: functions over a Connection; reads on the caller's read connection, the others
// inside a write job.
#ifndef CRM_WEBHOOK_DELIVERY_STORE_HPP_
#define CRM_WEBHOOK_DELIVERY_STORE_HPP_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "crm/acl/access_table.hpp"
#include "crm/common/status.hpp"
#include "crm/common/time.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/store/database.hpp"
#include "crm/webhook/retry_policy.hpp"
#include "crm/webhook/signing.hpp"

namespace crm::webhook {

// What the sender needs of one Webhook record.
struct WebhookTarget {
  std::string id;
  std::string url;
  std::string secret;
  bool espo_format = false;    // format "espo": a JSON array of items per request
  HeaderList headers;          // the record's custom headers
  bool owner_is_admin = true;  // no owner (created by an admin or the CLI) counts as admin
  // What a non-admin owner's roles let it read (fields hidden from it are left out); null for
  // admins' webhooks.
  std::shared_ptr<const acl::AccessTable> owner_access;
};

struct PendingDelivery {
  std::int64_t seq = 0;
  std::string id;
  std::string event;        // "Contact.create", "Contact.fieldUpdate.title", "ping"
  std::string entity_type;  // empty for a ping
  std::string payload;      // the change event's payload (or the ping's data), JSON
  std::string user_id;      // who made the change
  TimePoint event_time;
  int attempts = 0;
  TimePoint next_attempt_at;
  TimePoint queued_at;
};

struct PendingBatch {
  WebhookTarget target;
  std::vector<PendingDelivery> deliveries;  // oldest first
};

// Active webhooks that have pending deliveries.
Result<std::vector<std::string>> WebhooksWithPendingDeliveries(store::Connection& conn);

// The oldest pending deliveries of an active webhook, at most `limit`; nullopt when it has none
// or is no longer active.
Result<std::optional<PendingBatch>> LoadPendingBatch(store::Connection& conn,
                                                     const metadata::Metadata& metadata,
                                                     std::string_view webhook_id,
                                                     std::size_t limit);

// The result of one attempt at a set of deliveries (one request).
struct AttemptResult {
  std::vector<std::string> delivery_ids;
  AttemptOutcome outcome = AttemptOutcome::kRetry;
  int status = 0;  // HTTP status; 0 when no answer came
  std::string error;
  TimePoint at;
  std::optional<TimePoint> next_attempt_at;  // kRetry: when; nullopt: the schedule gave up
};

// Records an attempt. kGone also deactivates the webhook and fails its pending deliveries.
Status RecordAttempt(store::Connection& conn, std::string_view webhook_id,
                     const AttemptResult& result);

// Deletes delivered rows delivered before `before`, every delivery of a deleted webhook, and
// change events older than `before` that no delivery refers to. Returns the number of deliveries
// removed.
Result<std::int64_t> PruneDelivered(store::Connection& conn, TimePoint before);

// The delivery log of a webhook, newest first: {"total", "list"} with each delivery's id, event,
// status, attempts, lastStatusCode, lastAttemptAt, nextAttemptAt, deliveredAt, createdAt, error.
Result<boost::json::object> ListDeliveries(store::Connection& conn, std::string_view webhook_id,
                                           std::int64_t offset, std::int64_t max_size);

// Queues a delivery again (kNotFound when the webhook has no such delivery; kFailedPrecondition
// while it is still pending). Returns 1.
Result<std::int64_t> Redeliver(store::Connection& conn, std::string_view webhook_id,
                               std::string_view delivery_id, TimePoint now);
// Queues again every failed delivery of a webhook created at or after `since`; returns how many.
Result<std::int64_t> RedeliverFailedSince(store::Connection& conn, std::string_view webhook_id,
                                          TimePoint since, TimePoint now);

// Webhook leases, for several processes sending from one PostgreSQL database: a process sends a
// webhook's deliveries only while it holds the webhook's lease (table crmd_webhook_lease:
// webhook_id, holder, holder_pid, expires_at in unix ms), so one webhook is never sent by two
// processes at once and keeps its order. A lease ends when its holder releases it (nothing of the
// webhook in flight or waiting to be recorded), when the holder's database session is gone (a
// killed process: its sockets close with it), or when it expires (a holder cut off from the
// database, whose session may linger until the server notices). Claims are single autocommit
// statements on the worker's own connection, not write jobs: they must not wait behind the writer's
// queue, and they touch no record.
//
// Creates the lease table when missing (in a write job; processes starting at once are serialized).
Status CreateLeaseTable(store::Connection& conn);
// Takes or renews the lease of `webhook_id` for `holder` until `until`: true when `holder` holds it
// now, false when another holder's lease has not expired at `now`.
Result<bool> ClaimWebhook(store::Connection& conn, std::string_view webhook_id,
                          std::string_view holder, TimePoint now, TimePoint until);
// Gives the lease back (nothing when `holder` does not hold it).
Status ReleaseWebhook(store::Connection& conn, std::string_view webhook_id,
                      std::string_view holder);

// Queues a signed test ping for a webhook; returns the delivery's id.
Result<std::string> QueuePing(store::Connection& conn, std::string_view webhook_id,
                              std::string_view user_id, TimePoint now);

}  // namespace crm::webhook

#endif  // CRM_WEBHOOK_DELIVERY_STORE_HPP_
