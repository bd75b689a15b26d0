// What several processes on one PostgreSQL database share: the rate limiter's counters and the
// change notifications. Two PostgresDatabase instances stand for two processes (each has its own
// connections, as two crmd processes would).
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "crm/ratelimit/memory_rate_limiter.hpp"
#include "crm/store/postgres/change_listener.hpp"
#include "crm/store/postgres/postgres_database.hpp"
#include "crm/store/postgres/postgres_rate_limiter.hpp"

#include "testing/postgres_schema.hpp"
#include "testing/status_matchers.hpp"

namespace crm::store {
namespace {

using ::crm::testing::IsOk;
using std::chrono::seconds;

class PostgresSharedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (crm::testing::PostgresTestUrl().empty()) {
      GTEST_SKIP() << "CRMD_TEST_POSTGRES_URL is not set (make test sets it)";
    }
    schema_ = std::make_unique<crm::testing::PostgresSchema>(crm::testing::PostgresTestUrl());
    for (auto& db : dbs_) {
      auto opened = PostgresDatabase::Open({.url = schema_->url()});
      ASSERT_THAT(opened, IsOk());
      db = std::move(opened).value();
    }
  }

  std::unique_ptr<crm::testing::PostgresSchema> schema_;
  std::array<std::unique_ptr<PostgresDatabase>, 2> dbs_;
  FakeClock clock_{TimePoint(std::chrono::hours(500'000))};
};

TEST_F(PostgresSharedTest, RateLimitIsOneBudgetForTwoProcesses) {
  ASSERT_THAT(PostgresRateLimiter::Install(*dbs_[0]), IsOk());
  ASSERT_THAT(PostgresRateLimiter::Install(*dbs_[1]), IsOk());  // idempotent
  PostgresRateLimiter first(*dbs_[0], clock_);
  PostgresRateLimiter second(*dbs_[1], clock_);
  const ratelimit::Budget budget[] = {{"default", {10, std::chrono::minutes(1)}}};
  int allowed = 0;
  for (int i = 0; i < 16; ++i) {
    ratelimit::RateLimiter& limiter = i % 2 == 0 ? static_cast<ratelimit::RateLimiter&>(first)
                                                 : static_cast<ratelimit::RateLimiter&>(second);
    const ratelimit::Decision decision = limiter.Acquire("user-1", budget);
    if (decision.allowed) ++allowed;
    if (i == 0) {
      EXPECT_EQ(decision.states[0].remaining, 9);
    }
  }
  EXPECT_EQ(allowed, 10);
  const ratelimit::Decision refused = second.Peek("user-1", budget);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.states[0].remaining, 0);
  EXPECT_GE(refused.retry_after, seconds(59));
  EXPECT_LE(refused.retry_after, seconds(60));
  EXPECT_TRUE(first.Acquire("user-2", budget).allowed) << "keys count apart";
  // Once the window has moved past the counted requests, both have room again.
  clock_.Advance(std::chrono::minutes(1) + seconds(1));
  EXPECT_TRUE(second.Acquire("user-1", budget).allowed);
  EXPECT_EQ(first.Peek("user-1", budget).states[0].remaining, 9);
}

TEST_F(PostgresSharedTest, ConcurrentRequestsOfTwoProcessesNeverExceedTheBudget) {
  ASSERT_THAT(PostgresRateLimiter::Install(*dbs_[0]), IsOk());
  PostgresRateLimiter first(*dbs_[0], clock_);
  PostgresRateLimiter second(*dbs_[1], clock_);
  const ratelimit::Budget budgets[] = {{"default", {50, std::chrono::hours(1)}},
                                       {"search", {40, std::chrono::hours(1)}}};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      ratelimit::RateLimiter& limiter = t % 2 == 0 ? static_cast<ratelimit::RateLimiter&>(first)
                                                   : static_cast<ratelimit::RateLimiter&>(second);
      for (int i = 0; i < 20; ++i) {
        if (limiter.Acquire("busy", budgets).allowed) ++allowed;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  // The smaller budget decides; a refused request counted in neither.
  EXPECT_EQ(allowed.load(), 40);
  const ratelimit::Decision after = first.Peek("busy", budgets);
  EXPECT_EQ(after.states[0].remaining, 10);
  EXPECT_EQ(after.states[1].remaining, 0);
}

// Not a pass/fail check: the cost per request of the shared counters against the in-process
// ones, printed for docs/performance.md.
TEST_F(PostgresSharedTest, MeasuresTheCostPerRequest) {
  ASSERT_THAT(PostgresRateLimiter::Install(*dbs_[0]), IsOk());
  PostgresRateLimiter shared(*dbs_[0], SystemClock::Instance());
  ratelimit::MemoryRateLimiter memory(SystemClock::Instance());
  const ratelimit::Budget budget[] = {{"default", {1'000'000, std::chrono::hours(1)}}};
  const auto per_request = [&](ratelimit::RateLimiter& limiter, int n) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) EXPECT_TRUE(limiter.Acquire("bench", budget).allowed);
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start) / n;
  };
  per_request(shared, 50);  // prepared statement, warm caches
  const double shared_us = per_request(shared, 2000).count();
  const double memory_us = per_request(memory, 200000).count();
  std::cout << "rate limiter Acquire: PostgreSQL " << shared_us << " us, memory " << memory_us
            << " us per request\n";
  RecordProperty("postgres_us", std::to_string(shared_us));
  RecordProperty("memory_us", std::to_string(memory_us));
}

