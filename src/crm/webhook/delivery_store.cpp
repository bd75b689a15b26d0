#include "crm/webhook/delivery_store.hpp"

#include <array>

#include "crm/acl/access_loader.hpp"
#include "crm/common/ids.hpp"
#include "crm/common/json.hpp"
#include "crm/query/sql.hpp"
#include "crm/store/schema.hpp"
#include "crm/webhook/outbox.hpp"

namespace crm::webhook {
namespace {

namespace json = boost::json;
using query::SqlValue;

const std::string kDeliveries = store::kWebhookDeliveryTable;

json::value TimeOrNull(const store::Row& row, int column) {
  if (row.IsNull(column)) return nullptr;
  return json::string(FormatDateTime(FromUnixMillis(row.Int(column))));
}

HeaderList ParseHeaders(std::string_view text) {
  HeaderList headers;
  if (text.empty()) return headers;
  auto parsed = ParseJson(text);
  if (!parsed.ok() || !parsed->is_object()) return headers;
  for (const auto& [name, value] : parsed->get_object()) {
    if (value.is_string()) headers.emplace_back(name, std::string(value.get_string()));
  }
  return headers;
}

}  // namespace

Result<std::vector<std::string>> WebhooksWithPendingDeliveries(store::Connection& conn) {
  // One probe of the pending index per webhook: the cost follows the number of webhooks, not the
  // backlog a dead receiver leaves behind.
  std::vector<std::string> ids;
  CRM_RETURN_IF_ERROR(conn.Query(
      std::string("SELECT w.\"id\" FROM ") + kWebhookTable +
          " w WHERE w.\"is_active\" = 1 AND w.\"deleted\" = 0 AND EXISTS (SELECT 1 FROM " +
          kDeliveries +
          " d WHERE d.\"webhook_id\" = w.\"id\" AND d.\"status\" = 'pending') "
          "ORDER BY w.\"created_at\", w.\"id\"",
      {}, [&](const store::Row& row) {
        ids.emplace_back(row.Text(0));
        return true;
      }));
  return ids;
}

Result<std::optional<PendingBatch>> LoadPendingBatch(store::Connection& conn,
                                                     const metadata::Metadata& metadata,
                                                     std::string_view webhook_id,
                                                     std::size_t limit) {
  std::optional<PendingBatch> batch;
  std::string owner;
  const std::array<SqlValue, 1> id = {std::string(webhook_id)};
  CRM_RETURN_IF_ERROR(conn.Query(
      std::string("SELECT w.\"url\", w.\"secret_key\", w.\"format\", w.\"headers\", u.\"type\", "
                  "w.\"user_id\" FROM ") +
          kWebhookTable + " w LEFT JOIN \"user\" u ON u.\"id\" = w.\"user_id\" " +
          "WHERE w.\"id\" = ? AND w.\"is_active\" = 1 AND w.\"deleted\" = 0",
      id, [&](const store::Row& row) {
        PendingBatch found;
        found.target.id = std::string(webhook_id);
        found.target.url = std::string(row.Text(0));
        found.target.secret = row.IsNull(1) ? "" : std::string(row.Text(1));
        found.target.espo_format = !row.IsNull(2) && row.Text(2) == "espo";
        found.target.headers = ParseHeaders(row.IsNull(3) ? "" : row.Text(3));
        if (!row.IsNull(5)) owner = row.Text(5);
        found.target.owner_is_admin =
            row.IsNull(5) ||
            (!row.IsNull(4) &&
             (row.Text(4) == "admin" || row.Text(4) == "super-admin" || row.Text(4) == "system"));
        batch = std::move(found);
        return false;
      }));
  if (!batch) return batch;
  if (!batch->target.owner_is_admin) {
    CRM_ASSIGN_OR_RETURN(batch->target.owner_access, acl::LoadAccess(conn, metadata, owner));
  }
  const std::array<SqlValue, 2> params = {std::string(webhook_id),
                                          static_cast<std::int64_t>(limit)};
  CRM_RETURN_IF_ERROR(conn.Query(
      "SELECT d.\"seq\", d.\"id\", d.\"event\", e.\"entity_type\", "
      "COALESCE(e.\"payload\", d.\"payload\"), "
      // A ping has no change event; its payload names who asked for it.
      "COALESCE(e.\"user_id\", " +
          query::JsonMemberText(conn.dialect(), "d.\"payload\"", "userId") +
          ", ''), e.\"created_at\", "
          "d.\"attempts\", d.\"next_attempt_at\", d.\"queued_at\", d.\"created_at\" FROM " +
          kDeliveries + " d LEFT JOIN " + store::kEventTable +
          " e ON e.\"seq\" = d.\"event_seq\" WHERE d.\"webhook_id\" = ? AND d.\"status\" = "
          "'pending' ORDER BY d.\"seq\" LIMIT ?",
      params, [&](const store::Row& row) {
        PendingDelivery item;
        item.seq = row.Int(0);
        item.id = std::string(row.Text(1));
        item.event = std::string(row.Text(2));
        item.entity_type = row.IsNull(3) ? "" : std::string(row.Text(3));
        item.payload = row.IsNull(4) ? "{}" : std::string(row.Text(4));
        item.user_id = std::string(row.Text(5));
        const auto stamp = row.IsNull(6) ? std::nullopt : ParseDateTime(row.Text(6));
        item.event_time = stamp ? TimePoint(*stamp) : FromUnixMillis(row.Int(10));
        item.attempts = static_cast<int>(row.Int(7));
        item.next_attempt_at = FromUnixMillis(row.Int(8));
        item.queued_at = FromUnixMillis(row.Int(9));
        batch->deliveries.push_back(std::move(item));
        return true;
      }));
  if (batch->deliveries.empty()) batch.reset();
  return batch;
}

Status RecordAttempt(store::Connection& conn, std::string_view webhook_id,
                     const AttemptResult& result) {
  const std::int64_t at = ToUnixMillis(result.at);
  std::string status = "failed";
  SqlValue next_attempt = at;
  SqlValue delivered_at = nullptr;
  if (result.outcome == AttemptOutcome::kDelivered) {
    status = "delivered";
    delivered_at = at;
  } else if (result.outcome == AttemptOutcome::kRetry && result.next_attempt_at) {
    status = "pending";
    next_attempt = ToUnixMillis(*result.next_attempt_at);
  }
  SqlValue error = result.error.empty() ? SqlValue(nullptr) : SqlValue(result.error);
  for (const auto& id : result.delivery_ids) {
    const std::array<SqlValue, 8> params = {status,
                                            at,
                                            next_attempt,
                                            delivered_at,
                                            static_cast<std::int64_t>(result.status),
                                            error,
                                            std::string(webhook_id),
                                            id};
    CRM_RETURN_IF_ERROR(conn.Execute("UPDATE " + kDeliveries +
                                         " SET \"status\" = ?, \"attempts\" = \"attempts\" + 1, "
                                         "\"last_attempt_at\" = ?, \"next_attempt_at\" = ?, "
                                         "\"delivered_at\" = ?, \"last_status\" = ?, \"error\" = ? "
                                         "WHERE \"webhook_id\" = ? AND \"id\" = ?",
                                     params)
                            .TakeStatus());
  }
  if (result.outcome != AttemptOutcome::kGone) return {};
  // 410 Gone: the receiver says the subscription is over. The webhook stays (its log explains
  // what happened) but is inactive, and nothing else is sent.
  const std::array<SqlValue, 2> deactivate = {FormatDateTime(result.at), std::string(webhook_id)};
  CRM_RETURN_IF_ERROR(conn.Execute(std::string("UPDATE ") + kWebhookTable +
                                       " SET \"is_active\" = 0, \"modified_at\" = ?, "
                                       "\"version_number\" = \"version_number\" + 1 "
                                       "WHERE \"id\" = ?",
                                   deactivate)
                          .TakeStatus());
  const std::array<SqlValue, 2> pending = {at, std::string(webhook_id)};
  return conn
      .Execute("UPDATE " + kDeliveries +
                   " SET \"status\" = 'failed', \"error\" = 'the receiver answered 410 Gone: the "
                   "webhook was deactivated', \"next_attempt_at\" = ? WHERE \"webhook_id\" = ? AND "
                   "\"status\" = 'pending'",
               pending)
      .TakeStatus();
}

Result<std::int64_t> PruneDelivered(store::Connection& conn, TimePoint before) {
  const std::array<SqlValue, 1> cutoff = {ToUnixMillis(before)};
  CRM_ASSIGN_OR_RETURN(const std::int64_t removed,
                       conn.Execute("DELETE FROM " + kDeliveries +
                                        " WHERE \"status\" = 'delivered' AND \"delivered_at\" < ?",
                                    cutoff));
  // A deleted webhook's deliveries can neither be sent nor read any more.
  CRM_ASSIGN_OR_RETURN(
      const std::int64_t orphans,
      conn.Execute("DELETE FROM " + kDeliveries + " WHERE \"webhook_id\" IN (SELECT \"id\" FROM " +
                   std::string(kWebhookTable) + " WHERE \"deleted\" = 1)"));
  const std::array<SqlValue, 1> older = {FormatDateTime(before)};
  CRM_RETURN_IF_ERROR(
      conn.Execute(std::string("DELETE FROM ") + store::kEventTable +
                       " WHERE \"created_at\" < ? AND NOT EXISTS (SELECT 1 FROM " + kDeliveries +
                       " d WHERE d.\"event_seq\" = " + store::kEventTable + ".\"seq\")",
                   older)
          .TakeStatus());
  return removed + orphans;
}

Result<json::object> ListDeliveries(store::Connection& conn, std::string_view webhook_id,
                                    std::int64_t offset, std::int64_t max_size) {
  json::object out;
  const std::array<SqlValue, 1> id = {std::string(webhook_id)};
  CRM_RETURN_IF_ERROR(
      conn.Query("SELECT COUNT(*) FROM " + kDeliveries + " WHERE \"webhook_id\" = ?", id,
                 [&](const store::Row& row) {
                   out["total"] = row.Int(0);
                   return false;
                 }));
  json::array list;
  const std::array<SqlValue, 3> params = {std::string(webhook_id), max_size, offset};
  CRM_RETURN_IF_ERROR(conn.Query(
      "SELECT \"id\", \"event\", \"status\", \"attempts\", \"last_status\", \"last_attempt_at\", "
      "\"next_attempt_at\", \"delivered_at\", \"created_at\", \"error\" FROM " +
          kDeliveries + " WHERE \"webhook_id\" = ? ORDER BY \"seq\" DESC LIMIT ? OFFSET ?",
      params, [&](const store::Row& row) {
        const std::string_view status = row.Text(2);
        list.push_back(json::object{
            {"id", row.Text(0)},
            {"event", row.Text(1)},
            {"status", status},
            {"attempts", row.Int(3)},
            {"lastStatusCode", row.IsNull(4) ? json::value(nullptr) : json::value(row.Int(4))},
            {"lastAttemptAt", TimeOrNull(row, 5)},
            {"nextAttemptAt", status == "pending" ? TimeOrNull(row, 6) : json::value(nullptr)},
            {"deliveredAt", TimeOrNull(row, 7)},
            {"createdAt", TimeOrNull(row, 8)},
            {"error", row.IsNull(9) ? json::value(nullptr) : json::value(row.Text(9))},
        });
        return true;
      }));
  out["list"] = std::move(list);
  return out;
}

Result<std::int64_t> Redeliver(store::Connection& conn, std::string_view webhook_id,
                               std::string_view delivery_id, TimePoint now) {
  std::optional<std::string> status;
  const std::array<SqlValue, 2> key = {std::string(webhook_id), std::string(delivery_id)};
  CRM_RETURN_IF_ERROR(conn.Query(
      "SELECT \"status\" FROM " + kDeliveries + " WHERE \"webhook_id\" = ? AND \"id\" = ?", key,
      [&](const store::Row& row) {
        status = std::string(row.Text(0));
        return false;
      }));
  if (!status) {
    return Status::NotFound("Delivery " + std::string(delivery_id) + " not found.");
  }
  if (*status == "pending") {
    return Status::FailedPrecondition("Delivery " + std::string(delivery_id) +
                                      " is still pending.");
  }
  const std::array<SqlValue, 4> params = {ToUnixMillis(now), ToUnixMillis(now),
                                          std::string(webhook_id), std::string(delivery_id)};
  CRM_RETURN_IF_ERROR(conn.Execute("UPDATE " + kDeliveries +
                                       " SET \"status\" = 'pending', \"next_attempt_at\" = ?, "
                                       "\"queued_at\" = ?, \"delivered_at\" = NULL "
                                       "WHERE \"webhook_id\" = ? AND \"id\" = ?",
                                   params)
                          .TakeStatus());
  return 1;
}

Result<std::int64_t> RedeliverFailedSince(store::Connection& conn, std::string_view webhook_id,
                                          TimePoint since, TimePoint now) {
  const std::array<SqlValue, 4> params = {ToUnixMillis(now), ToUnixMillis(now),
                                          std::string(webhook_id), ToUnixMillis(since)};
  return conn.Execute("UPDATE " + kDeliveries +
                          " SET \"status\" = 'pending', \"next_attempt_at\" = ?, \"queued_at\" = ? "
                          "WHERE \"webhook_id\" = ? AND \"status\" = 'failed' AND "
                          "\"created_at\" >= ?",
                      params);
}

namespace {
const std::string kLeases = "crmd_webhook_lease";
constexpr std::int64_t kLeaseTableLock = 0x63726d64'6c656173;  // "crmdleas"
}  // namespace

Status CreateLeaseTable(store::Connection& conn) {
  CRM_RETURN_IF_ERROR(
      conn.ExecuteScript("SELECT pg_advisory_xact_lock(" + std::to_string(kLeaseTableLock) + ")"));
  return conn.ExecuteScript("CREATE TABLE IF NOT EXISTS " + kLeases +
                            " (\"webhook_id\" TEXT PRIMARY KEY, \"holder\" TEXT NOT NULL, "
                            "\"holder_pid\" INTEGER NOT NULL, \"expires_at\" BIGINT NOT NULL)");
}

Result<bool> ClaimWebhook(store::Connection& conn, std::string_view webhook_id,
                          std::string_view holder, TimePoint now, TimePoint until) {
  // The row lock of the upsert serializes competing claims; the loser sees the winner's row and
  // its condition fails, so it changes nothing. The holder's session (the backend serving the
  // connection that claimed) tells whether it is alive: a killed process's sessions end as its
  // sockets close, so its webhooks are taken over at once, not only when the lease expires.
  const std::array<SqlValue, 4> params = {std::string(webhook_id), std::string(holder),
                                          ToUnixMillis(until), ToUnixMillis(now)};
  CRM_ASSIGN_OR_RETURN(
      const std::int64_t changed,
      conn.Execute("INSERT INTO " + kLeases +
                       " AS l (\"webhook_id\", \"holder\", \"holder_pid\", \"expires_at\") "
                       "VALUES (?, ?, pg_backend_pid(), ?) ON CONFLICT (\"webhook_id\") DO UPDATE "
                       "SET \"holder\" = excluded.\"holder\", \"holder_pid\" = "
                       "excluded.\"holder_pid\", \"expires_at\" = excluded.\"expires_at\" "
                       "WHERE l.\"holder\" = excluded.\"holder\" OR l.\"expires_at\" < ? OR "
                       "NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = "
                       "l.\"holder_pid\")",
                   params));
  return changed == 1;
}

Status ReleaseWebhook(store::Connection& conn, std::string_view webhook_id,
                      std::string_view holder) {
  const std::array<SqlValue, 2> params = {std::string(webhook_id), std::string(holder)};
  return conn
      .Execute("DELETE FROM " + kLeases + " WHERE \"webhook_id\" = ? AND \"holder\" = ?", params)
      .TakeStatus();
}

Result<std::string> QueuePing(store::Connection& conn, std::string_view webhook_id,
                              std::string_view user_id, TimePoint now) {
  std::string id = GenerateId();
  const json::object data{{"webhookId", webhook_id}, {"userId", user_id}};
  const std::array<SqlValue, 6> params = {id,
                                          std::string(webhook_id),
                                          SerializeJson(data),
                                          ToUnixMillis(now),
                                          ToUnixMillis(now),
                                          ToUnixMillis(now)};
  CRM_RETURN_IF_ERROR(
      conn.Execute("INSERT INTO " + kDeliveries +
                       " (\"id\", \"webhook_id\", \"event\", \"payload\", "
                       "\"status\", \"next_attempt_at\", \"queued_at\", "
                       "\"created_at\") VALUES (?, ?, 'ping', ?, 'pending', ?, ?, ?)",
                   params)
          .TakeStatus());
  return id;
}

}  // namespace crm::webhook
