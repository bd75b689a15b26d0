// Webhook delivery guarantees (issue 11), against the real crmd and a real receiver on loopback
// (webhook_receiver.hpp): in order per webhook, retried until the receiver comes back, Retry-After
// honoured, nothing sent for a rolled-back change, nothing lost across kill -9, a receiver that
// never answers holding up no other webhook, and private addresses refused on save and at send
// time. crmd runs with retries after 100 ms (doubling to 1 s) to keep this quick.
#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_util.hpp"
#include "api/webhook_receiver.hpp"
#include "api/webhook_test_util.hpp"

namespace crm::apitest {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

milliseconds Between(std::chrono::steady_clock::time_point from,
                     std::chrono::steady_clock::time_point to) {
  return std::chrono::duration_cast<milliseconds>(to - from);
}

// data.<key> of each seed-format request.
std::vector<std::string> DataOf(const std::vector<ReceivedRequest>& requests,
                                const std::string& key) {
  std::vector<std::string> out;
  for (const auto& request : requests) {
    out.push_back(StringAt(ParseJson(request.body).at("data"), key));
  }
  return out;
}

// <key> of every item of espo-format requests, in arrival order.
std::vector<std::string> ItemsOf(const std::vector<ReceivedRequest>& requests,
                                 const std::string& key) {
  std::vector<std::string> out;
  for (const auto& request : requests) {
    for (const auto& item : AsArray(ParseJson(request.body))) out.push_back(StringAt(item, key));
  }
  return out;
}

class WebhookDeliveryTest : public WebhookApiTest {};

TEST_F(WebhookDeliveryTest, InOrderPerWebhookEvenAcrossARetry) {
  StartServer();
  Hook("Contact.update", "/seed");
  Hook("Contact.update", "/espo", {{"format", "espo"}});
  // The first update's first attempt fails: the later ones must wait behind its retry.
  receiver_->Script("/seed", {Reply::Status(500)});
  receiver_->Script("/espo", {Reply::Status(503)});
  ApiClient api = Api();
  const std::string id = CreateContact(api, "In", "Order");
  std::vector<std::string> expected;
  for (int i = 0; i < 20; ++i) {
    expected.push_back("update " + std::to_string(i));
    ASSERT_HTTP_STATUS(api.Put("/Contact/" + id, json::object{{"description", expected.back()}}),
                       200);
  }

  const auto seed = receiver_->WaitFor("/seed", 21);
  ASSERT_EQ(seed.size(), 21u);
  std::vector<std::string> seed_expected = {expected[0]};  // the failed attempt, then all in order
  seed_expected.insert(seed_expected.end(), expected.begin(), expected.end());
  EXPECT_THAT(DataOf(seed, "description"), ElementsAreArray(seed_expected));
  EXPECT_EQ(seed[0].Header("webhook-id"), seed[1].Header("webhook-id"));

  // The espo format batches what is pending; over the requests, the items are in order too (the
  // failed first request's items come again at the start of the next).
  const auto espo = receiver_->WaitUntil("/espo", [](const std::vector<ReceivedRequest>& got) {
    return got.size() >= 2 && ItemsOf({got.begin() + 1, got.end()}, "id").size() >= 20;
  });
  ASSERT_GE(espo.size(), 2u);
  const std::vector<ReceivedRequest> after_retry(espo.begin() + 1, espo.end());
  EXPECT_THAT(ItemsOf(after_retry, "description"), ElementsAreArray(expected));
  const std::vector<std::string> first = ItemsOf({espo[0]}, "description");
  EXPECT_THAT(first, ::testing::Not(::testing::IsEmpty()));
  EXPECT_EQ(first[0], expected[0]);
}

TEST_F(WebhookDeliveryTest, RetriedUntilTheReceiverComesBack) {
  StartServer();
  const json::object hook = Hook("Contact.create", "/flaky");
  receiver_->Script("/flaky", {Reply::Status(500), Reply::Status(502)});
  ApiClient api = Api();
  const std::string id = CreateContact(api, "Flaky", "Receiver");

  const auto requests = receiver_->WaitFor("/flaky", 3);
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& request : requests) {
    // The same delivery each time: its id (for the consumer's deduplication) and its body.
    EXPECT_EQ(request.Header("webhook-id"), requests[0].Header("webhook-id"));
    EXPECT_EQ(request.body, requests[0].body);
    EXPECT_EQ(request.Header("x-espocrm-signature"),
              HmacSha256HexOf(StringAt(hook, "secretKey"), request.body));
  }
  EXPECT_EQ(DataOf({requests[0]}, "id")[0], id);
  // Backed off, never sooner than the schedule's first delay less its jitter (100 ms - 25%).
  EXPECT_GE(Between(requests[0].at, requests[1].at), milliseconds(70));
  EXPECT_GE(Between(requests[1].at, requests[2].at), milliseconds(70));

