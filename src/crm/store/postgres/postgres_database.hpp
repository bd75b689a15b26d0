// PostgresDatabase: the client-server backend, through libpq. One read connection per calling
// thread (as SqliteDatabase), and one writer connection owned by a writer thread that groups queued
// write jobs into shared transactions with a savepoint per job (see store::Database).
//
// Statements are prepared once per connection, keyed by their SQL text; their `?` placeholders
// become $1, $2, ... when they are prepared. Parameters go as text without a declared type, so
// PostgreSQL infers each from its context, as SQLite's type affinity lets a text column be compared
// with a number.
//
// Durability: a commit is acknowledged by the server after its WAL is flushed (synchronous_commit
// on, the server default), and only then are the group's jobs acknowledged. A group that fails
// with a serialization failure or a deadlock (SQLSTATE 40001, 40P01: other processes write the same
// rows) is rolled back and run again, up to `max_attempts` times.
//
// Thread-safety: as store::Database.
#ifndef CRM_STORE_POSTGRES_POSTGRES_DATABASE_HPP_
#define CRM_STORE_POSTGRES_POSTGRES_DATABASE_HPP_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "crm/common/thread_annotations.hpp"
#include "crm/store/database.hpp"
#include "crm/store/write_queue.hpp"

namespace crm::store {

class PostgresConnection;

struct PostgresOptions {
  // A libpq connection string or URI: postgres://USER:PASS@HOST:PORT/DB.
  std::string url;
  std::size_t max_group_size = 1024;  // most jobs committed together
  int max_attempts = 5;               // runs of a group that keeps failing with 40001/40P01
};

// True for the connection strings PostgresDatabase takes (postgres:// and postgresql:// URIs).
bool IsPostgresUrl(std::string_view text);

// "?" placeholders -> "$1", "$2", ... outside string literals and quoted identifiers. Sets `count`
// to the number of placeholders.
std::string NumberPlaceholders(std::string_view sql, int& count);

class PostgresDatabase final : public Database {
 public:
  // Connects the writer and starts its thread. Returns kUnavailable (without the password) when the
  // server cannot be reached or refuses the login.
  static Result<std::unique_ptr<PostgresDatabase>> Open(const PostgresOptions& options);
  ~PostgresDatabase() override;

  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

  query::Dialect dialect() const override { return query::Dialect::kPostgres; }
  Result<Connection*> ReadConnection() override;
  using Database::SubmitWrite;
  void SubmitWrite(WriteJob job, WriteDone done, WriteGrouping grouping) override;
  void Shutdown() override;

 private:
  enum class Outcome { kDone, kRetry };

  explicit PostgresDatabase(PostgresOptions options);
  void WriterLoop();
  void RunGroup(std::vector<PendingWrite>& group);
  // One attempt at the group; kRetry when a serialization failure or deadlock rolled it back.
  Outcome TryGroup(std::vector<PendingWrite>& group, std::vector<Status>& results,
                   bool last_attempt);

  const PostgresOptions options_;
  const std::uint64_t instance_id_;
  std::unique_ptr<PostgresConnection> writer_connection_;  // used by the writer thread only

  Mutex mu_;
  std::condition_variable cv_;
  std::deque<PendingWrite> pending_ CRM_GUARDED_BY(mu_);
  bool stopping_ CRM_GUARDED_BY(mu_) = false;
  std::vector<std::unique_ptr<PostgresConnection>> readers_ CRM_GUARDED_BY(mu_);
  std::thread writer_;
};

}  // namespace crm::store

#endif  // CRM_STORE_POSTGRES_POSTGRES_DATABASE_HPP_
