#include "crm/http/server.hpp"

#include <atomic>
#include <cerrno>
#include <list>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "crm/common/cancellation.hpp"
#include "crm/common/thread_annotations.hpp"
#include "crm/http/request_checks.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

namespace crm::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

// How long accepting pauses when the process is out of descriptors (EMFILE): accepting again at
// once would fail again at once, a busy loop that also floods the log.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);
// What a connection reads at once while it waits for a request.
constexpr std::size_t kReadChunk = 16 * 1024;
// How many bytes a closing connection reads at most from what the client still sends (see
// Session::LingeringClose; the time bound is ServerOptions::linger_timeout).
constexpr std::size_t kLingerBytes = 64 * 1024 * 1024;
constexpr std::size_t kLingerChunk = 64 * 1024;

Method ToMethod(bhttp::verb verb) {
  switch (verb) {
    case bhttp::verb::get:
      return Method::kGet;
    case bhttp::verb::head:
      return Method::kHead;
    case bhttp::verb::post:
      return Method::kPost;
    case bhttp::verb::put:
      return Method::kPut;
    case bhttp::verb::patch:
      return Method::kPatch;
    case bhttp::verb::delete_:
      return Method::kDelete;
    case bhttp::verb::options:
      return Method::kOptions;
    default:
      return Method::kOther;
  }
}

class RequestView final : public Request {
 public:
  void Reset(const bhttp::request<bhttp::string_body>* request, std::string_view remote) {
    request_ = request;
    remote_ = remote;
  }
  Method method() const override { return ToMethod(request_->method()); }
  std::string_view method_name() const override { return request_->method_string(); }
  std::string_view target() const override { return request_->target(); }
  std::string_view Header(std::string_view name) const override {
    const auto it = request_->find(name);
    return it == request_->end() ? std::string_view() : std::string_view(it->value());
  }
  const std::string& body() const override { return request_->body(); }
  std::string_view remote_address() const override { return remote_; }

 private:
  const bhttp::request<bhttp::string_body>* request_ = nullptr;
  std::string_view remote_;
};

class ServerImpl;

// One connection. Lives on one io_context thread; Deliver() is the only entry from other threads.
// While the handler works on a request on the connection's thread, the connection is that work's
// CancellationSource: a query of a client that has closed its connection stops early.
class Session final : public std::enable_shared_from_this<Session>,
                      public internal::ResponseSink,
                      public CancellationSource {
 public:
  Session(tcp::socket socket, ServerImpl& server);
  ~Session() override;

  // `admitted`: within the connection limits; otherwise it is answered 503 and closed.
  void Start(bool admitted);
  void Deliver(Response response) override;
  void DeliverBuilt(std::function<Response()> build) override;
  void DeliverStream(Response head, BodySource source) override;
  void Abandon() override;
  // Closes the connection now if it is waiting for a request (server stopping).
  void CloseIfIdle();
  bool Cancelled() override;

 private:
  void ReadHeader();
  void ReadHeaderRest();
  void OnHeader(beast::error_code ec);
  void ReadBody();
  void OnBody(beast::error_code ec);
  void OnReadError(beast::error_code ec);
  // Answers `status` without dispatching, then closes: the rest of the stream cannot be trusted.
  void Refuse(int status, std::string reason);
  void Dispatch();
  // `source` set: the body is streamed (BodySource).
  void Write(Response response, BodySource source = nullptr);
  void OnWrite(beast::error_code ec, bool keep_alive);
  // A streamed body (Response::stream): the header, then one chunk per piece, then the last chunk.
  void WriteStreamHeader(Response response, BodySource source, bool keep_alive);
  void WriteNextPiece(bool keep_alive);
  void LogAccess(int status, std::size_t bytes) const;
  void LingeringClose();
  void DiscardInput(std::size_t budget);
  void Close();

  ServerImpl& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  bhttp::request<bhttp::string_body> request_;
  bhttp::response<bhttp::string_body> response_;
  bhttp::response<bhttp::empty_body> continue_;
  // The streamed answer in flight: its header, serializer, source and the piece being sent.
  bhttp::response<bhttp::empty_body> stream_header_;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> stream_serializer_;
  BodySource stream_source_;
  std::string stream_piece_;
  std::size_t stream_bytes_ = 0;
  int stream_status_ = 0;
  // HTTP/1.0 has no chunked encoding: the body then ends where the connection closes.
  bool stream_chunked_ = true;
  RequestView view_;
  std::string remote_;
  bool counted_ = false;  // holds a place in the connection limits (ServerImpl::Admit)
  bool idle_ = false;
  bool answered_ = true;      // no request in flight
  bool client_gone_ = false;  // seen by Cancelled(): the client closed or reset the connection
  // Held while a request is in flight: its answer may come from another thread after the server has
  // released its own guards, and the context must still be running to write it.
  std::optional<asio::executor_work_guard<asio::any_io_executor>> in_flight_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point linger_deadline_;  // see LingeringClose
  std::list<std::weak_ptr<Session>>::iterator registry_entry_;
  std::size_t context_index_ = 0;
  asio::io_context* context_ = nullptr;  // the context this connection lives on
  friend class ServerImpl;
};