  ApiClient admin = Admin();
  const json::object delivery = WaitForOnlyDelivery(admin, StringAt(hook, "id"), "delivered");
  EXPECT_EQ(delivery.at("attempts"), json::value(3));
  EXPECT_EQ(delivery.at("lastStatusCode"), json::value(200));
  EXPECT_TRUE(delivery.at("error").is_null());
}

TEST_F(WebhookDeliveryTest, RetryAfterIsHonoured) {
  StartServer();
  const json::object hook = Hook("Contact.create", "/busy");
  receiver_->Script("/busy", {Reply::Status(429, {{"Retry-After", "1"}})});
  ApiClient api = Api();
  CreateContact(api, "Busy", "Receiver");

  const auto requests = receiver_->WaitFor("/busy", 2);
  ASSERT_EQ(requests.size(), 2u);
  // Without Retry-After the retry would come after about 100 ms.
  const milliseconds gap = Between(requests[0].at, requests[1].at);
  EXPECT_GE(gap, milliseconds(990));
  EXPECT_LT(gap, milliseconds(5000));
  ApiClient admin = Admin();
  const json::object delivery = WaitForOnlyDelivery(admin, StringAt(hook, "id"), "delivered");
  EXPECT_EQ(delivery.at("attempts"), json::value(2));
}

TEST_F(WebhookDeliveryTest, NothingSentForARolledBackChange) {
  StartServer();
  const json::object hook = Hook("Contact.create", "/tx");
  const std::string webhook_id = StringAt(hook, "id");
  ApiClient api = Api();
  ApiClient admin = Admin();
  // The second record is invalid (no lastName), so the whole transaction, the first record's
  // change event and its delivery included, rolls back.
  const HttpResponse failed = api.Post(
      "/Contact/action/massCreate",
      json::object{{"list", json::array{json::object{{"firstName", "Rolled"}, {"lastName", "Back"}},
                                        json::object{{"firstName", "Invalid"}}}}});
  EXPECT_TRUE(IsApiError(failed, 400));
  EXPECT_EQ(DeliveryLog(admin, webhook_id).at("total"), json::value(0));

  // Deliveries of one webhook go in order, so anything queued for the failed request would arrive
  // before this one.
  const std::string later = CreateContact(api, "Committed", "Later");
  const auto requests = receiver_->WaitFor("/tx", 1);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(DataOf(requests, "id")[0], later);
  WaitForOnlyDelivery(admin, webhook_id, "delivered");
  EXPECT_EQ(receiver_->Requests("/tx").size(), 1u);
  const HttpResponse search = api.Get(
      "/Contact?where%5B0%5D%5Btype%5D=equals&where%5B0%5D%5Battribute%5D=lastName&"
      "where%5B0%5D%5Bvalue%5D=Back");
  ASSERT_HTTP_STATUS(search, 200);
  EXPECT_EQ(search.Json().at("total"), json::value(0));
}

TEST_F(WebhookDeliveryTest, ResumesAfterKill9WithNothingLost) {
  StartServer();
  Hook("Contact.create", "/crash");
  // A receiver that takes the first request and never answers: the rest pile up behind it while
  // the API acknowledges the writes.
  receiver_->Script("/crash", {}, Reply::Hold());
  std::vector<std::string> acknowledged;
  {
    ApiClient api = Api();
    for (int i = 0; i < 10; ++i) {
      acknowledged.push_back(CreateContact(api, "Crash", "Number " + std::to_string(i)));
    }
  }
  const auto before = receiver_->WaitFor("/crash", 1);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(DataOf(before, "id")[0], acknowledged[0]);

  receiver_->Script("/crash", {});  // answers 200 from now on
  env_->server->KillAndRestart();
  ASSERT_FALSE(HasFatalFailure());
  receiver_->ReleaseHeld();  // its connection died with the server
  ApiClient api = Api();
  acknowledged.push_back(CreateContact(api, "After", "Restart"));

  // The one in flight at the crash was not recorded as delivered, so it comes again (same
  // webhook-id, for the consumer to drop), then everything else, in order.
  const auto requests = receiver_->WaitFor("/crash", 1 + acknowledged.size());
  ASSERT_EQ(requests.size(), 1 + acknowledged.size());
  const std::vector<ReceivedRequest> resumed(requests.begin() + 1, requests.end());
  EXPECT_THAT(DataOf(resumed, "id"), ElementsAreArray(acknowledged));
  EXPECT_EQ(resumed[0].Header("webhook-id"), before[0].Header("webhook-id"));
}

