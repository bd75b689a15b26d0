// The delivery worker against a real HTTP receiver on loopback (crmd's own HTTP server) and a real
// SQLite database. The worker's schedule runs on a FakeClock, so a retry happens when the test
// moves the clock, not after a wait; every wait is on an event (a request arriving or a commit).
#include "crm/webhook/delivery_worker.hpp"

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include <boost/json/parse.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/auth/crypto.hpp"
#include "crm/http/server.hpp"
#include "crm/service/record_service.hpp"
#include "crm/store/schema.hpp"
#include "crm/store/sqlite/sqlite_database.hpp"
#include "crm/webhook/delivery_store.hpp"

#include "testing/status_matchers.hpp"
#include "unit/webhook/webhook_test_base.hpp"

namespace crm::webhook {
namespace {

namespace json = boost::json;
using ::crm::testing::IsOk;
using std::chrono::seconds;

constexpr auto kPatience = seconds(20);

struct Received {
  std::string path;
  std::string body;
  std::string signature;  // X-EspoCRM-Signature
  std::string webhook_id;
  std::chrono::steady_clock::time_point at;
};

// Records every request; answers with `status_for(path, nth request on that path)`, or holds the
// answer back (status 0) until the receiver is destroyed.
class Receiver final : public http::Handler {
 public:
  explicit Receiver(std::function<int(const std::string&, int)> status_for)
      : status_for_(std::move(status_for)) {
    http::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.threads = 1;
    options.access_log = false;
    options.error_response = [](int status, std::string_view) {
      http::Response response;
      response.status = status;
      return response;
    };
    server_ = std::move(http::Server::Create(options, *this)).value();
    runner_ = std::thread([this] { server_->Run(); });
  }
  ~Receiver() override {
    {
      std::lock_guard lock(mutex_);
      for (auto& responder : held_) {
        http::Response response;
        responder.Send(std::move(response));
      }
      held_.clear();
    }
    server_->Stop();
    runner_.join();
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  void Handle(const http::Request& request, http::Responder responder) override {
    Received received{std::string(request.path()), request.body(),
                      std::string(request.Header("X-EspoCRM-Signature")),
                      std::string(request.Header("webhook-id")), std::chrono::steady_clock::now()};
    int nth = 0;
    {
      std::lock_guard lock(mutex_);
      for (const auto& r : requests_) nth += r.path == received.path ? 1 : 0;
      requests_.push_back(received);
    }
    const int status = status_for_(received.path, nth);
    if (status == 0) {
      std::lock_guard lock(mutex_);
      held_.push_back(std::move(responder));
    } else {
      http::Response response;
      response.status = status;
      responder.Send(std::move(response));
    }
    changed_.notify_all();
  }

  // Waits until `count` requests reached `path`; returns them.
  std::vector<Received> WaitFor(const std::string& path, std::size_t count) {
    std::unique_lock lock(mutex_);
    std::vector<Received> found;
    changed_.wait_for(lock, kPatience, [&] {
      found.clear();
      for (const auto& r : requests_) {
        if (r.path == path) found.push_back(r);
      }
      return found.size() >= count;
    });
    return found;
  }

 private:
  std::function<int(const std::string&, int)> status_for_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Received> requests_;
  std::vector<http::Responder> held_;
  std::unique_ptr<http::Server> server_;
  std::thread runner_;
};

class DeliveryWorkerTest : public WebhookTestBase {
 protected:
  void TearDown() override {
    if (worker_) worker_->Stop();
    db_->Shutdown();
    db_->SetCommitObserver(nullptr);
  }

  void StartWorker() {
    DeliveryOptions options;
    options.secrets = &secrets_;
    options.connect_timeout = std::chrono::milliseconds(2000);
    options.total_timeout = std::chrono::milliseconds(30000);
    worker_ = std::make_unique<DeliveryWorker>(*db_, metadata_, AddressGuard({"127.0.0.1"}), clock_,
                                               options);
    db_->SetCommitObserver([this] {
      worker_->Wake();
      std::lock_guard lock(commit_mutex_);
      ++commits_;
      committed_.notify_all();
    });
    worker_->Start();
  }

