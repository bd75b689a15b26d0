// crmd_webhook_bench: how fast a committed change reaches a webhook receiver. Starts crmd (the
// binary given, on a fresh data directory, loopback allowed for webhooks), a receiver on loopback
// (crmd's own HTTP server, answering 200 at once), subscribes one seed-format webhook to
// Contact.create, then runs `--clients` writers creating contacts for `--duration` seconds. For
// every contact it takes the time the client got its acknowledgement (201/200: committed) and the
// time its delivery arrived. Prints, as `name value` lines for bench/run.sh:
//   webhook_latency_p50_us / _p99_us   receipt minus acknowledgement (negative: the delivery came
//                                      first; the commit lies before both)
//   webhook_writes_per_s               acknowledged creates per second during the load
//   webhook_deliveries_per_s           deliveries received per second during the load
//   webhook_drain_ms                   from the last acknowledgement to the last delivery
//   webhook_lost                       acknowledged writes never delivered (must be 0)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "crm/http/server.hpp"

#include "testing/http_client.hpp"
#include "testing/test_server.hpp"
#include <CLI/CLI.hpp>

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

class Receiver final : public crm::http::Handler {
 public:
  Receiver() {
    crm::http::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 1;
    options.access_log = false;
    options.error_response = [](int status, std::string_view) {
      crm::http::Response response;
      response.status = status;
      return response;
    };
    server_ = std::move(crm::http::Server::Create(options, *this)).value();
    runner_ = std::thread([this] { server_->Run(); });
  }
  ~Receiver() override {
    server_->Stop();
    runner_.join();
  }
  std::uint16_t port() const { return server_->port(); }

  void Handle(const crm::http::Request& request, crm::http::Responder responder) override {
    const auto now = Clock::now();
    auto body = json::parse(request.body());
    const std::string id(body.at("data").at("id").as_string());
    {
      std::lock_guard lock(mutex_);
      arrivals_[id] = now;
    }
    arrived_.notify_all();
    responder.Send(crm::http::Response{});
  }

  // Waits until every id in `ids` arrived or `limit` passed; returns the arrivals.
  std::map<std::string, Clock::time_point> WaitFor(const std::vector<std::string>& ids,
                                                   std::chrono::seconds limit) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, limit, [&] {
      return std::all_of(ids.begin(), ids.end(),
                         [&](const std::string& id) { return arrivals_.count(id) != 0; });
    });
    return arrivals_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::map<std::string, Clock::time_point> arrivals_;
  std::unique_ptr<crm::http::Server> server_;
  std::thread runner_;
};

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
  return values[index];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"crmd_webhook_bench: commit-to-receipt latency of webhook deliveries"};
  std::string crmd;
  double duration = 5;
  int clients = 8;
  app.add_option("--crmd", crmd, "The crmd binary")->required();
  app.add_option("--duration", duration, "Seconds of write load")->capture_default_str();
  app.add_option("--clients", clients, "Concurrent writers")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  setenv("CRMD_BINARY", crmd.c_str(), 1);

  auto server = crm::testing::TestServer::Start(
      {"--no-access-log", "--rate-limit", "off", "--webhook-allowed-hosts", "127.0.0.1"});
  if (!server) return 1;
  const auto credentials = server->CreateApiUser("bench");
  Receiver receiver;
  {
    crm::testing::HttpClient admin(server->base_url());
    admin.SetDefaultHeader("X-Api-Key", credentials.api_key);
    const auto created = admin.Post(
        "/api/v1/Webhook",
        json::object{{"event", "Contact.create"},
                     {"url", "http://127.0.0.1:" + std::to_string(receiver.port()) + "/hook"}});
    if (created.status != 201) {
      std::fprintf(stderr, "creating the webhook failed: %ld %s\n", created.status,
                   created.body.c_str());
      return 1;
    }
  }

  std::mutex mutex;
  std::map<std::string, Clock::time_point> acknowledged;
  std::atomic<bool> stop{false};
  std::atomic<long> errors{0};
  std::vector<std::thread> writers;
  const auto start = Clock::now();
  for (int c = 0; c < clients; ++c) {
    writers.emplace_back([&, c] {
      crm::testing::HttpClient client(server->base_url());
      client.SetDefaultHeader("X-Api-Key", credentials.api_key);
      for (int i = 0; !stop.load(); ++i) {
        const auto response = client.Post("/api/v1/Contact",
                                          json::object{{"firstName", "W" + std::to_string(c)},
                                                       {"lastName", "Bench " + std::to_string(i)}});
        const auto at = Clock::now();
        if (response.status != 200) {
          ++errors;
          continue;
        }
        const std::string id(json::parse(response.body).at("id").as_string());
        std::lock_guard lock(mutex);
        acknowledged[id] = at;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(duration));  // the load's length
  stop = true;
  for (auto& writer : writers) writer.join();
  const auto load_end = Clock::now();

  std::vector<std::string> ids;
  Clock::time_point last_ack = start;
  for (const auto& [id, at] : acknowledged) {
    ids.push_back(id);
    last_ack = std::max(last_ack, at);
  }
  const auto arrivals = receiver.WaitFor(ids, std::chrono::seconds(60));
  std::vector<double> latencies;
  long lost = 0;
  long during_load = 0;
  Clock::time_point last_arrival = start;
  for (const auto& [id, ack] : acknowledged) {
    const auto found = arrivals.find(id);
    if (found == arrivals.end()) {
      ++lost;
      continue;
    }
    latencies.push_back(std::chrono::duration<double, std::micro>(found->second - ack).count());
    last_arrival = std::max(last_arrival, found->second);
    if (found->second <= load_end) ++during_load;
  }
  const double seconds = std::chrono::duration<double>(load_end - start).count();
  std::printf("webhook_latency_p50_us %.0f\n", Percentile(latencies, 0.50));
  std::printf("webhook_latency_p99_us %.0f\n", Percentile(latencies, 0.99));
  std::printf("webhook_writes_per_s %.0f\n", static_cast<double>(acknowledged.size()) / seconds);
  std::printf("webhook_deliveries_per_s %.0f\n", static_cast<double>(during_load) / seconds);
  std::printf(
      "webhook_drain_ms %.1f\n",
      std::max(0.0, std::chrono::duration<double, std::milli>(last_arrival - last_ack).count()));
  std::printf("webhook_lost %ld\n", lost);
  std::printf("webhook_write_errors %ld\n", errors.load());
  return lost == 0 && !acknowledged.empty() ? 0 : 1;
}
