// RateLimiter: counts requests per key (a user, a client address) against one or more budgets and
// says whether one more is allowed. The API's rate-limit step and the failed-authentication guard
// use it through this interface, so that a store shared by several servers (PostgreSQL, Redis) can
// back it later without touching them; MemoryRateLimiter (memory_rate_limiter.hpp) is the
// in-process implementation.
//
// A request drawn from several budgets (a search counts against "search" and "default") is
// allowed only when every budget has room, and then counts against all of them at once; a refused
// request counts against none, so a client that keeps retrying while refused does not push its
// own recovery further away.
//
// Thread-safety: implementations must allow concurrent calls from every HTTP thread.
#ifndef CRM_RATELIMIT_RATE_LIMITER_HPP_
#define CRM_RATELIMIT_RATE_LIMITER_HPP_

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "crm/common/time.hpp"
#include "crm/ratelimit/quota.hpp"

namespace crm::ratelimit {

// One budget a request draws from: its policy name (part of the key's state, and the name the
// RateLimit header fields give it) and its quota.
struct Budget {
  std::string_view policy;
  Quota quota;
};

// A budget's state after the decision.
struct BudgetState {
  // Requests still allowed now (after counting this one when it was allowed).
  std::int64_t remaining = 0;
  // Seconds (rounded up) until `remaining` next grows: when the oldest request still counted
  // leaves the window. 0 when nothing is counted.
  std::chrono::seconds reset_in{0};
};

inline constexpr std::size_t kMaxBudgets = 2;

struct Decision {
  bool allowed = true;
  // One per budget asked about, in the same order.
  std::array<BudgetState, kMaxBudgets> states{};
  // When refused: seconds until every refusing budget has room again (at least 1).
  std::chrono::seconds retry_after{0};
  // The limiter's time of the decision, for absolute reset times (X-RateLimit-Reset).
  TimePoint now;
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;

  // Counts one request of `key` against every budget when all have room. At most kMaxBudgets
  // budgets.
  virtual Decision Acquire(std::string_view key, std::span<const Budget> budgets) = 0;
  // The same answer without counting anything (is `key` refused at the moment?).
  virtual Decision Peek(std::string_view key, std::span<const Budget> budgets) = 0;
};

}  // namespace crm::ratelimit

#endif  // CRM_RATELIMIT_RATE_LIMITER_HPP_
