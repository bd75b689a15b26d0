// HTTP limits of `crmd serve`: the command-line options that set the server's size limits,
// connection limits and timeouts (http::ServerOptions), and the start-up step that gives the
// process as many file descriptors as its hard limit allows, so that max_connections can be
// reached.
//
// Thread-safety: called once, from main, before the server threads start.
#ifndef CRM_SERVER_HTTP_LIMITS_HPP_
#define CRM_SERVER_HTTP_LIMITS_HPP_

#include "crm/http/server.hpp"

#include <CLI/App.hpp>

namespace crm::server {

// The flag values; timeouts in seconds (fractions allowed). Defaults are http::ServerOptions'.
struct HttpLimitFlags {
  std::size_t max_body_bytes;
  std::size_t max_header_bytes;
  std::size_t max_url_bytes;
  std::size_t max_headers;
  std::size_t max_connections;
  std::size_t max_connections_per_address;
  double idle_timeout;
  double header_timeout;
  double read_timeout;
  double write_timeout;

  HttpLimitFlags();
};

// Adds --max-body-bytes, --max-header-bytes, --max-url-bytes, --max-headers, --max-connections,
// --max-connections-per-address, --idle-timeout, --header-timeout, --read-timeout and
// --write-timeout to `serve`.
void AddHttpLimitOptions(CLI::App& serve, HttpLimitFlags& flags);

// Copies `flags` into `options`. Raises the soft RLIMIT_NOFILE to the hard limit, and lowers
// max_connections (with a warning) when even that leaves too few descriptors for it.
void ApplyHttpLimits(const HttpLimitFlags& flags, http::ServerOptions& options);

}  // namespace crm::server

#endif  // CRM_SERVER_HTTP_LIMITS_HPP_
