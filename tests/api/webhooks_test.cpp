// Webhooks as their consumers see them (issue 11), against the real crmd and a real receiver on
// loopback (webhook_receiver.hpp): the seed document's payload and its PHP signature check
// rewritten in C++, EspoCRM's array format with its Signature and X-Signature checks, the Standard
// Webhooks headers verified by the npm package `standardwebhooks`
// (tests/clients/verify_standardwebhooks.js); and the subscription rules: 400s that say why, 410
// deactivating, fieldUpdate, skipOwn, API users' own webhooks, the test ping, redelivery and the
// `crmd webhook` commands. Delivery guarantees (order, retries, crashes) are in
// webhook_delivery_test.cpp.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/store/open_database.hpp"

#include "api/api_test_util.hpp"
#include "api/webhook_receiver.hpp"
#include "api/webhook_test_util.hpp"
#include "testing/temp_dir.hpp"

namespace crm::apitest {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

std::int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> Keys(const json::value& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : AsObject(object)) keys.emplace_back(key);
  return keys;
}

// EspoCRM's Signature (hex) and X-Signature (raw) headers: base64 of "webhookId:hmac". A consumer
// decodes, splits at the first ':' and compares both halves.
::testing::AssertionResult EspoSignatureMatches(std::string_view header,
                                                const std::string& webhook_id,
                                                const std::string& expected_hmac) {
  const std::optional<std::string> decoded = DecodeBase64(header);
  if (!decoded) return ::testing::AssertionFailure() << "not base64: " << header;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) return ::testing::AssertionFailure() << "no ':' in " << *decoded;
  if (decoded->substr(0, colon) != webhook_id) {
    return ::testing::AssertionFailure() << "names webhook " << decoded->substr(0, colon);
  }
  if (decoded->substr(colon + 1) != expected_hmac) {
    return ::testing::AssertionFailure() << "the HMAC does not match the body";
  }
  return ::testing::AssertionSuccess();
}

// Runs tests/clients/verify_standardwebhooks.js on a delivery's headers and `body`.
::testing::AssertionResult StandardWebhooksVerify(const std::string& secret,
                                                  const ReceivedRequest& request,
                                                  const std::string& body) {
  const std::string node = FindProgram("node");
  if (node.empty()) return ::testing::AssertionFailure() << "node is not on PATH";
  testing::TempDir dir;
  {
    std::ofstream headers(dir.File("headers.json"));
    headers << json::serialize(
        json::object{{"webhook-id", request.Header("webhook-id")},
                     {"webhook-timestamp", request.Header("webhook-timestamp")},
                     {"webhook-signature", request.Header("webhook-signature")}});
    std::ofstream(dir.File("body"), std::ios::binary) << body;
  }
  const testing::CommandResult result =
      testing::RunCommand(node, {testing::SourceDir() + "/tests/clients/verify_standardwebhooks.js",
                                 secret, dir.File("headers.json"), dir.File("body")});
  if (result.exit_code != 0) {
    return ::testing::AssertionFailure()
           << "exit " << result.exit_code << ": " << result.out << result.err;
  }
  return ::testing::AssertionSuccess() << result.out;
}

class WebhooksTest : public WebhookApiTest {
 protected:
  void SetUp() override {
    WebhookApiTest::SetUp();
    if (!HasFatalFailure()) StartServer();
  }
};

TEST_F(WebhooksTest, CreateReturnsTheSecretInBothForms) {
  const json::object hook = Hook("Contact.create", "/hook");
  const std::string secret = StringAt(hook, "secretKey");
  EXPECT_TRUE(IsLowerHex(secret, 32)) << secret;
  EXPECT_EQ(StringAt(hook, "standardWebhooksSecret"), "whsec_" + EncodeBase64(secret));
  EXPECT_EQ(StringAt(hook, "entityType"), "Contact");
  EXPECT_EQ(StringAt(hook, "type"), "create");
  EXPECT_EQ(StringAt(hook, "format"), "seed");
  EXPECT_EQ(hook.at("isActive"), json::value(true));
  // Each webhook has its own secret.
  EXPECT_NE(StringAt(Hook("Contact.create", "/other"), "secretKey"), secret);
}