class ServerImpl final : public Server {
 public:
  ServerImpl(const ServerOptions& options, Handler& handler)
      : options_(options),
        handler_(handler),
        contexts_(static_cast<std::size_t>(std::max(1, options.threads))),
        registries_(contexts_.size()) {
    for (auto& context : contexts_) {
      context = std::make_unique<asio::io_context>(1);
      guards_.emplace_back(asio::make_work_guard(*context));
      // A context creates its reactor (epoll and event descriptors) with its first socket, and
      // throws when that fails; made now, it cannot fail later for want of descriptors.
      const tcp::socket reactor_now(*context);
    }
    acceptor_.emplace(*contexts_[0]);
    accept_backoff_.emplace(*contexts_[0]);
  }

  Status Listen() {
    beast::error_code ec;
    const auto address =
        asio::ip::make_address(options_.host == "localhost" ? "127.0.0.1" : options_.host, ec);
    if (ec) return Status::InvalidArgument("bad listen address '" + options_.host + "'");
    const tcp::endpoint endpoint(address, options_.port);
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Status::Unavailable("cannot listen on " + options_.host + ":" +
                                 std::to_string(options_.port) + ": " + ec.message());
    }
    return {};
  }

  std::uint16_t port() const override { return acceptor_->local_endpoint().port(); }

  void Run() override {
    Accept();
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < contexts_.size(); ++i) {
      threads.emplace_back([this, i] { RunContext(i); });
    }
    RunContext(0);
    for (auto& thread : threads) thread.join();
  }

  void Stop() override {
    if (stopping_.exchange(true)) return;
    asio::post(*contexts_[0], [this] {
      beast::error_code ec;
      acceptor_->close(ec);
      accept_backoff_->cancel();
    });
    for (std::size_t i = 0; i < contexts_.size(); ++i) {
      asio::post(*contexts_[i], [this, i] {
        std::vector<std::shared_ptr<Session>> sessions;
        {
          MutexLock lock(registries_[i].mu);
          for (const auto& weak : registries_[i].sessions) {
            if (auto session = weak.lock()) sessions.push_back(std::move(session));
          }
        }
        for (const auto& session : sessions) session->CloseIfIdle();
      });
    }
    // Without their guards the contexts return from run() once the last connection is done.
    for (auto& guard : guards_) guard.reset();
  }

  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }
  const ServerOptions& options() const { return options_; }
  Handler& handler() { return handler_; }

  Response ErrorResponse(int status, std::string_view reason) const {
    if (options_.error_response) return options_.error_response(status, reason);
    Response response;
    response.status = status;
    response.body = std::string(reason);
    return response;
  }

  void Register(const std::shared_ptr<Session>& session) {
    auto& registry = registries_[session->context_index_];
    MutexLock lock(registry.mu);
    session->registry_entry_ = registry.sessions.insert(registry.sessions.end(), session);
  }

  void Unregister(Session& session) {
    auto& registry = registries_[session.context_index_];
    MutexLock lock(registry.mu);
    registry.sessions.erase(session.registry_entry_);
  }

  // Takes a place for a new connection from `address`; false when the total or the per-address
  // limit is reached. Each successful call is matched by one Release(address).
  bool Admit(const std::string& address) {
    MutexLock lock(limits_mu_);
    if (options_.max_connections != 0 && connections_ >= options_.max_connections) return false;
    std::size_t& from_address = per_address_[address];
    if (options_.max_connections_per_address != 0 &&
        from_address >= options_.max_connections_per_address) {
      if (from_address == 0) per_address_.erase(address);
      return false;
    }
    ++from_address;
    ++connections_;
    return true;
  }

  void Release(const std::string& address) {
    MutexLock lock(limits_mu_);
    --connections_;
    const auto it = per_address_.find(address);
    if (--it->second == 0) per_address_.erase(it);
  }

 private:
  struct Registry {
    Mutex mu;
    std::list<std::weak_ptr<Session>> sessions CRM_GUARDED_BY(mu);
  };

  void RunContext(std::size_t index) {
    // Handlers never throw (errors are values); this keeps a bug from killing the thread silently.
    while (true) {
      try {
        contexts_[index]->run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("unhandled exception on server thread: {}", e.what());
      }
    }
  }

  void Accept() {
    const std::size_t index = NextContext();
    acceptor_->async_accept(contexts_[index]->get_executor(),
                            [this, index](beast::error_code ec, tcp::socket socket) {
                              OnAccept(ec, std::move(socket), index);
                            });
  }

  std::size_t NextContext() {
    const std::size_t index = next_context_;
    next_context_ = (next_context_ + 1) % contexts_.size();
    return index;
  }

  void OnAccept(beast::error_code ec, tcp::socket socket, std::size_t index) {
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping()) return;
      spdlog::warn("accept failed: {}", ec.message());
      return PauseAccepting();
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<Session>(std::move(socket), *this);
    session->context_index_ = index;
    session->context_ = contexts_[index].get();
    session->counted_ = Admit(session->remote_);
    Register(session);
    asio::post(*contexts_[index], [session] { session->Start(session->counted_); });
    if (!stopping()) Accept();
  }

  // After a failed accept (EMFILE: out of descriptors), waits and then tries once without waiting
  // for readiness: the epoll reactor reports a listening socket once per new connection, so an
  // async_accept alone would leave the connections already waiting in the backlog there until
  // another one arrives. An empty backlog (would_block) goes back to async_accept.
  void PauseAccepting() {
    accept_backoff_->expires_after(kAcceptBackoff);
    accept_backoff_->async_wait([this](beast::error_code ec) {
      if (ec || stopping()) return;
      const std::size_t index = NextContext();
      tcp::socket socket(*contexts_[index]);
      beast::error_code accept_ec;
      acceptor_->non_blocking(true, accept_ec);
      if (!accept_ec) acceptor_->accept(socket, accept_ec);
      if (accept_ec == asio::error::would_block || accept_ec == asio::error::try_again) {
        return Accept();
      }
      OnAccept(accept_ec, std::move(socket), index);
    });
  }

  const ServerOptions options_;
  Handler& handler_;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::optional<tcp::acceptor> acceptor_;
  std::optional<asio::steady_timer> accept_backoff_;  // used on context 0 only
  std::vector<Registry> registries_;
  std::size_t next_context_ = 0;  // used on context 0 only
  std::atomic<bool> stopping_{false};
  // Sessions end on any thread, so the counts are shared.
  Mutex limits_mu_;
  std::size_t connections_ CRM_GUARDED_BY(limits_mu_) = 0;
  std::unordered_map<std::string, std::size_t> per_address_ CRM_GUARDED_BY(limits_mu_);
};

