#include "crm/store/postgres/postgres_database.hpp"

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <random>
#include <unordered_map>
#include <utility>

#include <libpq-fe.h>

#include "crm/common/cancellation.hpp"
#include "crm/query/sql.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>

namespace crm::store {
namespace {

std::atomic<std::uint64_t> next_instance_id{1};

// Type OIDs (pg_type.h), for the second try at preparing a statement whose parameters PostgreSQL
// could not type from their context (`? IS NULL`).
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kFloat8Oid = 701;

constexpr std::string_view kSerializationFailure = "40001";
constexpr std::string_view kDeadlockDetected = "40P01";
constexpr std::string_view kIndeterminateDatatype = "42P18";
constexpr std::string_view kQueryCanceled = "57014";

// How often a read connection waiting for the server looks at whether its work was cancelled
// (common/cancellation.hpp). Answers wake the wait at once; only statements that run longer pay,
// one look per interval.
constexpr int kCancellationPollMs = 2;

// Notices ("relation already exists, skipping" from CREATE ... IF NOT EXISTS) would otherwise go
// to stderr.
void LogNotice(void*, const char* message) { spdlog::debug("postgres: {}", message); }

std::string_view SqlState(const PGresult* result) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  return state != nullptr ? std::string_view(state) : std::string_view();
}

class PostgresRow final : public Row {
 public:
  PostgresRow(const PGresult* result, int row) : result_(result), row_(row) {}
  int size() const override { return PQnfields(result_); }
  bool IsNull(int column) const override { return PQgetisnull(result_, row_, column) != 0; }
  std::int64_t Int(int column) const override {
    const std::string_view text = Text(column);
    // Boolean expressions come back as t/f where SQLite gives 1/0.
    if (text == "t") return 1;
    if (text == "f") return 0;
    std::int64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) {
      return static_cast<std::int64_t>(Double(column));  // NUMERIC results (SUM, AVG)
    }
    return value;
  }
  double Double(int column) const override {
    return std::strtod(PQgetvalue(result_, row_, column), nullptr);
  }
  std::string_view Text(int column) const override {
    return {PQgetvalue(result_, row_, column),
            static_cast<std::size_t>(PQgetlength(result_, row_, column))};
  }

 private:
  const PGresult* result_;
  int row_;
};

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

std::string TextOf(const query::SqlValue& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&value)) {
    char buffer[32];
    const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, *d);
    return std::string(buffer, error == std::errc() ? end : buffer);
  }
  return std::get<std::string>(value);
}

Oid TypeOf(const query::SqlValue& value) {
  if (std::holds_alternative<std::int64_t>(value)) return kInt8Oid;
  if (std::holds_alternative<double>(value)) return kFloat8Oid;
  return kTextOid;
}

}  // namespace

bool IsPostgresUrl(std::string_view text) {
  return text.starts_with("postgres://") || text.starts_with("postgresql://");
}

std::string NumberPlaceholders(std::string_view sql, int& count) {
  std::string out;
  out.reserve(sql.size() + 16);
  count = 0;
  char quote = 0;  // the quote character of the literal or identifier we are inside, if any
  for (const char c : sql) {
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: same result
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$';
      out += std::to_string(++count);
    } else {
      out += c;
    }
  }
  return out;
}

// One libpq connection with its prepared statements. Used by one thread at a time.
class PostgresConnection final : public Connection {
 public:
  static Result<std::unique_ptr<PostgresConnection>> Open(const std::string& url) {
    std::unique_ptr<PostgresConnection> conn(new PostgresConnection(PQconnectdb(url.c_str())));
    if (conn->conn_ == nullptr || PQstatus(conn->conn_) != CONNECTION_OK) {
      const std::string error =
          conn->conn_ != nullptr ? PQerrorMessage(conn->conn_) : "out of memory";
      return Status::Unavailable("cannot connect to PostgreSQL at " + RedactedUrl(url) + ": " +
                                 error);
    }
    PQsetNoticeProcessor(conn->conn_, &LogNotice, nullptr);
    return conn;
  }

  ~PostgresConnection() override { PQfinish(conn_); }

  query::Dialect dialect() const override { return query::Dialect::kPostgres; }

  Status Query(std::string_view sql, std::span<const query::SqlValue> params,
               const RowCallback& on_row) override {
    CRM_ASSIGN_OR_RETURN(ResultPtr result, Run(sql, params));
    const int rows = PQntuples(result.get());
    for (int i = 0; i < rows; ++i) {
      if (!on_row(PostgresRow(result.get(), i))) break;
    }
    return {};
  }

  Result<std::int64_t> Execute(std::string_view sql,
                               std::span<const query::SqlValue> params) override {
    CRM_ASSIGN_OR_RETURN(ResultPtr result, Run(sql, params));
    const char* changed = PQcmdTuples(result.get());
    return changed != nullptr && *changed != '\0' ? std::strtoll(changed, nullptr, 10) : 0;
  }