// Every byte the SQLite database keeps (the file and its write-ahead log); on PostgreSQL, the
// stored secret columns of every webhook.
std::string StoredBytes(const std::string& data_dir) {
  std::string bytes;
  if (const std::string url = testing::DatabaseUrlOf(data_dir); !url.empty()) {
    auto db = store::OpenDatabase(url, {});
    EXPECT_TRUE(db.ok()) << db.status().message();
    if (!db.ok()) return bytes;
    auto conn = (*db)->ReadConnection();
    EXPECT_TRUE(conn.ok());
    if (!conn.ok()) return bytes;
    EXPECT_TRUE((*conn)
                    ->Query("SELECT COALESCE(\"secret_key\", '') || ' ' || "
                            "COALESCE(\"standard_webhooks_secret\", '') FROM \"webhook\"",
                            {},
                            [&](const store::Row& row) {
                              bytes += row.Text(0);
                              bytes += '\n';
                              return true;
                            })
                    .ok());
    return bytes;
  }
  for (const char* name : {"crmd.db", "crmd.db-wal"}) {
    std::ifstream in(std::filesystem::path(data_dir) / name, std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return bytes;
}

// The secret was stored in the clear and returned on every read: now it is in the create answer
// only, sealed at rest, and a lost one is replaced by rotate-secret.
TEST_F(WebhooksTest, TheSecretIsShownOnceAndRotatedOnRequest) {
  const json::object hook = Hook("Contact.create", "/once");
  const std::string webhook_id = StringAt(hook, "id");
  const std::string secret = StringAt(hook, "secretKey");
  const std::string whsec = StringAt(hook, "standardWebhooksSecret");
  ApiClient admin = Admin();
  const HttpResponse read = admin.Get("/Webhook/" + webhook_id);
  ASSERT_HTTP_STATUS(read, 200);
  EXPECT_FALSE(read.Json().as_object().contains("secretKey")) << read.body;
  EXPECT_FALSE(read.Json().as_object().contains("standardWebhooksSecret")) << read.body;
  const HttpResponse list = admin.Get("/Webhook");
  ASSERT_HTTP_STATUS(list, 200);
  EXPECT_EQ(list.body.find(secret), std::string::npos) << list.body;
  EXPECT_EQ(list.body.find("secretKey"), std::string::npos) << list.body;
  const auto printed = env_->server->Cli({"webhook", "list"});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_NE(printed.out.find(webhook_id), std::string::npos) << printed.out;
  EXPECT_EQ(printed.out.find(secret), std::string::npos) << printed.out;
  const std::string stored = StoredBytes(env_->server->data_dir());
  ASSERT_FALSE(stored.empty());
  EXPECT_EQ(stored.find(secret), std::string::npos);
  EXPECT_EQ(stored.find(whsec), std::string::npos);

  // Another API user's webhook cannot be rotated; an unknown one is 404.
  EXPECT_TRUE(
      IsApiError(Api().Post("/Webhook/" + webhook_id + "/rotate-secret", json::object{}), 404));
  EXPECT_TRUE(
      IsApiError(admin.Post("/Webhook/0123456789abcdef0/rotate-secret", json::object{}), 404));
  const HttpResponse rotated =
      admin.Post("/Webhook/" + webhook_id + "/rotate-secret", json::object{});
  ASSERT_HTTP_STATUS(rotated, 200);
  const std::string new_secret = StringAt(rotated.Json(), "secretKey");
  EXPECT_TRUE(IsLowerHex(new_secret, 32)) << rotated.body;
  EXPECT_NE(new_secret, secret);
  EXPECT_EQ(StringAt(rotated.Json(), "standardWebhooksSecret"),
            "whsec_" + EncodeBase64(new_secret));
  EXPECT_EQ(StoredBytes(env_->server->data_dir()).find(new_secret), std::string::npos);

  ASSERT_HTTP_STATUS(admin.Post("/Webhook/" + webhook_id + "/test", json::object{}), 200);
  const auto requests = receiver_->WaitFor("/once", 1);
  ASSERT_EQ(requests.size(), 1u);
  const ReceivedRequest& request = requests[0];
  EXPECT_EQ(request.Header("x-espocrm-signature"), HmacSha256HexOf(new_secret, request.body));
  EXPECT_NE(request.Header("x-espocrm-signature"), HmacSha256HexOf(secret, request.body));
  EXPECT_TRUE(StandardWebhooksVerify(StringAt(rotated.Json(), "standardWebhooksSecret"), request,
                                     request.body));
  EXPECT_FALSE(StandardWebhooksVerify(whsec, request, request.body));
}

TEST_F(WebhooksTest, SeedPayloadPassesTheSeedsPhpCheck) {
  const json::object hook =
      Hook("Contact.create", "/seed", {{"headers", json::object{{"X-Client-Token", "token-123"}}}});
  const std::string secret = StringAt(hook, "secretKey");
  ApiClient api = Api();
  const std::int64_t before = UnixNow();
  const HttpResponse created =
      api.Post("/Contact", json::object{{"firstName", "John"},
                                        {"lastName", "Doe"},
                                        {"emailAddress", "john@example.com"}});
  ASSERT_HTTP_STATUS(created, 200);
  const std::string contact_id = StringAt(created.Json(), "id");

  const auto requests = receiver_->WaitFor("/seed", 1);
  ASSERT_EQ(requests.size(), 1u);
  const ReceivedRequest& request = requests[0];
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("x-client-token"), "token-123");
  // The seed document's check:
  //   $expectedSignature = hash_hmac('sha256', $payload, $secret);
  //   if ($signature === $expectedSignature) { // Process webhook }
  const std::string payload = request.body;
  const std::string signature = request.Header("x-espocrm-signature");
  const std::string expected_signature = HmacSha256HexOf(secret, payload);
  EXPECT_EQ(signature, expected_signature);
  // ... which a forger without the secret, or a changed body, does not pass.
  EXPECT_NE(signature, HmacSha256HexOf("not-the-secret", payload));
  EXPECT_NE(signature, HmacSha256HexOf(secret, payload + " "));

  // The seed document's payload: {"event", "data", "userId", "timestamp"}.
  const json::value body = ParseJson(payload);
  EXPECT_THAT(Keys(body), UnorderedElementsAre("event", "data", "userId", "timestamp"));
  EXPECT_EQ(StringAt(body, "event"), "Contact.create");
  EXPECT_EQ(StringAt(body, "userId"), env_->api_user.user_id);
  ASSERT_TRUE(body.at("timestamp").is_int64());
  EXPECT_GE(body.at("timestamp").as_int64(), before - 1);
  EXPECT_LE(body.at("timestamp").as_int64(), UnixNow() + 1);
  const json::value& data = body.at("data");
  EXPECT_EQ(StringAt(data, "id"), contact_id);
  EXPECT_TRUE(HasAttributes(data, {{"firstName", "John"},
                                   {"lastName", "Doe"},
                                   {"emailAddress", "john@example.com"},
                                   {"createdAt", StringAt(created.Json(), "createdAt")}}));

  ApiClient admin = Admin();
  const json::object delivery = WaitForOnlyDelivery(admin, StringAt(hook, "id"), "delivered");
  EXPECT_EQ(StringAt(delivery, "id"), request.Header("webhook-id"));
  EXPECT_EQ(StringAt(delivery, "event"), "Contact.create");
  EXPECT_EQ(delivery.at("attempts"), json::value(1));
  EXPECT_EQ(delivery.at("lastStatusCode"), json::value(200));
  EXPECT_TRUE(IsDateTime(StringAt(delivery, "deliveredAt")));
  EXPECT_TRUE(delivery.at("error").is_null());
}

TEST_F(WebhooksTest, EspoFormatPassesEspoCrmConsumersChecks) {
  const json::object hook = Hook("Contact.create", "/espo", {{"format", "espo"}});
  const std::string webhook_id = StringAt(hook, "id");
  const std::string secret = StringAt(hook, "secretKey");
  // One transaction queues three deliveries at once: EspoCRM's format sends them in one request.
  ApiClient api = Api();
  const HttpResponse created = api.Post(
      "/Contact/action/massCreate",
      json::object{{"list", json::array{json::object{{"firstName", "A"}, {"lastName", "One"}},
                                        json::object{{"firstName", "B"}, {"lastName", "Two"}},
                                        json::object{{"firstName", "C"}, {"lastName", "Three"}}}}});
  ASSERT_HTTP_STATUS(created, 200);
  const std::vector<std::string> ids = StringsAt(created.Json(), "ids");
  ASSERT_EQ(ids.size(), 3u);

  const auto requests = receiver_->WaitFor("/espo", 1);
  ASSERT_EQ(requests.size(), 1u);
  const ReceivedRequest& request = requests[0];
  const json::array items = AsArray(ParseJson(request.body));
  ASSERT_EQ(items.size(), 3u) << request.body;
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(StringAt(items[i], "id"), ids[i]);
    EXPECT_FALSE(AsObject(items[i]).contains("event")) << "an item is the record, no wrapper";
  }
  EXPECT_EQ(StringAt(items[1], "lastName"), "Two");
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_TRUE(EspoSignatureMatches(request.Header("signature"), webhook_id,
                                   HmacSha256HexOf(secret, request.body)));
  EXPECT_TRUE(EspoSignatureMatches(request.Header("x-signature"), webhook_id,
                                   HmacSha256RawOf(secret, request.body)));
  // The check rejects another body and another webhook's id.
  EXPECT_FALSE(EspoSignatureMatches(request.Header("signature"), webhook_id,
                                    HmacSha256HexOf(secret, request.body + "\n")));
  EXPECT_FALSE(EspoSignatureMatches(request.Header("signature"), "0" + webhook_id.substr(1),
                                    HmacSha256HexOf(secret, request.body)));

  ApiClient admin = Admin();
  const json::object log = WaitForLog(admin, webhook_id, [](const json::object& l) {
    for (const auto& item : AsArray(l.at("list"))) {
      if (StringAt(item, "status") != "delivered") return false;
    }
    return l.at("total") == json::value(3);
  });
  EXPECT_EQ(log.at("total"), json::value(3));
}

