#include "crm/store/postgres/postgres_database.hpp"

#include <array>
#include <atomic>
#include <future>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/common/cancellation.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/store/open_database.hpp"
#include "crm/store/schema.hpp"

#include "testing/postgres_schema.hpp"
#include "testing/status_matchers.hpp"
#include "testing/writer_hold.hpp"

namespace crm::store {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using query::SqlValue;

TEST(NumberPlaceholdersTest, NumbersPlaceholdersOutsideLiteralsAndIdentifiers) {
  int count = 0;
  EXPECT_EQ(NumberPlaceholders("SELECT '?', \"a?\" FROM t WHERE a = ? AND b IN (?, ?)", count),
            "SELECT '?', \"a?\" FROM t WHERE a = $1 AND b IN ($2, $3)");
  EXPECT_EQ(count, 3);
  EXPECT_EQ(NumberPlaceholders("SELECT 'it''s ?' || ?", count), "SELECT 'it''s ?' || $1");
  EXPECT_EQ(count, 1);
}

TEST(OpenDatabaseTest, DescribesAUrlWithoutItsPassword) {
  EXPECT_EQ(DescribeLocation("postgres://crm:secret@db:5432/crm", {}),
            "postgres://crm:***@db:5432/crm");
  EXPECT_EQ(DescribeLocation("", {.path = "data/crmd.db"}), "data/crmd.db");
}

TEST(OpenDatabaseTest, RefusesALocationThatIsNoPostgresUrl) {
  EXPECT_THAT(OpenDatabase("mysql://x@y/z", {}), StatusIs(StatusCode::kInvalidArgument));
}

TEST(OpenDatabaseTest, AnUnreachableServerIsUnavailableAndTheErrorHidesThePassword) {
  // Port 1 on loopback: nothing listens there.
  auto db = OpenDatabase("postgres://crm:hunter2@127.0.0.1:1/crm?connect_timeout=2", {});
  ASSERT_THAT(db, StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(db.status().message(), ::testing::Not(::testing::HasSubstr("hunter2")));
}

// The cases of sqlite_database_test.cpp that are about store::Database's contract, on PostgreSQL.
class PostgresDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (crm::testing::PostgresTestUrl().empty()) {
      GTEST_SKIP() << "CRMD_TEST_POSTGRES_URL is not set (make test sets it)";
    }
    schema_ = std::make_unique<crm::testing::PostgresSchema>(crm::testing::PostgresTestUrl());
    Open();
  }

