// The API's routes, grouped by resource: each Add*Routes appends its rows to the route table, and
// its handlers live in the matching *_routes.cpp. ApiContext is what a handler may use: the
// services, the authenticator (whose caches a change to users must clear), the API's OpenAPI
// document, built once at start-up, and the rate limiter.
//
// Thread-safety: the Add functions run once at start-up; handlers run concurrently, one exchange
// each.
#ifndef CRM_API_ROUTES_HPP_
#define CRM_API_ROUTES_HPP_

#include <string>
#include <vector>

#include "crm/api/route_table.hpp"
#include "crm/auth/authenticator.hpp"
#include "crm/ratelimit/quota.hpp"
#include "crm/ratelimit/rate_limiter.hpp"
#include "crm/service/lead_converter.hpp"
#include "crm/service/mass_actions.hpp"
#include "crm/service/record_service.hpp"
#include "crm/service/relation_service.hpp"
#include "crm/service/webhook_service.hpp"

namespace crm::api {

struct ApiOptions {
  std::string base_path = "/api/v1";
  std::string version = "0.1.0";
  // Applied when the handler is given a rate limiter (crmd serve --rate-limit).
  ratelimit::RateLimitConfig rate_limits = {};
  // Reverse proxies whose X-Forwarded-For names the client (crmd serve --trusted-proxy).
  std::vector<std::string> trusted_proxies = {};
};

struct ApiContext {
  service::RecordService& records;
  service::RelationService& relations;
  service::LeadConverter& converter;
  service::MassActions& mass;
  service::WebhookService& webhooks;
  auth::Authenticator& authenticator;
  const ApiOptions& options;
  const std::string& openapi_json;
  // The rate limiter the API counts requests with; null when requests are not limited.
  ratelimit::RateLimiter* limiter;
};

// Every route of the API, in matching order.
RouteTable ApiRouteTable();

// GET /, /App/user, /App/destroyAuthToken, /Metadata, /OpenApi.
void AddAppRoutes(RouteTable& table);
// List, create, read, update, delete of /{entityType}[/{id}].
void AddRecordRoutes(RouteTable& table);
// Related lists, link, unlink and activities.
void AddRelationRoutes(RouteTable& table);
// massCreate, massUpdate, massDelete and EspoCRM's MassAction.
void AddMassRoutes(RouteTable& table);
// GET /{entityType}/action/export: the records of a list as a streamed CSV or JSON-lines file.
void AddExportRoutes(RouteTable& table);
// Lead conversion in EspoCRM's and the seed document's forms.
void AddConvertRoutes(RouteTable& table);
// A webhook's delivery log: deliveries, redeliver, test.
void AddWebhookRoutes(RouteTable& table);
// An API user's new key (UserSecurity/apiKey/generate) and a user's rate-limit state.
void AddUserSecurityRoutes(RouteTable& table);

}  // namespace crm::api

#endif  // CRM_API_ROUTES_HPP_
