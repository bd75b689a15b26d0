// PostgresChangeListener: tells this process when another process (or this one) changed rows of
// chosen tables in the same PostgreSQL schema, so that several `crmd serve` processes on one
// database react to each other's commits at once instead of by polling: the webhook worker wakes
// for deliveries queued elsewhere, the authenticator forgets users changed elsewhere.
//
// Each feed names a channel and its tables. Start installs statement-level triggers on those tables
// that call pg_notify(channel, current_schema()) when a statement changed at least one row (so a
// write that queued no delivery wakes nobody); PostgreSQL sends the notification when the
// transaction commits, and never for one rolled back. A dedicated connection LISTENs on every
// channel; its thread waits on the socket (PQconsumeInput/PQnotifies) and calls `on_change` with
// the channel. Notifications of other schemas (other servers sharing the cluster) are ignored.
//
// Missed notifications: when the connection drops, the thread reconnects (with a back-off of at
// most 1 s) and then calls `on_change` for every channel, since anything may have changed
// meanwhile.
//
// Thread-safety: Start and the destructor from one owner; `on_change` runs on the listener's
// thread and must be cheap and thread-safe.
#ifndef CRM_STORE_POSTGRES_CHANGE_LISTENER_HPP_
#define CRM_STORE_POSTGRES_CHANGE_LISTENER_HPP_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "crm/common/status.hpp"

struct pg_conn;  // libpq's PGconn

namespace crm::store {

struct ChangeFeed {
  std::string channel;              // a lower-case SQL identifier: crmd_deliveries
  std::vector<std::string> tables;  // unquoted table names in the connection's schema
};

class PostgresChangeListener {
 public:
  using OnChange = std::function<void(std::string_view channel)>;

  // Installs the triggers (idempotent; serialized between processes by an advisory lock), connects
  // and listens: every commit after Start returns is heard. The tables must exist (after
  // MigrateSchema).
  static Result<std::unique_ptr<PostgresChangeListener>> Start(const std::string& url,
                                                               std::vector<ChangeFeed> feeds,
                                                               OnChange on_change);
  ~PostgresChangeListener();
  PostgresChangeListener(const PostgresChangeListener&) = delete;
  PostgresChangeListener& operator=(const PostgresChangeListener&) = delete;

 private:
  PostgresChangeListener(std::string url, std::vector<ChangeFeed> feeds, OnChange on_change);
  void Run();

  const std::string url_;
  const std::vector<ChangeFeed> feeds_;
  const OnChange on_change_;
  int stop_fd_ = -1;  // an eventfd: written once to stop the thread
  std::string schema_;
  pg_conn* first_conn_ = nullptr;  // connected and listening by Start; the thread takes it
  std::thread thread_;
};

}  // namespace crm::store

#endif  // CRM_STORE_POSTGRES_CHANGE_LISTENER_HPP_