Session::Session(tcp::socket socket, ServerImpl& server)
    : server_(server), stream_(std::move(socket)) {
  beast::error_code ec;
  const auto endpoint = stream_.socket().remote_endpoint(ec);
  if (!ec) remote_ = endpoint.address().to_string();
}

Session::~Session() {
  if (counted_) server_.Release(remote_);
  server_.Unregister(*this);
}

void Session::Start(bool admitted) {
  if (!admitted) {
    // Answered rather than left unaccepted: a client waiting in the backlog cannot tell a full
    // server from a dead one, and its retries would pile up there.
    return Refuse(503, "Too many connections; try again later.");
  }
  ReadHeader();
}

// Two deadlines: idle_timeout until the first byte of the request, then header_timeout for the
// whole header. A deadline set before a composed read holds for all its reads, so a client that
// trickles bytes cannot extend it.
void Session::ReadHeader() {
  if (server_.stopping()) return Close();
  parser_.emplace();
  ConfigureParser(*parser_, server_.options());
  idle_ = true;
  if (buffer_.size() > 0) return ReadHeaderRest();  // pipelined: the next request already began
  stream_.expires_after(server_.options().idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                            if (ec) {
                              self->idle_ = false;
                              return self->OnReadError(ec);
                            }
                            self->buffer_.commit(n);
                            self->ReadHeaderRest();
                          });
}

void Session::ReadHeaderRest() {
  stream_.expires_after(server_.options().header_timeout);
  bhttp::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnHeader(ec); });
}

