// Builders of the BoundNode tree the where binder produces (step 2 of the where pipeline), and the
// LIKE patterns its string matches use. Shared by the binder's parts: plain comparisons, date
// ranges, links and the text filter.
//
// Thread-safety: pure functions.
#ifndef CRM_QUERY_INTERNAL_BOUND_NODES_HPP_
#define CRM_QUERY_INTERNAL_BOUND_NODES_HPP_

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "crm/common/status.hpp"
#include "crm/metadata/entity_def.hpp"
#include "crm/query/internal/where_ast.hpp"

namespace crm::query::internal {

// kInvalidArgument with `message`: every binding error is the client's.
Status Invalid(std::string message);

BoundNode Constant(bool value);
BoundNode Group(BoundNode::Kind kind, std::vector<BoundNode> children);
BoundNode Compare(const std::string& expr, CompareOp op, SqlValue value);
// expr [NOT] IN values; an empty list is the constant it implies.
BoundNode In(const std::string& expr, std::vector<SqlValue> values, bool negated);
BoundNode Like(const std::string& expr, std::string pattern, bool negated);
BoundNode IsNull(const std::string& expr, bool negated);
BoundNode Raw(std::string sql, std::vector<SqlValue> params);
// [NOT] EXISTS over the lookup rows of the filtered record in `table`; `inner` tests the row alias
// `e`.
BoundNode LookupExists(std::string_view table, const metadata::EntityDef& entity, BoundNode inner,
                       bool negated);
// The lower-cased address of an email lookup row, for `inner`.
inline constexpr std::string_view kEmailLower = "e.\"lower\"";

// Appends `value` unless it is already there: list filters compare sets (arrayAllOf and
// linkedWithAll count what they find), so a repeated value would change their meaning.
void AppendUnique(std::string value, std::unordered_set<std::string>& seen,
                  std::vector<SqlValue>& values);
// "?, ?, ?" for `count` parameters.
std::string Placeholders(std::size_t count);

// Escapes the LIKE wildcards (and the escape character itself) of a literal.
std::string EscapeLike(std::string_view text);
// A user LIKE pattern: `%` and `_` stay wildcards and `\` escapes the next character, as in MySQL.
// A trailing lone backslash is made literal, since PostgreSQL rejects a pattern that ends in the
// escape.
std::string UserLikePattern(std::string_view text);
// The number of UTF-8 code points in `text`.
std::size_t CodePoints(std::string_view text);

}  // namespace crm::query::internal

#endif  // CRM_QUERY_INTERNAL_BOUND_NODES_HPP_
