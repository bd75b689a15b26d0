// The OpenAPI 3.1 description of the API, generated from the route table and the metadata: every
// route of the table, expanded per entity where its pattern has {entityType}; a schema per entity
// with every attribute (JSON type, enum options, max length, read-only), the attributes a create
// requires, and each entity's links as the values its {link} parameter takes. An entity or field
// added through --metadata appears in it like a shipped one.
//
// Thread-safety: a pure function of its arguments.
#ifndef CRM_API_OPENAPI_HPP_
#define CRM_API_OPENAPI_HPP_

#include <string_view>

#include <boost/json/object.hpp>

#include "crm/api/route_table.hpp"
#include "crm/metadata/metadata.hpp"

namespace crm::api {

// `base_path` is where the API is served ("/api/v1"), `version` crmd's version.
boost::json::object BuildOpenApi(const RouteTable& routes, const metadata::Metadata& metadata,
                                 std::string_view base_path, std::string_view version);

}  // namespace crm::api

#endif  // CRM_API_OPENAPI_HPP_
