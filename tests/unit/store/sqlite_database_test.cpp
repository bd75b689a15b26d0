#include "crm/store/sqlite/sqlite_database.hpp"

#include <array>
#include <atomic>
#include <future>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/common/cancellation.hpp"

#include "testing/status_matchers.hpp"
#include "testing/temp_dir.hpp"
#include "testing/writer_hold.hpp"

namespace crm::store {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using query::SqlValue;

class SqliteDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open(SqliteOptions options = SqliteOptions()) {
    options.path = dir_.File("test.db");
    auto db = SqliteDatabase::Open(options);
    ASSERT_THAT(db, IsOk());
    db_ = std::move(db).value();
    ASSERT_THAT(db_->WriteAndWait([](Connection& conn) {
      return conn.ExecuteScript(
          "CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, name TEXT)");
    }),
                IsOk());
  }

  std::int64_t Count() {
    auto conn = db_->ReadConnection();
    EXPECT_THAT(conn, IsOk());
    std::int64_t count = -1;
    EXPECT_THAT((*conn)->Query("SELECT COUNT(*) FROM item", {},
                               [&](const Row& row) {
                                 count = row.Int(0);
                                 return false;
                               }),
                IsOk());
    return count;
  }

  static std::int64_t Pragma(Connection& conn, const std::string& name) {
    std::int64_t value = -1;
    EXPECT_THAT(conn.Query("PRAGMA " + name, {},
                           [&](const Row& row) {
                             value = row.Int(0);
                             return false;
                           }),
                IsOk());
    return value;
  }

  static Status Insert(Connection& conn, std::int64_t id, const std::string& name) {
    const std::array<SqlValue, 2> params = {id, name};
    return conn.Execute("INSERT INTO item (id, name) VALUES (?, ?)", params).TakeStatus();
  }

  std::future<Status> Submit(WriteJob job, WriteGrouping grouping = WriteGrouping::kShared) {
    return crm::testing::SubmitForResult(*db_, std::move(job), grouping);
  }

  crm::testing::TempDir dir_;
  std::unique_ptr<SqliteDatabase> db_;
};

TEST_F(SqliteDatabaseTest, ReadsSeeCommittedWrites) {
  ASSERT_THAT(db_->WriteAndWait([](Connection& conn) { return Insert(conn, 1, "one"); }), IsOk());
  auto conn = db_->ReadConnection();
  ASSERT_THAT(conn, IsOk());
  std::string name;
  const std::array<SqlValue, 1> key = {std::int64_t{1}};
  ASSERT_THAT((*conn)->Query("SELECT name FROM item WHERE id = ?", key,
                             [&](const Row& row) {
                               name = row.Text(0);
                               return true;
                             }),
              IsOk());
  EXPECT_EQ(name, "one");
}

TEST_F(SqliteDatabaseTest, AFailingJobRollsBackAloneInItsGroup) {
  // Submit several jobs at once so that they share a group; the middle one fails after writing.
  std::vector<std::future<Status>> results;
  for (int i = 0; i < 3; ++i) {
    auto promise = std::make_shared<std::promise<Status>>();
    results.push_back(promise->get_future());
    db_->SubmitWrite(
        [i](Connection& conn) -> Status {
          CRM_RETURN_IF_ERROR(Insert(conn, 10 + i, "x"));
          if (i == 1) return Status::InvalidArgument("job 1 fails");
          return {};
        },
        [promise](Status status) { promise->set_value(std::move(status)); });
  }
  EXPECT_THAT(results[0].get(), IsOk());
  EXPECT_THAT(results[1].get(), StatusIs(StatusCode::kInvalidArgument, "job 1 fails"));
  EXPECT_THAT(results[2].get(), IsOk());
  EXPECT_EQ(Count(), 2);
}

