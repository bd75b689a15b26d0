#include "crm/server/http_limits.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>

#include <spdlog/spdlog.h>
#include <sys/resource.h>

namespace crm::server {
namespace {

// Descriptors kept for everything but client connections: the database and its journal, logs,
// the listening socket, the webhook sender's connections.
constexpr std::uint64_t kReservedDescriptors = 64;

double Seconds(std::chrono::milliseconds duration) {
  return std::chrono::duration<double>(duration).count();
}

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000.0));
}

// The soft limit after raising it to the hard one; the soft limit is often 1024, far below what a
// server with thousands of keep-alive connections needs.
std::uint64_t RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur;
}

}  // namespace

HttpLimitFlags::HttpLimitFlags() {
  const http::ServerOptions defaults;
  max_body_bytes = defaults.body_limit;
  max_header_bytes = defaults.header_limit;
  max_url_bytes = defaults.url_limit;
  max_headers = defaults.max_headers;
  max_connections = defaults.max_connections;
  max_connections_per_address = defaults.max_connections_per_address;
  idle_timeout = Seconds(defaults.idle_timeout);
  header_timeout = Seconds(defaults.header_timeout);
  read_timeout = Seconds(defaults.read_timeout);
  write_timeout = Seconds(defaults.write_timeout);
}

void AddHttpLimitOptions(CLI::App& serve, HttpLimitFlags& flags) {
  const auto positive = CLI::PositiveNumber;
  serve.add_option("--max-body-bytes", flags.max_body_bytes, "Largest request body (else 413)")
      ->check(positive)
      ->capture_default_str();
  serve
      .add_option("--max-header-bytes", flags.max_header_bytes,
                  "Largest request line and header block (else 431)")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))
      ->capture_default_str();
  serve.add_option("--max-url-bytes", flags.max_url_bytes, "Longest request target (else 414)")
      ->check(positive)
      ->capture_default_str();
  serve.add_option("--max-headers", flags.max_headers, "Most header fields (else 431)")
      ->check(positive)
      ->capture_default_str();
  serve
      .add_option("--max-connections", flags.max_connections,
                  "Most open connections; more are answered 503 (0: as many as descriptors allow)")
      ->capture_default_str();
  serve
      .add_option("--max-connections-per-address", flags.max_connections_per_address,
                  "Most open connections from one client address; more are answered 503 (0: no "
                  "limit)")
      ->capture_default_str();
  serve
      .add_option("--idle-timeout", flags.idle_timeout,
                  "Seconds a connection may wait for its next request")
      ->check(positive)
      ->capture_default_str();
  serve
      .add_option("--header-timeout", flags.header_timeout,
                  "Seconds from a request's first byte to the end of its header")
      ->check(positive)
      ->capture_default_str();
  serve.add_option("--read-timeout", flags.read_timeout, "Seconds to receive a request body")
      ->check(positive)
      ->capture_default_str();
  serve.add_option("--write-timeout", flags.write_timeout, "Seconds to send a response")
      ->check(positive)
      ->capture_default_str();
}

void ApplyHttpLimits(const HttpLimitFlags& flags, http::ServerOptions& options) {
  options.body_limit = flags.max_body_bytes;
  options.header_limit = static_cast<std::uint32_t>(flags.max_header_bytes);
  options.url_limit = flags.max_url_bytes;
  options.max_headers = flags.max_headers;
  options.max_connections = flags.max_connections;
  options.max_connections_per_address = flags.max_connections_per_address;
  options.idle_timeout = Millis(flags.idle_timeout);
  options.header_timeout = Millis(flags.header_timeout);
  options.read_timeout = Millis(flags.read_timeout);
  options.write_timeout = Millis(flags.write_timeout);

  const std::uint64_t descriptors = RaiseOpenFileLimit();
  if (descriptors == 0) return;
  const std::uint64_t usable =
      descriptors > kReservedDescriptors ? descriptors - kReservedDescriptors : 1;
  if (options.max_connections == 0 || options.max_connections > usable) {
    if (options.max_connections != 0) {
      spdlog::warn("--max-connections {} lowered to {}: the process may open {} files",
                   options.max_connections, usable, descriptors);
    }
    options.max_connections = static_cast<std::size_t>(usable);
  }
}

}  // namespace crm::server
