// Helpers of the webhook API tests (webhooks_test.cpp, webhook_delivery_test.cpp): a crmd started
// with loopback allowed and fast retries, webhook records and their delivery log over the API, and
// the consumer side's crypto done with libsodium directly (not crmd's own helpers), as a receiver
// would check a delivery.
//
// Thread-safety: none; one test thread uses these.
#ifndef CRM_TESTS_API_WEBHOOK_TEST_UTIL_HPP_
#define CRM_TESTS_API_WEBHOOK_TEST_UTIL_HPP_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_test_util.hpp"
#include "api/webhook_receiver.hpp"

namespace crm::apitest {

// `crmd serve` arguments: 127.0.0.1 allowed as a webhook host (unless `allow_loopback` is false),
// retries after 100 ms doubling to at most 1 s.
std::vector<std::string> WebhookServeArgs(bool allow_loopback = true);

// POST /Webhook; expects 201 and returns the record (with its secretKey).
json::object CreateWebhook(ApiClient& client, const json::object& body);

// GET /Webhook/{id}/deliveries; expects 200.
json::object DeliveryLog(ApiClient& client, const std::string& webhook_id);
// Polls the delivery log (the worker records an attempt after the receiver answered) until
// `done` holds for it or `timeout` passes (a test failure); returns the last log read.
json::object WaitForLog(ApiClient& client, const std::string& webhook_id,
                        const std::function<bool(const json::object&)>& done,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10));
// The log's only delivery once its status is `status`.
json::object WaitForOnlyDelivery(ApiClient& client, const std::string& webhook_id,
                                 std::string_view status);

// POST /Contact {firstName, lastName}; expects 201 or 200 and returns the id.
std::string CreateContact(ApiClient& client, const std::string& first, const std::string& last);

// The fixture of the webhook API tests: a receiver on loopback started for each test, a crmd that
// delivers to it (StartServer), and an admin's webhooks to the receiver's paths (Hook).
class WebhookApiTest : public ::testing::Test {
 protected:
  void SetUp() override;
  // `crmd serve` with WebhookServeArgs(allow_loopback) and `extra`.
  void StartServer(bool allow_loopback = true, const std::vector<std::string>& extra = {});

  ApiClient Admin() const { return env_->Admin(); }
  ApiClient Api() const { return env_->Client(AuthMode::kApiKey); }

  // An admin's webhook for `event` to the receiver's `path`, with `extra` fields.
  json::object Hook(const std::string& event, const std::string& path,
                    const json::object& extra = {});

  // Declared first so that it outlives the server, which may still be sending to it.
  std::unique_ptr<WebhookReceiver> receiver_;
  std::unique_ptr<ServerEnv> env_;
};

// The consumer's view of a delivery body.
std::string HmacSha256HexOf(std::string_view key, std::string_view message);
std::string HmacSha256RawOf(std::string_view key, std::string_view message);
std::optional<std::string> DecodeBase64(std::string_view text);
std::string EncodeBase64(std::string_view bytes);

}  // namespace crm::apitest

#endif  // CRM_TESTS_API_WEBHOOK_TEST_UTIL_HPP_
