#include "crm/http/server.hpp"

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/common/cancellation.hpp"

#include "testing/http_client.hpp"
#include "testing/status_matchers.hpp"
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

namespace crm::http {
namespace {

using ::crm::testing::HttpClient;
using ::crm::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;

// Answers "METHOD target body" immediately, except: /async answers from another thread, /hold waits
// until Release(), /drop abandons its responder, /stream streams "piece 0\n" to "piece 2\n" and
// /stream-fail one piece and then an error.
class EchoHandler final : public Handler {
 public:
  void Handle(const Request& request, Responder responder) override {
    Response response;
    response.SetHeader("Content-Type", "text/plain");
    response.body = std::string(request.method_name()) + " " + std::string(request.target()) + " " +
                    request.body();
    if (request.path() == "/drop") return;
    if (request.path() == "/stream" || request.path() == "/stream-fail") {
      const bool fail = request.path() == "/stream-fail";
      return responder.SendStream(std::move(response),
                                  [fail, next = 0](std::string& piece) mutable -> Result<bool> {
                                    if (fail && next == 1)
                                      return Status::Unavailable("the source broke");
                                    if (next == 3) return false;
                                    piece = "piece " + std::to_string(next++) + "\n";
                                    return true;
                                  });
    }
    if (request.path() == "/async") {
      std::thread([responder = std::move(responder), response]() mutable {
        responder.Send(response);
      }).detach();
      return;
    }
    if (request.path() == "/until-cancelled") {
      // A long read: runs until its client has gone, or gives up after a bound far above any
      // test's wait.
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      bool cancelled = false;
      while (!(cancelled = CurrentWorkCancelled()) && std::chrono::steady_clock::now() < give_up) {
        std::this_thread::yield();
      }
      cancelled_.set_value(cancelled);
      response.body = cancelled ? "cancelled" : "not cancelled";
      return responder.Send(std::move(response));
    }
    if (request.path() == "/cancelled") {
      response.body = CurrentWorkCancelled() ? "cancelled" : "not cancelled";
      return responder.Send(std::move(response));
    }
    if (request.path() == "/hold") {
      std::lock_guard<std::mutex> lock(mu_);
      held_.emplace_back(std::move(responder), std::move(response));
      cv_.notify_all();
      return;
    }
    responder.Send(std::move(response));
  }

  void WaitForHeld() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !held_.empty(); });
  }
  // Whether /until-cancelled saw its work cancelled (false: it gave up).
  bool WaitForCancellation() { return cancelled_.get_future().get(); }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [responder, response] : held_) responder.Send(response);
    held_.clear();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<Responder, Response>> held_;
  std::promise<bool> cancelled_;
};

class ServerTest : public ::testing::Test {
 protected:
  // The lingering close waits for the client to close; its time bound is far above anything a
  // loaded (sanitized, shared) machine takes to send a test's bytes, so that no test depends on it
  // except the one that sets a short bound on purpose.
  void Start(std::size_t body_limit = 1024,
             std::chrono::milliseconds linger_timeout = std::chrono::minutes(10)) {
    ServerOptions options = TestOptions();
    options.body_limit = body_limit;
    options.linger_timeout = linger_timeout;
    StartWith(std::move(options));
  }

  static ServerOptions TestOptions() {
    ServerOptions options;
    options.port = 0;
    options.threads = 2;
    options.body_limit = 1024;
    options.linger_timeout = std::chrono::minutes(10);
    options.access_log = false;
    return options;
  }