TEST_F(WebhooksTest, StandardWebhooksLibraryVerifiesDeliveries) {
  const json::object seed = Hook("Contact.create", "/seed");
  const json::object espo = Hook("Contact.create", "/espo", {{"format", "espo"}});
  ApiClient api = Api();
  CreateContact(api, "Standard", "Webhooks");

  for (const auto& [hook, path] :
       {std::pair{seed, std::string("/seed")}, std::pair{espo, std::string("/espo")}}) {
    const auto requests = receiver_->WaitFor(path, 1);
    ASSERT_EQ(requests.size(), 1u) << path;
    const ReceivedRequest& request = requests[0];
    const std::string secret = StringAt(hook, "standardWebhooksSecret");
    EXPECT_TRUE(IsRecordId(request.Header("webhook-id"))) << request.Header("webhook-id");
    EXPECT_THAT(request.Header("webhook-signature"), ::testing::StartsWith("v1,"));
    EXPECT_TRUE(StandardWebhooksVerify(secret, request, request.body)) << path;
    // The verifier is not a rubber stamp: a changed body, another secret or a replayed old
    // timestamp fail.
    std::string tampered = request.body;
    tampered.replace(tampered.find("Standard"), 8, "Stxndard");
    EXPECT_FALSE(StandardWebhooksVerify(secret, request, tampered)) << path;
    EXPECT_FALSE(StandardWebhooksVerify(
        StringAt(path == "/seed" ? espo : seed, "standardWebhooksSecret"), request, request.body))
        << path;
    ReceivedRequest replayed = request;
    replayed.headers["webhook-timestamp"] = std::to_string(UnixNow() - 3600);
    EXPECT_FALSE(StandardWebhooksVerify(secret, replayed, request.body)) << path;
  }
}

