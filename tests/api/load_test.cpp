// Load: thousands of concurrent keep-alive connections on loopback, each answered, plus hundreds of
// stalled ones (slowloris: a header that never ends, or nothing sent at all), all held open at
// once; a normal request on a new connection must then still be answered in under a second. Only
// 127.0.0.1 is touched, and the test ends by itself (a deadline bounds every wait).
#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_util.hpp"
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace crm::apitest {
namespace {

#ifdef CRM_SANITIZED_BUILD
constexpr std::size_t kActive = 1000;
constexpr std::size_t kStalled = 100;
#else
constexpr std::size_t kActive = 3000;
constexpr std::size_t kStalled = 300;
#endif
// Connections being opened at once: the rest wait, so that the listen backlog never overflows
// (dropped SYNs are retried after a second, which would only measure the kernel's back-off).
constexpr std::size_t kConnectingAtOnce = 256;
constexpr auto kDeadline = std::chrono::seconds(120);

// Raises this process's soft descriptor limit to the hard one and returns it.
rlim_t RaiseOpenFileLimit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

struct Connection {
  enum class State { kWaiting, kConnecting, kSending, kReading, kHeld, kFailed };
  int fd = -1;
  State state = State::kWaiting;
  std::string request;  // what to send once connected (for stalled ones: a header that never ends)
  std::size_t sent = 0;
  std::string reply;
  bool answers = true;  // false for stalled connections: nothing comes back
};

int ConnectNonBlocking(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 &&
      errno != EINPROGRESS) {
    close(fd);
    return -1;
  }
  return fd;
}

// True once `reply` holds a whole response (headers and Content-Length bytes of body).
bool Complete(const std::string& reply) {
  const auto end = reply.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  const auto length = reply.find("Content-Length: ");
  const std::size_t body =
      length == std::string::npos || length > end ? 0 : std::stoul(reply.substr(length + 16));
  return reply.size() >= end + 4 + body;
}

// Drives every connection through connect, send and (for answering ones) read, at most
// kConnectingAtOnce connecting at a time; returns when each is held or failed, or at `deadline`.
void Drive(std::vector<Connection>& connections, int port,
           std::chrono::steady_clock::time_point deadline) {
  std::size_t next = 0;
  std::size_t connecting = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    while (next < connections.size() && connecting < kConnectingAtOnce) {
      Connection& c = connections[next++];
      c.fd = ConnectNonBlocking(port);
      c.state = c.fd < 0 ? Connection::State::kFailed : Connection::State::kConnecting;
      connecting += c.fd < 0 ? 0 : 1;
    }
    std::vector<pollfd> fds;
    std::vector<Connection*> owners;
    for (auto& c : connections) {
      short events = 0;
      if (c.state == Connection::State::kConnecting || c.state == Connection::State::kSending) {
        events = POLLOUT;
      } else if (c.state == Connection::State::kReading) {
        events = POLLIN;
      }
      if (events == 0) continue;
      fds.push_back({c.fd, events, 0});
      owners.push_back(&c);
    }
    if (fds.empty() && next == connections.size()) return;
    if (poll(fds.data(), fds.size(), 1000) < 0) return;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      Connection& c = *owners[i];
      if (c.state == Connection::State::kConnecting) {
        int error = 0;
        socklen_t size = sizeof error;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &size);
        --connecting;
        c.state = error == 0 ? Connection::State::kSending : Connection::State::kFailed;
        if (error != 0) continue;
      }
      if (c.state == Connection::State::kSending) {
        const ssize_t n =
            send(c.fd, c.request.data() + c.sent, c.request.size() - c.sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN) c.state = Connection::State::kFailed;
        if (n > 0) c.sent += static_cast<std::size_t>(n);
        if (c.sent == c.request.size()) {
          c.state = c.answers ? Connection::State::kReading : Connection::State::kHeld;
        }
        continue;
      }
      char buffer[4096];
      const ssize_t n = recv(c.fd, buffer, sizeof buffer, 0);
      if (n <= 0 && !(n < 0 && errno == EAGAIN)) {
        c.state = Connection::State::kFailed;
        continue;
      }
      if (n > 0) c.reply.append(buffer, static_cast<std::size_t>(n));
      if (Complete(c.reply)) c.state = Connection::State::kHeld;
    }
  }
}