  void StartWith(ServerOptions options) {
    options.error_response = [](int status, std::string_view reason) {
      Response response;
      response.status = status;
      response.body = "error: " + std::string(reason);
      return response;
    };
    auto server = Server::Create(options, handler_);
    ASSERT_THAT(server, IsOk());
    server_ = std::move(server).value();
    runner_ = std::thread([this] { server_->Run(); });
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (runner_.joinable()) runner_.join();
  }

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  // A plain TCP connection to the server, for bytes no HTTP client would send.
  int ConnectRaw() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(server_->port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0)
        << std::strerror(errno);
    return fd;
  }

  // Sends one request on `fd` and reads its answer (up to the end of the headers and a body of
  // `Content-Length`), leaving the connection open.
  static std::string RoundTrip(int fd, const std::string& bytes) {
    EXPECT_EQ(send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
    std::string out;
    char buffer[4096];
    while (true) {
      const auto end = out.find("\r\n\r\n");
      if (end != std::string::npos) {
        const auto length = out.find("Content-Length: ");
        const std::size_t body =
            length == std::string::npos ? 0 : std::stoul(out.substr(length + 16));
        if (out.size() >= end + 4 + body) return out;
      }
      const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) return out;
      out.append(buffer, static_cast<std::size_t>(n));
    }
  }

  // Sends raw bytes on a new connection and reads until the server closes it.
  std::string RawExchange(const std::string& bytes) {
    const int fd = ConnectRaw();
    EXPECT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    shutdown(fd, SHUT_WR);
    std::string out;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = read(fd, buffer, sizeof buffer)) > 0)
      out.append(buffer, static_cast<std::size_t>(n));
    close(fd);
    return out;
  }

  EchoHandler handler_;
  std::unique_ptr<Server> server_;
  std::thread runner_;
};

TEST_F(ServerTest, AnswersRequestsOnAKeptAliveConnection) {
  Start();
  HttpClient client(Url());
  for (int i = 0; i < 3; ++i) {
    auto response = client.Request("POST", "/x?y=" + std::to_string(i), "body");
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "POST /x?y=" + std::to_string(i) + " body");
    EXPECT_EQ(response.Header("Content-Type"), "text/plain");
  }
}

TEST_F(ServerTest, StreamedBodiesGoOutChunkedAndTheConnectionStaysUsable) {
  Start();
  const int fd = ConnectRaw();
  std::string out = RoundTrip(fd, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  char buffer[4096];
  while (out.find("\r\n0\r\n\r\n") == std::string::npos) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    ASSERT_GT(n, 0) << "the stream ended without its last chunk: " << out;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  EXPECT_THAT(out, HasSubstr("Transfer-Encoding: chunked\r\n"));
  EXPECT_THAT(out, Not(HasSubstr("Content-Length")));
  EXPECT_THAT(out,
              HasSubstr("\r\n\r\n8\r\npiece 0\n\r\n8\r\npiece 1\n\r\n8\r\npiece 2\n\r\n0\r\n\r\n"));
  // The next request on the same connection is answered as usual.
  EXPECT_THAT(RoundTrip(fd, "GET /after HTTP/1.1\r\nHost: x\r\n\r\n"), HasSubstr("GET /after "));
  close(fd);
  HttpClient client(Url());
  EXPECT_EQ(client.Request("GET", "/stream", "").body, "piece 0\npiece 1\npiece 2\n");
}

TEST_F(ServerTest, AStreamThatFailsClosesTheConnectionWithoutTheLastChunk) {
  Start();
  const std::string out = RawExchange("GET /stream-fail HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(out, HasSubstr("piece 0\n"));
  EXPECT_THAT(out, Not(HasSubstr("\r\n0\r\n\r\n")));
}

TEST_F(ServerTest, Http10StreamsEndWithTheConnection) {
  Start();
  const std::string out = RawExchange("GET /stream HTTP/1.0\r\n\r\n");
  EXPECT_THAT(out, Not(HasSubstr("chunked")));
  EXPECT_THAT(out, HasSubstr("\r\n\r\npiece 0\npiece 1\npiece 2\n"));
}

TEST_F(ServerTest, AnswersFromAnotherThread) {
  Start();
  HttpClient client(Url());
  EXPECT_EQ(client.Get("/async").body, "GET /async ");
}

TEST_F(ServerTest, AbandonedRequestsGetAnError) {
  Start();
  HttpClient client(Url());
  auto response = client.Get("/drop");
  EXPECT_EQ(response.status, 500);
  EXPECT_THAT(response.body, HasSubstr("error:"));
}

TEST_F(ServerTest, BodiesOverTheLimitGet413) {
  Start(16);
  HttpClient client(Url());
  auto response = client.Request("POST", "/x", std::string(100, 'a'));
  EXPECT_EQ(response.status, 413);
  EXPECT_THAT(response.body, HasSubstr("exceeds 16 bytes"));
}

// A body over the limit is answered as soon as its header arrives, while the client is still
// sending. The client must still get that answer and a clean end of the connection: closing with
// unread input would make the kernel reset the connection instead.
TEST_F(ServerTest, OversizedBodyIsAnsweredWhileTheClientStillSends) {
  Start(1024);
  const int fd = ConnectRaw();
  const std::string header = "POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 4194304\r\n\r\n";
  ASSERT_EQ(send(fd, header.data(), header.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(header.size()));
  const std::string chunk(64 * 1024, 'a');
  for (int i = 0; i < 64; ++i) {  // the whole announced body, 4 MiB
    if (send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(chunk.size())) {
      ADD_FAILURE() << "sending chunk " << i << ": " << std::strerror(errno);
      break;
    }
  }
  std::string reply;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = recv(fd, buffer, sizeof buffer, 0)) > 0)
    reply.append(buffer, static_cast<std::size_t>(n));
  EXPECT_EQ(n, 0) << "the connection ended with " << std::strerror(errno);
  close(fd);
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 413"));
  EXPECT_THAT(reply, HasSubstr("exceeds 1024 bytes"));
}

// The lingering close is bounded in time: once linger_timeout has passed the server closes even
// though the client is still sending, and the client's further sends fail. 32 MiB is below the
// byte bound, so only the time bound can end the connection.
TEST_F(ServerTest, LingeringCloseEndsAtTheLingerTimeout) {
  Start(1024, std::chrono::milliseconds(0));
  const int fd = ConnectRaw();
  const std::string header = "POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 67108864\r\n\r\n";
  ASSERT_EQ(send(fd, header.data(), header.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(header.size()));
  std::string reply;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = recv(fd, buffer, sizeof buffer, 0)) > 0)
    reply.append(buffer, static_cast<std::size_t>(n));
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 413"));
  const std::string chunk(64 * 1024, 'a');
  int send_error = 0;
  for (int i = 0; i < 512 && send_error == 0; ++i) {
    if (send(fd, chunk.data(), chunk.size(), MSG_NOSIGNAL) < 0) send_error = errno;
  }
  EXPECT_TRUE(send_error == EPIPE || send_error == ECONNRESET)
      << "after its linger timeout the server still read 32 MiB; last error: "
      << std::strerror(send_error);
  close(fd);
}