void Session::OnHeader(beast::error_code ec) {
  idle_ = false;
  if (ec) return OnReadError(ec);
  if (auto refusal = CheckRequestHeader(parser_->get(), server_.options())) {
    return Refuse(refusal->status, std::move(refusal->reason));
  }
  if (parser_->is_done()) {
    request_ = parser_->release();
    return Dispatch();
  }
  const auto expect = parser_->get()[bhttp::field::expect];
  if (beast::iequals(expect, "100-continue")) {
    // Clients such as curl and PHP wait for this before sending a larger body.
    continue_ = {};
    continue_.version(11);
    continue_.result(bhttp::status::continue_);
    stream_.expires_after(server_.options().write_timeout);
    return bhttp::async_write(stream_, continue_,
                              [self = shared_from_this()](beast::error_code wec, std::size_t) {
                                if (wec) return self->Close();
                                self->ReadBody();
                              });
  }
  ReadBody();
}

void Session::ReadBody() {
  stream_.expires_after(server_.options().read_timeout);
  bhttp::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnBody(ec); });
}

void Session::OnBody(beast::error_code ec) {
  if (ec) return OnReadError(ec);
  request_ = parser_->release();
  Dispatch();
}

void Session::OnReadError(beast::error_code ec) {
  if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
      ec == asio::error::operation_aborted ||
      ec.category() != bhttp::make_error_code(bhttp::error::end_of_stream).category()) {
    return Close();
  }
  if (ec == bhttp::error::body_limit) {
    return Refuse(
        413, "Request body exceeds " + std::to_string(server_.options().body_limit) + " bytes.");
  }
  if (ec == bhttp::error::header_limit) return Refuse(431, "Request headers are too large.");
  Refuse(400, "Malformed HTTP request: " + ec.message() + ".");
}

void Session::Refuse(int status, std::string reason) {
  request_ = {};
  request_.version(11);
  request_.keep_alive(false);
  answered_ = false;
  started_ = std::chrono::steady_clock::now();
  Write(server_.ErrorResponse(status, reason));
}

void Session::Dispatch() {
  answered_ = false;
  in_flight_.emplace(stream_.get_executor());
  started_ = std::chrono::steady_clock::now();
  view_.Reset(&request_, remote_);
  // Reads run inside Handle on this thread; work handed to other threads is not watched.
  const CancellationScope watch_client(*this);
  server_.handler().Handle(view_, Responder(shared_from_this()));
}

// Looks without reading: the end of the stream (the client closed, as a browser does when a page
// aborts a request) or a reset means nobody will read the answer. As in nginx, a client that only
// shut down its sending side counts as gone too; HTTP clients do not do that while they wait for an
// answer. Bytes waiting (a pipelined request) are left for the parser and mean the client is there.
bool Session::Cancelled() {
  if (client_gone_) return true;
  char byte = 0;
  const ssize_t n = ::recv(stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) {
    client_gone_ = true;
  } else if (n < 0) {
    client_gone_ = errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
  }
  return client_gone_;
}

void Session::Deliver(Response response) {
  if (context_->get_executor().running_in_this_thread()) return Write(std::move(response));
  asio::post(stream_.get_executor(),
             [self = shared_from_this(), response = std::move(response)]() mutable {
               self->Write(std::move(response));
             });
}

void Session::DeliverBuilt(std::function<Response()> build) {
  asio::post(*context_,
             [self = shared_from_this(), build = std::move(build)] { self->Write(build()); });
}

void Session::DeliverStream(Response head, BodySource source) {
  asio::post(stream_.get_executor(), [self = shared_from_this(), head = std::move(head),
                                      source = std::move(source)]() mutable {
    self->Write(std::move(head), std::move(source));
  });
}

void Session::Abandon() { Deliver(server_.ErrorResponse(500, "Internal error")); }

void Session::CloseIfIdle() {
  if (idle_) Close();
}

void Session::Write(Response response, BodySource source) {
  if (answered_) return;  // a second answer for the same request is a bug; keep the first
  answered_ = true;
  in_flight_.reset();
  if (client_gone_) {
    LogAccess(response.status, 0);
    return Close();
  }
  const bool keep_alive = request_.keep_alive() && !server_.stopping();
  if (source && request_.method() != bhttp::verb::head) {
    return WriteStreamHeader(std::move(response), std::move(source), keep_alive);
  }
  response_ = {};
  response_.version(request_.version() == 10 ? 10 : 11);
  response_.result(static_cast<unsigned>(response.status));
  for (auto& [name, value] : response.headers) response_.insert(name, value);
  response_.keep_alive(keep_alive);
  const std::size_t bytes = response.body.size();
  if (request_.method() == bhttp::verb::head) {
    response_.content_length(bytes);
  } else {
    response_.body() = std::move(response.body);
    response_.prepare_payload();
  }
  LogAccess(response.status, bytes);
  stream_.expires_after(server_.options().write_timeout);
  bhttp::async_write(stream_, response_,
                     [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                       self->OnWrite(ec, keep_alive);
                     });
}