TEST_F(WebhooksTest, EveryKindOfChangeIsDelivered) {
  Hook("Contact.create", "/contact-create");
  Hook("Contact.update", "/contact-update");
  Hook("Contact.delete", "/contact-delete");
  Hook("Lead.update", "/lead-update");
  Hook("Account.create", "/account-create");
  ApiClient api = Api();
  const std::string id = CreateContact(api, "Every", "Change");

  // An update carries the id and what changed, not the rest of the record.
  ASSERT_HTTP_STATUS(api.Put("/Contact/" + id, json::object{{"title", "Changed"}}), 200);
  ASSERT_HTTP_STATUS(api.Put("/Contact/action/massUpdate",
                             json::object{{"ids", json::array{json::value(id)}},
                                          {"data", json::object{{"description", "by mass"}}}}),
                     200);
  const auto updates = receiver_->WaitFor("/contact-update", 2);
  ASSERT_EQ(updates.size(), 2u);
  const json::value first = ParseJson(updates[0].body);
  EXPECT_EQ(StringAt(first, "event"), "Contact.update");
  EXPECT_EQ(StringAt(first.at("data"), "id"), id);
  EXPECT_EQ(StringAt(first.at("data"), "title"), "Changed");
  EXPECT_FALSE(AsObject(first.at("data")).contains("lastName")) << updates[0].body;
  EXPECT_EQ(StringAt(ParseJson(updates[1].body).at("data"), "description"), "by mass");

  // A lead conversion: the records it creates and the lead's update, from one transaction.
  const HttpResponse lead =
      api.Post("/Lead", json::object{{"firstName", "Leo"}, {"lastName", "Lead"}});
  ASSERT_HTTP_STATUS(lead, 200);
  const HttpResponse converted = api.Post(
      "/Lead/action/convert",
      json::object{{"id", StringAt(lead.Json(), "id")},
                   {"records", json::object{{"Account", json::object{{"name", "LeadCo"}}},
                                            {"Contact", json::object{{"firstName", "Leo"},
                                                                     {"lastName", "Lead"}}}}}});
  ASSERT_HTTP_STATUS(converted, 200);
  const std::string contact_id = StringAt(converted.Json(), "createdContactId");
  const auto accounts = receiver_->WaitFor("/account-create", 1);
  ASSERT_EQ(accounts.size(), 1u);
  EXPECT_EQ(StringAt(ParseJson(accounts[0].body).at("data"), "id"),
            StringAt(converted.Json(), "createdAccountId"));
  const auto leads = receiver_->WaitFor("/lead-update", 1);
  ASSERT_EQ(leads.size(), 1u);
  EXPECT_EQ(StringAt(ParseJson(leads[0].body).at("data"), "status"), "Converted");
  const auto creates = receiver_->WaitFor("/contact-create", 2);
  ASSERT_EQ(creates.size(), 2u);
  EXPECT_EQ(StringAt(ParseJson(creates[1].body).at("data"), "id"), contact_id);

  // A delete carries only the id.
  ASSERT_HTTP_STATUS(api.Delete("/Contact/" + id), 200);
  ASSERT_HTTP_STATUS(
      api.Raw("DELETE", "/Contact/action/massDelete",
              json::serialize(json::object{{"ids", json::array{json::value(contact_id)}}}),
              {{"Content-Type", "application/json"}}),
      200);
  const auto deletes = receiver_->WaitFor("/contact-delete", 2);
  ASSERT_EQ(deletes.size(), 2u);
  EXPECT_EQ(ParseJson(deletes[0].body).at("data"), (json::value(json::object{{"id", id}})));
  EXPECT_EQ(ParseJson(deletes[1].body).at("data"), (json::value(json::object{{"id", contact_id}})));
  EXPECT_EQ(StringAt(ParseJson(deletes[1].body), "event"), "Contact.delete");
}