TEST_F(ServerTest, MalformedRequestsGet400) {
  Start();
  const std::string reply = RawExchange("GARBAGE\r\n\r\n");
  EXPECT_THAT(reply, HasSubstr("HTTP/1.1 400"));
}

// Counts the responses in what a connection returned.
std::size_t ResponsesIn(const std::string& reply) {
  std::size_t count = 0;
  for (std::size_t at = reply.find("HTTP/1.1 "); at != std::string::npos;
       at = reply.find("HTTP/1.1 ", at + 1)) {
    ++count;
  }
  return count;
}

TEST_F(ServerTest, AmbiguousFramingIs400AndClosesTheConnection) {
  Start();
  // Each would leave the second request in the body for one parser and on the wire for another.
  const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const std::string& framing :
       {std::string("Transfer-Encoding: xchunked\r\n"),
        std::string("Transfer-Encoding: identity\r\n"),
        std::string("Transfer-Encoding: gzip, chunked\r\n"),
        std::string("Transfer-Encoding: chunked, identity\r\n"),
        std::string("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
        std::string("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n"),
        std::string("Content-Length: 5\r\nContent-Length: 5\r\n")}) {
    const std::string reply =
        RawExchange("POST /a HTTP/1.1\r\nHost: x\r\n" + framing + "\r\n0\r\n\r\n" + smuggled);
    EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << framing << reply;
    EXPECT_EQ(ResponsesIn(reply), 1u) << framing << reply;
    EXPECT_THAT(reply, Not(HasSubstr("/smuggled"))) << framing;
  }
  // Plain chunked still works.
  const std::string chunked = RawExchange(
      "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
      "5\r\nhello\r\n0\r\n\r\n");
  EXPECT_THAT(chunked, HasSubstr("POST /c hello"));
}

