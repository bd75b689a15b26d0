#include "api/webhook_test_util.hpp"

#include <thread>

#include <sodium.h>

namespace crm::apitest {

std::vector<std::string> WebhookServeArgs(bool allow_loopback) {
  std::vector<std::string> args = {"--webhook-retry-first", "100ms", "--webhook-retry-max", "1s"};
  if (allow_loopback) {
    args.push_back("--webhook-allowed-hosts");
    args.push_back("127.0.0.1");
  }
  return args;
}

json::object CreateWebhook(ApiClient& client, const json::object& body) {
  const HttpResponse response = client.Post("/Webhook", body);
  EXPECT_HTTP_STATUS(response, 201);
  return response.status == 201 ? AsObject(response.Json()) : json::object{};
}

json::object DeliveryLog(ApiClient& client, const std::string& webhook_id) {
  const HttpResponse response = client.Get("/Webhook/" + webhook_id + "/deliveries");
  EXPECT_HTTP_STATUS(response, 200);
  return response.status == 200 ? AsObject(response.Json()) : json::object{};
}

json::object WaitForLog(ApiClient& client, const std::string& webhook_id,
                        const std::function<bool(const json::object&)>& done,
                        std::chrono::milliseconds timeout) {
  // The log lives in another process, which tells nobody when it records an attempt: poll it.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  json::object log = DeliveryLog(client, webhook_id);
  while (!done(log)) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "the delivery log of " << webhook_id
                    << " did not reach the expected state in " << timeout.count()
                    << " ms: " << json::serialize(log);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    log = DeliveryLog(client, webhook_id);
  }
  return log;
}

json::object WaitForOnlyDelivery(ApiClient& client, const std::string& webhook_id,
                                 std::string_view status) {
  const json::object log = WaitForLog(client, webhook_id, [&](const json::object& l) {
    const auto* list = l.if_contains("list");
    return list != nullptr && list->is_array() && list->get_array().size() == 1 &&
           StringAt(list->get_array()[0], "status") == status;
  });
  const auto* list = log.if_contains("list");
  if (list == nullptr || !list->is_array() || list->get_array().empty()) return {};
  return AsObject(list->get_array()[0]);
}

std::string CreateContact(ApiClient& client, const std::string& first, const std::string& last) {
  const HttpResponse response =
      client.Post("/Contact", json::object{{"firstName", first}, {"lastName", last}});
  EXPECT_HTTP_STATUS(response, 200);
  return StringAt(response.Json(), "id");
}

std::string HmacSha256RawOf(std::string_view key, std::string_view message) {
  if (sodium_init() < 0) ADD_FAILURE() << "libsodium does not initialise";
  // PHP's hash_hmac('sha256', $payload, $secret): the key is the secret string's bytes, of any
  // length.
  crypto_auth_hmacsha256_state state;
  unsigned char digest[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

std::string HmacSha256HexOf(std::string_view key, std::string_view message) {
  const std::string raw = HmacSha256RawOf(key, message);
  std::string hex(raw.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                 raw.size());
  hex.pop_back();
  return hex;
}

std::optional<std::string> DecodeBase64(std::string_view text) {
  if (sodium_init() < 0) return std::nullopt;
  std::string out(text.size(), '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &length, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

std::string EncodeBase64(std::string_view bytes) {
  if (sodium_init() < 0) return {};
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();
  return out;
}

void WebhookApiTest::SetUp() {
  receiver_ = WebhookReceiver::Start();
  ASSERT_NE(receiver_, nullptr);
}

void WebhookApiTest::StartServer(bool allow_loopback, const std::vector<std::string>& extra) {
  std::vector<std::string> args = WebhookServeArgs(allow_loopback);
  args.insert(args.end(), extra.begin(), extra.end());
  env_ = StartServerEnv(args);
  ASSERT_NE(env_, nullptr);
}

json::object WebhookApiTest::Hook(const std::string& event, const std::string& path,
                                  const json::object& extra) {
  json::object body{{"event", event}, {"url", receiver_->Url(path)}};
  for (const auto& [key, value] : extra) body[key] = value;
  ApiClient admin = Admin();
  return CreateWebhook(admin, body);
}

}  // namespace crm::apitest
