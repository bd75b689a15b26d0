#include "crm/api/api_handler.hpp"

#include <memory>
#include <utility>

#include "crm/api/http_status.hpp"
#include "crm/api/openapi.hpp"
#include "crm/api/query_string.hpp"
#include "crm/common/json.hpp"

namespace crm::api {
namespace {

std::unique_ptr<const AuthFailureGuard> MakeAuthGuard(ratelimit::RateLimiter* limiter,
                                                      const ApiOptions& options) {
  if (limiter == nullptr || !options.rate_limits.enabled) return nullptr;
  return std::make_unique<AuthFailureGuard>(*limiter, options.rate_limits.auth_failures,
                                            options.trusted_proxies);
}

std::vector<std::unique_ptr<Middleware>> BuildChain(auth::Authenticator& authenticator,
                                                    const ApiOptions& options,
                                                    ratelimit::RateLimiter* limiter,
                                                    const AuthFailureGuard* guard) {
  std::vector<std::unique_ptr<Middleware>> steps;
  steps.push_back(std::make_unique<AuthenticateStep>(authenticator, options.base_path, guard));
  if (limiter != nullptr && options.rate_limits.enabled) {
    steps.push_back(std::make_unique<RateLimitStep>(*limiter, options.rate_limits));
  }
  steps.push_back(std::make_unique<AccessCheckStep>());
  return steps;
}

}  // namespace

ApiHandler::ApiHandler(service::RecordService& records, auth::Authenticator& authenticator,
                       ApiOptions options, ratelimit::RateLimiter* limiter)
    : records_(records),
      relations_(records),
      converter_(records),
      mass_(records),
      webhooks_(records),
      options_(std::move(options)),
      routes_(ApiRouteTable()),
      openapi_json_(SerializeJson(
          BuildOpenApi(routes_, records_.metadata(), options_.base_path, options_.version))),
      context_{records_, relations_,    converter_,
               mass_,    webhooks_,     authenticator,
               options_, openapi_json_, options_.rate_limits.enabled ? limiter : nullptr},
      auth_guard_(MakeAuthGuard(limiter, options_)),
      chain_(
          BuildChain(authenticator, options_, limiter, auth_guard_.get()),
          [this](const ExchangePtr& exchange) { exchange->route()->handler(context_, exchange); }) {
}

void ApiHandler::Handle(const http::Request& request, http::Responder responder) {
  const std::string_view path = request.path();
  const std::string_view base = options_.base_path;
  if (!path.starts_with(base) || (path.size() > base.size() && path[base.size()] != '/')) {
    return responder.Send(ErrorResponse(
        Status::NotFound("No such path; the API lives under " + options_.base_path + ".")));
  }
  auto segments = DecodePathSegments(path.substr(base.size()));
  if (!segments.ok()) return responder.Send(ErrorResponse(segments.status()));
  auto exchange =
      std::make_shared<Exchange>(request, std::move(responder), std::move(segments).value());
  routes_.Match(records_.metadata(), *exchange);
  chain_.Run(exchange);
}

}  // namespace crm::api