TEST_F(ServerTest, Http11NeedsExactlyOneHost) {
  Start();
  EXPECT_EQ(RawExchange("GET /a HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(RawExchange("GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n").rfind("HTTP/1.1 400", 0),
            0u);
  // HTTP/1.0 had no Host requirement.
  EXPECT_THAT(RawExchange("GET /old HTTP/1.0\r\n\r\n"), HasSubstr("GET /old"));
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Start();
  const std::string reply = RawExchange(
      "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\nConnection: "
      "close\r\n\r\n");
  const auto one = reply.find("GET /one");
  const auto two = reply.find("GET /two");
  ASSERT_NE(one, std::string::npos) << reply;
  ASSERT_NE(two, std::string::npos) << reply;
  EXPECT_LT(one, two);
}

// A browser that no longer needs an answer (a page that aborted its request) closes the
// connection; the work done for that request on the connection's thread sees it as cancelled.
TEST_F(ServerTest, WorkForAClientThatClosedItsConnectionIsCancelled) {
  Start();
  const int fd = ConnectRaw();
  const std::string request = "GET /until-cancelled HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  close(fd);
  EXPECT_TRUE(handler_.WaitForCancellation());
  // The thread is free again for other clients.
  HttpClient client(Url());
  EXPECT_EQ(client.Get("/after").status, 200);
}

TEST_F(ServerTest, WorkForAConnectedClientIsNotCancelledAlsoWithAPipelinedRequestWaiting) {
  Start();
  HttpClient client(Url());
  EXPECT_EQ(client.Get("/cancelled").body, "not cancelled");
  // Both requests in one write, and the connection kept open (not half-closed) until the server
  // closes it after the second.
  const int fd = ConnectRaw();
  const std::string requests =
      "GET /cancelled HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(send(fd, requests.data(), requests.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(requests.size()));
  std::string reply;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = recv(fd, buffer, sizeof buffer, 0)) > 0) {
    reply.append(buffer, static_cast<std::size_t>(n));
  }
  close(fd);
  EXPECT_THAT(reply, HasSubstr("\r\n\r\nnot cancelled"));
  EXPECT_THAT(reply, HasSubstr("GET /two"));
}

TEST_F(ServerTest, ExpectContinueGetsAnInterimResponse) {
  Start();
  const std::string reply = RawExchange(
      "POST /c HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: "
      "close\r\n\r\nhello");
  EXPECT_EQ(reply.rfind("HTTP/1.1 100 Continue\r\n", 0), 0u) << reply;
  EXPECT_THAT(reply, HasSubstr("POST /c hello"));
}

