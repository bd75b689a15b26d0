#include "crm/ratelimit/memory_rate_limiter.hpp"

#include <algorithm>

namespace crm::ratelimit {
namespace {

std::int64_t NanosSinceEpoch(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::chrono::seconds CeilSeconds(std::chrono::nanoseconds d) {
  return std::chrono::ceil<std::chrono::seconds>(std::max(d, std::chrono::nanoseconds(0)));
}

}  // namespace

SlidingWindow::SlidingWindow(const Quota& quota, TimePoint now) { SetQuota(quota, now); }

void SlidingWindow::SetQuota(const Quota& quota, TimePoint now) {
  if (quota.window == quota_.window && total_ != 0) {
    quota_ = quota;
    return;
  }
  quota_ = quota;
  slot_ns_ = std::max<std::int64_t>(
      1, std::chrono::duration_cast<std::chrono::nanoseconds>(quota.window).count() / kSlots);
  counts_.fill(0);
  total_ = 0;
  head_ = SlotOf(now);
}

std::int64_t SlidingWindow::SlotOf(TimePoint now) const { return NanosSinceEpoch(now) / slot_ns_; }

void SlidingWindow::Advance(TimePoint now) {
  const std::int64_t slot = SlotOf(now);
  if (slot <= head_) return;
  if (slot - head_ >= kSlots) {
    counts_.fill(0);
    total_ = 0;
  } else {
    for (std::int64_t s = head_ + 1; s <= slot; ++s) {
      total_ -= counts_[Index(s)];
      counts_[Index(s)] = 0;
    }
  }
  head_ = slot;
}

std::chrono::nanoseconds SlidingWindow::SlotEnd(std::int64_t slot, TimePoint now) const {
  // Slot `slot` leaves the window when slot `slot + kSlots` begins.
  return std::chrono::nanoseconds((slot + kSlots) * slot_ns_ - NanosSinceEpoch(now));
}

template <typename Done>
std::int64_t SlidingWindow::OldestSlotWhere(Done done) const {
  // From the oldest slot to the newest, without a division per slot.
  std::size_t index = Index(head_ + 1);
  for (std::int64_t slot = head_ - kSlots + 1; slot <= head_; ++slot) {
    if (done(counts_[index])) return slot;
    if (++index == kSlots) index = 0;
  }
  return head_;
}

std::chrono::nanoseconds SlidingWindow::UntilOldestLeaves(TimePoint now) const {
  if (total_ == 0) return std::chrono::nanoseconds(0);
  return SlotEnd(OldestSlotWhere([](std::uint32_t count) { return count != 0; }), now);
}

std::chrono::nanoseconds SlidingWindow::UntilRoom(TimePoint now) const {
  if (HasRoom()) return std::chrono::nanoseconds(0);
  std::int64_t to_free = total_ - quota_.limit + 1;
  // When the limit was lowered below what the newest slot alone holds, room comes back only with
  // the whole window: OldestSlotWhere then ends at the newest slot.
  return SlotEnd(OldestSlotWhere([&to_free](std::uint32_t count) {
                   to_free -= count;
                   return to_free <= 0;
                 }),
                 now);
}

MemoryRateLimiter::MemoryRateLimiter(const Clock& clock, std::size_t max_keys)
    : clock_(clock), max_per_shard_(std::max<std::size_t>(1, max_keys / kShards)) {}

Decision MemoryRateLimiter::Acquire(std::string_view key, std::span<const Budget> budgets) {
  return Decide(key, budgets, true);
}

Decision MemoryRateLimiter::Peek(std::string_view key, std::span<const Budget> budgets) {
  return Decide(key, budgets, false);
}

std::size_t MemoryRateLimiter::size() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    MutexLock lock(shard.mu);
    total += shard.entries.size();
  }
  return total;
}

Decision MemoryRateLimiter::Decide(std::string_view key, std::span<const Budget> budgets,
                                   bool count) {
  Decision decision;
  const std::size_t n = std::min(budgets.size(), kMaxBudgets);
  if (n == 0) {
    decision.now = clock_.Now();
    return decision;
  }
  const TimePoint now = clock_.Now();
  decision.now = now;
  Shard& shard = shards_[Hash()(key) % kShards];
  MutexLock lock(shard.mu);
  auto it = shard.entries.find(key);
  if (it == shard.entries.end()) {
    if (!count) {
      // Nothing counted yet: every budget is full.
      for (std::size_t i = 0; i < n; ++i) decision.states[i].remaining = budgets[i].quota.limit;
      return decision;
    }
    if (shard.entries.size() >= max_per_shard_) MakeRoom(shard, now);
    it = shard.entries.emplace(std::string(key), Entry{}).first;
  }
  Entry& entry = it->second;
  // Indices, not pointers: adding a policy's window may move the others.
  std::array<std::size_t, kMaxBudgets> windows{};
  for (std::size_t i = 0; i < n; ++i) {
    const Budget& budget = budgets[i];
    auto found = std::find_if(entry.windows.begin(), entry.windows.end(),
                              [&](const PolicyWindow& w) { return w.policy == budget.policy; });
    if (found == entry.windows.end()) {
      entry.windows.push_back(PolicyWindow{std::string(budget.policy), {budget.quota, now}});
      found = entry.windows.end() - 1;
    } else if (!(found->window.quota() == budget.quota)) {
      found->window.SetQuota(budget.quota, now);
    }
    entry.longest = std::max(entry.longest, budget.quota.window);
    found->window.Advance(now);
    decision.allowed = decision.allowed && found->window.HasRoom();
    windows[i] = static_cast<std::size_t>(found - entry.windows.begin());
  }
  if (count) entry.last_used = now;
  std::chrono::nanoseconds retry(0);
  for (std::size_t i = 0; i < n; ++i) {
    SlidingWindow& window = entry.windows[windows[i]].window;
    if (decision.allowed && count) window.Count();
    retry = std::max(retry, window.UntilRoom(now));
    decision.states[i].remaining = window.remaining();
    decision.states[i].reset_in = CeilSeconds(window.UntilOldestLeaves(now));
  }
  if (!decision.allowed) {
    decision.retry_after = std::max(std::chrono::seconds(1), CeilSeconds(retry));
  }
  return decision;
}

void MemoryRateLimiter::MakeRoom(Shard& shard, TimePoint now) {
  // Idle keys first: their windows have moved past every request they counted.
  std::erase_if(shard.entries, [now](const auto& item) {
    return now - item.second.last_used >= item.second.longest;
  });
  // Then, if too little went, the least recently used eighth: amortised over the inserts that
  // follow, so a flood of new keys costs O(1) per request.
  const std::size_t target = max_per_shard_ - std::max<std::size_t>(1, max_per_shard_ / 8);
  if (shard.entries.size() <= target) return;
  std::vector<TimePoint> used;
  used.reserve(shard.entries.size());
  for (const auto& [key, entry] : shard.entries) used.push_back(entry.last_used);
  const std::size_t drop = shard.entries.size() - target;
  std::nth_element(used.begin(), used.begin() + static_cast<std::ptrdiff_t>(drop - 1), used.end());
  const TimePoint cutoff = used[drop - 1];
  std::size_t dropped = 0;
  std::erase_if(shard.entries, [&](const auto& item) {
    if (dropped >= drop || item.second.last_used > cutoff) return false;
    ++dropped;
    return true;
  });
}

}  // namespace crm::ratelimit
