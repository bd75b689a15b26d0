// Step 1 of the where pipeline: checks the shape of a where array without looking at metadata. Each
// item must be an object with only the keys type, attribute (alias field), value, dateTime, date,
// timeZone; the type must be known and allowed over REST; the value must have the JSON kind its
// type needs; nesting depth, item count, list lengths and string sizes stay within the limits in
// query/where.hpp.
//
// Thread-safety: pure functions.
#ifndef CRM_QUERY_INTERNAL_WHERE_PARSER_HPP_
#define CRM_QUERY_INTERNAL_WHERE_PARSER_HPP_

#include <cstddef>
#include <vector>

#include <boost/json/array.hpp>

#include "crm/common/status.hpp"
#include "crm/query/internal/where_ast.hpp"

namespace crm::query::internal {

// Scalar values in one where tree, all items together. Each becomes one SQL parameter, so this also
// keeps a statement below the database's parameter limit.
inline constexpr std::size_t kMaxWhereTotalValues = 10000;
// Longest attribute name and time zone name an item may carry.
inline constexpr std::size_t kMaxWhereNameBytes = 256;

// Parses `where` (items AND-ed). The returned items point into `where`, which must outlive them.
// Returns kInvalidArgument with EspoCRM's message where it has one ("Unknown where item type 'x'.",
// "Unknown parameter 'x'.", "Bad where item 'in'.", "Sub-queries are forbidden in where.").
Result<std::vector<ParsedItem>> ParseWhere(const boost::json::array& where);

}  // namespace crm::query::internal

#endif  // CRM_QUERY_INTERNAL_WHERE_PARSER_HPP_
