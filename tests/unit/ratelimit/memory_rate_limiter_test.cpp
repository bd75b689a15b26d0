#include "crm/ratelimit/memory_rate_limiter.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace crm::ratelimit {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

class MemoryRateLimiterTest : public ::testing::Test {
 protected:
  // One budget `policy` of `quota` for `key`.
  Decision Acquire(std::string_view key, const Quota& quota, std::string_view policy = "default") {
    const Budget budget{policy, quota};
    return limiter_.Acquire(key, std::span<const Budget>(&budget, 1));
  }
  // Acquires until refused; returns how many were allowed.
  int Drain(std::string_view key, const Quota& quota, int at_most = 100000) {
    int allowed = 0;
    while (allowed < at_most && Acquire(key, quota).allowed) ++allowed;
    return allowed;
  }

  // An hour boundary: a fixed window would reset here.
  FakeClock clock_{*ParseDateTime("2026-01-01 00:00:00")};
  MemoryRateLimiter limiter_{clock_};
};

TEST_F(MemoryRateLimiterTest, AllowsTheLimitThenRefuses) {
  const Quota quota{3, hours(1)};
  for (int i = 2; i >= 0; --i) {
    const Decision d = Acquire("k", quota);
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.states[0].remaining, i);
    EXPECT_EQ(d.states[0].reset_in, hours(1));
  }
  const Decision refused = Acquire("k", quota);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.states[0].remaining, 0);
  EXPECT_EQ(refused.retry_after, hours(1));
  EXPECT_EQ(refused.now, clock_.Now());
}

TEST_F(MemoryRateLimiterTest, TheWindowSlides) {
  const Quota quota{10, hours(1)};
  EXPECT_EQ(Drain("k", quota, 5), 5);
  clock_.Advance(minutes(30));
  EXPECT_EQ(Drain("k", quota), 5);
  // The first five leave the window an hour after they were counted, not at a fixed boundary.
  clock_.Advance(minutes(29));
  EXPECT_FALSE(Acquire("k", quota).allowed);
  clock_.Advance(minutes(1));
  EXPECT_EQ(Drain("k", quota), 5);
  clock_.Advance(minutes(29));
  EXPECT_FALSE(Acquire("k", quota).allowed);
  clock_.Advance(minutes(1));
  EXPECT_EQ(Drain("k", quota), 5);
}

TEST_F(MemoryRateLimiterTest, NoBurstAtTheBoundary) {
  const Quota quota{100, hours(1)};
  // The whole quota in the last second before the hour...
  clock_.Advance(minutes(59) + seconds(59));
  EXPECT_EQ(Drain("k", quota), 100);
  // ...leaves nothing for the first second after it, nor for the 59 minutes that follow.
  clock_.Advance(seconds(2));
  EXPECT_FALSE(Acquire("k", quota).allowed);
  clock_.Advance(minutes(58));
  EXPECT_FALSE(Acquire("k", quota).allowed);
  clock_.Advance(minutes(1));
  EXPECT_EQ(Drain("k", quota), 100);
}

TEST_F(MemoryRateLimiterTest, NoStretchOfTheWindowHoldsMoreThanTheLimit) {
  // Requests spread unevenly over four hours, one every 7 seconds, each minute's count checked
  // against every window ending at that minute.
  const Quota quota{50, hours(1)};
  std::vector<int> allowed_per_minute(4 * 60, 0);
  for (int t = 0; t < 4 * 3600; t += 7) {
    if (Acquire("k", quota).allowed) ++allowed_per_minute[static_cast<std::size_t>(t / 60)];
    clock_.Advance(seconds(7));
  }
  int total = 0;
  for (std::size_t m = 0; m < allowed_per_minute.size(); ++m) {
    int in_window = 0;
    for (std::size_t k = m >= 59 ? m - 59 : 0; k <= m; ++k) in_window += allowed_per_minute[k];
    EXPECT_LE(in_window, 50) << "the 60 minutes ending at minute " << m;
    total += allowed_per_minute[m];
  }
  // And it is not stricter than it says: about 50 an hour went through.
  EXPECT_GE(total, 4 * 50 - 50);
}

TEST_F(MemoryRateLimiterTest, RetryAfterIsWhenRoomComesBack) {
  const Quota quota{2, minutes(1)};
  EXPECT_TRUE(Acquire("k", quota).allowed);
  clock_.Advance(seconds(20));
  EXPECT_TRUE(Acquire("k", quota).allowed);
  const Decision refused = Acquire("k", quota);
  ASSERT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, seconds(40));
  EXPECT_EQ(refused.states[0].reset_in, seconds(40));
  clock_.Advance(seconds(39));
  EXPECT_FALSE(Acquire("k", quota).allowed);
  clock_.Advance(seconds(1));
  const Decision again = Acquire("k", quota);
  EXPECT_TRUE(again.allowed);
  EXPECT_EQ(again.states[0].remaining, 0);
  // The next to leave is the one counted at 20 s.
  EXPECT_EQ(again.states[0].reset_in, seconds(20));
}

