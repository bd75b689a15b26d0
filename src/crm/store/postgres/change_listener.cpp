#include "crm/store/postgres/change_listener.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <utility>

#include <libpq-fe.h>

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace crm::store {
namespace {

// Serializes the trigger installation of processes starting at once (CREATE OR REPLACE on the
// same function from two sessions fails with "tuple concurrently updated").
constexpr std::int64_t kInstallLock = 0x63726d64'6c697374;  // "crmdlist"

constexpr std::chrono::milliseconds kMaxBackoff{1000};

std::string QuoteIdent(std::string_view name) {
  std::string out = "\"";
  for (const char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

struct ConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;

Status Exec(PGconn* conn, const std::string& sql) {
  PGresult* result = PQexec(conn, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  std::string error = PQresultErrorMessage(result);
  PQclear(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return {};
  return Status::Unavailable("postgres change listener: " + error);
}

std::string InstallSql(const std::vector<ChangeFeed>& feeds) {
  std::string sql = "BEGIN; SELECT pg_advisory_xact_lock(" + std::to_string(kInstallLock) + ");";
  for (const auto& feed : feeds) {
    const std::string function = QuoteIdent("crmd_notify_" + feed.channel);
    // A statement that changed no row (an outbox insert with no subscribed webhook) stays quiet.
    sql += "CREATE OR REPLACE FUNCTION " + function +
           "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF EXISTS (SELECT 1 FROM changed) "
           "THEN PERFORM pg_notify('" +
           feed.channel + "', current_schema()); END IF; RETURN NULL; END $$;";
    for (const auto& table : feed.tables) {
      // Transition tables allow one event per trigger.
      for (const auto& [event, rows] :
           {std::pair{"INSERT", "NEW"}, std::pair{"UPDATE", "NEW"}, std::pair{"DELETE", "OLD"}}) {
        sql += std::string("CREATE OR REPLACE TRIGGER ") +
               QuoteIdent("crmd_notify_" + feed.channel + "_" + event) + " AFTER " + event +
               " ON " + QuoteIdent(table) + " REFERENCING " + rows +
               " TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION " + function + "();";
      }
    }
  }
  return sql + "COMMIT;";
}

// Connects, learns the schema and LISTENs on every channel; null (logged) on failure.
ConnPtr Connect(const std::string& url, const std::vector<ChangeFeed>& feeds, std::string& schema) {
  ConnPtr conn(PQconnectdb(url.c_str()));
  if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) return nullptr;
  PGresult* result = PQexec(conn.get(), "SELECT current_schema()");
  const bool ok = PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1;
  if (ok) schema = PQgetvalue(result, 0, 0);
  PQclear(result);
  if (!ok) return nullptr;
  for (const auto& feed : feeds) {
    if (Status s = Exec(conn.get(), "LISTEN " + QuoteIdent(feed.channel)); !s.ok()) {
      spdlog::error("{}", s.message());
      return nullptr;
    }
  }
  return conn;
}

}  // namespace

PostgresChangeListener::PostgresChangeListener(std::string url, std::vector<ChangeFeed> feeds,
                                               OnChange on_change)
    : url_(std::move(url)), feeds_(std::move(feeds)), on_change_(std::move(on_change)) {}

Result<std::unique_ptr<PostgresChangeListener>> PostgresChangeListener::Start(
    const std::string& url, std::vector<ChangeFeed> feeds, OnChange on_change) {
  {
    ConnPtr conn(PQconnectdb(url.c_str()));
    if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
      return Status::Unavailable("postgres change listener: cannot connect");
    }
    CRM_RETURN_IF_ERROR(Exec(conn.get(), InstallSql(feeds)));
  }
  std::unique_ptr<PostgresChangeListener> listener(
      new PostgresChangeListener(url, std::move(feeds), std::move(on_change)));
  ConnPtr conn = Connect(url, listener->feeds_, listener->schema_);
  if (conn == nullptr) return Status::Unavailable("postgres change listener: cannot listen");
  listener->first_conn_ = conn.release();
  listener->stop_fd_ = eventfd(0, EFD_CLOEXEC);
  if (listener->stop_fd_ < 0) return Status::Internal("eventfd failed");
  listener->thread_ = std::thread([raw = listener.get()] { raw->Run(); });
  return listener;
}

PostgresChangeListener::~PostgresChangeListener() {
  if (thread_.joinable()) {
    const std::uint64_t one = 1;
    (void)!write(stop_fd_, &one, sizeof one);
    thread_.join();
  }
  if (stop_fd_ >= 0) close(stop_fd_);
  if (first_conn_ != nullptr) PQfinish(first_conn_);
}

void PostgresChangeListener::Run() {
  std::chrono::milliseconds backoff{50};
  bool first = true;
  for (;;) {
    std::string schema = schema_;
    ConnPtr conn(std::exchange(first_conn_, nullptr));
    if (conn == nullptr) conn = Connect(url_, feeds_, schema);
    if (conn == nullptr) {
      spdlog::warn("postgres change listener: cannot connect; retrying in {} ms", backoff.count());
      pollfd stop{stop_fd_, POLLIN, 0};
      if (poll(&stop, 1, static_cast<int>(backoff.count())) > 0) return;
      backoff = std::min(backoff * 2, kMaxBackoff);
      continue;
    }
    backoff = std::chrono::milliseconds(50);
    // Whatever happened while no one listened.
    if (!first) {
      for (const auto& feed : feeds_) on_change_(feed.channel);
    }
    first = false;
    for (;;) {
      pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {PQsocket(conn.get()), POLLIN, 0}};
      if (poll(fds, 2, -1) < 0) continue;
      if ((fds[0].revents & POLLIN) != 0) return;
      if (PQconsumeInput(conn.get()) == 0 || PQstatus(conn.get()) != CONNECTION_OK) {
        spdlog::warn("postgres change listener: connection lost: {}", PQerrorMessage(conn.get()));
        break;
      }
      while (PGnotify* note = PQnotifies(conn.get())) {
        if (schema == note->extra) on_change_(note->relname);
        PQfreemem(note);
      }
    }
  }
}

}  // namespace crm::store
