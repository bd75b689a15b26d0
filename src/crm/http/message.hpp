// The HTTP vocabulary the rest of crmd sees: a Request to read, a Response to fill, a Responder
// that delivers the response exactly once, and the Handler interface the server calls per request.
// Nothing here names Beast or Asio, so layers above stay cheap to compile and free of transport
// details.
//
// Thread-safety: a Request is valid until its Responder is used, and may be read from any thread in
// the meantime (one at a time). Responder::Send may be called from any thread.
#ifndef CRM_HTTP_MESSAGE_HPP_
#define CRM_HTTP_MESSAGE_HPP_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crm/common/status.hpp"

namespace crm::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

// "GET", "HEAD", ...; "OTHER" for kOther.
std::string_view MethodName(Method method);

class Request {
 public:
  virtual ~Request() = default;
  virtual Method method() const = 0;
  virtual std::string_view method_name() const = 0;
  // The request target as sent: path and query, still percent-encoded.
  virtual std::string_view target() const = 0;
  // Value of header `name` (case-insensitive), or empty when absent.
  virtual std::string_view Header(std::string_view name) const = 0;
  virtual const std::string& body() const = 0;
  // Remote peer address, for logs and rate limits.
  virtual std::string_view remote_address() const = 0;

  std::string_view path() const {
    const auto t = target();
    return t.substr(0, t.find('?'));
  }
  std::string_view query() const {
    const auto t = target();
    const auto q = t.find('?');
    return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
  }
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Type included by the handler
  std::string body;

  void SetHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

// The body of a response too large to hold (an export), produced piece by piece: each call replaces
// `piece` with the next one; false ends the body. The server calls it on the connection's thread,
// each time after the piece before was sent, and sends the pieces with chunked transfer encoding.
// An error after the header went out can only close the connection, which the client sees as a
// chunked body without its last chunk.
using BodySource = std::function<Result<bool>(std::string& piece)>;

namespace internal {
// Implemented by the server's connection: delivers a response on the connection's own thread.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual void Deliver(Response response) = 0;
  // Runs `build` on the connection's thread and sends what it returns.
  virtual void DeliverBuilt(std::function<Response()> build) = 0;
  // Sends `head` (status and headers) with the body `source` produces. By default the body is
  // collected first and delivered whole (sinks that capture answers, in tests and benchmarks).
  virtual void DeliverStream(Response head, BodySource source);
  // The handler dropped its Responder without answering: the connection answers 500 itself.
  virtual void Abandon() = 0;
};
}  // namespace internal

// A one-shot handle for answering a request. Moving it transfers the duty to answer; a Responder
// that is destroyed without Send answers 500 so that a client is never left hanging.
class Responder {
 public:
  explicit Responder(std::shared_ptr<internal::ResponseSink> sink) : sink_(std::move(sink)) {}
  Responder(Responder&&) noexcept = default;
  Responder& operator=(Responder&&) noexcept = default;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  void Send(Response response);
  // Like Send, but builds the response on the connection's thread: for answers completed on a
  // thread that should not spend time serialising (the database writer).
  void SendBuilt(std::function<Response()> build);
  // Sends `head`'s status and headers, then the body `source` streams (its `body` is ignored).
  void SendStream(Response head, BodySource source);

 private:
  std::shared_ptr<internal::ResponseSink> sink_;
};

class Handler {
 public:
  virtual ~Handler() = default;
  // Called on a server thread for each request. Must not block for long: slow work is handed off
  // and answered later through `responder` (from any thread).
  virtual void Handle(const Request& request, Responder responder) = 0;
};

}  // namespace crm::http

#endif  // CRM_HTTP_MESSAGE_HPP_