TEST_F(WebhooksTest, BadSubscriptionsAre400SayingWhy) {
  ApiClient admin = Admin();
  const std::string url = receiver_->Url("/hook");
  struct Case {
    json::object body;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{{"event", "Contact.explode"}, {"url", url}}, "unknown type"},
      {{{"event", "Nope.create"}, {"url", url}}, "unknown entity"},
      {{{"event", "Contact.fieldUpdate.nope"}, {"url", url}}, "has no field 'nope'"},
      {{{"event", "Contact.fieldUpdate"}, {"url", url}}, "fieldUpdate needs a field"},
      {{{"event", "Contact"}, {"url", url}}, "Not supported event"},
      {{{"event", "Contact.create"}, {"url", "ftp://example.com/hook"}}, "http or https"},
      {{{"event", "Contact.create"}, {"url", "not a url"}}, "not an absolute URL"},
      {{{"event", "Contact.create"}, {"url", "http://10.1.2.3/hook"}}, "not a public address"},
      {{{"event", "Contact.create"},
        {"url", url},
        {"headers", json::object{{"X-EspoCRM-Signature", "forged"}}}},
       "set by crmd"},
      {{{"event", "Contact.create"}, {"url", url}, {"headers", json::object{{"X-A", "a\nb"}}}},
       "one line"},
  };
  for (const Case& c : cases) {
    const HttpResponse r = admin.Post("/Webhook", c.body);
    EXPECT_TRUE(IsApiError(r, 400)) << json::serialize(c.body);
    EXPECT_THAT(r.Header("X-Status-Reason") + r.body, HasSubstr(c.says)) << json::serialize(c.body);
  }
  // Nothing was created.
  EXPECT_EQ(AsObject(admin.Get("/Webhook").Json()).at("total"), json::value(0));
}

TEST_F(WebhooksTest, GoneDeactivatesTheWebhookAndFailsWhatWasPending) {
  const json::object hook = Hook("Contact.create", "/gone");
  const std::string webhook_id = StringAt(hook, "id");
  receiver_->Script("/gone", {Reply::Hold()});
  ApiClient api = Api();
  CreateContact(api, "First", "Gone");
  ASSERT_EQ(receiver_->WaitFor("/gone", 1).size(), 1u);
  CreateContact(api, "Second", "Pending");  // queued behind the one in flight
  receiver_->ReleaseHeld(410);

  ApiClient admin = Admin();
  const json::object log = WaitForLog(admin, webhook_id, [](const json::object& l) {
    const json::array list = AsArray(l.at("list"));
    return list.size() == 2 && StringAt(list[0], "status") == "failed" &&
           StringAt(list[1], "status") == "failed";
  });
  const json::array list = AsArray(log.at("list"));  // newest first
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[1].at("lastStatusCode"), json::value(410));
  EXPECT_EQ(list[0].at("attempts"), json::value(0));
  EXPECT_THAT(StringAt(list[0], "error"), HasSubstr("410"));
  const HttpResponse read = admin.Get("/Webhook/" + webhook_id);
  ASSERT_HTTP_STATUS(read, 200);
  EXPECT_EQ(read.Json().at("isActive"), json::value(false));
  // An inactive webhook queues nothing (queued in the change's transaction, so this is final).
  CreateContact(api, "Third", "Ignored");
  EXPECT_EQ(DeliveryLog(admin, webhook_id).at("total"), json::value(2));
  EXPECT_EQ(receiver_->Requests("/gone").size(), 1u);
}

