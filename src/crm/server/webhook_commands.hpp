// The webhook parts of the command line: `crmd serve`'s webhook options (allowed private hosts,
// the retry schedule, the log's retention) and the `crmd webhook create|list|delete` commands,
// which go through the same record rules as POST/GET/DELETE /api/v1/Webhook.
//
// Thread-safety: called once from RunCli on the main thread.
#ifndef CRM_SERVER_WEBHOOK_COMMANDS_HPP_
#define CRM_SERVER_WEBHOOK_COMMANDS_HPP_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "crm/auth/secret_box.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/service/record_service.hpp"
#include "crm/store/database.hpp"
#include "crm/webhook/address_guard.hpp"
#include "crm/webhook/delivery_worker.hpp"

namespace CLI {
class App;
}

namespace crm::server {

struct WebhookOptions {
  std::vector<std::string> allowed_hosts;
  double retry_first_seconds = 2;
  double retry_max_seconds = 3600;
  double retry_for_seconds = 48 * 3600;
  double retention_seconds = 7 * 86400;
  // A request's whole time, connecting included. On PostgreSQL it also bounds how long the
  // webhooks of a killed process wait for another to take them over (delivery_worker.hpp).
  double timeout_seconds = 10;
};

void AddWebhookServeOptions(CLI::App& serve, WebhookOptions& options);
webhook::DeliveryOptions DeliveryOptionsOf(const WebhookOptions& options);
// RecordService's input check for Webhook records (their event, url and headers).
service::RecordService::InputCheck WebhookInputCheck(const metadata::Metadata& metadata,
                                                     const webhook::AddressGuard& guard);

struct WebhookCommand {
  CLI::App* create = nullptr;
  CLI::App* list = nullptr;
  CLI::App* remove = nullptr;
  std::string event;
  std::string url;
  std::string format = "seed";
  std::vector<std::string> headers;  // "Name:value"
  std::string id;
  std::vector<std::string> allowed_hosts;

  bool chosen() const;
};

// Adds `crmd webhook ...`; `add_store_options` adds --data/--metadata to each command.
void AddWebhookCommands(CLI::App& app, WebhookCommand& command,
                        const std::function<void(CLI::App&)>& add_store_options);
// `secrets` seals the secret of a created webhook.
int RunWebhookCommand(const WebhookCommand& command,
                      std::shared_ptr<const metadata::Metadata> metadata, store::Database& db,
                      const auth::SecretBox* secrets);

}  // namespace crm::server

#endif  // CRM_SERVER_WEBHOOK_COMMANDS_HPP_
