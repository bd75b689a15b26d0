#include "crm/webhook/delivery_worker.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "crm/common/strings.hpp"
#include "crm/common/thread_annotations.hpp"
#include "crm/webhook/delivery_store.hpp"
#include "crm/webhook/payload.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

namespace crm::webhook {

struct DeliveryWorker::State {
  Mutex mutex;
  CURLM* multi CRM_GUARDED_BY(mutex) = nullptr;
  bool wake_requested CRM_GUARDED_BY(mutex) = false;
  bool stopping CRM_GUARDED_BY(mutex) = false;
  // Attempts whose record was written (committed or not).
  struct Settled {
    std::string webhook_id;
    std::vector<std::string> delivery_ids;
    bool held_webhook = false;  // the webhook waited for this record (busy until now)
  };
  std::vector<Settled> settled CRM_GUARDED_BY(mutex);

  void Wake() CRM_EXCLUDES(mutex) {
    MutexLock lock(mutex);
    if (wake_requested) return;
    wake_requested = true;
    if (multi != nullptr) curl_multi_wakeup(multi);
  }
};

namespace {

using std::chrono::milliseconds;

constexpr std::size_t kErrorBodyBytes = 200;
constexpr milliseconds kPruneEvery{std::chrono::hours(1)};
constexpr milliseconds kIdlePoll{std::chrono::hours(1)};
constexpr milliseconds kAfterReadError{1000};
// While another process holds a webhook with pending deliveries: how soon to look again.
constexpr milliseconds kHeldElsewherePoll{1000};
// A lease outlives the longest request it covers by this much, for the record to be written.
constexpr milliseconds kLeaseMargin{2000};

std::string RandomHolder() {
  std::random_device random;
  return std::to_string(random()) + "-" + std::to_string(random());
}

// Printable ASCII only: the error text is shown in JSON and must stay valid UTF-8.
std::string Printable(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, kErrorBodyBytes)) {
    out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  }
  return out;
}

// One request in flight.
struct Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string webhook_id;
  std::string host;
  std::string body;
  std::vector<std::string> delivery_ids;
  int attempts_before = 0;  // of the oldest delivery
  TimePoint queued_at;
  const AddressGuard* guard = nullptr;
  bool refused = false;        // the guard refused the connection's address
  std::string unsendable;      // why it must not be sent at all (its secret cannot be opened)
  std::string response_start;  // the first bytes of the answer, for the log
  std::string retry_after;
  char error[CURL_ERROR_SIZE] = {};

  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (headers != nullptr) curl_slist_free_all(headers);
  }
};

// Every connection goes through here: the address is checked right before connecting, so what a
// name resolves to at send time decides (DNS rebinding), not what it resolved to on save.
curl_socket_t OpenSocket(void* data, curlsocktype, curl_sockaddr* address) {
  auto* transfer = static_cast<Transfer*>(data);
  if (!transfer->unsendable.empty()) return CURL_SOCKET_BAD;
  if (!transfer->guard->AllowsAddress(transfer->host, &address->addr)) {
    transfer->refused = true;
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (transfer->response_start.size() < kErrorBodyBytes) {
    transfer->response_start.append(
        data, std::min(bytes, kErrorBodyBytes - transfer->response_start.size()));
  }
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::string_view line(data, size * count);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size() && EqualsIgnoreCaseAscii(line.substr(0, kName.size()), kName)) {
    transfer->retry_after = std::string(TrimAscii(line.substr(kName.size())));
  }
  return size * count;
}

