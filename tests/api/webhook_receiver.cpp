#include "api/webhook_receiver.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include <gtest/gtest.h>

#include "crm/http/server.hpp"

namespace crm::apitest {
namespace {

// http::Request only answers for a named header; these are the ones deliveries carry (the
// custom header the tests configure included).
constexpr const char* kRecordedHeaders[] = {
    "content-type",   "user-agent",        "signature",         "x-signature",
    "webhook-id",     "webhook-timestamp", "webhook-signature", "x-espocrm-signature",
    "x-client-token", "content-length"};

}  // namespace

std::string ReceivedRequest::Header(const std::string& name) const {
  const auto found = headers.find(name);
  return found == headers.end() ? std::string() : found->second;
}

class WebhookReceiver::Handler final : public http::Handler {
 public:
  using Condition = WebhookReceiver::Condition;

  void Handle(const http::Request& request, http::Responder responder) override {
    ReceivedRequest received;
    received.path = std::string(request.path());
    for (const char* name : kRecordedHeaders) {
      const std::string_view value = request.Header(name);
      if (!value.empty()) received.headers[name] = std::string(value);
    }
    received.body = request.body();
    received.at = std::chrono::steady_clock::now();
    Reply reply;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(received);
      if (const auto found = scripts_.find(received.path); found != scripts_.end()) {
        PathScript& script = found->second;
        if (script.replies.empty()) {
          reply = script.then;
        } else {
          reply = std::move(script.replies.front());
          script.replies.pop_front();
        }
      }
      if (reply.hold && !stopping_) {
        held_.push_back(std::move(responder));
        arrived_.notify_all();
        return;
      }
      arrived_.notify_all();
    }
    http::Response response;
    response.status = reply.hold ? 503 : reply.status;
    response.SetHeader("Content-Type", "text/plain");
    for (auto& [name, value] : reply.headers) response.SetHeader(name, value);
    response.body = "receiver: " + std::to_string(response.status);
    responder.Send(std::move(response));
  }

  void Script(const std::string& path, std::vector<Reply> replies, Reply then) {
    std::lock_guard<std::mutex> lock(mutex_);
    PathScript& script = scripts_[path];
    script.replies.assign(std::make_move_iterator(replies.begin()),
                          std::make_move_iterator(replies.end()));
    script.then = std::move(then);
  }

  std::vector<ReceivedRequest> WaitUntil(const std::string& path, const Condition& done,
                                         std::chrono::milliseconds timeout) const {
    std::unique_lock<std::mutex> lock(mutex_);
    std::vector<ReceivedRequest> out;
    const bool arrived = arrived_.wait_for(lock, timeout, [&] {
      out = RequestsLocked(path);
      return done(out);
    });
    if (!arrived) {
      ADD_FAILURE() << "the receiver's " << out.size() << " request(s) to " << path
                    << " are not what the test waits for after " << timeout.count() << " ms";
    }
    return out;
  }

  std::vector<ReceivedRequest> Requests(const std::string& path) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return RequestsLocked(path);
  }

  // Held responders, taken out so that they are answered (or abandoned) outside the lock.
  std::vector<http::Responder> TakeHeld(bool stopping) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping) stopping_ = true;
    return std::exchange(held_, {});
  }

 private:
  struct PathScript {
    std::deque<Reply> replies;
    Reply then;
  };

  std::vector<ReceivedRequest> RequestsLocked(const std::string& path) const {
    std::vector<ReceivedRequest> out;
    for (const auto& request : requests_) {
      if (request.path == path) out.push_back(request);
    }
    return out;
  }

  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<ReceivedRequest> requests_;
  std::map<std::string, PathScript> scripts_;
  std::vector<http::Responder> held_;
  bool stopping_ = false;  // the receiver is being destroyed: hold nothing more
};

struct WebhookReceiver::Running {
  std::unique_ptr<http::Server> server;
  std::thread thread;
};

std::unique_ptr<WebhookReceiver> WebhookReceiver::Start() {
  std::unique_ptr<WebhookReceiver> receiver(new WebhookReceiver());
  receiver->handler_ = std::make_unique<Handler>();
  http::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.threads = 2;
  options.access_log = false;
  options.error_response = [](int status, std::string_view reason) {
    http::Response response;
    response.status = status;
    response.body = std::string(reason);
    return response;
  };
  auto server = http::Server::Create(options, *receiver->handler_);
  if (!server.ok()) {
    ADD_FAILURE() << "the webhook receiver cannot listen: " << server.status().message();
    return nullptr;
  }
  receiver->running_ = std::make_unique<Running>();
  receiver->running_->server = std::move(server).value();
  http::Server* running = receiver->running_->server.get();
  receiver->running_->thread = std::thread([running] { running->Run(); });
  return receiver;
}

WebhookReceiver::~WebhookReceiver() {
  if (running_ == nullptr) return;
  // The server drains before Run() returns: held requests must be answered first (a dropped
  // Responder answers 500).
  handler_->TakeHeld(/*stopping=*/true).clear();
  running_->server->Stop();
  running_->thread.join();
}

std::string WebhookReceiver::Url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(running_->server->port()) + std::string(path);
}

void WebhookReceiver::Script(const std::string& path, std::vector<Reply> replies, Reply then) {
  handler_->Script(path, std::move(replies), std::move(then));
}

std::vector<ReceivedRequest> WebhookReceiver::WaitUntil(const std::string& path,
                                                        const Condition& done,
                                                        std::chrono::milliseconds timeout) const {
  return handler_->WaitUntil(path, done, timeout);
}

std::vector<ReceivedRequest> WebhookReceiver::WaitFor(const std::string& path, std::size_t count,
                                                      std::chrono::milliseconds timeout) const {
  return handler_->WaitUntil(
      path, [count](const std::vector<ReceivedRequest>& got) { return got.size() >= count; },
      timeout);
}

std::vector<ReceivedRequest> WebhookReceiver::Requests(const std::string& path) const {
  return handler_->Requests(path);
}

void WebhookReceiver::ReleaseHeld(int status) {
  for (auto& responder : handler_->TakeHeld(/*stopping=*/false)) {
    http::Response response;
    response.status = status;
    response.SetHeader("Content-Type", "text/plain");
    response.body = "receiver: released";
    responder.Send(std::move(response));
  }
}

}  // namespace crm::apitest
