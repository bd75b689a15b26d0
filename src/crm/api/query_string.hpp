// Decoding of the request target: the query string into name/value pairs (percent-decoding and '+'
// as space, by Boost.URL) and the path into decoded segments. Real clients send characters RFC 3986
// does not allow in a query (raw '[' and ']' from PHP-style where parameters), so those are
// percent-encoded before Boost.URL parses the string strictly.
//
// Thread-safety: pure functions.
#ifndef CRM_API_QUERY_STRING_HPP_
#define CRM_API_QUERY_STRING_HPP_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crm/common/status.hpp"

namespace crm::api {

// kInvalidArgument for malformed percent-encoding.
Result<std::vector<std::pair<std::string, std::string>>> DecodeQueryString(std::string_view query);

// "/Contact/abc%20d" -> {"Contact", "abc d"}; empty segments are dropped. kInvalidArgument for
// malformed percent-encoding.
Result<std::vector<std::string>> DecodePathSegments(std::string_view path);

}  // namespace crm::api

#endif  // CRM_API_QUERY_STRING_HPP_
