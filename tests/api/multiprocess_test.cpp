// Several `crmd serve` processes on one PostgreSQL database (docs/architecture.md, "Several
// servers, one database"): three servers share one schema and one secret key file, as nodes
// behind a load balancer do. Writes through one are read through the others at once; a webhook
// event is delivered once, in order, with all three sending; a rate limit is one budget over the
// three; a rotated API key stops working on all of them within a second; and killing one with
// SIGKILL loses no acknowledged write and no pending delivery. Runs only with
// CRMD_TEST_POSTGRES_URL (SQLite serves one process per data directory).
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api/api_test_util.hpp"
#include "api/webhook_receiver.hpp"
#include "api/webhook_test_util.hpp"
#include "testing/postgres_schema.hpp"
#include "testing/status_matchers.hpp"
#include "testing/temp_dir.hpp"

namespace crm::apitest {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr int kServers = 3;
constexpr std::int64_t kBudget = 30;  // requests per hour of the rate-limit test's API user

// The user's id and key from `crmd api-user create` output.
testing::ApiCredentials Created(const testing::CommandResult& created) {
  EXPECT_EQ(created.exit_code, 0) << created.err;
  testing::ApiCredentials user;
  if (created.exit_code != 0) return user;
  const json::value printed = json::parse(created.out);
  user.user_id = StringAt(printed, "id");
  user.api_key = StringAt(printed, "apiKey");
  return user;
}

// The deliveries' ids in arrival order, repeats of one delivery in a row counted once (the
// attempts before one was answered).
std::vector<std::string> ArrivalOrder(const std::vector<ReceivedRequest>& requests) {
  std::vector<std::string> order;
  for (const auto& request : requests) {
    const std::string id = request.Header("webhook-id");
    if (order.empty() || order.back() != id) order.push_back(id);
  }
  return order;
}

class MultiProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::PostgresTestUrl().empty()) GTEST_SKIP() << "needs CRMD_TEST_POSTGRES_URL";
    receiver_ = WebhookReceiver::Start();
    ASSERT_NE(receiver_, nullptr);
    schema_ = std::make_unique<testing::PostgresSchema>(testing::PostgresTestUrl());
  }

  // `crmd serve` of every node: one secret key (webhook secrets are sealed with it), webhooks to
  // loopback with quick retries and short requests, and room for failed authentications.
  std::vector<std::string> ServeArgs() const {
    std::vector<std::string> args = WebhookServeArgs();
    const std::vector<std::string> more = {
        "--secret-key-file", (keys_.path() / "secret.key").string(), "--webhook-timeout", "1s",
        "--rate-limit",      "default=100000/h,auth-failures=1000/m"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }

  void StartServers(int count = kServers) {
    for (int i = 0; i < count; ++i) {
      servers_.push_back(testing::TestServer::StartOn(schema_->url(), ServeArgs()));
      ASSERT_NE(servers_.back(), nullptr);
    }
  }

  ApiClient Admin(int server) const {
    Credentials admin;
    admin.mode = AuthMode::kBasicAdmin;
    admin.user_name = "admin";
    admin.secret = testing::TestServer::kAdminPassword;
    return ApiClient(servers_[static_cast<std::size_t>(server)]->base_url(), admin);
  }

  ApiClient WithKey(int server, const testing::ApiCredentials& user) const {
    Credentials key;
    key.mode = AuthMode::kApiKey;
    key.user_id = user.user_id;
    key.api_key = user.api_key;
    return ApiClient(servers_[static_cast<std::size_t>(server)]->base_url(), key);
  }

  // Declared first: it outlives the servers, which may still be sending to it.
  std::unique_ptr<WebhookReceiver> receiver_;
  std::unique_ptr<testing::PostgresSchema> schema_;
  testing::TempDir keys_;
  std::vector<std::unique_ptr<testing::TestServer>> servers_;
};

TEST_F(MultiProcessTest, WritesThroughOneAreReadThroughTheOthersAtOnce) {
  StartServers();
  for (int writer = 0; writer < kServers; ++writer) {
    ApiClient client = Admin(writer);
    const std::string id = CreateContact(client, "Ada", "Writer" + std::to_string(writer));
    for (int reader = 0; reader < kServers; ++reader) {
      const HttpResponse read = Admin(reader).Get("/Contact/" + id);
      ASSERT_HTTP_STATUS(read, 200);
      EXPECT_EQ(StringAt(read.Json(), "lastName"), "Writer" + std::to_string(writer));
    }
    const int next = (writer + 1) % kServers;
    ASSERT_HTTP_STATUS(Admin(next).Put("/Contact/" + id, json::object{{"title", "Changed"}}), 200);
    const HttpResponse changed = Admin((writer + 2) % kServers).Get("/Contact/" + id);
    ASSERT_HTTP_STATUS(changed, 200);
    EXPECT_EQ(StringAt(changed.Json(), "title"), "Changed");
  }
}