TEST_F(MemoryRateLimiterTest, RefusedRequestsAreNotCounted) {
  const Quota quota{1, minutes(1)};
  EXPECT_TRUE(Acquire("k", quota).allowed);
  for (int i = 0; i < 50; ++i) {
    clock_.Advance(seconds(1));
    EXPECT_FALSE(Acquire("k", quota).allowed);
  }
  clock_.Advance(seconds(10));
  EXPECT_TRUE(Acquire("k", quota).allowed);
}

TEST_F(MemoryRateLimiterTest, SeveralBudgetsCountTogetherOrNotAtAll) {
  const std::array<Budget, 2> budgets = {Budget{"search", {2, hours(1)}},
                                         Budget{"default", {3, hours(1)}}};
  const std::array<Budget, 1> plain = {Budget{"default", {3, hours(1)}}};
  // The first request of a key creates both windows and counts in both.
  Decision d = limiter_.Acquire("k", budgets);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.states[0].remaining, 1);
  EXPECT_EQ(d.states[1].remaining, 2);
  d = limiter_.Acquire("k", budgets);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.states[0].remaining, 0);
  EXPECT_EQ(d.states[1].remaining, 1);
  // The search budget refuses: the default one is not charged for it.
  d = limiter_.Acquire("k", budgets);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.states[1].remaining, 1);
  EXPECT_TRUE(limiter_.Acquire("k", plain).allowed);
  EXPECT_FALSE(limiter_.Acquire("k", plain).allowed);
}

TEST_F(MemoryRateLimiterTest, KeysAndPoliciesAreSeparate) {
  const Quota quota{2, hours(1)};
  EXPECT_EQ(Drain("a", quota), 2);
  EXPECT_EQ(Drain("b", quota), 2);
  EXPECT_EQ(Drain("a", quota), 0);
  EXPECT_TRUE(Acquire("a", quota, "bulk").allowed);
}

TEST_F(MemoryRateLimiterTest, PeekCountsNothing) {
  const Quota quota{2, minutes(1)};
  const Budget budget{"default", quota};
  const std::span<const Budget> one(&budget, 1);
  for (int i = 0; i < 5; ++i) {
    const Decision d = limiter_.Peek("k", one);
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.states[0].remaining, 2);
  }
  EXPECT_EQ(Drain("k", quota), 2);
  const Decision full = limiter_.Peek("k", one);
  EXPECT_FALSE(full.allowed);
  EXPECT_EQ(full.retry_after, minutes(1));
}

TEST_F(MemoryRateLimiterTest, ANewLimitKeepsTheCount) {
  EXPECT_EQ(Drain("k", {5, hours(1)}), 5);
  EXPECT_EQ(Drain("k", {8, hours(1)}), 3);
  EXPECT_FALSE(Acquire("k", {4, hours(1)}).allowed);
}

TEST_F(MemoryRateLimiterTest, MemoryStaysBoundedAndTheActiveKeepTheirCounts) {
  MemoryRateLimiter limiter(clock_, 64 * 16);
  const Budget budget{"default", {3, hours(1)}};
  const std::span<const Budget> one(&budget, 1);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Acquire("hot", one).allowed);
  for (int i = 0; i < 20000; ++i) {
    clock_.Advance(std::chrono::milliseconds(1));
    limiter.Acquire("key" + std::to_string(i), one);
    // A client that keeps sending is never the least recently used.
    if (i % 50 == 0) {
      EXPECT_FALSE(limiter.Acquire("hot", one).allowed) << i;
    }
  }
  EXPECT_LE(limiter.size(), 64U * 16);
  // Keys idle for longer than their window hold nothing and go first.
  clock_.Advance(hours(1));
  for (int i = 0; i < 64 * 16; ++i) limiter.Acquire("fresh" + std::to_string(i), one);
  EXPECT_LE(limiter.size(), 64U * 16);
}

TEST_F(MemoryRateLimiterTest, ConcurrentRequestsNeverExceedTheLimit) {
  const Budget budget{"default", {5000, hours(1)}};
  const std::span<const Budget> one(&budget, 1);
  std::atomic<int> allowed{0};
  std::atomic<int> other_allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const std::string own = "own" + std::to_string(t);
      for (int i = 0; i < 1000; ++i) {
        if (limiter_.Acquire("shared", one).allowed) allowed.fetch_add(1);
        if (limiter_.Acquire(own, one).allowed) other_allowed.fetch_add(1);
        // Readers and the clock move meanwhile, as on a server.
        limiter_.Peek("shared", one);
        if (t == 0) clock_.Advance(std::chrono::microseconds(1));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 5000);
  EXPECT_EQ(other_allowed.load(), 8000);
}

}  // namespace
}  // namespace crm::ratelimit