TEST_F(WebhooksTest, FieldUpdateFiresOnlyWhenTheFieldChanges) {
  const json::object title = Hook("Contact.fieldUpdate.title", "/title");
  const json::object assigned = Hook("Contact.fieldUpdate.assignedUser", "/assigned");
  EXPECT_EQ(StringAt(title, "type"), "fieldUpdate");
  EXPECT_EQ(StringAt(title, "field"), "title");
  ApiClient api = Api();
  ApiClient admin = Admin();
  const std::string id = CreateContact(api, "Field", "Update");
  ASSERT_HTTP_STATUS(api.Put("/Contact/" + id, json::object{{"description", "not the title"}}),
                     200);
  // Deliveries are queued in the change's transaction: none for a create or another field.
  EXPECT_EQ(DeliveryLog(admin, StringAt(title, "id")).at("total"), json::value(0));
  EXPECT_EQ(DeliveryLog(admin, StringAt(assigned, "id")).at("total"), json::value(0));

  ASSERT_HTTP_STATUS(api.Put("/Contact/" + id, json::object{{"title", "Manager"}}), 200);
  const auto titles = receiver_->WaitFor("/title", 1);
  ASSERT_EQ(titles.size(), 1u);
  const json::value body = ParseJson(titles[0].body);
  EXPECT_EQ(StringAt(body, "event"), "Contact.fieldUpdate.title");
  EXPECT_EQ(body.at("data"), (json::value(json::object{{"id", id}, {"title", "Manager"}})));
  // Setting the same value again changes nothing.
  ASSERT_HTTP_STATUS(api.Put("/Contact/" + id, json::object{{"title", "Manager"}}), 200);
  EXPECT_EQ(DeliveryLog(admin, StringAt(title, "id")).at("total"), json::value(1));

  // A field of two attributes: the id and both of them.
  ASSERT_HTTP_STATUS(api.Put("/Contact/" + id, json::object{{"assignedUserId", env_->admin_id}}),
                     200);
  const auto assigns = receiver_->WaitFor("/assigned", 1);
  ASSERT_EQ(assigns.size(), 1u);
  const json::value data = ParseJson(assigns[0].body).at("data");
  EXPECT_THAT(Keys(data), UnorderedElementsAre("id", "assignedUserId", "assignedUserName"));
  EXPECT_EQ(StringAt(data, "assignedUserId"), env_->admin_id);
  EXPECT_EQ(StringAt(data, "assignedUserName"), "Admin");
  EXPECT_EQ(receiver_->Requests("/title").size(), 1u);
}

TEST_F(WebhooksTest, SkipOwnSkipsTheOwnersChanges) {
  ApiClient api = Api();
  const json::object own = CreateWebhook(
      api, {{"event", "Contact.create"}, {"url", receiver_->Url("/own")}, {"skipOwn", true}});
  EXPECT_EQ(own.at("skipOwn"), json::value(true));
  // A webhook without a user has no own changes to skip: skipOwn is forced off (as EspoCRM).
  EXPECT_EQ(Hook("Contact.create", "/admin", {{"skipOwn", true}}).at("skipOwn"),
            json::value(false));

  CreateContact(api, "Own", "Change");
  EXPECT_EQ(DeliveryLog(api, StringAt(own, "id")).at("total"), json::value(0));
  ApiClient admin = Admin();
  const std::string by_admin = CreateContact(admin, "Admin", "Change");
  const auto requests = receiver_->WaitFor("/own", 1);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(StringAt(ParseJson(requests[0].body).at("data"), "id"), by_admin);
  EXPECT_EQ(receiver_->WaitFor("/admin", 2).size(), 2u);
}

