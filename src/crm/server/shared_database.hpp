// What `crmd serve` adds when its database is PostgreSQL, where other crmd processes may serve
// the same data behind a load balancer: rate-limit counters kept in the database (so a budget is
// one budget over all processes), and PostgreSQL notifications that wake the webhook worker for
// deliveries queued elsewhere and make the authenticator forget users, roles and teams changed
// elsewhere (a revoked key or changed password stops working on every process within
// milliseconds, not after the cache's lifetime). SQLite serves one process per data directory and
// needs none of this.
//
// Thread-safety: Connect and the destructor from the thread that runs Serve; the listener's
// callbacks (Wake, ForgetCachedUsers) are thread-safe.
#ifndef CRM_SERVER_SHARED_DATABASE_HPP_
#define CRM_SERVER_SHARED_DATABASE_HPP_

#include <memory>
#include <string>

#include "crm/auth/authenticator.hpp"
#include "crm/common/status.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/ratelimit/rate_limiter.hpp"
#include "crm/store/database.hpp"
#include "crm/store/postgres/change_listener.hpp"
#include "crm/webhook/delivery_worker.hpp"

namespace crm::server {

struct SharedDatabase {
  std::unique_ptr<ratelimit::RateLimiter> limiter;
  // Destroyed first: it calls into the worker and the authenticator.
  std::unique_ptr<store::PostgresChangeListener> listener;
};

// The tables whose changes can make a remembered API user or password check wrong: users, roles,
// teams, their links and the per-user budgets.
std::vector<std::string> CredentialTables(const metadata::Metadata& metadata);

// Sets up the shared limiter and the listener for the database at `url` (a postgres:// URL).
Result<SharedDatabase> ConnectProcesses(const std::string& url, store::Database& db,
                                        const metadata::Metadata& metadata,
                                        webhook::DeliveryWorker& deliveries,
                                        auth::Authenticator& authenticator);

}  // namespace crm::server

#endif  // CRM_SERVER_SHARED_DATABASE_HPP_
