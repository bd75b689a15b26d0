// The date-range item types of where filters (today, lastXDays, currentFiscalQuarter, on, between,
// ...): macros resolve with the context's clock and time zone (or the item's) into comparisons of
// calendar days on date attributes and of UTC instants on date-time attributes.
//
// Thread-safety: pure functions of immutable metadata.
#ifndef CRM_QUERY_INTERNAL_WHERE_DATES_HPP_
#define CRM_QUERY_INTERNAL_WHERE_DATES_HPP_

#include <string>

#include "crm/common/status.hpp"
#include "crm/metadata/entity_def.hpp"
#include "crm/query/internal/where_ast.hpp"
#include "crm/query/internal/where_values.hpp"
#include "crm/query/where.hpp"

namespace crm::query::internal {

// Binds a date-range `item` over the SQL expression `expr` of a date (`category` kDate: compares
// calendar days) or date-time attribute (kDateTime: compares UTC instants, local days taken in the
// item's time zone). kInvalidArgument for a bad day count, value or time zone.
Result<BoundNode> BindDate(const ParsedItem& item, const std::string& expr, Category category,
                           metadata::ValueType type, const FilterContext& context);

}  // namespace crm::query::internal

#endif  // CRM_QUERY_INTERNAL_WHERE_DATES_HPP_
