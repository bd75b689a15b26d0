#include "crm/server/shared_database.hpp"

#include "crm/common/time.hpp"
#include "crm/store/postgres/postgres_rate_limiter.hpp"
#include "crm/store/schema.hpp"

namespace crm::server {
namespace {

constexpr char kDeliveriesChannel[] = "crmd_deliveries";
constexpr char kCredentialsChannel[] = "crmd_credentials";

}  // namespace

std::vector<std::string> CredentialTables(const metadata::Metadata& metadata) {
  std::vector<std::string> tables = {"user", "role", "team", store::kUserRateLimitTable};
  for (const auto& [entity, link] :
       {std::pair{"User", "roles"}, std::pair{"User", "teams"}, std::pair{"Team", "roles"}}) {
    const metadata::EntityDef* def = metadata.FindEntity(entity);
    const metadata::LinkDef* found = def != nullptr ? def->FindLink(link) : nullptr;
    if (found != nullptr && !found->join_table.empty()) tables.push_back(found->join_table);
  }
  return tables;
}

Result<SharedDatabase> ConnectProcesses(const std::string& url, store::Database& db,
                                        const metadata::Metadata& metadata,
                                        webhook::DeliveryWorker& deliveries,
                                        auth::Authenticator& authenticator) {
  SharedDatabase shared;
  CRM_RETURN_IF_ERROR(store::PostgresRateLimiter::Install(db));
  shared.limiter = std::make_unique<store::PostgresRateLimiter>(db, SystemClock::Instance());
  std::vector<store::ChangeFeed> feeds = {
      {kDeliveriesChannel, {store::kWebhookDeliveryTable}},
      {kCredentialsChannel, CredentialTables(metadata)},
  };
  CRM_ASSIGN_OR_RETURN(
      shared.listener,
      store::PostgresChangeListener::Start(url, std::move(feeds),
                                           [&deliveries, &authenticator](std::string_view channel) {
                                             if (channel == kDeliveriesChannel) {
                                               deliveries.Wake();
                                             } else {
                                               authenticator.ForgetCachedUsers();
                                             }
                                           }));
  return shared;
}

}  // namespace crm::server