std::int64_t UnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// One request for the first `count` deliveries of `pending`, ready to add to the multi handle.
std::unique_ptr<Transfer> NewTransfer(const metadata::Metadata& metadata, const AddressGuard& guard,
                                      const DeliveryOptions& options, const PendingBatch& pending,
                                      std::size_t count, TimePoint now) {
  const std::string& webhook_id = pending.target.id;
  const PendingDelivery& head = pending.deliveries.front();
  const std::span<const PendingDelivery> sending(pending.deliveries.data(), count);
  auto transfer = std::make_unique<Transfer>();
  transfer->webhook_id = webhook_id;
  transfer->guard = &guard;
  transfer->attempts_before = head.attempts;
  transfer->queued_at = head.queued_at;
  auto url = ParseWebhookUrl(pending.target.url);
  if (url.ok()) transfer->host = url->host;
  transfer->body = BuildBody(metadata, pending.target, sending);
  for (const auto& delivery : sending) transfer->delivery_ids.push_back(delivery.id);

  transfer->headers = curl_slist_append(transfer->headers, "Content-Type: application/json");
  transfer->headers = curl_slist_append(transfer->headers, "Expect:");
  for (const auto& [name, value] : pending.target.headers) {
    if (IsReservedHeader(name)) continue;
    transfer->headers = curl_slist_append(transfer->headers, (name + ": " + value).c_str());
  }
  if (!pending.target.secret.empty()) {
    // Plain text is a secret stored before sealing; the start-up migration seals those.
    std::string secret = pending.target.secret;
    if (auth::SecretBox::IsSealed(secret)) {
      auto opened = options.secrets != nullptr
                        ? options.secrets->Open(secret)
                        : Result<std::string>(Status::FailedPrecondition("no secret key file"));
      if (opened.ok()) {
        secret = std::move(opened).value();
      } else {
        secret.clear();
        transfer->unsendable = "the webhook's secret cannot be opened (" +
                               std::string(opened.status().message()) +
                               "): is the server's secret key file the one that sealed it?";
        spdlog::error("webhooks: webhook {}: {}", webhook_id, transfer->unsendable);
      }
    }
    if (!secret.empty()) {
      for (const auto& [name, value] :
           SignatureHeaders(webhook_id, secret, head.id, UnixSeconds(now), transfer->body)) {
        transfer->headers = curl_slist_append(transfer->headers, (name + ": " + value).c_str());
      }
    }
  }
  CURL* easy = curl_easy_init();
  transfer->easy = easy;
  curl_easy_setopt(easy, CURLOPT_URL, pending.target.url.c_str());
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, transfer->body.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(transfer->body.size()));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headers);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  // A proxy from the environment would connect for us and bypass the address check.
  curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &OpenSocket);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, transfer.get());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, transfer.get());
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error);
  return transfer;
}

}  // namespace

DeliveryWorker::DeliveryWorker(store::Database& db,
                               std::shared_ptr<const metadata::Metadata> metadata,
                               AddressGuard guard, const Clock& clock, DeliveryOptions options)
    : db_(db),
      metadata_(std::move(metadata)),
      guard_(std::move(guard)),
      clock_(clock),
      options_(std::move(options)),
      state_(std::make_shared<State>()) {}

DeliveryWorker::~DeliveryWorker() { Stop(); }

void DeliveryWorker::Start() {
  if (options_.shared_database) {
    if (Status created = db_.WriteAndWait(&CreateLeaseTable); !created.ok()) {
      spdlog::error("webhooks: creating the lease table failed: {}", created.message());
    }
  }
  CURLM* multi = curl_multi_init();
  {
    MutexLock lock(state_->mutex);
    state_->multi = multi;
    state_->wake_requested = true;  // whatever a previous run left pending
  }
  thread_ = std::thread([this] { Run(); });
}

void DeliveryWorker::Wake() { state_->Wake(); }

void DeliveryWorker::Stop() {
  if (!thread_.joinable()) return;
  {
    MutexLock lock(state_->mutex);
    state_->stopping = true;
    if (state_->multi != nullptr) curl_multi_wakeup(state_->multi);
  }
  thread_.join();
}