  Result<std::int64_t> InsertReturningKey(std::string_view insert_sql, std::string_view key_column,
                                          std::span<const query::SqlValue> params) override {
    std::int64_t key = 0;
    CRM_RETURN_IF_ERROR(
        Query(std::string(insert_sql) + " RETURNING " + query::QuoteIdentifier(key_column), params,
              [&key](const Row& row) {
                key = row.Int(0);
                return false;
              }));
    return key;
  }

  Status ExecuteScript(std::string_view sql) override {
    ResultPtr result(PQexec(conn_, std::string(sql).c_str()));
    return Check(result.get(), "script", sql);
  }

  // Transaction control, through the simple protocol (nothing to prepare).
  Status Control(std::string_view sql) { return ExecuteScript(sql); }

  bool InTransaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }
  // A statement failed and nothing rolled back to before it: COMMIT would roll back instead.
  bool InFailedTransaction() const { return PQtransactionStatus(conn_) == PQTRANS_INERROR; }

  // Statements of this connection stop (kCancelled) when the calling thread's work is cancelled:
  // the server is asked to cancel them. Only read connections watch, so that a write job is never
  // left half done because its client left.
  void StopWhenCancelled() { watch_cancellation_ = true; }

  // Whether a statement failed with a serialization failure or deadlock since the last call.
  bool TakeRetryable() { return std::exchange(retryable_, false); }

  // Reconnects a connection the server closed (restart, network); prepared statements are gone
  // with it.
  bool EnsureConnected() {
    if (PQstatus(conn_) == CONNECTION_OK) return true;
    PQreset(conn_);
    statements_.clear();
    return PQstatus(conn_) == CONNECTION_OK;
  }

 private:
  struct Statement {
    std::string name;
    int param_count = 0;
  };

  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}

  static std::string RedactedUrl(const std::string& url) {
    const auto at = url.rfind('@');
    const auto scheme = url.find("://");
    if (at == std::string::npos || scheme == std::string::npos) return url;
    return url.substr(0, scheme + 3) + "***" + url.substr(at);
  }

  Status Check(const PGresult* result, std::string_view what, std::string_view sql) {
    const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return {};
    const std::string_view state = SqlState(result);
    const char* detail = result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
    if (state == kSerializationFailure || state == kDeadlockDetected) {
      retryable_ = true;
      spdlog::debug("postgres {} must be retried ({}): {}", what, state, detail);
      return Status::Unavailable("database is busy, retry");
    }
    // Only the cancel sent here: a statement_timeout ends a statement the same way.
    if (state == kQueryCanceled && cancel_sent_) {
      return Status::Cancelled("the query was stopped: its client closed the connection");
    }
    if (state.starts_with("23")) {  // integrity constraint violation
      spdlog::debug("postgres constraint in {}: {}", what, detail);
      return Status::Conflict("the write conflicts with an existing record");
    }
    if (state.empty() || state.starts_with("08") || state.starts_with("57P")) {
      spdlog::error("postgres connection failed in {}: {}", what, detail);
      return Status::Unavailable("database unavailable");
    }
    spdlog::error("postgres error in {} ({}): {}: {}", what, state, detail, sql);
    return Status::Internal("database error");
  }

  Result<const Statement*> Prepare(std::string_view sql, std::span<const query::SqlValue> params) {
    auto it = statements_.find(std::string(sql));
    if (it != statements_.end()) return &it->second;
    Statement statement;
    statement.name = "s" + std::to_string(statements_.size() + 1);
    const std::string text = NumberPlaceholders(sql, statement.param_count);
    // A failed PREPARE inside a transaction would abort it; this savepoint lets the second try
    // (below) and the rest of the job go on. It costs a round trip once per statement.
    const bool guarded = InTransaction();
    if (guarded) CRM_RETURN_IF_ERROR(Control("SAVEPOINT crmd_prepare"));
    ResultPtr result(PQprepare(conn_, statement.name.c_str(), text.c_str(), 0, nullptr));
    if (SqlState(result.get()) == kIndeterminateDatatype &&
        static_cast<int>(params.size()) == statement.param_count) {
      // A parameter without context (`? IS NULL`): declare the types the values have.
      if (guarded) CRM_RETURN_IF_ERROR(Control("ROLLBACK TO crmd_prepare"));
      std::vector<Oid> types;
      for (const auto& value : params) types.push_back(TypeOf(value));
      result.reset(PQprepare(conn_, statement.name.c_str(), text.c_str(),
                             static_cast<int>(types.size()), types.data()));
    }
    if (guarded) {
      const bool prepared = PQresultStatus(result.get()) == PGRES_COMMAND_OK;
      if (!prepared) CRM_RETURN_IF_ERROR(Control("ROLLBACK TO crmd_prepare"));
      CRM_RETURN_IF_ERROR(Control("RELEASE crmd_prepare"));
    }
    CRM_RETURN_IF_ERROR(Check(result.get(), "prepare", text));
    return &statements_.emplace(std::string(sql), std::move(statement)).first->second;
  }

  Result<ResultPtr> Run(std::string_view sql, std::span<const query::SqlValue> params) {
    CRM_ASSIGN_OR_RETURN(const Statement* statement, Prepare(sql, params));
    if (static_cast<int>(params.size()) != statement->param_count) {
      spdlog::error("parameter count mismatch: {} given, {} expected: {}", params.size(),
                    statement->param_count, sql);
      return Status::Internal("database error");
    }
    std::vector<std::string> texts;
    std::vector<const char*> values;
    texts.reserve(params.size());
    values.reserve(params.size());
    for (const auto& value : params) {
      if (std::holds_alternative<std::nullptr_t>(value)) {
        texts.emplace_back();
        values.push_back(nullptr);
      } else {
        texts.push_back(TextOf(value));
        values.push_back(texts.back().c_str());
      }
    }
    ResultPtr result(watch_cancellation_ ? ExecuteWatched(*statement, values)
                                         : PQexecPrepared(conn_, statement->name.c_str(),
                                                          static_cast<int>(values.size()),
                                                          values.data(), nullptr, nullptr, 0));
    const Status checked = Check(result.get(), "statement", sql);
    cancel_sent_ = false;
    CRM_RETURN_IF_ERROR(checked);
    return result;
  }

  // PQexecPrepared, but while the server works the calling thread's cancellation is looked at
  // every kCancellationPollMs; once cancelled, the server is asked to cancel the statement, which
  // then ends with query_canceled. A cancel that arrives after the statement finished is ignored
  // by the server, so it cannot hit the next one.
  PGresult* ExecuteWatched(const Statement& statement, const std::vector<const char*>& values) {
    if (PQsendQueryPrepared(conn_, statement.name.c_str(), static_cast<int>(values.size()),
                            values.data(), nullptr, nullptr, 0) == 0) {
      return nullptr;  // Check reports the connection's error
    }
    while (PQisBusy(conn_) != 0) {
      pollfd answer{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
      const int ready = poll(&answer, 1, cancel_sent_ ? -1 : kCancellationPollMs);
      if (ready < 0 && errno != EINTR) break;  // PQgetResult below waits and reports
      if (ready > 0 && PQconsumeInput(conn_) == 0) break;
      if (ready == 0 && CurrentWorkCancelled()) cancel_sent_ = SendCancel();
    }
    PGresult* last = nullptr;
    while (PGresult* next = PQgetResult(conn_)) {
      PQclear(last);
      last = next;
    }
    return last;
  }

  bool SendCancel() {
    PGcancel* cancel = PQgetCancel(conn_);
    if (cancel == nullptr) return false;
    char error[256];
    const bool sent = PQcancel(cancel, error, sizeof error) != 0;
    if (!sent) spdlog::warn("postgres: cannot cancel a statement: {}", error);
    PQfreeCancel(cancel);
    return sent;
  }

  PGconn* conn_;
  std::unordered_map<std::string, Statement> statements_;
  bool retryable_ = false;
  bool watch_cancellation_ = false;
  bool cancel_sent_ = false;  // by ExecuteWatched, for the statement Run is checking
};