TEST_F(ServerTest, LongTargetIs414) {
  ServerOptions options = TestOptions();
  options.url_limit = 64;
  StartWith(options);
  const std::string reply =
      RawExchange("GET /" + std::string(100, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 414", 0), 0u) << reply;
  EXPECT_THAT(reply, HasSubstr("exceeds 64 bytes"));
  EXPECT_THAT(RawExchange("GET /" + std::string(63, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n"),
              HasSubstr("HTTP/1.1 200"));
}

TEST_F(ServerTest, TooManyHeadersIs431) {
  ServerOptions options = TestOptions();
  options.max_headers = 10;
  StartWith(options);
  std::string headers = "Host: x\r\n";
  for (int i = 1; i < 10; ++i) headers += "X-H" + std::to_string(i) + ": v\r\n";
  EXPECT_THAT(RawExchange("GET /ten HTTP/1.1\r\n" + headers + "\r\n"), HasSubstr("GET /ten"));
  const std::string reply = RawExchange("GET /eleven HTTP/1.1\r\n" + headers + "X-H: v\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 431", 0), 0u) << reply;
  EXPECT_THAT(reply, HasSubstr("more than 10 headers"));
}

TEST_F(ServerTest, HeaderBlockOverTheLimitIs431) {
  ServerOptions options = TestOptions();
  options.header_limit = 2048;
  StartWith(options);
  const std::string reply =
      RawExchange("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'b') + "\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 431", 0), 0u) << reply;
}

// Slowloris: a client that sends one header byte at a time, each well within the idle timeout,
// is cut off when the header deadline passes since its first byte.
TEST_F(ServerTest, TricklingHeaderIsCutOffAtTheHeaderDeadline) {
  ServerOptions options = TestOptions();
  options.idle_timeout = std::chrono::minutes(10);
  options.header_timeout = std::chrono::milliseconds(300);
  StartWith(options);
  const int fd = ConnectRaw();
  const auto start = std::chrono::steady_clock::now();
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  bool closed = false;
  std::size_t sent = 0;
  // The client paces itself by waiting up to 20 ms for the server to end the connection.
  for (; !closed && sent < 5000; ++sent) {
    const char byte = sent < request.size() ? request[sent] : 'a';
    if (send(fd, &byte, 1, MSG_NOSIGNAL) != 1) {
      closed = true;
      break;
    }
    pollfd pending{fd, POLLIN, 0};
    if (poll(&pending, 1, 20) == 1) {
      char buffer[256];
      closed = recv(fd, buffer, sizeof buffer, 0) <= 0;
      EXPECT_TRUE(closed) << "the server answered a request it never finished receiving";
    }
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  close(fd);
  EXPECT_TRUE(closed) << "still connected after " << sent << " bytes";
  EXPECT_GE(elapsed, options.header_timeout);
  EXPECT_LT(elapsed, std::chrono::seconds(30));
}

TEST_F(ServerTest, SilentConnectionClosesAtTheIdleTimeout) {
  ServerOptions options = TestOptions();
  options.idle_timeout = std::chrono::milliseconds(500);
  StartWith(options);
  const int fd = ConnectRaw();
  EXPECT_THAT(RoundTrip(fd, "GET /first HTTP/1.1\r\nHost: x\r\n\r\n"), HasSubstr("GET /first"));
  const auto start = std::chrono::steady_clock::now();
  char byte = 0;
  EXPECT_EQ(recv(fd, &byte, 1, 0), 0);  // blocks until the server closes
  EXPECT_GE(std::chrono::steady_clock::now() - start, options.idle_timeout);
  close(fd);
}

// A connection beyond a limit is answered 503 and closed; once a place frees up, a new
// connection is served again.
TEST_F(ServerTest, ConnectionsOverThePerAddressLimitGet503) {
  ServerOptions options = TestOptions();
  options.max_connections_per_address = 3;
  StartWith(options);
  std::vector<int> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(ConnectRaw());
    EXPECT_THAT(RoundTrip(held.back(), "GET /held HTTP/1.1\r\nHost: x\r\n\r\n"),
                HasSubstr("GET /held"));
  }
  const std::string refused = RawExchange("GET /fourth HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused;
  EXPECT_THAT(refused, HasSubstr("Too many connections"));
  close(held.back());
  held.pop_back();
  // The server frees the place when it sees the close, which this client cannot observe; each
  // attempt is a full exchange, so the loop waits on the server, not on a clock.
  std::string reply;
  for (int attempt = 0; attempt < 1000 && reply.find("GET /again") == std::string::npos;
       ++attempt) {
    reply = RawExchange("GET /again HTTP/1.1\r\nHost: x\r\n\r\n");
  }
  EXPECT_THAT(reply, HasSubstr("GET /again"));
  for (const int fd : held) close(fd);
}

TEST_F(ServerTest, ConnectionsOverTheTotalLimitGet503) {
  ServerOptions options = TestOptions();
  options.max_connections = 2;
  options.max_connections_per_address = 0;
  StartWith(options);
  std::vector<int> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(ConnectRaw());
    EXPECT_THAT(RoundTrip(held.back(), "GET /held HTTP/1.1\r\nHost: x\r\n\r\n"),
                HasSubstr("GET /held"));
  }
  EXPECT_EQ(RawExchange("GET /third HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 503", 0), 0u);
  for (const int fd : held) close(fd);
}

// Graceful shutdown: once Stop() is called no new connection is served (the listening socket
// closes), while the request in flight still gets its answer.
TEST_F(ServerTest, StopRefusesNewConnectionsAndFinishesTheOneInFlight) {
  Start();
  auto pending = std::async(std::launch::async, [this] {
    HttpClient client(Url());
    return client.Get("/hold");
  });
  handler_.WaitForHeld();
  const std::uint16_t port = server_->port();
  server_->Stop();
  bool refused = false;
  for (int attempt = 0; attempt < 10000 && !refused; ++attempt) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      refused = errno == ECONNREFUSED;
    } else {
      // Accepted before the listening socket closed: closed without an answer.
      const std::string request = "GET /late HTTP/1.1\r\nHost: x\r\n\r\n";
      send(fd, request.data(), request.size(), MSG_NOSIGNAL);
      char buffer[64];
      EXPECT_LE(recv(fd, buffer, sizeof buffer, 0), 0) << "a connection made after Stop was served";
    }
    close(fd);
  }
  EXPECT_TRUE(refused);
  handler_.Release();
  const auto response = pending.get();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "GET /hold ");
  EXPECT_EQ(response.Header("Connection"), "close");
  runner_.join();
}

// Counts the log lines that contain a text, and lets a test wait for the count.
class CountingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit CountingSink(std::string text) : text_(std::move(text)) {}
  // Waits until `count` matching lines were logged, for at most a minute; returns the time each
  // one came.
  std::vector<std::chrono::steady_clock::time_point> WaitFor(std::size_t count) {
    std::unique_lock<std::mutex> lock(times_mu_);
    cv_.wait_for(lock, std::chrono::minutes(1), [&] { return times_.size() >= count; });
    return times_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (std::string_view(msg.payload.data(), msg.payload.size()).find(text_) ==
        std::string_view::npos) {
      return;
    }
    std::lock_guard<std::mutex> lock(times_mu_);
    times_.push_back(std::chrono::steady_clock::now());
    cv_.notify_all();
  }
  void flush_() override {}

 private:
  const std::string text_;
  std::mutex times_mu_;
  std::condition_variable cv_;
  std::vector<std::chrono::steady_clock::time_point> times_;
};

