#include "crm/store/sqlite/sqlite_database.hpp"

#include <atomic>
#include <mutex>
#include <unordered_map>
#include <utility>

#include <sqlite3.h>

#include "crm/common/cancellation.hpp"

#include <spdlog/spdlog.h>

namespace crm::store {
namespace {

std::atomic<std::uint64_t> next_instance_id{1};

// How many SQLite virtual-machine steps a read runs between two looks at whether its client is
// still there. At about 50 steps a microsecond that is every 200 us or so, each look one
// non-blocking system call: under 1% of a long scan, and nothing for the point reads and pages
// that finish sooner.
constexpr int kStepsBetweenCancellationChecks = 10000;

int StopIfCancelled(void*) { return CurrentWorkCancelled() ? 1 : 0; }

// Process-wide SQLite settings, applied once before the library initialises. Memory statistics are
// off: keeping them takes a global mutex on every allocation, which every connection contended for.
// Each connection is used by one thread at a time, so the library needs no locking of its own
// objects.
void ConfigureSqliteOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_initialize();
  });
}

class SqliteRow final : public Row {
 public:
  explicit SqliteRow(sqlite3_stmt* stmt) : stmt_(stmt) {}
  int size() const override { return sqlite3_column_count(stmt_); }
  bool IsNull(int column) const override {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
  }
  std::int64_t Int(int column) const override { return sqlite3_column_int64(stmt_, column); }
  double Double(int column) const override { return sqlite3_column_double(stmt_, column); }
  std::string_view Text(int column) const override {
    const auto* text = sqlite3_column_text(stmt_, column);
    if (text == nullptr) return {};
    return {reinterpret_cast<const char*>(text),
            static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))};
  }

 private:
  sqlite3_stmt* stmt_;
};

Status ErrorStatus(sqlite3* db, int rc, std::string_view what) {
  const int primary = rc & 0xff;
  const char* detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return Status::Unavailable("database is busy, retry");
  }
  if (primary == SQLITE_INTERRUPT) {
    return Status::Cancelled("the query was stopped: its client closed the connection");
  }
  if (primary == SQLITE_CONSTRAINT) {
    spdlog::debug("sqlite constraint in {}: {}", what, detail);
    return Status::Conflict("the write conflicts with an existing record");
  }
  spdlog::error("sqlite error in {}: {} ({})", what, detail, rc);
  return Status::Internal("database error");
}

}  // namespace