  void Open() {
    auto db = PostgresDatabase::Open({.url = schema_->url()});
    ASSERT_THAT(db, IsOk());
    db_ = std::move(db).value();
    ASSERT_THAT(db_->WriteAndWait([](Connection& conn) {
      return conn.ExecuteScript(
          "CREATE TABLE IF NOT EXISTS item (id BIGINT PRIMARY KEY, name TEXT)");
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

  static Status Insert(Connection& conn, std::int64_t id, const std::string& name) {
    const std::array<SqlValue, 2> params = {id, name};
    return conn.Execute("INSERT INTO item (id, name) VALUES (?, ?)", params).TakeStatus();
  }

  std::future<Status> Submit(WriteJob job, WriteGrouping grouping = WriteGrouping::kShared) {
    return crm::testing::SubmitForResult(*db_, std::move(job), grouping);
  }

  std::unique_ptr<crm::testing::PostgresSchema> schema_;
  std::unique_ptr<PostgresDatabase> db_;
};

TEST_F(PostgresDatabaseTest, ReadsSeeCommittedWritesWithTypedValues) {
  ASSERT_THAT(db_->WriteAndWait([](Connection& conn) { return Insert(conn, 1, "one"); }), IsOk());
  auto conn = db_->ReadConnection();
  ASSERT_THAT(conn, IsOk());
  std::string name;
  bool is_null = false;
  bool found = false;
  // A parameter PostgreSQL cannot type from its context (`? IS NULL`) still works.
  ASSERT_THAT((*conn)->Query("SELECT name, ? IS NULL, ? * 2.0 FROM item WHERE id = ?",
                             std::array<SqlValue, 3>{nullptr, 2.5, std::int64_t{1}},
                             [&](const Row& row) {
                               name = row.Text(0);
                               is_null = row.Int(1) == 1;
                               EXPECT_DOUBLE_EQ(row.Double(2), 5.0);
                               found = true;
                               return true;
                             }),
              IsOk());
  EXPECT_TRUE(found);
  EXPECT_EQ(name, "one");
  EXPECT_TRUE(is_null);
}

TEST_F(PostgresDatabaseTest, AFailingJobRollsBackAloneInItsGroup) {
  crm::testing::WriterHold hold(*db_);
  std::vector<std::future<Status>> results;
  for (int i = 0; i < 3; ++i) {
    results.push_back(Submit([i](Connection& conn) -> Status {
      CRM_RETURN_IF_ERROR(Insert(conn, 10 + i, "x"));
      if (i == 1) return Insert(conn, 10, "a duplicate key fails the statement");
      return {};
    }));
  }
  const Status held = hold.Release();
  EXPECT_THAT(held, IsOk());
  EXPECT_THAT(results[0].get(), IsOk());
  EXPECT_THAT(results[1].get(), StatusIs(StatusCode::kConflict));
  EXPECT_THAT(results[2].get(), IsOk());
  EXPECT_EQ(Count(), 2);
}

TEST_F(PostgresDatabaseTest, AJobThatEndsItsSavepointRollsBackTheWholeGroup) {
  crm::testing::WriterHold hold(*db_);
  std::future<Status> before = Submit([](Connection& conn) { return Insert(conn, 20, "before"); });
  std::future<Status> breaking = Submit([](Connection& conn) -> Status {
    CRM_RETURN_IF_ERROR(Insert(conn, 21, "breaking"));
    CRM_RETURN_IF_ERROR(conn.ExecuteScript("RELEASE job"));
    return Status::InvalidArgument("the breaking job fails");
  });
  std::future<Status> after = Submit([](Connection& conn) { return Insert(conn, 22, "after"); });
  const Status held = hold.Release();

  EXPECT_THAT(held, IsOk());
  EXPECT_THAT(before.get(), StatusIs(StatusCode::kUnavailable));
  EXPECT_THAT(breaking.get(), StatusIs(StatusCode::kInvalidArgument, "the breaking job fails"));
  EXPECT_THAT(after.get(), StatusIs(StatusCode::kUnavailable));
  EXPECT_EQ(Count(), 0);
  EXPECT_THAT(db_->WriteAndWait([](Connection& conn) { return Insert(conn, 23, "next"); }), IsOk());
  EXPECT_EQ(Count(), 1);
}

TEST_F(PostgresDatabaseTest, AJobSubmittedAloneGetsATransactionOfItsOwn) {
  std::atomic<int> commits{0};
  db_->SetCommitObserver([&commits] { ++commits; });
  crm::testing::WriterHold hold(*db_);
  std::future<Status> before = Submit([](Connection& conn) { return Insert(conn, 30, "before"); });
  std::future<Status> alone = Submit(
      [](Connection& conn) -> Status {
        CRM_RETURN_IF_ERROR(Insert(conn, 31, "rolled back"));
        return Status::InvalidArgument("the lone job fails after writing");
      },
      WriteGrouping::kAlone);
  std::future<Status> after = Submit([](Connection& conn) { return Insert(conn, 32, "after"); });
  std::future<Status> last = Submit([](Connection& conn) { return Insert(conn, 33, "last"); });
  const Status held = hold.Release();

  EXPECT_THAT(held, IsOk());
  EXPECT_THAT(before.get(), IsOk());
  EXPECT_THAT(alone.get(),
              StatusIs(StatusCode::kInvalidArgument, "the lone job fails after writing"));
  EXPECT_THAT(after.get(), IsOk());
  EXPECT_THAT(last.get(), IsOk());
  EXPECT_EQ(Count(), 3);
  // The blocker's, the one before the lone job, and the two after it together; the lone job's
  // transaction was rolled back.
  EXPECT_EQ(commits.load(), 3);
}

TEST_F(PostgresDatabaseTest, AJobThatIgnoresAFailedStatementFailsItsGroup) {
  // PostgreSQL aborts the transaction at a failed statement; committing it would roll it back, so
  // the job cannot be acknowledged.
  ASSERT_THAT(db_->WriteAndWait([](Connection& conn) { return Insert(conn, 1, "a"); }), IsOk());
  EXPECT_THAT(db_->WriteAndWait([](Connection& conn) -> Status {
    (void)Insert(conn, 1, "duplicate, ignored");
    return {};
  }),
              StatusIs(StatusCode::kInternal));
  EXPECT_EQ(Count(), 1);
}

TEST_F(PostgresDatabaseTest, ASerializationFailureRunsTheGroupAgain) {
  std::atomic<int> runs{0};
  crm::testing::WriterHold hold(*db_);
  std::future<Status> other = Submit([](Connection& conn) { return Insert(conn, 1, "other"); });
  std::future<Status> failing = Submit([&runs](Connection& conn) -> Status {
    CRM_RETURN_IF_ERROR(Insert(conn, 2, "retried"));
    if (runs.fetch_add(1) == 0) {
      // What a concurrent writer in another process causes under SERIALIZABLE.
      return conn.ExecuteScript(
          "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$");
    }
    return {};
  });
  const Status held = hold.Release();
  EXPECT_THAT(held, IsOk());
  EXPECT_THAT(other.get(), IsOk());
  EXPECT_THAT(failing.get(), IsOk());
  EXPECT_EQ(runs.load(), 2);
  EXPECT_EQ(Count(), 2);  // each write once: the first attempt was rolled back whole
}

TEST_F(PostgresDatabaseTest, AGroupThatKeepsFailingToSerializeGivesUp) {
  std::atomic<int> runs{0};
  EXPECT_THAT(db_->WriteAndWait([&runs](Connection& conn) -> Status {
    ++runs;
    return conn.ExecuteScript(
        "DO $$ BEGIN RAISE EXCEPTION 'deadlock' USING ERRCODE = '40P01'; END $$");
  }),
              StatusIs(StatusCode::kUnavailable));
  EXPECT_EQ(runs.load(), PostgresOptions().max_attempts);
}

TEST_F(PostgresDatabaseTest, ConcurrentWritersAreAllCommittedAndObserved) {
  std::atomic<int> commits{0};
  db_->SetCommitObserver([&commits] { ++commits; });
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100;
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
  EXPECT_GE(commits.load(), 1);
  EXPECT_LE(commits.load(), kThreads * kPerThread);
  db_->Shutdown();
  db_->SetCommitObserver(nullptr);
}

TEST_F(PostgresDatabaseTest, AcknowledgedWritesSurviveReopening) {
  ASSERT_THAT(db_->WriteAndWait([](Connection& conn) { return Insert(conn, 7, "seven"); }), IsOk());
  db_.reset();
  Open();
  EXPECT_EQ(Count(), 1);
}

TEST_F(PostgresDatabaseTest, ShutdownRefusesNewWrites) {
  db_->Shutdown();
  EXPECT_THAT(db_->WriteAndWait([](Connection& conn) { return Insert(conn, 1, "late"); }),
              StatusIs(StatusCode::kUnavailable));
}

TEST_F(PostgresDatabaseTest, NestedQueryWithTheSameStatementWorks) {
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

// Cancelled from its first question on.
class AlwaysCancelled final : public CancellationSource {
 public:
  bool Cancelled() override { return true; }
};

TEST_F(PostgresDatabaseTest, AReadStopsWhenItsWorkIsCancelledAndTheConnectionStaysUsable) {
  auto conn = db_->ReadConnection();
  ASSERT_THAT(conn, IsOk());
  {
    AlwaysCancelled cancelled;
    const CancellationScope scope(cancelled);
    // Half a minute unless the server is asked to stop it.
    EXPECT_THAT((*conn)->Query("SELECT pg_sleep(30)", {}, [](const Row&) { return true; }),
                StatusIs(StatusCode::kCancelled));
  }
  std::int64_t one = 0;
  EXPECT_THAT((*conn)->Query("SELECT 1", {},
                             [&](const Row& row) {
                               one = row.Int(0);
                               return false;
                             }),
              IsOk());
  EXPECT_EQ(one, 1);
}

TEST_F(PostgresDatabaseTest, MigrationIsRepeatableAndReplacesAnIndexWhoseDefinitionChanged) {
  auto metadata = metadata::Metadata::LoadDefault("");
  ASSERT_THAT(metadata, IsOk());
  const auto migrate = [&] {
    return db_->WriteAndWait([&](Connection& conn) { return MigrateSchema(conn, **metadata); });
  };
  ASSERT_THAT(migrate(), IsOk());
  ASSERT_THAT(migrate(), IsOk());
  const auto definition = [&] {
    std::string text;
    const std::array<SqlValue, 1> name = {std::string("idx_contact_account_id")};
    EXPECT_THAT((*db_->ReadConnection())
                    ->Query("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                            "AND indexname = ?",
                            name,
                            [&](const Row& row) {
                              text = row.Text(0);
                              return false;
                            }),
                IsOk());
    return text;
  };
  const std::string wanted = definition();
  EXPECT_THAT(wanted, ::testing::HasSubstr("account_id"));
  // An older crmd's index of the same name over other columns.
  ASSERT_THAT(db_->WriteAndWait([](Connection& conn) {
    return conn.ExecuteScript(
        "DROP INDEX idx_contact_account_id; CREATE INDEX idx_contact_account_id ON contact "
        "(last_name)");
  }),
              IsOk());
  ASSERT_NE(definition(), wanted);
  ASSERT_THAT(migrate(), IsOk());
  EXPECT_EQ(definition(), wanted);
}

}  // namespace
}  // namespace crm::store
