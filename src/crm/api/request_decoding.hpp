// What handlers read from a request besides the path: JSON bodies, the write headers (duplicate
// check, X-Version-Number, If-Match), list parameters from the query string, and the id/where
// selections that link and mass actions take. Each returns kInvalidArgument with a reason the
// client can act on.
//
// Thread-safety: pure functions.
#ifndef CRM_API_REQUEST_DECODING_HPP_
#define CRM_API_REQUEST_DECODING_HPP_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "crm/common/status.hpp"
#include "crm/http/message.hpp"
#include "crm/query/search_params.hpp"
#include "crm/service/mass_actions.hpp"
#include "crm/service/record_service.hpp"

namespace crm::api {

// "true" (any case) or "1", as EspoCRM reads boolean headers.
bool Truthy(std::string_view value);

// EspoCRM reads a JSON body whatever it is: an object as is, an array wrapped as {"list": [...]};
// an empty body is an empty object.
Result<boost::json::object> BodyObject(const http::Request& request);
// A record's attributes: one object, never an array.
Result<boost::json::object> RecordBody(const http::Request& request);

// X-Skip-Duplicate-Check, X-Version-Number and If-Match.
Result<service::WriteOptions> WriteOptionsOf(const http::Request& request);

// The list parameters of the query string (every encoding DecodeSearchParams reads).
Result<query::SearchParams> SearchParamsOf(const http::Request& request);
// X-No-Total.
service::ListOptions ListOptionsOf(const http::Request& request);

// Ids from {"id": "..."} or {"ids": [...]}; an empty list when neither is given.
Result<std::vector<std::string>> IdsOf(const boost::json::object& body);
// A search selection from {"where": [...]} and/or {"searchParams": {...}} (where wins), as
// MassAction, massRelate and the legacy mass actions take it.
Result<std::optional<query::SearchParams>> SearchOf(const boost::json::object& body);
// Either ids or a search, not both.
Result<service::MassSelection> SelectionOf(const boost::json::object& body);

}  // namespace crm::api

#endif  // CRM_API_REQUEST_DECODING_HPP_