// Waits for notifications with a deadline; counts them per channel.
class Notes {
 public:
  void Add(std::string_view channel) {
    std::lock_guard lock(mu_);
    ++counts_[std::string(channel)];
    cv_.notify_all();
  }
  // True when `channel` has been seen `count` times within 5 s.
  bool WaitFor(const std::string& channel, int count) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, seconds(5), [&] { return counts_[channel] >= count; });
  }
  int Count(const std::string& channel) {
    std::lock_guard lock(mu_);
    return counts_[channel];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, int> counts_;
};

TEST_F(PostgresSharedTest, ListenerHearsOtherProcessesCommitsOfItsTables) {
  ASSERT_THAT(dbs_[1]->WriteAndWait([](Connection& conn) {
    return conn.ExecuteScript(
        "CREATE TABLE a (id BIGINT PRIMARY KEY); CREATE TABLE b (id BIGINT PRIMARY KEY)");
  }),
              IsOk());
  Notes notes;
  auto listener = PostgresChangeListener::Start(
      schema_->url(), {{"crmd_test_a", {"a"}}, {"crmd_test_b", {"b"}}},
      [&notes](std::string_view channel) { notes.Add(channel); });
  ASSERT_THAT(listener, IsOk());
  const auto write = [&](const std::string& sql) {
    ASSERT_THAT(dbs_[1]->WriteAndWait([&](Connection& conn) { return conn.ExecuteScript(sql); }),
                IsOk());
  };
  write("INSERT INTO a VALUES (1)");
  ASSERT_TRUE(notes.WaitFor("crmd_test_a", 1));
  // Notifications arrive in commit order: once b's is here, a statement that changed no row of a
  // (committed before it) would have been heard.
  write("UPDATE a SET id = 2 WHERE id = 100");
  write("DELETE FROM b");
  write("INSERT INTO b VALUES (1)");
  ASSERT_TRUE(notes.WaitFor("crmd_test_b", 1));
  EXPECT_EQ(notes.Count("crmd_test_a"), 1);
  EXPECT_EQ(notes.Count("crmd_test_b"), 1);
  // A rolled-back write is not heard.
  EXPECT_FALSE(dbs_[1]
                   ->WriteAndWait([](Connection& conn) -> Status {
                     CRM_RETURN_IF_ERROR(conn.ExecuteScript("DELETE FROM a"));
                     return Status::Internal("roll back");
                   })
                   .ok());
  write("UPDATE b SET id = 3");
  ASSERT_TRUE(notes.WaitFor("crmd_test_b", 2));
  EXPECT_EQ(notes.Count("crmd_test_a"), 1);
}

}  // namespace
}  // namespace crm::store