void Session::LogAccess(int status, std::size_t bytes) const {
  if (!server_.options().access_log) return;
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started_)
                          .count();
  spdlog::info("{} \"{} {}\" {} {} {}us", remote_, request_.method_string(), request_.target(),
               status, bytes, micros);
}

void Session::WriteStreamHeader(Response response, BodySource source, bool keep_alive) {
  stream_chunked_ = request_.version() != 10;
  if (!stream_chunked_) keep_alive = false;
  stream_header_ = {};
  stream_header_.version(request_.version() == 10 ? 10 : 11);
  stream_header_.result(static_cast<unsigned>(response.status));
  for (auto& [name, value] : response.headers) stream_header_.insert(name, value);
  stream_header_.keep_alive(keep_alive);
  stream_header_.chunked(stream_chunked_);
  stream_source_ = std::move(source);
  stream_bytes_ = 0;
  stream_status_ = response.status;
  stream_serializer_.emplace(stream_header_);
  // write_timeout bounds each piece of a streamed body, not the whole: an export of a million
  // records takes longer than any sensible bound on one answer.
  stream_.expires_after(server_.options().write_timeout);
  bhttp::async_write_header(
      stream_, *stream_serializer_,
      [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
        if (ec) return self->Close();
        self->WriteNextPiece(keep_alive);
      });
}

void Session::WriteNextPiece(bool keep_alive) {
  auto more = stream_source_(stream_piece_);
  if (!more.ok()) {
    spdlog::error("streamed answer to \"{} {}\" failed after {} bytes: {}",
                  request_.method_string(), request_.target(), stream_bytes_,
                  more.status().message());
    stream_source_ = nullptr;
    return Close();
  }
  stream_.expires_after(server_.options().write_timeout);
  if (!*more) {
    stream_source_ = nullptr;
    LogAccess(stream_status_, stream_bytes_);
    if (!stream_chunked_) return OnWrite({}, false);
    return asio::async_write(
        stream_, bhttp::make_chunk_last(),
        [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
          self->OnWrite(ec, keep_alive);
        });
  }
  if (stream_piece_.empty()) return WriteNextPiece(keep_alive);  // an empty chunk would end it
  stream_bytes_ += stream_piece_.size();
  auto next = [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
    if (ec) return self->Close();
    self->WriteNextPiece(keep_alive);
  };
  if (!stream_chunked_) return asio::async_write(stream_, asio::buffer(stream_piece_), next);
  asio::async_write(stream_, bhttp::make_chunk(asio::buffer(stream_piece_)), next);
}

void Session::OnWrite(beast::error_code ec, bool keep_alive) {
  if (ec) return Close();
  if (!keep_alive) return server_.stopping() ? Close() : LingeringClose();
  request_ = {};
  ReadHeader();
}

// The last answer on a connection may go out while the client is still sending: a body over the
// limit is answered as soon as its header arrives. Closing a socket with unread input makes the
// kernel reset the connection, and the client then sees a send error or a reset instead of the
// answer. So only the sending side is shut down, and whatever still arrives is read and dropped
// until the client closes, for at most linger_timeout and kLingerBytes (nginx's lingering close).
// The stream's timeout alone does not bound the time: a read that finds data waiting completes
// before the expired timer gets to cancel it, so a client that keeps sending would keep every read
// succeeding. Each read therefore also checks the deadline.
void Session::LingeringClose() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return Close();
  idle_ = true;  // nothing in flight: a stopping server may close it at once
  linger_deadline_ = std::chrono::steady_clock::now() + server_.options().linger_timeout;
  stream_.expires_at(linger_deadline_);
  DiscardInput(kLingerBytes);
}

void Session::DiscardInput(std::size_t budget) {
  stream_.async_read_some(buffer_.prepare(kLingerChunk), [self = shared_from_this(), budget](
                                                             beast::error_code ec, std::size_t n) {
    if (ec || n >= budget || std::chrono::steady_clock::now() >= self->linger_deadline_) {
      return self->Close();
    }
    self->DiscardInput(budget - n);
  });
}

void Session::Close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream_.socket().close(ec);
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Create(const ServerOptions& options, Handler& handler) {
  auto server = std::make_unique<ServerImpl>(options, handler);
  CRM_RETURN_IF_ERROR(server->Listen());
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace crm::http
