#include "crm/api/route_table.hpp"

#include <cstdlib>
#include <optional>

#include "crm/api/http_status.hpp"
#include "crm/api/routes.hpp"
#include "crm/common/strings.hpp"

namespace crm::api {
namespace {

// EspoCRM's controllers ignore the case of their first letter (/contact is /Contact); the rest of a
// path is exact.
bool LiteralMatches(std::string_view literal, std::string_view segment, std::size_t position) {
  if (position != 0 || literal.empty() || segment.size() != literal.size()) {
    return literal == segment;
  }
  return EqualsIgnoreCaseAscii(literal.substr(0, 1), segment.substr(0, 1)) &&
         literal.substr(1) == segment.substr(1);
}

std::vector<Route::Segment> ParsePattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') std::abort();
  std::vector<Route::Segment> segments;
  std::size_t at = 1;
  while (at < pattern.size()) {
    const std::size_t slash = std::min(pattern.find('/', at), pattern.size());
    const std::string_view part = pattern.substr(at, slash - at);
    if (part.empty()) std::abort();
    if (part.front() == '{') {
      if (part.size() < 3 || part.back() != '}') std::abort();
      const std::string name(part.substr(1, part.size() - 2));
      segments.push_back(
          {name == "entityType" ? Route::Segment::Kind::kEntity : Route::Segment::Kind::kParam,
           name});
    } else {
      segments.push_back({Route::Segment::Kind::kLiteral, std::string(part)});
    }
    at = slash + 1;
  }
  return segments;
}

}  // namespace

void RouteTable::Add(Route route) {
  route.segments = ParsePattern(route.pattern);
  const std::size_t length = route.segments.size();
  if (literals_.size() <= length) literals_.resize(length + 1);
  literals_[length].resize(length);
  for (std::size_t i = 0; i < length; ++i) {
    if (route.segments[i].kind == Route::Segment::Kind::kLiteral) {
      literals_[length][i].push_back(route.segments[i].text);
    }
  }
  if (length > 0 && route.segments[0].kind == Route::Segment::Kind::kLiteral) {
    controllers_.push_back(route.segments[0].text);
  }
  routes_.push_back(std::move(route));
}

bool RouteTable::IsReserved(std::size_t length, std::size_t position,
                            std::string_view segment) const {
  for (const auto& literal : literals_[length][position]) {
    if (LiteralMatches(literal, segment, position)) return true;
  }
  return false;
}

std::optional<const metadata::EntityDef*> RouteTable::Fits(
    const metadata::Metadata& metadata, const Route& route,
    const std::vector<std::string>& segments) const {
  if (route.segments.size() != segments.size()) return std::nullopt;
  const metadata::EntityDef* entity = nullptr;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Route::Segment& part = route.segments[i];
    switch (part.kind) {
      case Route::Segment::Kind::kLiteral:
        if (!LiteralMatches(part.text, segments[i], i)) return std::nullopt;
        break;
      case Route::Segment::Kind::kEntity:
        entity = metadata.FindEntity(segments[i]);
        if (entity == nullptr) return std::nullopt;
        break;
      case Route::Segment::Kind::kParam:
        // A word that a pattern of this length has as a literal here is that pattern's, never a
        // parameter: /Contact/action/x is an action, not the record "action".
        if (IsReserved(segments.size(), i, segments[i])) return std::nullopt;
        break;
    }
  }
  return entity;
}

void RouteTable::Match(const metadata::Metadata& metadata, Exchange& exchange) const {
  const std::vector<std::string>& segments = exchange.segments();
  const std::string* pattern = nullptr;
  std::string allowed;
  for (const Route& route : routes_) {
    if (pattern != nullptr && route.pattern != *pattern) continue;
    const auto entity = Fits(metadata, route, segments);
    if (!entity) continue;
    const http::Method method = exchange.request().method();
    // HEAD is GET without the body (the server drops it), as RFC 9110 asks of every GET route.
    if (route.method == method ||
        (method == http::Method::kHead && route.method == http::Method::kGet)) {
      return exchange.SetRoute(&route, *entity);
    }
    // The first pattern that fits the path owns it; only its methods are candidates.
    pattern = &route.pattern;
    if (!allowed.empty()) allowed += ", ";
    allowed += http::MethodName(route.method);
  }
  if (pattern != nullptr) {
    http::Response response =
        ProtocolErrorResponse(405, "Method " + std::string(exchange.request().method_name()) +
                                       " is not allowed here; allowed: " + allowed + ".");
    response.SetHeader("Allow", allowed);
    return exchange.SetRoutingError(std::move(response));
  }
  bool known_controller = segments.empty() || metadata.FindEntity(segments[0]) != nullptr;
  for (const auto& controller : controllers_) {
    known_controller = known_controller || LiteralMatches(controller, segments[0], 0);
  }
  exchange.SetRoutingError(ErrorResponse(
      known_controller
          ? Status::NotFound("No such route.")
          : Status::NotFound("Controller '" + UpperFirst(segments[0]) + "' does not exist.")));
}

RouteTable ApiRouteTable() {
  RouteTable table;
  AddAppRoutes(table);
  AddMassRoutes(table);
  AddExportRoutes(table);
  AddConvertRoutes(table);
  AddWebhookRoutes(table);
  AddUserSecurityRoutes(table);
  AddRecordRoutes(table);
  AddRelationRoutes(table);
  return table;
}

}  // namespace crm::api
