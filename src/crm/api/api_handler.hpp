// ApiHandler: the EspoCRM REST API under /api/v1, as an http::Handler. For each request it decodes
// the path, matches it against the route table (api/route_table.hpp, rows added by the
// *_routes.cpp files), and runs the middleware chain (authenticate -> rate limit -> access check
// -> the route's handler; api/middleware.hpp). Every Status becomes an HTTP answer through
// api::ErrorResponse. Routes and their forms are listed in docs/api.md.
//
// Thread-safety: Handle() is called concurrently from the server's threads; the handler keeps no
// per-request state of its own.
#ifndef CRM_API_API_HANDLER_HPP_
#define CRM_API_API_HANDLER_HPP_

#include <memory>
#include <string>

#include "crm/api/middleware.hpp"
#include "crm/api/rate_limit_step.hpp"
#include "crm/api/route_table.hpp"
#include "crm/api/routes.hpp"
#include "crm/http/message.hpp"

namespace crm::api {

class ApiHandler final : public http::Handler {
 public:
  // Without `limiter` (or with options.rate_limits off) requests are not rate-limited.
  ApiHandler(service::RecordService& records, auth::Authenticator& authenticator,
             ApiOptions options, ratelimit::RateLimiter* limiter = nullptr);

  void Handle(const http::Request& request, http::Responder responder) override;

 private:
  service::RecordService& records_;
  service::RelationService relations_;
  service::LeadConverter converter_;
  service::MassActions mass_;
  service::WebhookService webhooks_;
  const ApiOptions options_;
  const RouteTable routes_;
  const std::string openapi_json_;
  const ApiContext context_;
  const std::unique_ptr<const AuthFailureGuard> auth_guard_;
  const MiddlewareChain chain_;
};

}  // namespace crm::api

#endif  // CRM_API_API_HANDLER_HPP_