// One sqlite3 handle with its statement cache. Used by one thread at a time (see store::Database).
class SqliteConnection final : public Connection {
 public:
  static Result<std::unique_ptr<SqliteConnection>> Open(const SqliteOptions& options) {
    ConfigureSqliteOnce();
    sqlite3* db = nullptr;
    const int rc =
        sqlite3_open_v2(options.path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
    if (rc != SQLITE_OK) {
      return Status::Unavailable("cannot open database " + options.path + ": " +
                                 sqlite3_errstr(rc));
    }
    sqlite3_busy_timeout(db, options.busy_timeout_ms);
    sqlite3_extended_result_codes(db, 1);
    const std::string pragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=" +
        std::string(options.synchronous_full ? "FULL" : "NORMAL") + "; PRAGMA cache_size=-" +
        std::to_string(options.cache_size_kib) +
        "; PRAGMA temp_store=MEMORY; PRAGMA foreign_keys=OFF; PRAGMA mmap_size=" +
        std::to_string(options.mmap_size_bytes) + ";";
    if (Status s = conn->ExecuteScript(pragmas); !s.ok()) {
      return Status::Unavailable("cannot configure database " + options.path);
    }
    return conn;
  }

  ~SqliteConnection() override {
    for (auto& [sql, entry] : cache_) sqlite3_finalize(entry.stmt);
    sqlite3_close_v2(db_);
  }

  query::Dialect dialect() const override { return query::Dialect::kSqlite; }

  sqlite3* handle() const { return db_; }

  // Statements of this connection stop (kCancelled) when the calling thread's work is cancelled
  // (common/cancellation.hpp). Only read connections watch: a write job is never left half done
  // because its client left.
  void StopWhenCancelled() {
    sqlite3_progress_handler(db_, kStepsBetweenCancellationChecks, &StopIfCancelled, nullptr);
  }

  Status Query(std::string_view sql, std::span<const query::SqlValue> params,
               const RowCallback& on_row) override {
    CRM_ASSIGN_OR_RETURN(Lease lease, Acquire(sql));
    CRM_RETURN_IF_ERROR(Bind(lease.stmt, params));
    SqliteRow row(lease.stmt);
    while (true) {
      const int rc = sqlite3_step(lease.stmt);
      if (rc == SQLITE_DONE) return {};
      if (rc != SQLITE_ROW) return ErrorStatus(db_, rc, "query");
      if (!on_row(row)) return {};
    }
  }

  Result<std::int64_t> Execute(std::string_view sql,
                               std::span<const query::SqlValue> params) override {
    CRM_ASSIGN_OR_RETURN(Lease lease, Acquire(sql));
    CRM_RETURN_IF_ERROR(Bind(lease.stmt, params));
    int rc = SQLITE_ROW;
    while (rc == SQLITE_ROW) rc = sqlite3_step(lease.stmt);
    if (rc != SQLITE_DONE) return ErrorStatus(db_, rc, "execute");
    return static_cast<std::int64_t>(sqlite3_changes64(db_));
  }

  Result<std::int64_t> InsertReturningKey(std::string_view insert_sql, std::string_view,
                                          std::span<const query::SqlValue> params) override {
    CRM_RETURN_IF_ERROR(Execute(insert_sql, params).TakeStatus());
    return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
  }

  Status ExecuteScript(std::string_view sql) override {
    char* error = nullptr;
    const std::string text(sql);
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
      spdlog::error("sqlite script failed: {}", error != nullptr ? error : sqlite3_errstr(rc));
      sqlite3_free(error);
      return ErrorStatus(nullptr, rc, "script");
    }
    return {};
  }

 private:
  struct CacheEntry {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };

  // A prepared statement borrowed for one call: the cached one, or a private one when the cached
  // statement is already running (a row callback that issues the same query again).
  class Lease {
   public:
    Lease(sqlite3_stmt* statement, CacheEntry* entry) : stmt(statement), entry_(entry) {}
    Lease(Lease&& other) noexcept
        : stmt(std::exchange(other.stmt, nullptr)), entry_(std::exchange(other.entry_, nullptr)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (stmt == nullptr) return;
      if (entry_ != nullptr) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        entry_->in_use = false;
      } else {
        sqlite3_finalize(stmt);
      }
    }
    sqlite3_stmt* stmt;

   private:
    CacheEntry* entry_;
  };

  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) {
      spdlog::error("cannot prepare SQL: {}: {}", sqlite3_errmsg(db_), sql);
      return ErrorStatus(db_, rc, "prepare");
    }
    return stmt;
  }

  Result<Lease> Acquire(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      CRM_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
      it = cache_.emplace(std::string(sql), CacheEntry{stmt, false}).first;
    }
    if (it->second.in_use) {
      CRM_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
      return Lease(stmt, nullptr);
    }
    it->second.in_use = true;
    return Lease(it->second.stmt, &it->second);
  }

  Status Bind(sqlite3_stmt* stmt, std::span<const query::SqlValue> params) {
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt)) {
      spdlog::error("parameter count mismatch: {} given, {} expected: {}", params.size(),
                    sqlite3_bind_parameter_count(stmt), sqlite3_sql(stmt));
      return Status::Internal("database error");
    }
    int index = 1;
    for (const auto& value : params) {
      int rc = SQLITE_OK;
      if (std::holds_alternative<std::nullptr_t>(value)) {
        rc = sqlite3_bind_null(stmt, index);
      } else if (const auto* i = std::get_if<std::int64_t>(&value)) {
        rc = sqlite3_bind_int64(stmt, index, *i);
      } else if (const auto* d = std::get_if<double>(&value)) {
        rc = sqlite3_bind_double(stmt, index, *d);
      } else {
        const auto& s = std::get<std::string>(value);
        // SQLITE_STATIC: `params` outlives the statement's use in Query/Execute.
        rc = sqlite3_bind_text64(stmt, index, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
      }
      if (rc != SQLITE_OK) return ErrorStatus(db_, rc, "bind");
      ++index;
    }
    return {};
  }

  // Looked up by the caller's string_view as it is: no copy of the statement's text per query.
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const {
      return std::hash<std::string_view>{}(sql);
    }
  };
  sqlite3* db_;
  std::unordered_map<std::string, CacheEntry, SqlHash, std::equal_to<>> cache_;
};