PostgresDatabase::PostgresDatabase(PostgresOptions options)
    : options_(std::move(options)), instance_id_(next_instance_id.fetch_add(1)) {}

Result<std::unique_ptr<PostgresDatabase>> PostgresDatabase::Open(const PostgresOptions& options) {
  std::unique_ptr<PostgresDatabase> db(new PostgresDatabase(options));
  CRM_ASSIGN_OR_RETURN(db->writer_connection_, PostgresConnection::Open(options.url));
  db->writer_ = std::thread([raw = db.get()] { raw->WriterLoop(); });
  return db;
}

PostgresDatabase::~PostgresDatabase() { Shutdown(); }

Result<Connection*> PostgresDatabase::ReadConnection() {
  // Per-thread cache: instance id -> connection. Ids are never reused, so entries of destroyed
  // databases are never matched again.
  thread_local std::vector<std::pair<std::uint64_t, PostgresConnection*>> cache;
  for (const auto& [id, conn] : cache) {
    if (id != instance_id_) continue;
    if (!conn->EnsureConnected()) return Status::Unavailable("database unavailable");
    return static_cast<Connection*>(conn);
  }
  CRM_ASSIGN_OR_RETURN(auto conn, PostgresConnection::Open(options_.url));
  conn->StopWhenCancelled();
  PostgresConnection* raw = conn.get();
  {
    MutexLock lock(mu_);
    readers_.push_back(std::move(conn));
  }
  cache.emplace_back(instance_id_, raw);
  return static_cast<Connection*>(raw);
}

