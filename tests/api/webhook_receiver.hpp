// WebhookReceiver: a real HTTP server on loopback inside the test process (crmd's own http::Server
// on a free port) that webhook tests point their webhooks at. It records every request (path, the
// headers webhooks send, body, arrival time) and answers as the test scripted per path: a status
// with headers (500, 429 with Retry-After, 410, ...) or no answer at all (the Responder is held, a
// receiver that never answers). Tests wait for requests on a condition variable with a timeout.
//
// Thread-safety: every method may be called from any thread; requests are handled on the server's
// threads.
#ifndef CRM_TESTS_API_WEBHOOK_RECEIVER_HPP_
#define CRM_TESTS_API_WEBHOOK_RECEIVER_HPP_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "testing/http_client.hpp"

namespace crm::apitest {

struct ReceivedRequest {
  std::string path;
  // The headers a webhook delivery carries (see kRecordedHeaders in the .cpp), by lower-case name;
  // absent ones are missing.
  std::map<std::string, std::string> headers;
  std::string body;
  std::chrono::steady_clock::time_point at;

  // The header's value, or "" when absent (`name` in lower case).
  std::string Header(const std::string& name) const;
};

// How the receiver answers one request.
struct Reply {
  int status = 200;
  testing::Headers headers;  // e.g. {"Retry-After", "1"}
  bool hold = false;         // never answer (until ReleaseHeld or the receiver stops)

  static Reply Status(int status, testing::Headers headers = {}) {
    return Reply{status, std::move(headers), false};
  }
  static Reply Hold() { return Reply{0, {}, true}; }
};

class WebhookReceiver {
 public:
  // Fails the current test (and returns nullptr) when the server cannot start.
  static std::unique_ptr<WebhookReceiver> Start();
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  // "http://127.0.0.1:PORT" + path.
  std::string Url(std::string_view path) const;

  // The next requests to `path` are answered with `replies` in turn, every later one with `then`.
  // Without a script a path answers 200.
  void Script(const std::string& path, std::vector<Reply> replies, Reply then = Reply{});

  // Waits until `done` holds for the requests to `path` (oldest first), at most `timeout`; returns
  // them. A timeout fails the current test.
  using Condition = std::function<bool(const std::vector<ReceivedRequest>&)>;
  std::vector<ReceivedRequest> WaitUntil(
      const std::string& path, const Condition& done,
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // Waits until at least `count` requests to `path` have arrived.
  std::vector<ReceivedRequest> WaitFor(
      const std::string& path, std::size_t count,
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  // The requests to `path` so far, oldest first.
  std::vector<ReceivedRequest> Requests(const std::string& path) const;

  // Answers every held request with `status`.
  void ReleaseHeld(int status = 200);

  class Handler;

 private:
  WebhookReceiver() = default;

  std::unique_ptr<Handler> handler_;
  struct Running;
  std::unique_ptr<Running> running_;
};

}  // namespace crm::apitest

#endif  // CRM_TESTS_API_WEBHOOK_RECEIVER_HPP_
