#include "crm/server/webhook_commands.hpp"

#include <algorithm>
#include <future>
#include <iostream>
#include <map>

#include "crm/common/json.hpp"
#include "crm/common/strings.hpp"
#include "crm/service/webhook_rules.hpp"

#include <CLI/CLI.hpp>

namespace crm::server {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

// "2s", "500ms", "10m", "48h", "7d" or plain seconds.
CLI::AsNumberWithUnit DurationUnits() {
  return CLI::AsNumberWithUnit(
      std::map<std::string, double>{{"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}});
}

milliseconds Millis(double seconds) {
  return milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

template <typename T>
Result<T> Wait(const std::function<void(service::Callback<T>)>& start) {
  std::promise<Result<T>> promise;
  auto future = promise.get_future();
  start([&promise](Result<T> result) { promise.set_value(std::move(result)); });
  return future.get();
}

int Fail(const Status& status) {
  std::cerr << "crmd: " << status.message() << "\n";
  return 1;
}

}  // namespace

void AddWebhookServeOptions(CLI::App& serve, WebhookOptions& options) {
  serve
      .add_option("--webhook-allowed-hosts", options.allowed_hosts,
                  "Hosts webhooks may reach although they are not public (e.g. 127.0.0.1)")
      ->delimiter(',')
      ->envname("CRMD_WEBHOOK_ALLOWED_HOSTS");
  serve
      .add_option("--webhook-retry-first", options.retry_first_seconds,
                  "Delay before a failed delivery's first retry (then doubling), e.g. 2s")
      ->transform(DurationUnits())
      ->capture_default_str();
  serve
      .add_option("--webhook-retry-max", options.retry_max_seconds,
                  "Longest delay between two retries, e.g. 1h")
      ->transform(DurationUnits())
      ->capture_default_str();
  serve
      .add_option("--webhook-retry-for", options.retry_for_seconds,
                  "How long a delivery is retried before it fails, e.g. 48h")
      ->transform(DurationUnits())
      ->capture_default_str();
  serve
      .add_option("--webhook-retention", options.retention_seconds,
                  "How long delivered rows stay in the delivery log, e.g. 7d")
      ->transform(DurationUnits())
      ->capture_default_str();
  serve
      .add_option("--webhook-timeout", options.timeout_seconds,
                  "Longest time one delivery request may take, e.g. 10s")
      ->transform(DurationUnits())
      ->capture_default_str();
}

webhook::DeliveryOptions DeliveryOptionsOf(const WebhookOptions& options) {
  webhook::DeliveryOptions out;
  out.retry.first_delay = Millis(options.retry_first_seconds);
  out.retry.max_delay = Millis(options.retry_max_seconds);
  out.retry.give_up_after = Millis(options.retry_for_seconds);
  out.retention = Millis(options.retention_seconds);
  out.total_timeout = Millis(options.timeout_seconds);
  out.connect_timeout = std::min(out.connect_timeout, out.total_timeout);
  return out;
}

service::RecordService::InputCheck WebhookInputCheck(const metadata::Metadata& metadata,
                                                     const webhook::AddressGuard& guard) {
  return [&metadata, &guard](const metadata::EntityDef& entity, const json::object& body,
                             service::WriteMode mode) -> Status {
    if (entity.name != "Webhook") return {};
    return service::CheckWebhookInput(metadata, guard, body, mode);
  };
}

bool WebhookCommand::chosen() const {
  return (create != nullptr && create->parsed()) || (list != nullptr && list->parsed()) ||
         (remove != nullptr && remove->parsed());
}

void AddWebhookCommands(CLI::App& app, WebhookCommand& command,
                        const std::function<void(CLI::App&)>& add_store_options) {
  auto* webhook = app.add_subcommand("webhook", "Manage webhooks")->require_subcommand(1);
  command.create = webhook->add_subcommand(
      "create", "Create a webhook and print it as JSON (with its secret, shown once here)");
  command.create->add_option("--event", command.event, "Contact.create, Lead.update, ...")
      ->required();
  command.create->add_option("--url", command.url, "Where to POST the deliveries")->required();
  command.create->add_option("--format", command.format, "seed or espo")
      ->check(CLI::IsMember({"seed", "espo"}))
      ->capture_default_str();
  command.create->add_option("--header", command.headers, "A request header, Name:value")
      ->take_all();
  command.create
      ->add_option("--webhook-allowed-hosts", command.allowed_hosts,
                   "Hosts that may be private (as for serve)")
      ->delimiter(',')
      ->envname("CRMD_WEBHOOK_ALLOWED_HOSTS");
  add_store_options(*command.create);
  command.list = webhook->add_subcommand("list", "Print every webhook as JSON");
  add_store_options(*command.list);
  command.remove = webhook->add_subcommand("delete", "Delete a webhook");
  command.remove->add_option("id", command.id, "The webhook's id")->required();
  add_store_options(*command.remove);
}

int RunWebhookCommand(const WebhookCommand& command,
                      std::shared_ptr<const metadata::Metadata> metadata, store::Database& db,
                      const auth::SecretBox* secrets) {
  const metadata::EntityDef* entity = metadata->FindEntity("Webhook");
  if (entity == nullptr) return Fail(Status::NotFound("the metadata has no Webhook entity"));
  service::RecordService records(metadata, db, SystemClock::Instance(), secrets);
  const webhook::AddressGuard guard(command.allowed_hosts);
  records.SetInputCheck(WebhookInputCheck(*metadata, guard));
  const auth::Principal system = auth::Principal::System();

  if (command.create->parsed()) {
    json::object headers;
    for (const auto& header : command.headers) {
      const auto colon = header.find(':');
      if (colon == std::string::npos || colon == 0) {
        return Fail(Status::InvalidArgument("--header must be Name:value, got '" + header + "'"));
      }
      headers[header.substr(0, colon)] = TrimAscii(header.substr(colon + 1));
    }
    json::object body{{"event", command.event}, {"url", command.url}, {"format", command.format}};
    if (!headers.empty()) body["headers"] = std::move(headers);
    auto created = Wait<service::RecordResult>([&](auto done) {
      records.Create(system, *entity, std::move(body), service::WriteOptions{}, std::move(done));
    });
    if (!created.ok()) return Fail(created.status());
    std::cout << SerializeJson(created->record) << std::endl;
    return 0;
  }
  if (command.list->parsed()) {
    query::SearchParams params;
    params.max_size = service::kMaxMaxSize;
    json::array out;
    for (std::int64_t offset = 0;; offset += service::kMaxMaxSize) {
      params.offset = offset;
      auto page = records.List(system, *entity, params, service::ListOptions{});
      if (!page.ok()) return Fail(page.status());
      for (auto& record : page->list) out.push_back(std::move(record));
      if (static_cast<std::int64_t>(out.size()) >= page->total || page->list.empty()) break;
    }
    std::cout << SerializeJson(out) << std::endl;
    return 0;
  }
  auto deleted = Wait<bool>([&](auto done) {
    records.Delete(system, *entity, command.id, service::WriteOptions{}, std::move(done));
  });
  if (!deleted.ok()) return Fail(deleted.status());
  std::cout << "true" << std::endl;
  return 0;
}

}  // namespace crm::server