SqliteDatabase::SqliteDatabase(SqliteOptions options)
    : options_(std::move(options)), instance_id_(next_instance_id.fetch_add(1)) {}

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const SqliteOptions& options) {
  std::unique_ptr<SqliteDatabase> db(new SqliteDatabase(options));
  CRM_ASSIGN_OR_RETURN(db->writer_connection_, SqliteConnection::Open(options));
  CRM_ASSIGN_OR_RETURN(db->checkpoint_connection_, SqliteConnection::Open(options));
  // The writer never checkpoints; it tells the checkpoint thread when the log has grown.
  sqlite3* writer = db->writer_connection_->handle();
  sqlite3_wal_autocheckpoint(writer, 0);
  sqlite3_wal_hook(writer, &SqliteDatabase::OnWalCommit, db.get());
  db->writer_ = std::thread([raw = db.get()] { raw->WriterLoop(); });
  db->checkpointer_ = std::thread([raw = db.get()] { raw->CheckpointLoop(); });
  return db;
}

int SqliteDatabase::OnWalCommit(void* self, sqlite3* db, const char*, int pages) {
  auto* database = static_cast<SqliteDatabase*>(self);
  const int threshold = database->options_.checkpoint_pages;
  if (pages >= 2 * threshold) {
    // The background checkpoints could not keep the log short (a reader held it, or writes came in
    // faster): finish here, as SQLite's own auto-checkpoint would. Frames the checkpoint thread
    // already copied are not copied again, so this is usually brief, and once it completes the next
    // transaction starts the log from the beginning.
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (pages >= threshold / 2) {
    MutexLock lock(database->mu_);
    database->checkpoint_wanted_ = true;
    database->checkpoint_cv_.notify_one();
  }
  return SQLITE_OK;
}

void SqliteDatabase::CheckpointLoop() {
  while (true) {
    {
      MutexLock lock(mu_);
      while (!checkpoint_wanted_ && !stopping_) mu_.Wait(checkpoint_cv_);
      if (stopping_) return;
      checkpoint_wanted_ = false;
    }
    // PASSIVE copies what no reader still needs and never blocks the writer or readers; the next
    // request catches up on the rest.
    const int rc = sqlite3_wal_checkpoint_v2(checkpoint_connection_->handle(), nullptr,
                                             SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      spdlog::warn("wal checkpoint failed: {}", sqlite3_errstr(rc));
    }
  }
}

SqliteDatabase::~SqliteDatabase() { Shutdown(); }

Result<Connection*> SqliteDatabase::ReadConnection() {
  // Per-thread cache: instance id -> connection. Ids are never reused, so entries of destroyed
  // databases are never matched again.
  thread_local std::vector<std::pair<std::uint64_t, Connection*>> cache;
  for (const auto& [id, conn] : cache) {
    if (id == instance_id_) return conn;
  }
  CRM_ASSIGN_OR_RETURN(auto conn, SqliteConnection::Open(options_));
  conn->StopWhenCancelled();
  Connection* raw = conn.get();
  {
    MutexLock lock(mu_);
    readers_.push_back(std::move(conn));
  }
  cache.emplace_back(instance_id_, raw);
  return raw;
}

void SqliteDatabase::SubmitWrite(WriteJob job, WriteDone done, WriteGrouping grouping) {
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

void SqliteDatabase::Shutdown() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (writer_.joinable() && writer_.get_id() != std::this_thread::get_id()) writer_.join();
  {
    MutexLock lock(mu_);
    checkpoint_cv_.notify_all();
  }
  if (checkpointer_.joinable() && checkpointer_.get_id() != std::this_thread::get_id()) {
    checkpointer_.join();
  }
}

void SqliteDatabase::WriterLoop() {
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

void SqliteDatabase::RunGroup(std::vector<PendingWrite>& group) {
  SqliteConnection& conn = *writer_connection_;
  std::vector<Status> results(group.size());
  // Transaction control goes through Execute so that its statements are prepared once and cached.
  const auto control = [&conn](std::string_view sql) { return conn.Execute(sql, {}).TakeStatus(); };
  Status begin = control("BEGIN IMMEDIATE");
  if (!begin.ok()) {
    for (auto& pending : group) pending.done(begin);
    return;
  }
  if (group.size() == 1) {
    // A job alone runs in the transaction itself, which undoes it if it fails. Inside a savepoint
    // SQLite copies every page the job first changes into an in-memory journal, and closing each
    // savepoint nested in that one (an import's per-row savepoint) walks the journal from its
    // start, so a job's time grew with the square of its size: an import batch of 10,000 rows ran
    // 155 rows/s where batches of 1,000 ran 2,348.
    results[0] = RunWriteJob(group[0], conn);
    if (!results[0].ok() || sqlite3_get_autocommit(conn.handle()) != 0) {
      FailGroup(group, results, 0);
      return;
    }
  } else {
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (Status s = control("SAVEPOINT job"); !s.ok()) {
        results[i] = s;
        continue;
      }
      results[i] = RunWriteJob(group[i], conn);
      // When the savepoint cannot be undone or closed (the job ended it or the transaction
      // itself), committing would keep a failed job's writes: the whole group is rolled back.
      Status closed = results[i].ok() ? Status() : control("ROLLBACK TO job");
      if (closed.ok()) closed = control("RELEASE job");
      if (!closed.ok()) {
        spdlog::error("write job {} of {} left its savepoint unusable ({}); rolling back the group",
                      i + 1, group.size(), closed.message());
        FailGroup(group, results, i);
        return;
      }
    }
  }
  if (Status commit = control("COMMIT"); !commit.ok()) {
    (void)control("ROLLBACK");
    for (auto& result : results) {
      if (result.ok()) result = Status::Unavailable("the transaction could not be committed");
    }
  } else {
    NotifyCommitted();
  }
  for (std::size_t i = 0; i < group.size(); ++i) group[i].done(std::move(results[i]));
}

void SqliteDatabase::FailGroup(std::vector<PendingWrite>& group, std::vector<Status>& results,
                               std::size_t failed) {
  SqliteConnection& conn = *writer_connection_;
  // Without a transaction (a job committed or rolled back itself) there is nothing left to undo.
  if (sqlite3_get_autocommit(conn.handle()) == 0) {
    if (Status s = conn.Execute("ROLLBACK", {}).TakeStatus(); !s.ok()) {
      spdlog::error("rolling back the failed group failed too: {}", s.message());
    }
  }
  const Status rolled_back = Status::Unavailable("the transaction was rolled back");
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (i == failed && !results[i].ok()) {
      group[i].done(std::move(results[i]));
    } else if (i == failed) {
      group[i].done(Status::Internal("the write left the transaction unusable"));
    } else {
      group[i].done(rolled_back);
    }
  }
}

}  // namespace crm::store
