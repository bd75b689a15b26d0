// DeliveryWorker: the thread inside `crmd serve` that sends webhook deliveries. It is woken by the
// database's commit observer (a committed change reaches a receiver in milliseconds, with no
// polling), reads pending deliveries, and sends them with libcurl's multi interface: many webhooks
// in parallel on this one thread, one request at a time per webhook so that each receives its
// events in order. A slow or dead receiver only holds up its own webhook. Each answer is recorded
// in a write job (delivered, retried later with backoff, or failed); a delivery stays pending until
// that record commits, so a crash at any moment resends it after restart, never loses it
// (consumers drop the duplicate by its webhook-id). Old delivered rows are pruned hourly.
//
// Several processes on one database (DeliveryOptions::shared_database, PostgreSQL): a worker sends
// a webhook's deliveries only while it holds the webhook's lease (delivery_store.hpp), claimed
// before its pending deliveries are read and given back once nothing of it is in flight or
// unrecorded, so each delivery goes out once and in order while every process is up, and at least
// once when one dies (its leases expire). Other processes' commits wake it through Wake (the
// server wires PostgreSQL notifications to it); it also looks every `shared_poll` in case a
// notification was lost, and every second while another process holds a webhook with pending
// deliveries (that holder may have died).
//
// Thread-safety: Start, Stop and the destructor from one owning thread; Wake from any thread
// (including the writer's commit observer).
#ifndef CRM_WEBHOOK_DELIVERY_WORKER_HPP_
#define CRM_WEBHOOK_DELIVERY_WORKER_HPP_

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <thread>

#include "crm/auth/secret_box.hpp"
#include "crm/common/time.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/store/database.hpp"
#include "crm/webhook/address_guard.hpp"
#include "crm/webhook/retry_policy.hpp"

namespace crm::webhook {

struct DeliveryOptions {
  RetrySchedule retry;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds total_timeout{10000};
  std::size_t espo_batch_size = 50;  // items per request in the espo format (EspoCRM's default)
  std::size_t max_parallel = 512;    // requests in flight at once, over all webhooks
  std::chrono::milliseconds retention{std::chrono::hours(24 * 7)};  // of delivered rows
  std::string user_agent = "crmd-webhooks";
  // Opens the webhooks' sealed secrets to sign deliveries; a delivery whose secret it cannot open
  // (or with no box) fails unsent.
  const auth::SecretBox* secrets = nullptr;
  // Other processes send from the same database: claim webhooks (PostgreSQL only).
  bool shared_database = false;
  std::chrono::milliseconds shared_poll{std::chrono::seconds(30)};
};

class DeliveryWorker {
 public:
  DeliveryWorker(store::Database& db, std::shared_ptr<const metadata::Metadata> metadata,
                 AddressGuard guard, const Clock& clock, DeliveryOptions options);
  ~DeliveryWorker();
  DeliveryWorker(const DeliveryWorker&) = delete;
  DeliveryWorker& operator=(const DeliveryWorker&) = delete;

  // Starts the thread; it first sends what is pending from before (a restart after a crash).
  void Start();
  // Asks the thread to look for due deliveries. Cheap and coalesced.
  void Wake();
  // Stops the thread. Requests in flight are abandoned: their deliveries stay pending.
  void Stop();

  struct State;  // shared with write-job callbacks that may outlive the thread

 private:
  void Run();

  store::Database& db_;
  std::shared_ptr<const metadata::Metadata> metadata_;
  AddressGuard guard_;
  const Clock& clock_;
  DeliveryOptions options_;
  std::shared_ptr<State> state_;
  std::thread thread_;
};

}  // namespace crm::webhook

#endif  // CRM_WEBHOOK_DELIVERY_WORKER_HPP_