// Out of descriptors, accept fails until one frees up. The server retries after a pause (neither
// spinning nor waiting for another connection to arrive) and serves the waiting client once
// descriptors are back. Lowers this process's descriptor limit; ctest runs each case in its own
// process.
TEST_F(ServerTest, AcceptPausesWhileOutOfDescriptors) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // The sanitizer runtimes need descriptors themselves (UBSan probes memory through a pipe for its
  // vptr checks and reports every virtual call as invalid when it cannot make one).
  GTEST_SKIP() << "needs a process that can run out of descriptors";
#endif
  auto sink = std::make_shared<CountingSink>("accept failed");
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("counting", sink));
  Start();
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit low = saved;
  low.rlim_cur = 256;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  // Take every free descriptor below the limit, then give one back for the client's socket.
  std::vector<int> fillers;
  for (int fd = open("/dev/null", O_RDONLY); fd >= 0; fd = open("/dev/null", O_RDONLY)) {
    fillers.push_back(fd);
  }
  ASSERT_EQ(errno, EMFILE);
  ASSERT_FALSE(fillers.empty());
  close(fillers.back());
  fillers.pop_back();
  const int client = ConnectRaw();  // completes in the backlog; the server cannot accept it
  const auto failures = sink->WaitFor(3);
  ASSERT_GE(failures.size(), 3u) << "accept was not retried while the client waited";
  EXPECT_GE(failures[2] - failures[0], std::chrono::milliseconds(150))
      << "accept was retried without a pause";
  for (const int fd : fillers) close(fd);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_THAT(RoundTrip(client, "GET /later HTTP/1.1\r\nHost: x\r\n\r\n"), HasSubstr("GET /later"));
  close(client);
  spdlog::set_default_logger(previous);
}

TEST_F(ServerTest, StopWaitsForRequestsInFlight) {
  Start();
  auto pending = std::async(std::launch::async, [this] {
    HttpClient client(Url());
    return client.Get("/hold");
  });
  handler_.WaitForHeld();
  server_->Stop();
  handler_.Release();
  const auto response = pending.get();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("Connection"), "close");
  runner_.join();
}

}  // namespace
}  // namespace crm::http
