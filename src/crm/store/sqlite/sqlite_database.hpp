// SqliteDatabase: the embedded default backend. One SQLite file in WAL mode; one writer connection
// owned by a writer thread that groups queued write jobs into shared transactions (see
// store::Database), and one read connection per calling thread (WAL lets readers run beside the
// writer).
//
// Durability: synchronous=FULL by default, so a commit is on disk before any job in it is
// acknowledged; kill -9 or power loss cannot lose an acknowledged write. Grouping is what keeps
// that affordable.
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

namespace crm::store {

class SqliteConnection;

struct SqliteOptions {
  std::string path;  // database file; created when missing
  // FULL: every commit is flushed to disk (survives power loss). NORMAL: survives a process crash
  // only.
  bool synchronous_full = true;
  int busy_timeout_ms = 10000;
  int cache_size_kib = 16384;         // page cache per connection
  std::size_t max_group_size = 1024;  // most jobs committed together
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
  void SubmitWrite(WriteJob job, WriteDone done) override;
  void Shutdown() override;

 private:
  struct PendingWrite {
    WriteJob job;
    WriteDone done;
  };

  explicit SqliteDatabase(SqliteOptions options);
  void WriterLoop();
  void RunGroup(std::vector<PendingWrite>& group);

  const SqliteOptions options_;
  const std::uint64_t instance_id_;
  std::unique_ptr<SqliteConnection> writer_connection_;  // used by the writer thread only

  Mutex mu_;
  std::condition_variable cv_;
  std::deque<PendingWrite> pending_ CRM_GUARDED_BY(mu_);
  bool stopping_ CRM_GUARDED_BY(mu_) = false;
  std::vector<std::unique_ptr<SqliteConnection>> readers_ CRM_GUARDED_BY(mu_);
  std::thread writer_;
};

}  // namespace crm::store

#endif  // CRM_STORE_SQLITE_SQLITE_DATABASE_HPP_