void DeliveryWorker::Run() {
  CURLM* multi = nullptr;
  {
    MutexLock lock(state_->mutex);
    multi = state_->multi;
  }
  std::map<CURL*, std::unique_ptr<Transfer>> transfers;
  // Webhooks with a request in flight, or whose last attempt waits to be recorded before the next
  // may go (a retry: its time comes from the record; 410: the webhook is being deactivated).
  std::set<std::string> busy;
  // Deliveries answered for good (delivered or refused) whose record is not written yet: the next
  // ones may go meanwhile, so a webhook's throughput is not bound to the commit latency, but these
  // must not be sent again. A crash before the record commits resends them (at least once).
  std::map<std::string, std::set<std::string>> unrecorded;
  std::mt19937_64 random(std::random_device{}());
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  TimePoint next_scan = TimePoint::max();
  bool scan_soon = false;  // a webhook was released by an answer: look for its next delivery
  TimePoint next_prune = clock_.Now();
  const std::string holder = RandomHolder();
  // Webhooks whose lease this worker holds (shared_database only).
  std::set<std::string> held;
  const milliseconds idle_poll = options_.shared_database ? options_.shared_poll : kIdlePoll;
  const milliseconds lease = options_.total_timeout + kLeaseMargin;
  const auto release = [&](store::Connection& conn, const std::string& webhook_id) {
    if (held.erase(webhook_id) == 0) return;
    if (Status s = ReleaseWebhook(conn, webhook_id, holder); !s.ok()) {
      spdlog::warn("webhooks: releasing webhook {} failed: {}", webhook_id, s.message());
    }
  };
  // Releases the leases of webhooks with nothing in flight or unrecorded.
  const auto release_idle = [&] {
    if (held.empty()) return;
    auto conn = db_.ReadConnection();
    if (!conn.ok()) return;
    for (auto it = held.begin(); it != held.end();) {
      const std::string id = *it++;
      if (busy.count(id) == 0 && unrecorded.count(id) == 0) release(**conn, id);
    }
  };

  // Sends the oldest due deliveries of every webhook that is not busy.
  const auto scan = [&](TimePoint now) {
    next_scan = now + idle_poll;
    auto conn = db_.ReadConnection();
    if (!conn.ok()) {
      next_scan = now + kAfterReadError;
      return;
    }
    auto webhooks = WebhooksWithPendingDeliveries(**conn);
    if (!webhooks.ok()) {
      spdlog::error("webhooks: reading pending deliveries failed: {}", webhooks.status().message());
      next_scan = now + kAfterReadError;
      return;
    }
    for (const auto& webhook_id : *webhooks) {
      if (busy.count(webhook_id) != 0) continue;
      if (transfers.size() >= options_.max_parallel) break;
      if (options_.shared_database) {
        // Claimed before reading: what another holder recorded before letting go is seen.
        auto claimed = ClaimWebhook(**conn, webhook_id, holder, now, now + lease);
        if (!claimed.ok() || !*claimed) {
          next_scan = std::min(next_scan, now + kHeldElsewherePoll);
          continue;
        }
        held.insert(webhook_id);
      }
      const auto skip = unrecorded.find(webhook_id);
      const std::size_t skipped = skip == unrecorded.end() ? 0 : skip->second.size();
      auto batch =
          LoadPendingBatch(**conn, *metadata_, webhook_id, options_.espo_batch_size + skipped);
      if (!batch.ok() || !batch->has_value()) {
        if (skipped == 0) release(**conn, webhook_id);
        continue;
      }
      PendingBatch& pending = **batch;
      if (skipped != 0) {
        std::erase_if(pending.deliveries, [&](const PendingDelivery& delivery) {
          return skip->second.count(delivery.id) != 0;
        });
        if (pending.deliveries.empty()) continue;
      }
      const PendingDelivery& head = pending.deliveries.front();
      if (head.next_attempt_at > now) {
        next_scan = std::min(next_scan, head.next_attempt_at);
        if (skipped == 0) release(**conn, webhook_id);
        continue;
      }
      std::size_t count = 1;
      if (pending.target.espo_format) {
        while (count < pending.deliveries.size() &&
               pending.deliveries[count].next_attempt_at <= now) {
          ++count;
        }
      }
      auto transfer = NewTransfer(*metadata_, guard_, options_, pending, count, now);
      CURL* easy = transfer->easy;
      curl_multi_add_handle(multi, easy);
      busy.insert(webhook_id);
      transfers.emplace(easy, std::move(transfer));
    }
  };

  // Turns a finished request into an AttemptResult and records it in a write job. A final answer
  // frees the webhook at once (its deliveries wait in `unrecorded`); a retry or a 410 keeps it busy
  // until the record is written.
  const auto finish = [&](CURL* easy, CURLcode code) {
    auto found = transfers.find(easy);
    if (found == transfers.end()) return;
    std::unique_ptr<Transfer> transfer = std::move(found->second);
    transfers.erase(found);
    curl_multi_remove_handle(multi, easy);
    const TimePoint now = clock_.Now();
    long status = 0;
    if (code == CURLE_OK) curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    AttemptResult result;
    result.delivery_ids = transfer->delivery_ids;
    result.status = static_cast<int>(status);
    result.at = now;
    result.outcome = ClassifyAttempt(result.status);
    if (!transfer->unsendable.empty()) {
      result.outcome = AttemptOutcome::kFailed;
      result.error = "not sent: " + transfer->unsendable;
    } else if (transfer->refused) {
      result.outcome = AttemptOutcome::kFailed;
      result.error = "refused: the host '" + transfer->host +
                     "' resolved to an address that is not public (not in "
                     "--webhook-allowed-hosts)";
    } else if (code != CURLE_OK) {
      result.error = Printable(
          std::string(curl_easy_strerror(code)) +
          (transfer->error[0] != '\0' ? std::string(": ") + transfer->error : std::string()));
    } else if (result.outcome != AttemptOutcome::kDelivered) {
      result.error = Printable("HTTP " + std::to_string(status) + ": " + transfer->response_start);
    }
    if (result.outcome == AttemptOutcome::kRetry) {
      std::optional<milliseconds> retry_after;
      if (!transfer->retry_after.empty()) retry_after = ParseRetryAfter(transfer->retry_after, now);
      result.next_attempt_at = NextAttemptAt(options_.retry, transfer->attempts_before + 1,
                                             transfer->queued_at, now, retry_after, unit(random));
      if (!result.next_attempt_at) {
        result.error = "gave up after " + std::to_string(transfer->attempts_before + 1) +
                       " attempts; last: " + result.error;
      }
    }
    std::weak_ptr<State> state = state_;
    const std::string webhook_id = transfer->webhook_id;
    const bool final = result.outcome == AttemptOutcome::kDelivered ||
                       result.outcome == AttemptOutcome::kFailed ||
                       (result.outcome == AttemptOutcome::kRetry && !result.next_attempt_at);
    if (final) {
      unrecorded[webhook_id].insert(transfer->delivery_ids.begin(), transfer->delivery_ids.end());
      busy.erase(webhook_id);
    }
    db_.SubmitWrite(
        [webhook_id, result = std::move(result)](store::Connection& conn) {
          return RecordAttempt(conn, webhook_id, result);
        },
        [state, webhook_id, ids = transfer->delivery_ids, final](Status recorded) {
          if (!recorded.ok()) {
            spdlog::error("webhooks: recording an attempt for {} failed: {}", webhook_id,
                          recorded.message());
          }
          if (auto alive = state.lock()) {
            {
              MutexLock lock(alive->mutex);
              alive->settled.push_back({webhook_id, ids, !final});
            }
            alive->Wake();
          }
        });
    if (final) scan_soon = true;
  };

  for (;;) {
    bool woken = scan_soon;
    scan_soon = false;
    std::vector<State::Settled> settled;
    {
      MutexLock lock(state_->mutex);
      if (state_->stopping) break;
      woken = woken || state_->wake_requested;
      state_->wake_requested = false;
      settled.swap(state_->settled);
    }
    for (const auto& done : settled) {
      if (done.held_webhook) busy.erase(done.webhook_id);
      auto found = unrecorded.find(done.webhook_id);
      if (found == unrecorded.end()) continue;
      for (const auto& id : done.delivery_ids) found->second.erase(id);
      if (found->second.empty()) unrecorded.erase(found);
    }
    if (!settled.empty()) release_idle();
    TimePoint now = clock_.Now();
    if (now >= next_prune) {
      next_prune = now + kPruneEvery;
      const TimePoint before = now - options_.retention;
      db_.SubmitWrite(
          [before](store::Connection& conn) { return PruneDelivered(conn, before).TakeStatus(); },
          [](Status status) {
            if (!status.ok()) spdlog::error("webhooks: pruning failed: {}", status.message());
          });
    }
    if (woken || now >= next_scan) scan(now);

    int running = 0;
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
      if (message->msg == CURLMSG_DONE) finish(message->easy_handle, message->data.result);
    }
    now = clock_.Now();
    const TimePoint wake_at = std::min(next_scan, next_prune);
    const auto wait =
        wake_at <= now ? milliseconds(0) : std::chrono::duration_cast<milliseconds>(wake_at - now);
    // curl_multi_poll returns early for socket activity, libcurl's own timers and Wake().
    if (!scan_soon) {
      curl_multi_poll(multi, nullptr, 0,
                      static_cast<int>(std::min<std::int64_t>(wait.count() + 1, 60'000)), nullptr);
    }
  }

  for (auto& [easy, transfer] : transfers) curl_multi_remove_handle(multi, easy);
  transfers.clear();
  // Abandoned requests and unrecorded answers are sent again, by whichever process claims next.
  busy.clear();
  unrecorded.clear();
  release_idle();
  {
    MutexLock lock(state_->mutex);
    state_->multi = nullptr;
  }
  curl_multi_cleanup(multi);
}

}  // namespace crm::webhook