// Every node's worker is woken by every commit (PostgreSQL notifications) and would send what it
// finds pending; the webhook's lease lets only one send at a time, so each event arrives once and
// in the order of its commits.
TEST_F(MultiProcessTest, WebhookEventIsDeliveredOnceInOrder) {
  StartServers();
  ApiClient admin = Admin(0);
  const json::object hook = CreateWebhook(
      admin, json::object{{"event", "Contact.create"}, {"url", receiver_->Url("/hook")}});
  const std::string hook_id = StringAt(hook, "id");
  constexpr int kEvents = 12;
  std::vector<std::string> ids;
  for (int i = 0; i < kEvents; ++i) {
    ApiClient client = Admin(i % kServers);
    ids.push_back(CreateContact(client, "Event", std::to_string(i)));
  }
  WaitForLog(admin, hook_id, [&](const json::object& log) {
    if (!log.contains("list") || log.at("list").as_array().size() != kEvents) return false;
    for (const auto& item : log.at("list").as_array()) {
      if (item.as_object().at("status") != "delivered") return false;
    }
    return true;
  });
  // Every delivery is recorded as delivered only after its request was answered, and no node
  // sends a delivered one again: what arrived by now is all that ever arrives.
  const std::vector<ReceivedRequest> requests = receiver_->Requests("/hook");
  ASSERT_EQ(requests.size(), static_cast<std::size_t>(kEvents));
  std::set<std::string> delivery_ids;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    delivery_ids.insert(requests[i].Header("webhook-id"));
    EXPECT_NE(requests[i].body.find(ids[i]), std::string::npos)
        << "event " << i << " arrived out of order: " << requests[i].body;
  }
  EXPECT_EQ(delivery_ids.size(), static_cast<std::size_t>(kEvents));
}

TEST_F(MultiProcessTest, RateLimitIsOneBudgetOverAllServers) {
  StartServers();
  const testing::ApiCredentials user = Created(servers_[0]->Cli(
      {"api-user", "create", "--name", "limited", "--rate-limit", std::to_string(kBudget) + "/h"}));
  std::map<int, int> allowed;
  std::int64_t refused = 0;
  for (std::int64_t i = 0; i < kBudget * 3 / 2; ++i) {
    const int server = static_cast<int>(i % kServers);
    const HttpResponse response = WithKey(server, user).Get("/Contact?maxSize=1");
    if (response.status == 200) {
      ++allowed[server];
    } else {
      EXPECT_EQ(response.status, 429) << Describe(response);
      ++refused;
    }
  }
  int total = 0;
  for (const auto& [server, count] : allowed) total += count;
  EXPECT_EQ(total, kBudget);
  EXPECT_EQ(refused, kBudget / 2);
  EXPECT_EQ(allowed.size(), static_cast<std::size_t>(kServers)) << "every server allowed some";
}

TEST_F(MultiProcessTest, RotatedKeyStopsWorkingOnEveryServerWithinASecond) {
  StartServers();
  const testing::ApiCredentials user = servers_[0]->CreateApiUser("rotating");
  // Every server remembers the key's user (for 5 s unless told otherwise).
  for (int server = 0; server < kServers; ++server) {
    ASSERT_HTTP_STATUS(WithKey(server, user).Get("/Contact?maxSize=1"), 200);
  }
  const testing::CommandResult rotated =
      servers_[0]->Cli({"api-user", "rotate-key", "--name", "rotating"});
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  const auto committed = steady_clock::now();
  for (int server = 0; server < kServers; ++server) {
    // Waits for the condition (the old key refused) with a deadline; each answer is a fresh look.
    long status = 200;
    while (status != 401 && steady_clock::now() - committed < std::chrono::seconds(1)) {
      status = WithKey(server, user).Get("/Contact?maxSize=1").status;
    }
    EXPECT_EQ(status, 401) << "server " << server << " still takes the rotated key after 1 s";
  }
}

// The receiver holds every request while only the first node runs, so that node holds the
// webhook's lease with a request in flight; two more nodes start and take writes; the first is
// killed and the receiver starts answering. The killed node's acknowledged writes are all there,
// and the survivors deliver every event (the held one again, once the lease expired), in order.
TEST_F(MultiProcessTest, KillingOneLosesNothingAcknowledged) {
  receiver_->Script("/hook", {}, Reply::Hold());
  StartServers(1);
  ApiClient first = Admin(0);
  const json::object hook = CreateWebhook(
      first, json::object{{"event", "Contact.create"}, {"url", receiver_->Url("/hook")}});
  const std::string hook_id = StringAt(hook, "id");
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(CreateContact(first, "Before", std::to_string(i)));
  receiver_->WaitFor("/hook", 1);  // the first node is sending
  StartServers(2);
  for (int i = 0; i < 6; ++i) {
    ApiClient client = Admin(i % kServers);
    ids.push_back(CreateContact(client, "Around", std::to_string(i)));
  }
  servers_[0]->Kill();
  receiver_->Script("/hook", {}, Reply::Status(200));

  for (int reader = 1; reader < kServers; ++reader) {
    for (const auto& id : ids) ASSERT_HTTP_STATUS(Admin(reader).Get("/Contact/" + id), 200);
  }
  ApiClient survivor = Admin(1);
  WaitForLog(
      survivor, hook_id,
      [&](const json::object& log) {
        if (!log.contains("list") || log.at("list").as_array().size() != ids.size()) return false;
        for (const auto& item : log.at("list").as_array()) {
          if (item.as_object().at("status") != "delivered") return false;
        }
        return true;
      },
      std::chrono::seconds(15));
  const std::vector<ReceivedRequest> requests = receiver_->Requests("/hook");
  const std::vector<std::string> order = ArrivalOrder(requests);
  ASSERT_EQ(order.size(), ids.size()) << "a delivery was lost or sent out of order";
  // Only the first delivery was tried more than once; each arrived with its own event.
  const auto first_tries = std::count_if(requests.begin(), requests.end(), [&](const auto& r) {
    return r.Header("webhook-id") == order[0];
  });
  EXPECT_EQ(requests.size() - static_cast<std::size_t>(first_tries), ids.size() - 1);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto sent = std::find_if(requests.begin(), requests.end(), [&](const auto& request) {
      return request.Header("webhook-id") == order[i];
    });
    EXPECT_NE(sent->body.find(ids[i]), std::string::npos)
        << "event " << i << " arrived out of order: " << sent->body;
  }
}

}  // namespace
}  // namespace crm::apitest
