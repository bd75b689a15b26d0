// What where filters may use and how their values behave (step 2 of the where pipeline): which
// attributes a filter sees, which item types suit which value types, and the coercion of JSON
// values to SQL parameters.
//
// Thread-safety: pure functions.
#ifndef CRM_QUERY_INTERNAL_WHERE_VALUES_HPP_
#define CRM_QUERY_INTERNAL_WHERE_VALUES_HPP_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "crm/common/status.hpp"
#include "crm/metadata/entity_def.hpp"
#include "crm/query/internal/where_ast.hpp"
#include "crm/query/where.hpp"

namespace crm::query::internal {

// How an attribute's values behave in a filter.
enum class Category { kText, kNumber, kBool, kDate, kDateTime, kArray, kOther };

Category CategoryOf(metadata::ValueType type);
// Whether item `type` applies to attributes of `category`.
bool Suits(WhereType type, Category category);
bool IsDateMacro(WhereType type);
bool IsLinkType(WhereType type);
// The operator of greaterThan (and after), lessThan (and before), greaterThanOrEquals and
// lessThanOrEquals.
CompareOp CompareOpOf(WhereType type);

// Whether a filter in `context` may name `attribute`: never internal ones, sensitive ones only when
// the context allows them.
bool Visible(const metadata::AttributeDef& attribute, const FilterContext& context);

// An exact integer (a number, or a string holding one); nullopt otherwise.
std::optional<std::int64_t> IntegerOf(const boost::json::value& value);
// A string, or a number as its text.
std::optional<std::string> TextOf(const boost::json::value& value);
// "Bad value for attribute 'x' in where: <expected> is expected."
Status BadValue(std::string_view attribute, std::string_view expected);
// `value` as the SQL parameter for an attribute of `category` and `type`; BadValue naming
// `attribute` when it does not fit. Date-times are normalised to seconds, a date to its midnight.
Result<SqlValue> Coerce(const boost::json::value& value, Category category,
                        metadata::ValueType type, std::string_view attribute);

}  // namespace crm::query::internal

#endif  // CRM_QUERY_INTERNAL_WHERE_VALUES_HPP_
