// PostgresRateLimiter: the RateLimiter shared by every `crmd serve` process on one PostgreSQL
// database, so that a budget holds across a load balancer's servers (the sum of what they allow is
// the budget, not three times it). The window is the one MemoryRateLimiter keeps (a quota's window
// in 60 slots, a request allowed while the last 60 slots hold fewer than the limit), stored as one
// row per (key, policy, slot) in an UNLOGGED table: counters need no crash safety, and an unlogged
// write commits without waiting for a WAL flush.
//
// Each Acquire or Peek is one round trip: a PL/pgSQL function (installed by Install) takes a
// transaction-scoped advisory lock on the key, so concurrent requests of one key from several
// processes are decided one after the other, reads the window's slots, counts the request in every
// budget when all have room, drops the key's slots that left the window, and returns the slots
// still counted. The policy's window length is part of its stored name, so a changed window starts
// afresh as in memory. Keys idle for longer than their window keep their last rows until they
// return (a few bytes each).
//
// When the database cannot be asked the request is allowed (and the failure logged): an outage of
// the counters must not turn into an outage of the API, which has failed already anyway.
//
// Thread-safety: Acquire and Peek may be called concurrently; each thread uses its own read
// connection of the database.
#ifndef CRM_STORE_POSTGRES_POSTGRES_RATE_LIMITER_HPP_
#define CRM_STORE_POSTGRES_POSTGRES_RATE_LIMITER_HPP_

#include "crm/common/status.hpp"
#include "crm/common/time.hpp"
#include "crm/ratelimit/rate_limiter.hpp"
#include "crm/store/database.hpp"

namespace crm::store {

class PostgresRateLimiter final : public ratelimit::RateLimiter {
 public:
  // Creates the counter table and the function when missing (idempotent; processes starting at
  // once are serialized by an advisory lock). Run once before the first request.
  static Status Install(Database& db);

  // `db` is a PostgresDatabase; it and `clock` outlive the limiter.
  PostgresRateLimiter(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  ratelimit::Decision Acquire(std::string_view key,
                              std::span<const ratelimit::Budget> budgets) override;
  ratelimit::Decision Peek(std::string_view key,
                           std::span<const ratelimit::Budget> budgets) override;

 private:
  ratelimit::Decision Decide(std::string_view key, std::span<const ratelimit::Budget> budgets,
                             bool count);

  Database& db_;
  const Clock& clock_;
};

}  // namespace crm::store

#endif  // CRM_STORE_POSTGRES_POSTGRES_RATE_LIMITER_HPP_
