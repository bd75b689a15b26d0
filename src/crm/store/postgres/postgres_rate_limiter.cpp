#include "crm/store/postgres/postgres_rate_limiter.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include <spdlog/spdlog.h>

namespace crm::store {
namespace {

using ratelimit::Budget;
using ratelimit::Decision;
using std::chrono::nanoseconds;

constexpr std::int64_t kSlots = 60;                         // as ratelimit::SlidingWindow::kSlots
constexpr std::int64_t kInstallLock = 0x63726d64'72617465;  // "crmdrate"

// Returns one row (0, 0, 1 when allowed else 0), then (budget, slot, count) for every slot still
// in a budget's window, budgets numbered from 1.
constexpr char kInstallSql[] = R"sql(
CREATE UNLOGGED TABLE IF NOT EXISTS crmd_rate_count (
  key TEXT NOT NULL, policy TEXT NOT NULL, slot BIGINT NOT NULL, n BIGINT NOT NULL,
  PRIMARY KEY (key, policy, slot));
CREATE OR REPLACE FUNCTION crmd_rate_acquire(p_key TEXT, p_policies TEXT[], p_limits BIGINT[],
    p_heads BIGINT[], p_count BOOLEAN)
RETURNS TABLE(o_budget INT, o_slot BIGINT, o_n BIGINT) LANGUAGE plpgsql AS $$
DECLARE
  k INT;
  room BOOLEAN := TRUE;
  used BIGINT;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended(p_key, 0));
  FOR k IN 1..cardinality(p_policies) LOOP
    SELECT COALESCE(SUM(c.n), 0) INTO used FROM crmd_rate_count c
      WHERE c.key = p_key AND c.policy = p_policies[k] AND c.slot > p_heads[k] - 60;
    IF used >= p_limits[k] THEN room := FALSE; END IF;
  END LOOP;
  IF p_count AND room THEN
    FOR k IN 1..cardinality(p_policies) LOOP
      DELETE FROM crmd_rate_count c
        WHERE c.key = p_key AND c.policy = p_policies[k] AND c.slot <= p_heads[k] - 60;
      INSERT INTO crmd_rate_count AS c (key, policy, slot, n)
        VALUES (p_key, p_policies[k], p_heads[k], 1)
        ON CONFLICT (key, policy, slot) DO UPDATE SET n = c.n + 1;
    END LOOP;
  END IF;
  o_budget := 0; o_slot := 0; o_n := CASE WHEN room THEN 1 ELSE 0 END;
  RETURN NEXT;
  RETURN QUERY SELECT b.k::INT, c.slot, c.n
    FROM unnest(p_policies) WITH ORDINALITY AS b(policy, k)
    JOIN crmd_rate_count c ON c.key = p_key AND c.policy = b.policy AND c.slot > p_heads[b.k] - 60
    ORDER BY 1, 2;
END $$;
)sql";

std::int64_t Nanos(TimePoint t) {
  return std::chrono::duration_cast<nanoseconds>(t.time_since_epoch()).count();
}

std::chrono::seconds CeilSeconds(std::int64_t ns) {
  return std::chrono::ceil<std::chrono::seconds>(nanoseconds(std::max<std::int64_t>(0, ns)));
}

// A PostgreSQL array literal of plain words and numbers (policy names are identifiers).
template <typename T>
std::string ArrayLiteral(const std::array<T, ratelimit::kMaxBudgets>& items, std::size_t n) {
  std::string out = "{";
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) out += ',';
    if constexpr (std::is_same_v<T, std::string>) {
      out += '"' + items[i] + '"';
    } else {
      out += std::to_string(items[i]);
    }
  }
  return out + "}";
}

}  // namespace

Status PostgresRateLimiter::Install(Database& db) {
  return db.WriteAndWait([](Connection& conn) -> Status {
    CRM_RETURN_IF_ERROR(
        conn.ExecuteScript("SELECT pg_advisory_xact_lock(" + std::to_string(kInstallLock) + ")"));
    return conn.ExecuteScript(kInstallSql);
  });
}

