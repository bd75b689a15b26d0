// The storage interface: connections that run SQL with bound parameters, and a Database that hands
// out per-thread read connections and runs write jobs in transactions on a single writer.
//
// Reads run on the calling thread through ReadConnection(); a read whose thread's work is cancelled
// (common/cancellation.hpp: its client has gone) may stop early with kCancelled. Writes are jobs:
// SubmitWrite() queues one; the writer runs queued jobs back to back inside ONE transaction (each
// job of several in its own savepoint, so a failing job rolls back alone), commits once, and only
// then reports each job's status. That is group commit: every acknowledged write is committed, and
// the cost of the commit is shared by all jobs in the group.
//
// Thread-safety: Database methods may be called from any thread. A Connection returned by
// ReadConnection() belongs to the calling thread and must not be passed to another. The Connection
// given to a write job is valid only during that job, on the writer thread.
#ifndef CRM_STORE_DATABASE_HPP_
#define CRM_STORE_DATABASE_HPP_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "crm/common/status.hpp"
#include "crm/query/sql.hpp"

namespace crm::store {

// One row of a result set; valid only inside the row callback.
class Row {
 public:
  virtual ~Row() = default;
  virtual int size() const = 0;
  virtual bool IsNull(int column) const = 0;
  virtual std::int64_t Int(int column) const = 0;
  virtual double Double(int column) const = 0;
  virtual std::string_view Text(int column) const = 0;
};

// Called once per row; return false to stop reading further rows.
using RowCallback = std::function<bool(const Row&)>;

class Connection {
 public:
  virtual ~Connection() = default;
  virtual query::Dialect dialect() const = 0;
  // Runs a statement that returns rows. Statements are prepared once per connection and cached.
  virtual Status Query(std::string_view sql, std::span<const query::SqlValue> params,
                       const RowCallback& on_row) = 0;
  // Runs a statement and returns the number of rows it changed.
  virtual Result<std::int64_t> Execute(std::string_view sql,
                                       std::span<const query::SqlValue> params = {}) = 0;
  // Runs an INSERT of one row into a table whose integer key `key_column` the database assigns
  // (SQLite's INTEGER PRIMARY KEY, a PostgreSQL identity column) and returns the new key. SQLite
  // reads it from the connection rather than through `RETURNING`: a RETURNING statement opens a
  // statement journal, whose savepoint cost grows with the pages the transaction has dirtied (a
  // massCreate of 1,000 linked contacts at 1M: 343 ms instead of 126 ms for the same rows).
  virtual Result<std::int64_t> InsertReturningKey(std::string_view insert_sql,
                                                  std::string_view key_column,
                                                  std::span<const query::SqlValue> params) = 0;
  // Runs several ;-separated statements without parameters (schema changes).
  virtual Status ExecuteScript(std::string_view sql) = 0;

  Status Query(const query::SqlFragment& fragment, const RowCallback& on_row) {
    return Query(fragment.sql, fragment.params, on_row);
  }
  Result<std::int64_t> Execute(const query::SqlFragment& fragment) {
    return Execute(fragment.sql, fragment.params);
  }
};

// A unit of work run inside the writer's transaction. Its status decides whether its savepoint is
// kept.
using WriteJob = std::function<Status(Connection&)>;
// Receives a job's final status once its transaction has committed (OK) or the job was rolled back.
using WriteDone = std::function<void(Status)>;

// Whether a job may share its transaction with other queued jobs. kAlone gives it a transaction of
// its own, with no savepoint around it: for large jobs (an import batch), whose commit is already
// a small share of their time and which SQLite's savepoint slows (SqliteDatabase::RunGroup).
enum class WriteGrouping { kShared, kAlone };

class Database {
 public:
  virtual ~Database() = default;
  virtual query::Dialect dialect() const = 0;

  // The calling thread's read connection, opened on first use. Fails with kUnavailable when the
  // database cannot be opened.
  virtual Result<Connection*> ReadConnection() = 0;

  // Queues `job`; `done` runs on the writer thread after the job's transaction committed, or with
  // the job's error (its changes rolled back), or kUnavailable when the commit failed, when another
  // job of the group could not be rolled back alone (the whole group is then rolled back), or when
  // the database is shutting down. `done` must be quick: it runs before the next group starts.
  virtual void SubmitWrite(WriteJob job, WriteDone done, WriteGrouping grouping) = 0;
  void SubmitWrite(WriteJob job, WriteDone done) {
    SubmitWrite(std::move(job), std::move(done), WriteGrouping::kShared);
  }

  // Runs `job` through the writer and waits for its result (administrative commands, tests,
  // start-up).
  Status WriteAndWait(WriteJob job);

  // Finishes queued jobs, then refuses new ones with kUnavailable. Idempotent.
  virtual void Shutdown() = 0;

  // Calls `observer` on the writer thread right after every successful commit, before the jobs'
  // `done` callbacks (webhook delivery wakes on it instead of polling). Set it before the first
  // write is submitted; it must be quick.
  void SetCommitObserver(std::function<void()> observer) { commit_observer_ = std::move(observer); }

 protected:
  void NotifyCommitted() const {
    if (commit_observer_) commit_observer_();
  }

 private:
  std::function<void()> commit_observer_;
};

}  // namespace crm::store

#endif  // CRM_STORE_DATABASE_HPP_
