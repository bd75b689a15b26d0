// Server: the HTTP/1.1 server (Boost.Beast over Asio). One Asio context per thread; one acceptor
// hands connections round-robin to the threads, and each connection then lives on its thread alone
// (no locking on the request path). Per connection: keep-alive, pipelined requests answered in
// order, Expect: 100-continue, limits on header and body size (431 / 413), an idle timeout, and one
// access-log line per request. Responses may be produced on other threads; they are posted back to
// the connection's thread.
//
// Stop() drains: the acceptor closes, idle connections close, and requests in flight are answered
// (with Connection: close) before Run() returns.
//
// Thread-safety: Run() is called once; Stop() may be called from any thread, also concurrently with
// Run.
#ifndef CRM_HTTP_SERVER_HPP_
#define CRM_HTTP_SERVER_HPP_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "crm/common/status.hpp"
#include "crm/http/message.hpp"

namespace crm::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port (see Server::port())
  int threads = 2;
  std::size_t body_limit = 16 * 1024 * 1024;
  std::uint32_t header_limit = 64 * 1024;
  std::chrono::seconds idle_timeout{60};
  // How long a connection being closed keeps reading and dropping what the client still sends, so
  // that a client still uploading (an oversized body answered 413 at once) reads the answer instead
  // of a connection reset. It ends earlier when the client closes.
  std::chrono::milliseconds linger_timeout{2000};
  bool access_log = true;
  // Builds the response for errors the server answers itself (malformed request 400, body too large
  // 413, headers too large 431, abandoned request 500), so that they look like the application's.
  std::function<Response(int status, std::string_view reason)> error_response;
};

class Server {
 public:
  // Binds and listens (so the port is known and taken) but serves nothing until Run(). kUnavailable
  // when the address cannot be bound; kInvalidArgument for a bad host.
  static Result<std::unique_ptr<Server>> Create(const ServerOptions& options, Handler& handler);
  virtual ~Server() = default;

  virtual std::uint16_t port() const = 0;
  // Serves until Stop() and the drain complete; runs options.threads threads including the
  // caller's.
  virtual void Run() = 0;
  virtual void Stop() = 0;
};

}  // namespace crm::http

#endif  // CRM_HTTP_SERVER_HPP_
