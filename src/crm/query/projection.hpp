// Projection: the SELECT list and FROM clause that read a chosen set of an entity's attributes,
// with the joins that resolve link names (accountName), foreign fields (accountType), parent names
// and hasOne ids, and one JSON column per linkMultiple field (teamsIds/teamsNames/teamsColumns come
// from one correlated subquery, so a record is one statement however many link sets it has).
// Computed attributes that SQL does not produce (duration) are left to the caller.
//
// Also the SQL expression of a single attribute for WHERE and ORDER BY, where joins are replaced by
// correlated subqueries so that a filter never changes the row count.
//
// Thread-safety: pure functions of immutable metadata.
#ifndef CRM_QUERY_PROJECTION_HPP_
#define CRM_QUERY_PROJECTION_HPP_

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crm/metadata/metadata.hpp"
#include "crm/query/sql.hpp"

namespace crm::query {

// Alias of the entity's own table in every generated query.
inline constexpr std::string_view kMainAlias = "t";

struct Projection {
  // "SELECT <expr>, ... FROM "contact" t LEFT JOIN ..." (no WHERE).
  std::string select_from;
  // Attribute index (into EntityDef::attributes) of each result column, in order.
  std::vector<int> columns;
  // Field index (into EntityDef::fields) of each linkMultiple JSON column, which follow `columns`.
  // Each holds a JSON array [[id, name, relation column values...], ...] in index order.
  std::vector<int> link_sets;
  // Position of the first `extra` expression.
  int extra_start() const { return static_cast<int>(columns.size() + link_sets.size()); }
};

// True when SQL computes the attribute (so it can appear in a projection, WHERE or ORDER BY).
bool IsSqlAttribute(const metadata::AttributeDef& attribute);

// The display name of a record of `entity` whose table has alias `alias` (NULL when there is none).
std::string NameExpression(const metadata::EntityDef& entity, std::string_view alias);

// `extra` expressions (over the aliases above) are appended after the attribute and link-set
// columns, in order; the caller reads them from position extra_start(). The link-set columns are
// written in `dialect`; the rest is SQL both dialects share.
Projection BuildProjection(const metadata::Metadata& metadata, const metadata::EntityDef& entity,
                           Dialect dialect, std::span<const int> attributes,
                           std::span<const std::string> extra = {});

// Expression for one attribute of the row aliased kMainAlias; nullopt when SQL cannot compute it.
std::optional<std::string> AttributeExpression(const metadata::Metadata& metadata,
                                               const metadata::EntityDef& entity,
                                               const metadata::AttributeDef& attribute);

}  // namespace crm::query

#endif  // CRM_QUERY_PROJECTION_HPP_
