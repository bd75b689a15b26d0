// SearchParams: the search part of a list request (select, where, order, paging, text/primary/bool
// filters), decoded from any of the wire encodings clients use, before it is checked against
// metadata:
//
//  A) separate query parameters with PHP-style brackets, as jQuery/PHP/Python clients send them:
//     where[0][type]=equals&where[0][attribute]=status&where[0][value]=New, where[1][value][]=a,
//     ... (leaf values arrive as strings); aliases whereGroup (wins over where), attributeSelect
//     (wins over select), sortBy (for orderBy); boolFilterList as an array or a single string.
//  B) the seed document's form: a JSON array in the plain `where` parameter (items keyed "field").
//  C) one `searchParams=<JSON object>` parameter (the official JS client; select is an array); when
//     present every other search parameter is ignored.
//
// Anything malformed (bad JSON, a where that is not an array, negative offset, non-integer maxSize,
// order other than asc/desc) is a kInvalidArgument naming the parameter; nothing is silently
// dropped.
//
// Thread-safety: pure functions.
#ifndef CRM_QUERY_SEARCH_PARAMS_HPP_
#define CRM_QUERY_SEARCH_PARAMS_HPP_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>

#include "crm/common/status.hpp"

namespace crm::query {

struct SearchParams {
  std::optional<std::vector<std::string>> select;  // attribute names, as given
  boost::json::array where;                        // where items, shape not yet checked
  std::optional<std::int64_t> offset;
  std::optional<std::int64_t> max_size;
  std::optional<std::string> order_by;
  std::optional<bool> order_desc;
  std::optional<std::string> text_filter;  // textFilter, or q
  bool quick_search = false;               // q was used (EspoCRM then skips the total)
  std::optional<std::string> primary_filter;
  std::vector<std::string> bool_filters;
};

// Decodes `params`, the query string's name/value pairs in order, already percent-decoded (a name
// may repeat, as in `where[0][value][]=a&where[0][value][]=b`). Unrelated parameters are ignored.
Result<SearchParams> DecodeSearchParams(
    std::span<const std::pair<std::string, std::string>> params);

// Decodes a JSON search-params object (form C, also used inside POST bodies such as MassAction's
// {"where": [...]} and link {"massRelate": true, "where": [...]}).
Result<SearchParams> DecodeSearchParamsJson(const boost::json::object& object);

}  // namespace crm::query

#endif  // CRM_QUERY_SEARCH_PARAMS_HPP_