void PostgresDatabase::SubmitWrite(WriteJob job, WriteDone done, WriteGrouping grouping) {
  {
    MutexLock lock(mu_);
    if (!stopping_) {
      pending_.push_back({std::move(job), std::move(done), grouping});
      cv_.notify_one();
      return;
    }
  }
  done(Status::Unavailable("the server is shutting down"));
}

void PostgresDatabase::Shutdown() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (writer_.joinable() && writer_.get_id() != std::this_thread::get_id()) writer_.join();
}

void PostgresDatabase::WriterLoop() {
  std::vector<PendingWrite> group;
  while (true) {
    {
      MutexLock lock(mu_);
      while (pending_.empty() && !stopping_) mu_.Wait(cv_);
      if (pending_.empty()) return;  // stopping and drained
      TakeWriteGroup(pending_, group, options_.max_group_size);
    }
    RunGroup(group);
    group.clear();
  }
}

void PostgresDatabase::RunGroup(std::vector<PendingWrite>& group) {
  std::vector<Status> results(group.size());
  std::minstd_rand jitter(static_cast<unsigned>(instance_id_));
  for (int attempt = 1;; ++attempt) {
    const bool last = attempt >= options_.max_attempts;
    if (TryGroup(group, results, last) == Outcome::kDone) break;
    // Another process holds the rows: back off a little, randomly, so the two do not collide
    // again at once.
    const auto pause = jitter() % (5U * static_cast<unsigned>(attempt));
    std::this_thread::sleep_for(std::chrono::milliseconds(1 + static_cast<std::int64_t>(pause)));
  }
  for (std::size_t i = 0; i < group.size(); ++i) group[i].done(std::move(results[i]));
}

PostgresDatabase::Outcome PostgresDatabase::TryGroup(std::vector<PendingWrite>& group,
                                                     std::vector<Status>& results,
                                                     bool last_attempt) {
  PostgresConnection& conn = *writer_connection_;
  if (!conn.EnsureConnected()) {
    for (auto& result : results) result = Status::Unavailable("database unavailable");
    return Outcome::kDone;
  }
  (void)conn.TakeRetryable();
  if (Status begin = conn.Control("BEGIN"); !begin.ok()) {
    for (auto& result : results) result = begin;
    return Outcome::kDone;
  }
  const auto roll_back_all = [&conn] {
    if (conn.InTransaction()) {
      if (Status s = conn.Control("ROLLBACK"); !s.ok()) {
        spdlog::error("rolling back the failed group failed too: {}", s.message());
      }
    }
  };
  // A job alone is undone by the transaction itself: its savepoint would only add two round trips.
  const bool savepoints = group.size() > 1;
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (savepoints) {
      if (Status s = conn.Control("SAVEPOINT job"); !s.ok()) {
        results[i] = s;
        continue;
      }
    }
    results[i] = RunWriteJob(group[i], conn);
    if (conn.TakeRetryable() && !last_attempt) {
      roll_back_all();
      return Outcome::kRetry;
    }
    if (!savepoints && !results[i].ok()) {
      roll_back_all();
      return Outcome::kDone;
    }
    // When the savepoint cannot be undone or closed (the job ended it or the transaction itself),
    // committing would keep a failed job's writes: the whole group is rolled back instead.
    Status closed;
    if (savepoints) {
      closed = results[i].ok() ? Status() : conn.Control("ROLLBACK TO job");
      if (closed.ok()) closed = conn.Control("RELEASE job");
    }
    if (!closed.ok() || !conn.InTransaction() || conn.InFailedTransaction()) {
      spdlog::error("write job {} of {} left its transaction unusable; rolling back the group",
                    i + 1, group.size());
      roll_back_all();
      for (std::size_t j = 0; j < group.size(); ++j) {
        if (j != i) {
          results[j] = Status::Unavailable("the transaction was rolled back");
        } else if (results[j].ok()) {
          results[j] = Status::Internal("the write left the transaction unusable");
        }
      }
      return Outcome::kDone;
    }
  }
  if (Status commit = conn.Control("COMMIT"); !commit.ok()) {
    const bool retry = conn.TakeRetryable() && !last_attempt;
    roll_back_all();
    if (retry) return Outcome::kRetry;
    for (auto& result : results) {
      if (result.ok()) result = Status::Unavailable("the transaction could not be committed");
    }
    return Outcome::kDone;
  }
  NotifyCommitted();
  return Outcome::kDone;
}

}  // namespace crm::store
