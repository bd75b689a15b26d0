// RouteTable: every endpoint of the API as one row of data (method, path pattern, who may call it,
// its rate-limit category, a summary for the docs, and its handler), as EspoCRM keeps its routes in
// routes.json. Patterns are paths under the API base with named parameters: "/{entityType}/{id}"
// or "/Lead/action/convert". {entityType} matches only an entity of the metadata (the first letter
// in either case, as EspoCRM's controllers); any other {name} matches one non-empty segment. A
// literal beats a parameter at the same position, so "/{entityType}/action/massCreate" wins over
// "/{entityType}/{id}/{link}". HEAD takes the GET row of a path.
//
// Thread-safety: built once at start-up; Match is const and may be called concurrently.
#ifndef CRM_API_ROUTE_TABLE_HPP_
#define CRM_API_ROUTE_TABLE_HPP_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crm/api/exchange.hpp"
#include "crm/http/message.hpp"
#include "crm/metadata/metadata.hpp"

namespace crm::api {

struct ApiContext;

// Who may call a route; checked by the chain's access step, never by a handler.
enum class Access {
  kPublic,         // no credentials needed
  kAuthenticated,  // any user or API user; the service checks entity-level rights
  kAdmin,          // administrators only
};

// The budget a request draws from, for the rate-limit step.
enum class RateCategory {
  kStandard,
  kList,  // a list: counts as a search when it filters (where, textFilter, q)
  kBulk,  // massCreate, massUpdate, massDelete, MassAction
};

// What a route reads from the body and what it answers, for its OpenAPI description.
enum class Body {
  kNone,
  kRecord,  // the route entity's attributes
  kObject,  // a JSON object of the route's own shape (ids, where, flags)
};
enum class Answer {
  kRecord,      // one record of the route's entity
  kList,        // {"total", "list"} of the route's entity
  kAnyList,     // {"total", "list"} of records of other or several entities
  kBoolean,     // true (or false)
  kMassResult,  // {"count", "ids"}
  kObject,      // a JSON object of the route's own shape
  kString,
  kExport,  // a CSV or JSON-lines file of the route entity's records (streamed)
};

using RouteHandler = void (*)(const ApiContext& context, const ExchangePtr& exchange);

struct Route {
  http::Method method;
  std::string pattern;
  Access access;
  RateCategory rate_category;
  Body body;
  Answer answer;
  std::string summary;
  RouteHandler handler;

  struct Segment {
    enum class Kind { kLiteral, kEntity, kParam };
    Kind kind;
    std::string text;  // the literal, or the parameter's name
  };
  std::vector<Segment> segments = {};  // parsed from pattern by RouteTable::Add
};

class RouteTable {
 public:
  // Parses `route.pattern`; a malformed pattern is a programming error and aborts.
  void Add(Route route);

  const std::vector<Route>& routes() const { return routes_; }

  // Binds `exchange` to the route for its method and path, or records its routing error: 404
  // when no pattern fits the path, 405 with Allow when patterns fit but not for this method.
  void Match(const metadata::Metadata& metadata, Exchange& exchange) const;

 private:
  bool IsReserved(std::size_t length, std::size_t position, std::string_view segment) const;
  // When `route` fits `segments`: the entity its {entityType} names (null if it has none).
  std::optional<const metadata::EntityDef*> Fits(const metadata::Metadata& metadata,
                                                 const Route& route,
                                                 const std::vector<std::string>& segments) const;

  std::vector<Route> routes_;
  // literals_[length][position]: the literals that patterns of `length` segments have at
  // `position`. A parameter in that place never takes one of them.
  std::vector<std::vector<std::vector<std::string>>> literals_;
  std::vector<std::string> controllers_;  // literal first segments: /App, /Metadata, ...
};

}  // namespace crm::api

#endif  // CRM_API_ROUTE_TABLE_HPP_