TEST_F(WebhookDeliveryTest, DeliveredRowsArePrunedAfterTheRetention) {
  StartServer(true, {"--webhook-retention", "1ms"});
  const std::string delivered = StringAt(Hook("Contact.create", "/kept-short"), "id");
  const std::string failed = StringAt(Hook("Contact.create", "/refusing"), "id");
  receiver_->Script("/refusing", {}, Reply::Status(400));
  ApiClient api = Api();
  CreateContact(api, "Short", "Lived");
  {
    ApiClient admin = Admin();
    WaitForOnlyDelivery(admin, delivered, "delivered");
    WaitForOnlyDelivery(admin, failed, "failed");
  }
  // Pruning runs when the worker starts, then hourly.
  env_->server->KillAndRestart();
  ASSERT_FALSE(HasFatalFailure());
  ApiClient admin = Admin();
  WaitForLog(admin, delivered,
             [](const json::object& log) { return log.at("total") == json::value(0); });
  // A failed delivery stays in the log, to be looked at and redelivered.
  EXPECT_EQ(DeliveryLog(admin, failed).at("total"), json::value(1));
}

TEST_F(WebhookDeliveryTest, SilentReceiverDoesNotDelayAnotherWebhook) {
  StartServer();
  Hook("Contact.create", "/silent");
  Hook("Contact.create", "/fast");
  receiver_->Script("/silent", {}, Reply::Hold());
  ApiClient api = Api();
  CreateContact(api, "First", "Event");
  ASSERT_EQ(receiver_->WaitFor("/silent", 1).size(), 1u);
  ASSERT_EQ(receiver_->WaitFor("/fast", 1).size(), 1u);

  // With the silent receiver's request still open (crmd waits up to 10 s for it), another
  // change reaches the other webhook at once.
  const auto written = std::chrono::steady_clock::now();
  const std::string second = CreateContact(api, "Second", "Event");
  const milliseconds api_took = Between(written, std::chrono::steady_clock::now());
  const auto fast = receiver_->WaitFor("/fast", 2, std::chrono::seconds(3));
  ASSERT_EQ(fast.size(), 2u);
  const milliseconds delivered_in = Between(written, fast[1].at);
  EXPECT_EQ(DataOf({fast[1]}, "id")[0], second);
  EXPECT_LT(api_took, milliseconds(2000));
  EXPECT_LT(delivered_in, milliseconds(2000));
  EXPECT_EQ(receiver_->Requests("/silent").size(), 1u);
  RecordProperty("fast_delivery_ms", static_cast<int>(delivered_in.count()));
  std::cout << "write to the other webhook's receipt: " << delivered_in.count()
            << " ms (API answered in " << api_took.count() << " ms)\n";
}

TEST_F(WebhookDeliveryTest, PrivateAddressRefusedOnSaveAndAtSendTime) {
  StartServer(/*allow_loopback=*/false);
  ApiClient admin = Admin();
  for (const std::string& url :
       {receiver_->Url("/private"), std::string("http://localhost/hook"),
        std::string("http://10.0.0.1/hook"), std::string("http://172.16.5.4/hook"),
        std::string("http://192.168.1.1/hook"), std::string("http://169.254.169.254/latest"),
        std::string("http://100.64.0.1/hook"), std::string("http://0.0.0.0/hook"),
        std::string("http://224.0.0.1/hook"), std::string("http://[::1]/hook"),
        std::string("http://[fe80::1]/hook"), std::string("http://[fc00::1]/hook"),
        std::string("http://[::ffff:127.0.0.1]/hook")}) {
    const HttpResponse r =
        admin.Post("/Webhook", json::object{{"event", "Contact.create"}, {"url", url}});
    EXPECT_TRUE(IsApiError(r, 400)) << url;
    EXPECT_THAT(r.body, HasSubstr("not a public address")) << url;
  }
  // A public address is accepted (inactive: nothing is sent to it), and cannot be changed to a
  // private one.
  const json::object hook = CreateWebhook(
      admin,
      {{"event", "Contact.create"}, {"url", "http://93.184.215.14/hook"}, {"isActive", false}});
  const HttpResponse moved =
      admin.Put("/Webhook/" + StringAt(hook, "id"), json::object{{"url", "http://10.0.0.1/hook"}});
  EXPECT_TRUE(IsApiError(moved, 400));
  EXPECT_THAT(moved.body, HasSubstr("not a public address"));

  // Saved by a process that allowed 127.0.0.1 (the CLI), sent by a server that does not: the
  // address is checked again for the connection, and the delivery fails without reaching it.
  const auto created =
      env_->server->Cli({"webhook", "create", "--event", "Contact.create", "--url",
                         receiver_->Url("/private"), "--webhook-allowed-hosts", "127.0.0.1"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const std::string webhook_id = StringAt(ParseJson(created.out), "id");
  ApiClient api = Api();
  CreateContact(api, "Private", "Address");
  const json::object delivery = WaitForOnlyDelivery(admin, webhook_id, "failed");
  EXPECT_THAT(StringAt(delivery, "error"), HasSubstr("refused"));
  EXPECT_EQ(delivery.at("attempts"), json::value(1));
  EXPECT_TRUE(receiver_->Requests("/private").empty());
}

}  // namespace
}  // namespace crm::apitest
