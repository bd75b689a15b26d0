// SqliteDatabase: the embedded default backend. One SQLite file in WAL mode; one writer connection
// owned by a writer thread that groups queued write jobs into shared transactions (see
// store::Database), and one read connection per calling thread (WAL lets readers run beside the
// writer).
//
// Durability: synchronous=FULL by default, so a commit is on disk before any job in it is
// acknowledged; kill -9 or power loss cannot lose an acknowledged write. Grouping is what keeps
// that affordable.
// Checkpoints (copying the WAL back into the database file, with its own fsyncs) run on a third
// thread with its own connection, so they never stall the writer's commits.
//
// Thread-safety: as store::Database.
#ifndef CRM_STORE_SQLITE_SQLITE_DATABASE_HPP_
#define CRM_STORE_SQLITE_SQLITE_DATABASE_HPP_

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

struct sqlite3;

namespace crm::store {

class SqliteConnection;

struct SqliteOptions {
  std::string path;  // database file; created when missing
  // FULL: every commit is flushed to disk (survives power loss). NORMAL: survives a process crash
  // only.
  bool synchronous_full = true;
  int busy_timeout_ms = 10000;
  int cache_size_kib = 16384;  // page cache per connection
  // PRAGMA mmap_size: how much of the database file each connection reads through a memory map
  // instead of read() calls (0: none). Faster reads once the file outgrows the page cache, but the
  // mapped pages count in the process's resident size, once per connection.
  std::int64_t mmap_size_bytes = 0;
  std::size_t max_group_size = 1024;  // most jobs committed together
  // WAL size (in pages) around which it is copied back into the database file: from half of it by
  // the checkpoint thread, at twice it by the writer itself (which then lets the log start over).
  int checkpoint_pages = 1000;
};

class SqliteDatabase final : public Database {
 public:
  // Opens (creating if needed) the database file and starts the writer thread. Returns kUnavailable
  // naming the file when it cannot be opened or put into WAL mode.
  static Result<std::unique_ptr<SqliteDatabase>> Open(const SqliteOptions& options);
  ~SqliteDatabase() override;

  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  query::Dialect dialect() const override { return query::Dialect::kSqlite; }
  Result<Connection*> ReadConnection() override;
  using Database::SubmitWrite;
  void SubmitWrite(WriteJob job, WriteDone done, WriteGrouping grouping) override;
  void Shutdown() override;

 private:
  explicit SqliteDatabase(SqliteOptions options);
  void WriterLoop();
  void RunGroup(std::vector<PendingWrite>& group);
  // Rolls back the whole transaction after job `failed` left its savepoint unusable, and fails
  // every job of the group: `failed` with its own error (kInternal if it had none), the others with
  // kUnavailable.
  void FailGroup(std::vector<PendingWrite>& group, std::vector<Status>& results,
                 std::size_t failed);
  void CheckpointLoop();
  // Called by SQLite after each commit of the writer with the WAL's size in pages.
  static int OnWalCommit(void* self, ::sqlite3* db, const char* schema, int pages);

  const SqliteOptions options_;
  const std::uint64_t instance_id_;
  std::unique_ptr<SqliteConnection> writer_connection_;  // used by the writer thread only

  Mutex mu_;
  std::condition_variable cv_;
  std::deque<PendingWrite> pending_ CRM_GUARDED_BY(mu_);
  bool stopping_ CRM_GUARDED_BY(mu_) = false;
  std::vector<std::unique_ptr<SqliteConnection>> readers_ CRM_GUARDED_BY(mu_);
  bool checkpoint_wanted_ CRM_GUARDED_BY(mu_) = false;
  std::condition_variable checkpoint_cv_;
  std::unique_ptr<SqliteConnection> checkpoint_connection_;  // used by the checkpoint thread only
  std::thread writer_;
  std::thread checkpointer_;
};

}  // namespace crm::store

#endif  // CRM_STORE_SQLITE_SQLITE_DATABASE_HPP_
