#include "crm/api/middleware.hpp"

#include "crm/api/http_status.hpp"
#include "crm/api/rate_limit_step.hpp"
#include "crm/api/request_decoding.hpp"
#include "crm/api/route_table.hpp"

namespace crm::api {

namespace {

void Authenticated(const ExchangePtr& exchange, const Next& next, bool browser,
                   Result<auth::AuthResult> authenticated) {
  if (!authenticated.ok()) {
    const StatusCode code = authenticated.status().code();
    http::Response response = ErrorResponse(authenticated.status());
    // As EspoCRM: browsers get a Basic challenge unless the page asked not to (XHR).
    if (code == StatusCode::kUnauthenticated && browser) {
      response.SetHeader("WWW-Authenticate", "Basic realm=\"\"");
    }
    // Too many password checks wait; the queue drains within about a second.
    if (code == StatusCode::kUnavailable) response.SetHeader("Retry-After", "1");
    return exchange->Reply(std::move(response));
  }
  exchange->SetAuth(std::move(authenticated).value());
  next(exchange);
}

}  // namespace

void Next::operator()(const ExchangePtr& exchange) const { chain_->RunFrom(index_, exchange); }

void MiddlewareChain::RunFrom(std::size_t index, const ExchangePtr& exchange) const {
  if (index < steps_.size()) return steps_[index]->Process(exchange, Next(*this, index + 1));
  if (exchange->route() == nullptr) return exchange->Reply(exchange->routing_error());
  dispatch_(exchange);
}

void AuthenticateStep::Process(const ExchangePtr& exchange, Next next) const {
  if (exchange->route() != nullptr && exchange->route()->access == Access::kPublic) {
    return next(exchange);
  }
  const http::Request& request = exchange->request();
  auth::AuthRequest credentials;
  credentials.method = request.method_name();
  credentials.path = request.path();
  credentials.query = request.query();
  credentials.api_base = api_base_;
  credentials.api_key = request.Header("X-Api-Key");
  credentials.hmac_authorization = request.Header("X-Hmac-Authorization");
  credentials.authorization = request.Header("Authorization");
  credentials.espo_authorization = request.Header("Espo-Authorization");
  credentials.espo_by_token = Truthy(request.Header("Espo-Authorization-By-Token"));
  const bool no_credentials =
      credentials.api_key.empty() && credentials.hmac_authorization.empty() &&
      credentials.authorization.empty() && credentials.espo_authorization.empty();
  if (guard_ != nullptr && !no_credentials) {
    if (auto refusal = guard_->Refusal(request)) {
      return exchange->Reply(std::move(*refusal));
    }
  }
  const bool browser = no_credentials && request.Header("X-Requested-With").empty();
  // Only wrong credentials count against the address; a full password queue (503) does not.
  const AuthFailureGuard* guard = no_credentials ? nullptr : guard_;
  // A password check answers later, from a verifier thread; the exchange goes on from there.
  authenticator_.Authenticate(credentials, [exchange, next, browser, guard](auto authenticated) {
    if (guard != nullptr && !authenticated.ok() &&
        authenticated.status().code() == StatusCode::kUnauthenticated) {
      guard->RecordFailure(exchange->request());
    }
    Authenticated(exchange, next, browser, std::move(authenticated));
  });
}

void AccessCheckStep::Process(const ExchangePtr& exchange, Next next) const {
  const Route* route = exchange->route();
  if (route != nullptr && route->access == Access::kAdmin && !exchange->principal().is_admin()) {
    return exchange->Fail(Status::PermissionDenied("This action is for administrators only."));
  }
  next(exchange);
}

}  // namespace crm::api