TEST_F(WebhooksTest, ApiUsersWebhookCarriesOnlyWhatItMayRead) {
  ApiClient api = Api();
  CreateWebhook(api, {{"event", "User.create"}, {"url", receiver_->Url("/users")}});
  ApiClient admin = Admin();
  const HttpResponse user = admin.Post("/User", json::object{{"userName", "integration-2"},
                                                             {"lastName", "Integration"},
                                                             {"type", "api"},
                                                             {"authMethod", "ApiKey"}});
  ASSERT_HTTP_STATUS(user, 200);
  ASSERT_FALSE(StringAt(user.Json(), "apiKey").empty()) << "the admin reads the new key";
  const auto requests = receiver_->WaitFor("/users", 1);
  ASSERT_EQ(requests.size(), 1u);
  const json::value data = ParseJson(requests[0].body).at("data");
  EXPECT_EQ(StringAt(data, "userName"), "integration-2");
  EXPECT_FALSE(AsObject(data).contains("apiKey")) << requests[0].body;
  EXPECT_FALSE(AsObject(data).contains("secretKey")) << requests[0].body;
  EXPECT_EQ(requests[0].body.find(StringAt(user.Json(), "apiKey")), std::string::npos);
}

TEST_F(WebhooksTest, ApiUserSeesOnlyItsOwnWebhooks) {
  ApiClient api = Api();
  ApiClient admin = Admin();
  const json::object mine = CreateWebhook(
      api,
      {{"event", "Contact.create"}, {"url", receiver_->Url("/mine")}, {"userId", env_->admin_id}});
  EXPECT_EQ(StringAt(mine, "userId"), env_->api_user.user_id) << "the owner is forced";
  const json::object theirs = Hook("Contact.create", "/theirs");

  const HttpResponse list = api.Get("/Webhook");
  ASSERT_HTTP_STATUS(list, 200);
  EXPECT_THAT(ListIds(list.Json()), ElementsAre(StringAt(mine, "id")));
  EXPECT_THAT(ListIds(admin.Get("/Webhook").Json()),
              UnorderedElementsAre(StringAt(mine, "id"), StringAt(theirs, "id")));
  const std::string other = "/Webhook/" + StringAt(theirs, "id");
  EXPECT_TRUE(IsApiError(api.Get(other), 404));
  EXPECT_TRUE(IsApiError(api.Get(other + "/deliveries"), 404));
  EXPECT_TRUE(IsApiError(api.Post(other + "/test", json::object{}), 404));
  EXPECT_TRUE(IsApiError(api.Put(other, json::object{{"url", receiver_->Url("/stolen")}}), 404));
  EXPECT_HTTP_STATUS(api.Get("/Webhook/" + StringAt(mine, "id") + "/deliveries"), 200);

  // A regular user (not an API user, not an admin) has no access at all.
  const auto created = env_->server->Cli(
      {"user", "create", "--username", "regular-joe", "--password", "Regular-Password-1"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  HttpClient http(env_->server->base_url() + kApiBase);
  const Headers basic = {
      {"Authorization", BasicAuthorization("regular-joe", "Regular-Password-1")}};
  EXPECT_TRUE(IsApiError(http.Get("/Webhook", basic), 403));
  EXPECT_TRUE(IsApiError(
      http.Post("/Webhook",
                json::object{{"event", "Contact.create"}, {"url", receiver_->Url("/joe")}}, basic),
      403));
}

TEST_F(WebhooksTest, TestPingIsSignedAndLogged) {
  const json::object hook = Hook("Contact.create", "/ping");
  const std::string webhook_id = StringAt(hook, "id");
  ApiClient admin = Admin();
  const HttpResponse sent = admin.Post("/Webhook/" + webhook_id + "/test", json::object{});
  ASSERT_HTTP_STATUS(sent, 200);
  const std::string delivery_id = StringAt(sent.Json(), "id");
  EXPECT_TRUE(IsRecordId(delivery_id)) << sent.body;

  const auto requests = receiver_->WaitFor("/ping", 1);
  ASSERT_EQ(requests.size(), 1u);
  const ReceivedRequest& request = requests[0];
  const json::value ping = ParseJson(request.body);
  EXPECT_EQ(StringAt(ping, "event"), "ping");
  // The seed format's userId: who asked for the ping.
  EXPECT_EQ(StringAt(ping, "userId"), env_->admin_id) << request.body;
  EXPECT_EQ(request.Header("webhook-id"), delivery_id);
  EXPECT_EQ(request.Header("x-espocrm-signature"),
            HmacSha256HexOf(StringAt(hook, "secretKey"), request.body));
  EXPECT_TRUE(
      StandardWebhooksVerify(StringAt(hook, "standardWebhooksSecret"), request, request.body));
  const json::object delivery = WaitForOnlyDelivery(admin, webhook_id, "delivered");
  EXPECT_EQ(StringAt(delivery, "event"), "ping");
  EXPECT_TRUE(IsApiError(admin.Post("/Webhook/0123456789abcdef0/test", json::object{}), 404));
}

TEST_F(WebhooksTest, RedeliverSendsAFailedDeliveryAgain) {
  const json::object hook = Hook("Contact.create", "/re");
  const std::string webhook_id = StringAt(hook, "id");
  // 400 is not retried: the delivery fails at once.
  receiver_->Script("/re", {Reply::Status(400), Reply::Status(400), Reply::Status(400)});
  ApiClient api = Api();
  ApiClient admin = Admin();
  CreateContact(api, "Re", "Deliver");
  const json::object failed = WaitForOnlyDelivery(admin, webhook_id, "failed");
  EXPECT_EQ(failed.at("attempts"), json::value(1));
  EXPECT_EQ(failed.at("lastStatusCode"), json::value(400));
  EXPECT_THAT(StringAt(failed, "error"), HasSubstr("HTTP 400"));
  const std::string delivery_id = StringAt(failed, "id");

  // One delivery by id: the same webhook-id again (answered 400 again, failed again).
  const HttpResponse one =
      admin.Post("/Webhook/" + webhook_id + "/redeliver", json::object{{"id", delivery_id}});
  ASSERT_HTTP_STATUS(one, 200);
  EXPECT_EQ(one.Json().at("count"), json::value(1));
  auto requests = receiver_->WaitFor("/re", 2);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].Header("webhook-id"), delivery_id);
  EXPECT_EQ(requests[1].body, requests[0].body);
  WaitForLog(admin, webhook_id, [](const json::object& l) {
    const json::array list = AsArray(l.at("list"));
    return list.size() == 1 && list[0].at("attempts") == json::value(2) &&
           StringAt(list[0], "status") == "failed";
  });

  // Every failed one since a time.
  CreateContact(api, "Second", "Failure");
  WaitForLog(admin, webhook_id, [](const json::object& l) {
    const json::array list = AsArray(l.at("list"));
    return list.size() == 2 && StringAt(list[0], "status") == "failed";
  });
  const HttpResponse since = admin.Post("/Webhook/" + webhook_id + "/redeliver",
                                        json::object{{"since", "2000-01-01 00:00:00"}});
  ASSERT_HTTP_STATUS(since, 200);
  EXPECT_EQ(since.Json().at("count"), json::value(2));
  requests = receiver_->WaitFor("/re", 5);
  EXPECT_EQ(requests.size(), 5u);
  WaitForLog(admin, webhook_id, [](const json::object& l) {
    const json::array list = AsArray(l.at("list"));
    return list.size() == 2 && StringAt(list[0], "status") == "delivered" &&
           StringAt(list[1], "status") == "delivered";
  });
  EXPECT_TRUE(IsApiError(admin.Post("/Webhook/" + webhook_id + "/redeliver",
                                    json::object{{"id", "0123456789abcdef0"}}),
                         404));
}