TEST_F(SqliteDatabaseTest, AJobThatEndsItsSavepointRollsBackTheWholeGroup) {
  // The first job holds the writer until the next three are queued, so that they share one group.
  crm::testing::WriterHold hold(*db_);
  std::future<Status> before = Submit([](Connection& conn) { return Insert(conn, 20, "before"); });
  // A real SQLite failure of the writer's savepoint handling: the job releases the savepoint it
  // runs in, then fails, so "ROLLBACK TO job" finds no savepoint to undo its write.
  std::future<Status> breaking = Submit([](Connection& conn) -> Status {
    CRM_RETURN_IF_ERROR(Insert(conn, 21, "breaking"));
    CRM_RETURN_IF_ERROR(conn.Execute("RELEASE job").TakeStatus());
    return Status::InvalidArgument("the breaking job fails");
  });
  std::future<Status> after = Submit([](Connection& conn) { return Insert(conn, 22, "after"); });
  const Status held = hold.Release();

  EXPECT_THAT(held, IsOk());
  EXPECT_THAT(before.get(), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(breaking.get(), StatusIs(StatusCode::kInvalidArgument, "the breaking job fails"));
  EXPECT_THAT(after.get(), StatusIs(StatusCode::kUnavailable));
  EXPECT_EQ(Count(), 0);
  // The writer goes on with the next group.
  EXPECT_THAT(db_->WriteAndWait([](Connection& conn) { return Insert(conn, 23, "next"); }), IsOk());
  EXPECT_EQ(Count(), 1);
}

TEST_F(SqliteDatabaseTest, AJobSubmittedAloneGetsATransactionOfItsOwn) {
  std::atomic<int> commits{0};
  db_->SetCommitObserver([&commits] { ++commits; });
  // The first job holds the writer until the others are queued, so that they could share a group.
  crm::testing::WriterHold hold(*db_);
  std::future<Status> before = Submit([](Connection& conn) { return Insert(conn, 30, "before"); });
  std::future<Status> alone =
      Submit([](Connection& conn) { return Insert(conn, 31, "alone"); }, WriteGrouping::kAlone);
  std::future<Status> after = Submit([](Connection& conn) { return Insert(conn, 32, "after"); });
  std::future<Status> last = Submit([](Connection& conn) { return Insert(conn, 33, "last"); });
  const Status held = hold.Release();

  EXPECT_THAT(held, IsOk());
  EXPECT_THAT(before.get(), IsOk());
  EXPECT_THAT(alone.get(), IsOk());
  EXPECT_THAT(after.get(), IsOk());
  EXPECT_THAT(last.get(), IsOk());
  EXPECT_EQ(Count(), 4);
  // The blocker's group, the job before the lone one, the lone one, and the two after it together.
  EXPECT_EQ(commits.load(), 4);
}

TEST_F(SqliteDatabaseTest, AJobAloneRunsInTheTransactionWithoutASavepoint) {
  // Inside a savepoint SQLite journals every page a job changes, which made large jobs slow; a job
  // alone in its group is undone by rolling back the transaction instead.
  EXPECT_THAT(db_->WriteAndWait([](Connection& conn) -> Status {
    CRM_RETURN_IF_ERROR(Insert(conn, 40, "rolled back"));
    EXPECT_THAT(conn.Execute("RELEASE job").TakeStatus(), ::testing::Not(IsOk()));
    return Status::InvalidArgument("fails after writing");
  }),
              StatusIs(StatusCode::kInvalidArgument, "fails after writing"));
  EXPECT_EQ(Count(), 0);
  // A job that ends the transaction itself cannot be acknowledged as the writer's.
  EXPECT_THAT(db_->WriteAndWait([](Connection& conn) -> Status {
    CRM_RETURN_IF_ERROR(Insert(conn, 41, "committed by the job"));
    return conn.Execute("COMMIT").TakeStatus();
  }),
              StatusIs(StatusCode::kInternal, "the write left the transaction unusable"));
  EXPECT_THAT(db_->WriteAndWait([](Connection& conn) { return Insert(conn, 42, "next"); }), IsOk());
  EXPECT_EQ(Count(), 2);
}

TEST_F(SqliteDatabaseTest, ConcurrentWritersAreAllCommitted) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 250;
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (db_->WriteAndWait(
                   [id = t * kPerThread + i](Connection& conn) { return Insert(conn, id, "n"); })
                .ok()) {
          ++acknowledged;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(acknowledged.load(), kThreads * kPerThread);
  EXPECT_EQ(Count(), kThreads * kPerThread);
}

TEST_F(SqliteDatabaseTest, AcknowledgedWritesSurviveReopening) {
  ASSERT_THAT(db_->WriteAndWait([](Connection& conn) { return Insert(conn, 7, "seven"); }), IsOk());
  db_.reset();
  Open();
  EXPECT_EQ(Count(), 1);
}

TEST_F(SqliteDatabaseTest, ShutdownRefusesNewWrites) {
  db_->Shutdown();
  EXPECT_THAT(db_->WriteAndWait([](Connection& conn) { return Insert(conn, 1, "late"); }),
              StatusIs(StatusCode::kUnavailable));
}

TEST_F(SqliteDatabaseTest, ConstraintViolationIsAConflict) {
  ASSERT_THAT(db_->WriteAndWait([](Connection& conn) { return Insert(conn, 1, "a"); }), IsOk());
  EXPECT_THAT(db_->WriteAndWait([](Connection& conn) { return Insert(conn, 1, "b"); }),
              StatusIs(StatusCode::kConflict));
}

TEST_F(SqliteDatabaseTest, NestedQueryWithTheSameStatementWorks) {
  ASSERT_THAT(db_->WriteAndWait([](Connection& conn) -> Status {
    CRM_RETURN_IF_ERROR(Insert(conn, 1, "a"));
    return Insert(conn, 2, "b");
  }),
              IsOk());
  auto conn = db_->ReadConnection();
  ASSERT_THAT(conn, IsOk());
  int inner_rows = 0;
  ASSERT_THAT((*conn)->Query("SELECT id FROM item", {},
                             [&](const Row&) {
                               // The same SQL while the outer statement is still stepping gets its
                               // own statement.
                               EXPECT_THAT((*conn)->Query("SELECT id FROM item", {},
                                                          [&](const Row&) {
                                                            ++inner_rows;
                                                            return true;
                                                          }),
                                           IsOk());
                               return true;
                             }),
              IsOk());
  EXPECT_EQ(inner_rows, 4);
}

TEST_F(SqliteDatabaseTest, MemoryMapIsOffByDefaultAndSetOnEveryConnectionWhenAsked) {
  auto reader = db_->ReadConnection();
  ASSERT_THAT(reader, IsOk());
  EXPECT_EQ(Pragma(**reader, "mmap_size"), 0);

  db_.reset();
  SqliteOptions options;
  options.mmap_size_bytes = 4 << 20;
  Open(options);
  reader = db_->ReadConnection();
  ASSERT_THAT(reader, IsOk());
  EXPECT_EQ(Pragma(**reader, "mmap_size"), 4 << 20);
  std::int64_t writer_mmap = -1;
  ASSERT_THAT(db_->WriteAndWait([&](Connection& conn) {
    writer_mmap = Pragma(conn, "mmap_size");
    return Status();
  }),
              IsOk());
  EXPECT_EQ(writer_mmap, 4 << 20);
}

// Counts how often it was asked; cancelled from the `cancel_at`th question on.
class CountingCancellation final : public CancellationSource {
 public:
  explicit CountingCancellation(int cancel_at) : cancel_at_(cancel_at) {}
  bool Cancelled() override { return ++asked_ >= cancel_at_; }
  int asked() const { return asked_; }

 private:
  const int cancel_at_;
  int asked_ = 0;
};

// Counts to `n` in SQL: a read whose length the test chooses.
std::int64_t CountTo(Connection& conn, std::int64_t n, Status& status) {
  const std::array<SqlValue, 1> params = {n};
  std::int64_t count = -1;
  status = conn.Query(
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) "
      "SELECT count(*) FROM c",
      params, [&](const Row& row) {
        count = row.Int(0);
        return false;
      });
  return count;
}

TEST_F(SqliteDatabaseTest, AReadStopsWhenItsWorkIsCancelledAndTheConnectionStaysUsable) {
  auto conn = db_->ReadConnection();
  ASSERT_THAT(conn, IsOk());
  Status status;
  {
    CountingCancellation cancellation(/*cancel_at=*/3);
    const CancellationScope scope(cancellation);
    CountTo(**conn, 100'000'000, status);
    EXPECT_THAT(status, StatusIs(StatusCode::kCancelled));
    // Asked while it ran, and it stopped at the first yes.
    EXPECT_EQ(cancellation.asked(), 3);
  }
  // Without a scope (and within one that is not cancelled) the same statement runs to its end.
  EXPECT_EQ(CountTo(**conn, 100'000, status), 100'000);
  EXPECT_THAT(status, IsOk());
  CountingCancellation never(/*cancel_at=*/1 << 30);
  const CancellationScope scope(never);
  EXPECT_EQ(CountTo(**conn, 100'000, status), 100'000);
  EXPECT_THAT(status, IsOk());
  EXPECT_GT(never.asked(), 0);
}

}  // namespace
}  // namespace crm::store