// True when the server has not closed `fd`: nothing to read and no end of stream.
bool StillOpen(int fd) {
  char byte = 0;
  const ssize_t n = recv(fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK);
  return n < 0 && errno == EAGAIN;
}

TEST(LoadTest, NormalRequestIsAnsweredQuicklyBesideThousandsOfConnectionsAndStalledOnes) {
  const rlim_t descriptors = RaiseOpenFileLimit();
  const std::size_t needed = kActive + kStalled + 64;
  std::cout << "descriptor limit " << descriptors << " (ulimit -n), needed " << needed << std::endl;
  ASSERT_GE(descriptors, needed) << "raise the hard limit (ulimit -Hn) to run the load test";
  // The stalled connections must stay stalled for the whole test, and every connection comes
  // from 127.0.0.1, so the per-address limit is off; so are the request budgets, which thousands of
  // requests with one key would use up (the test is about connections, not rate limits).
  auto env = StartServerEnv({"--max-connections-per-address", "0", "--header-timeout", "600",
                             "--no-access-log", "--rate-limit", "off"});
  ASSERT_NE(env, nullptr);
  const int port = env->server->port();
  const std::string key = env->api_user.api_key;

  std::vector<Connection> stalled(kStalled);
  for (std::size_t i = 0; i < kStalled; ++i) {
    stalled[i].answers = false;
    // Half send the start of a header that never ends, half send nothing.
    if (i % 2 == 0) stalled[i].request = "GET /api/v1/Contact HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slo";
  }
  const auto start = std::chrono::steady_clock::now();
  Drive(stalled, port, start + kDeadline);
  const auto held = [](const std::vector<Connection>& set) {
    return static_cast<std::size_t>(std::count_if(set.begin(), set.end(), [](const Connection& c) {
      return c.state == Connection::State::kHeld;
    }));
  };
  EXPECT_EQ(held(stalled), kStalled);

  std::vector<Connection> active(kActive);
  for (auto& c : active) {
    c.request = "GET /api/v1/Contact?maxSize=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: " + key +
                "\r\n\r\n";
  }
  Drive(active, port, start + kDeadline);
  const auto loaded = std::chrono::steady_clock::now();
  std::size_t ok = 0;
  for (const auto& c : active) ok += c.reply.rfind("HTTP/1.1 200", 0) == 0 ? 1U : 0U;
  EXPECT_EQ(held(active), kActive);
  EXPECT_EQ(ok, kActive);
  std::size_t open = 0;
  for (const auto& set : {&stalled, &active}) {
    for (const auto& c : *set) open += c.fd >= 0 && StillOpen(c.fd) ? 1U : 0U;
  }
  EXPECT_EQ(open, kActive + kStalled);

  HttpClient http(env->server->base_url() + kApiBase);
  const auto before = std::chrono::steady_clock::now();
  const HttpResponse r = http.Get("/Contact?maxSize=1", {{"X-Api-Key", key}});
  const auto took = std::chrono::steady_clock::now() - before;
  EXPECT_HTTP_STATUS(r, 200);
  EXPECT_LT(took, std::chrono::seconds(1));
  const auto ms = [](auto d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  const auto us = [](auto d) {
    return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  };
  std::cout << ok << " of " << kActive << " connections answered 200 in " << ms(loaded - start)
            << " ms, " << held(stalled) << " of " << kStalled << " stalled held, " << open
            << " open at once; then a new request took " << us(took) << " us" << std::endl;
  for (const auto& set : {&stalled, &active}) {
    for (const auto& c : *set) {
      if (c.fd >= 0) close(c.fd);
    }
  }
}

}  // namespace
}  // namespace crm::apitest