TEST_F(WebhooksTest, CliCreatesListsAndDeletesWebhooks) {
  const auto created = env_->server->Cli(
      {"webhook", "create", "--event", "Contact.create", "--url", receiver_->Url("/cli"),
       "--header", "X-Client-Token: from-cli", "--webhook-allowed-hosts", "127.0.0.1"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const json::value hook = ParseJson(created.out);
  const std::string webhook_id = StringAt(hook, "id");
  EXPECT_TRUE(IsRecordId(webhook_id)) << created.out;
  EXPECT_TRUE(IsLowerHex(StringAt(hook, "secretKey"), 32)) << created.out;

  const auto listed = env_->server->Cli({"webhook", "list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const json::array all = AsArray(ParseJson(listed.out));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(StringAt(all[0], "id"), webhook_id);

  // The running server sends to it.
  ApiClient api = Api();
  CreateContact(api, "Cli", "Hook");
  const auto requests = receiver_->WaitFor("/cli", 1);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("x-client-token"), "from-cli");
  EXPECT_EQ(requests[0].Header("x-espocrm-signature"),
            HmacSha256HexOf(StringAt(hook, "secretKey"), requests[0].body));

  // Without the allowance the CLI refuses the loopback URL like the API does.
  const auto refused = env_->server->Cli(
      {"webhook", "create", "--event", "Contact.create", "--url", receiver_->Url("/cli2")});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr("not a public address"));

  const auto deleted = env_->server->Cli({"webhook", "delete", webhook_id});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_EQ(AsArray(ParseJson(env_->server->Cli({"webhook", "list"}).out)).size(), 0u);
  ApiClient admin = Admin();
  EXPECT_TRUE(IsApiError(admin.Get("/Webhook/" + webhook_id), 404));
  EXPECT_NE(env_->server->Cli({"webhook", "delete", webhook_id}).exit_code, 0);
}

}  // namespace
}  // namespace crm::apitest
