// Exchange: one API request on its way through the middleware chain to its route's handler, and
// the one place its answer leaves from. It holds the request, its decoded path segments, the route
// the path matched (with the parameters of the route's pattern), who the caller is once
// authenticated, and the headers middleware adds to whatever answer the handler gives.
//
// Thread-safety: an Exchange is used by one thread at a time: the HTTP thread that received the
// request (or the password verifier's thread that authenticated it), then (for writes) the
// database writer thread that completes it. It is shared by
// pointer so that an answer completed later can still reach the client; Reply is called once.
#ifndef CRM_API_EXCHANGE_HPP_
#define CRM_API_EXCHANGE_HPP_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crm/auth/authenticator.hpp"
#include "crm/common/status.hpp"
#include "crm/http/message.hpp"
#include "crm/metadata/entity_def.hpp"

namespace crm::api {

struct Route;

class Exchange {
 public:
  Exchange(const http::Request& request, http::Responder responder,
           std::vector<std::string> segments)
      : request_(request), responder_(std::move(responder)), segments_(std::move(segments)) {}

  const http::Request& request() const { return request_; }
  const std::vector<std::string>& segments() const { return segments_; }

  // The route the path matched, or null when none did (the chain then answers routing_error).
  const Route* route() const { return route_; }
  // The entity named by the pattern's {entityType}, or null when the pattern has none.
  const metadata::EntityDef* entity() const { return entity_; }
  // The path segment bound to the pattern's parameter `name` ("id" for {id}); empty when absent.
  std::string_view Param(std::string_view name) const;
  void SetRoute(const Route* route, const metadata::EntityDef* entity) {
    route_ = route;
    entity_ = entity;
  }

  // Why no route answers this path (404, or 405 with Allow), when route() is null.
  const http::Response& routing_error() const { return routing_error_; }
  void SetRoutingError(http::Response response) { routing_error_ = std::move(response); }

  const auth::AuthResult& auth() const { return auth_; }
  const auth::Principal& principal() const { return auth_.principal; }
  void SetAuth(auth::AuthResult auth) { auth_ = std::move(auth); }

  // A header for the answer, whichever step gives it (rate-limit state, for example).
  void AddResponseHeader(std::string name, std::string value) {
    // Room for the rate-limit step's five at once.
    if (extra_headers_.empty()) extra_headers_.reserve(6);
    extra_headers_.emplace_back(std::move(name), std::move(value));
  }

  void Reply(http::Response response);
  // Builds the answer on the connection's thread: for answers completed on the writer thread.
  void ReplyBuilt(std::function<http::Response()> build);
  void Fail(const Status& status);
  // Answers with `head`'s status and headers and the body `source` streams (an export).
  void ReplyStream(http::Response head, http::BodySource source);

 private:
  void AddExtraHeaders(http::Response& response);

  const http::Request& request_;
  http::Responder responder_;
  const std::vector<std::string> segments_;
  const Route* route_ = nullptr;
  const metadata::EntityDef* entity_ = nullptr;
  http::Response routing_error_;
  auth::AuthResult auth_;
  std::vector<std::pair<std::string, std::string>> extra_headers_;
};

using ExchangePtr = std::shared_ptr<Exchange>;

}  // namespace crm::api

#endif  // CRM_API_EXCHANGE_HPP_