  json::object Create(std::string_view entity, const json::object& body) {
    return CreateRecord(entity, body, admin_);
  }
  json::object Webhook(const std::string& event, const std::string& url,
                       const std::string& format = "seed") {
    return Create("Webhook", json::object{{"event", event}, {"url", url}, {"format", format}});
  }

  // Waits, commit by commit, until `done` holds for the webhook's delivery log.
  bool WaitForLog(const std::string& webhook, const std::function<bool(const json::array&)>& done) {
    std::unique_lock lock(commit_mutex_);
    return committed_.wait_for(lock, kPatience, [&] {
      auto log = ListDeliveries(**db_->ReadConnection(), webhook, 0, 200);
      return log.ok() && done(log->at("list").as_array());
    });
  }

  std::unique_ptr<DeliveryWorker> worker_;
  std::mutex commit_mutex_;
  std::condition_variable committed_;
  int commits_ = 0;
};

TEST_F(DeliveryWorkerTest, DeliversACommittedChangeSignedAndRecordsIt) {
  Receiver receiver([](const std::string&, int) { return 200; });
  StartWorker();
  const json::object hook = Webhook("Contact.create", receiver.Url("/hook"));
  Create("Contact", json::object{{"lastName", "Doe"}});
  const auto received = receiver.WaitFor("/hook", 1);
  ASSERT_EQ(received.size(), 1U);
  const json::value body = json::parse(received[0].body);
  EXPECT_EQ(body.at("event"), "Contact.create");
  EXPECT_EQ(body.at("data").at("lastName"), "Doe");
  EXPECT_EQ(received[0].signature,
            auth::HexEncode(auth::HmacSha256(hook.at("secretKey").as_string(), received[0].body)));
  const std::string id(hook.at("id").as_string());
  EXPECT_TRUE(WaitForLog(id, [&](const json::array& log) {
    return log.size() == 1 && log[0].at("status") == "delivered" && log[0].at("attempts") == 1 &&
           log[0].at("id") == json::string(received[0].webhook_id);
  }));
}

TEST_F(DeliveryWorkerTest, RetriesWhenTheClockSaysSoAndKeepsTheOrder) {
  // The first request fails; the next ones succeed.
  Receiver receiver([](const std::string&, int nth) { return nth == 0 ? 503 : 200; });
  StartWorker();
  const json::object hook = Webhook("Contact.create", receiver.Url("/ordered"));
  const std::string id(hook.at("id").as_string());
  for (int i = 0; i < 5; ++i)
    Create("Contact", json::object{{"lastName", "N" + std::to_string(i)}});
  ASSERT_EQ(receiver.WaitFor("/ordered", 1).size(), 1U);
  ASSERT_TRUE(WaitForLog(id, [](const json::array& log) {
    return !log.empty() && log.back().at("attempts") == 1 && log.back().at("status") == "pending";
  }));
  // Nothing else is sent while the oldest delivery waits for its retry: order per webhook.
  EXPECT_EQ(receiver.WaitFor("/ordered", 1).size(), 1U);
  clock_.Advance(seconds(10));
  worker_->Wake();
  const auto received = receiver.WaitFor("/ordered", 6);
  ASSERT_EQ(received.size(), 6U);
  std::vector<std::string> names;
  for (const auto& r : received) {
    names.emplace_back(json::parse(r.body).at("data").at("lastName").as_string());
  }
  EXPECT_THAT(names, ::testing::ElementsAre("N0", "N0", "N1", "N2", "N3", "N4"));
  EXPECT_EQ(received[0].webhook_id, received[1].webhook_id);  // a retry keeps its message id
  EXPECT_TRUE(WaitForLog(id, [](const json::array& log) {
    return log.size() == 5 && std::all_of(log.begin(), log.end(), [](const json::value& row) {
             return row.at("status") == "delivered";
           });
  }));
}

TEST_F(DeliveryWorkerTest, AReceiverThatNeverAnswersDelaysNoOtherWebhook) {
  Receiver receiver([](const std::string& path, int) { return path == "/stuck" ? 0 : 200; });
  StartWorker();
  Webhook("Account.create", receiver.Url("/stuck"));
  Webhook("Account.create", receiver.Url("/fast"), "espo");
  Create("Account", json::object{{"name", "Acme"}});
  ASSERT_EQ(receiver.WaitFor("/stuck", 1).size(), 1U);
  const auto fast = receiver.WaitFor("/fast", 1);
  ASSERT_EQ(fast.size(), 1U);
  const json::value body = json::parse(fast[0].body);
  ASSERT_TRUE(body.is_array());
  EXPECT_EQ(body.at(0).at("name"), "Acme");
}

TEST_F(DeliveryWorkerTest, GoneDeactivatesTheWebhook) {
  Receiver receiver([](const std::string&, int) { return 410; });
  StartWorker();
  const json::object hook = Webhook("Contact.create", receiver.Url("/gone"));
  const std::string id(hook.at("id").as_string());
  Create("Contact", json::object{{"lastName", "Doe"}});
  ASSERT_TRUE(WaitForLog(id, [](const json::array& log) {
    return log.size() == 1 && log[0].at("status") == "failed";
  }));
  auto read = records_->Read(admin_, metadata_->Entity("Webhook"), id);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->record.at("isActive"), false);
}

TEST_F(DeliveryWorkerTest, APrivateAddressIsRefusedAtSendTime) {
  Receiver receiver([](const std::string&, int) { return 200; });
  // Saved while allowed (the record service has no input check here), sent by a worker whose
  // guard does not allow it: the connection is refused before it is made.
  const json::object hook = Webhook("Contact.create", receiver.Url("/private"));
  DeliveryOptions options;
  options.secrets = &secrets_;
  worker_ = std::make_unique<DeliveryWorker>(*db_, metadata_, AddressGuard({}), clock_, options);
  db_->SetCommitObserver([this] {
    worker_->Wake();
    std::lock_guard lock(commit_mutex_);
    committed_.notify_all();
  });
  worker_->Start();
  Create("Contact", json::object{{"lastName", "Doe"}});
  const std::string id(hook.at("id").as_string());
  ASSERT_TRUE(WaitForLog(id, [](const json::array& log) {
    return log.size() == 1 && log[0].at("status") == "failed";
  }));
  auto log = ListDeliveries(**db_->ReadConnection(), id, 0, 10);
  ASSERT_THAT(log, IsOk());
  EXPECT_THAT(std::string(log->at("list").at(0).at("error").as_string()),
              ::testing::HasSubstr("refused"));
}

TEST_F(DeliveryWorkerTest, ASecretThatCannotBeOpenedFailsTheDeliveryUnsent) {
  Receiver receiver([](const std::string&, int) { return 200; });
  const json::object hook = Webhook("Contact.create", receiver.Url("/wrong-key"));
  // Another server's key file (or a replaced one): the sealed secret does not open.
  const auth::SecretBox other = auth::SecretBox::FromKey(std::string(32, 'o'));
  DeliveryOptions options;
  options.secrets = &other;
  worker_ = std::make_unique<DeliveryWorker>(*db_, metadata_, AddressGuard({"127.0.0.1"}), clock_,
                                             options);
  db_->SetCommitObserver([this] {
    worker_->Wake();
    std::lock_guard lock(commit_mutex_);
    committed_.notify_all();
  });
  worker_->Start();
  Create("Contact", json::object{{"lastName", "Doe"}});
  const std::string id(hook.at("id").as_string());
  ASSERT_TRUE(WaitForLog(id, [](const json::array& log) {
    return log.size() == 1 && log[0].at("status") == "failed";
  }));
  auto log = ListDeliveries(**db_->ReadConnection(), id, 0, 10);
  ASSERT_THAT(log, IsOk());
  EXPECT_THAT(std::string(log->at("list").at(0).at("error").as_string()),
              ::testing::HasSubstr("secret cannot be opened"));
  EXPECT_TRUE(receiver.WaitFor("/wrong-key", 0).empty());  // what reached it so far: nothing
}

}  // namespace
}  // namespace crm::webhook
