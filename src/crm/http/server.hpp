// Server: the HTTP/1.1 server (Boost.Beast over Asio). One Asio context per thread; one acceptor
// hands connections round-robin to the threads, and each connection then lives on its thread alone
// (no locking on the request path). Per connection: keep-alive, pipelined requests answered in
// order, Expect: 100-continue, the limits and timeouts of ServerOptions, and one access-log line
// per request. Connections over the total or per-address limit are answered 503 and closed; when
// the process runs out of descriptors, accepting pauses briefly instead of spinning. Responses may
// be produced on other threads; they are posted back to the connection's thread. While the handler
// runs on the connection's thread, the connection is its CancellationSource
// (common/cancellation.hpp): reads of a client that has closed its connection stop early, and their
// answer (499 in the access log) is dropped.
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
  // Request size limits (request_checks.hpp): a body over body_limit is 413, a header block over
  // header_limit or more than max_headers fields 431, a target over url_limit 414. url_limit is
  // far above what browsers and proxies allow (8 KiB) because EspoCRM clients put whole where
  // clauses in the query string.
  std::size_t body_limit = 10 * 1024 * 1024;
  std::uint32_t header_limit = 64 * 1024;
  std::size_t url_limit = 32 * 1024;
  std::size_t max_headers = 100;
  // Connections beyond either limit are answered 503 at once and closed (0: no limit). Per address
  // bounds what one client can hold; behind a reverse proxy every connection has its address.
  std::size_t max_connections = 10000;
  std::size_t max_connections_per_address = 256;
  // Against slow and stalled clients: idle_timeout bounds the wait for the first byte of a request
  // (keep-alive), header_timeout the time from that byte to the end of the header (a client sending
  // one byte every few seconds is cut off there, not only when it stops), read_timeout the whole
  // body and write_timeout the whole response.
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds read_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
  // How long a connection being closed keeps reading and dropping what the client still sends, so
  // that a client still uploading (an oversized body answered 413 at once) reads the answer instead
  // of a connection reset. It ends earlier when the client closes.
  std::chrono::milliseconds linger_timeout{2000};
  bool access_log = true;
  // Builds the response for errors the server answers itself (malformed request 400, body too large
  // 413, target too long 414, headers too large 431, abandoned request 500, too many connections
  // 503), so that they look like the application's.
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