Decision PostgresRateLimiter::Acquire(std::string_view key, std::span<const Budget> budgets) {
  return Decide(key, budgets, true);
}

Decision PostgresRateLimiter::Peek(std::string_view key, std::span<const Budget> budgets) {
  return Decide(key, budgets, false);
}

Decision PostgresRateLimiter::Decide(std::string_view key, std::span<const Budget> budgets,
                                     bool count) {
  Decision decision;
  const TimePoint now = clock_.Now();
  decision.now = now;
  const std::size_t n = std::min(budgets.size(), ratelimit::kMaxBudgets);
  if (n == 0) return decision;
  const std::int64_t now_ns = Nanos(now);
  std::array<std::string, ratelimit::kMaxBudgets> policies;
  std::array<std::int64_t, ratelimit::kMaxBudgets> limits{};
  std::array<std::int64_t, ratelimit::kMaxBudgets> heads{};
  std::array<std::int64_t, ratelimit::kMaxBudgets> slot_ns{};
  for (std::size_t i = 0; i < n; ++i) {
    const ratelimit::Quota& quota = budgets[i].quota;
    policies[i] = std::string(budgets[i].policy) + "/" + std::to_string(quota.window.count());
    limits[i] = quota.limit;
    slot_ns[i] = std::max<std::int64_t>(
        1, std::chrono::duration_cast<nanoseconds>(quota.window).count() / kSlots);
    heads[i] = now_ns / slot_ns[i];
    decision.states[i].remaining = quota.limit;
  }
  // Slots still counted per budget, oldest first.
  std::array<std::vector<std::pair<std::int64_t, std::int64_t>>, ratelimit::kMaxBudgets> slots;
  auto conn = db_.ReadConnection();
  Status status = conn.status();
  if (conn.ok()) {
    const std::array<query::SqlValue, 5> params = {std::string(key), ArrayLiteral(policies, n),
                                                   ArrayLiteral(limits, n), ArrayLiteral(heads, n),
                                                   std::string(count ? "true" : "false")};
    status = (*conn)->Query(
        "SELECT o_budget, o_slot, o_n FROM crmd_rate_acquire(?, ?::text[], ?::bigint[], "
        "?::bigint[], ?::boolean)",
        params, [&](const Row& row) {
          const std::int64_t budget = row.Int(0);
          if (budget == 0) {
            decision.allowed = row.Int(2) != 0;
          } else if (budget <= static_cast<std::int64_t>(n)) {
            slots[static_cast<std::size_t>(budget - 1)].emplace_back(row.Int(1), row.Int(2));
          }
          return true;
        });
  }
  if (!status.ok()) {
    spdlog::error("rate limit: the shared counters cannot be read ({}); allowing the request",
                  status.message());
    decision.allowed = true;
    return decision;
  }
  std::chrono::seconds retry(0);
  for (std::size_t i = 0; i < n; ++i) {
    std::int64_t used = 0;
    for (const auto& [slot, counted] : slots[i]) used += counted;
    decision.states[i].remaining = std::max<std::int64_t>(0, limits[i] - used);
    const auto leaves = [&](std::int64_t slot) {
      return CeilSeconds((slot + kSlots) * slot_ns[i] - now_ns);
    };
    if (!slots[i].empty()) decision.states[i].reset_in = leaves(slots[i].front().first);
    // Until enough of the oldest slots left for one more request to fit.
    std::int64_t excess = used - limits[i] + 1;
    for (const auto& [slot, counted] : slots[i]) {
      if (excess <= 0) break;
      excess -= counted;
      if (excess <= 0) retry = std::max(retry, leaves(slot));
    }
  }
  if (!decision.allowed) decision.retry_after = std::max(std::chrono::seconds(1), retry);
  return decision;
}

}  // namespace crm::store
