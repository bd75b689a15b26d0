// MemoryRateLimiter: the in-process RateLimiter. Each (key, policy) keeps a sliding window of the
// quota's length divided into 60 slots (one minute each for an hourly quota); a request is allowed
// while the requests counted in the last 60 slots stay below the limit, and a slot's count leaves
// the window whole once the window has moved past it.
//
// Why a sliding window: with a fixed hour, a client may send the whole quota at 00:59 and again at
// 01:00, twice the limit within a minute. A token bucket of the same size refills continuously and
// lets an idle client send the full burst and then the refill, close to twice the limit in an
// hour. Here no stretch of time one slot shorter than the window ever holds more than the limit,
// which is what "1000 requests per hour" promises; the price is 60 counters per key and policy
// (240 bytes) instead of one timestamp.
//
// Memory is bounded: at most `max_keys` keys are kept. When a shard is full, keys idle for longer
// than their longest window (which hold no count any more) are dropped first; if that frees too
// little, the least recently used are, which can only forgive a client some of its count.
//
// Thread-safety: Acquire and Peek may be called concurrently. Keys are spread over 64 shards, each
// with its own mutex held for a few hundred nanoseconds, so HTTP threads rarely meet.
#ifndef CRM_RATELIMIT_MEMORY_RATE_LIMITER_HPP_
#define CRM_RATELIMIT_MEMORY_RATE_LIMITER_HPP_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "crm/common/thread_annotations.hpp"
#include "crm/common/time.hpp"
#include "crm/ratelimit/rate_limiter.hpp"

namespace crm::ratelimit {

// The counts of one key under one quota. Exposed for its unit tests.
class SlidingWindow {
 public:
  static constexpr int kSlots = 60;

  SlidingWindow(const Quota& quota, TimePoint now);

  const Quota& quota() const { return quota_; }
  // A new limit keeps the counts; a new window length starts afresh (the slots change size).
  void SetQuota(const Quota& quota, TimePoint now);

  // Moves the window to `now` (a clock that went back leaves it where it is).
  void Advance(TimePoint now);
  bool HasRoom() const { return total_ < quota_.limit; }
  void Count() {
    ++counts_[Index(head_)];
    ++total_;
  }
  std::int64_t remaining() const { return total_ >= quota_.limit ? 0 : quota_.limit - total_; }
  bool empty() const { return total_ == 0; }
  // Time from `now` until the oldest counted request leaves the window (zero when none is).
  std::chrono::nanoseconds UntilOldestLeaves(TimePoint now) const;
  // Time from `now` until enough counted requests have left for one more to fit.
  std::chrono::nanoseconds UntilRoom(TimePoint now) const;

 private:
  static std::size_t Index(std::int64_t slot) {
    return static_cast<std::size_t>(((slot % kSlots) + kSlots) % kSlots);
  }
  std::int64_t SlotOf(TimePoint now) const;
  // The oldest slot (from the window's start) for whose count `done` says true, or the newest.
  template <typename Done>
  std::int64_t OldestSlotWhere(Done done) const;
  std::chrono::nanoseconds SlotEnd(std::int64_t slot, TimePoint now) const;

  Quota quota_;
  std::int64_t slot_ns_ = 1;
  std::int64_t head_ = 0;  // absolute number of the newest slot
  std::int64_t total_ = 0;
  std::array<std::uint32_t, kSlots> counts_{};
};

class MemoryRateLimiter final : public RateLimiter {
 public:
  static constexpr std::size_t kDefaultMaxKeys = 100'000;

  explicit MemoryRateLimiter(const Clock& clock, std::size_t max_keys = kDefaultMaxKeys);

  Decision Acquire(std::string_view key, std::span<const Budget> budgets) override;
  Decision Peek(std::string_view key, std::span<const Budget> budgets) override;

  // Keys held now (for tests of the memory bound).
  std::size_t size() const;

 private:
  struct PolicyWindow {
    std::string policy;
    SlidingWindow window;
  };
  struct Entry {
    std::vector<PolicyWindow> windows;
    TimePoint last_used;
    std::chrono::seconds longest{0};
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  struct Shard {
    mutable Mutex mu;
    std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries CRM_GUARDED_BY(mu);
  };
  static constexpr std::size_t kShards = 64;

  Decision Decide(std::string_view key, std::span<const Budget> budgets, bool count);
  void MakeRoom(Shard& shard, TimePoint now) CRM_REQUIRES(shard.mu);

  const Clock& clock_;
  const std::size_t max_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace crm::ratelimit

#endif  // CRM_RATELIMIT_MEMORY_RATE_LIMITER_HPP_
