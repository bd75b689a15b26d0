// Step 3 of the where pipeline: turns a BoundNode tree into SQL text for one dialect, with `?`
// placeholders and the parameters in order. It first folds constants (a false child empties an AND,
// a true one settles an OR) and flattens nested groups of the same kind. It cannot fail: everything
// that could be wrong was rejected by the parser or the binder.
//
// Dialect differences live here only: case-insensitive LIKE (SQLite's LIKE is already ASCII
// case-insensitive; PostgreSQL needs ILIKE) and the elements of a JSON array column (SQLite
// json_each, PostgreSQL jsonb_array_elements_text).
//
// Thread-safety: pure functions.
#ifndef CRM_QUERY_INTERNAL_WHERE_COMPILER_HPP_
#define CRM_QUERY_INTERNAL_WHERE_COMPILER_HPP_

#include "crm/query/internal/where_ast.hpp"
#include "crm/query/sql.hpp"

namespace crm::query::internal {

// Folds constants and flattens groups; the result is kTrue, kFalse or a tree without constants.
BoundNode Simplify(BoundNode node);

// The SQL of `node` (simplified first). Nested groups and a top-level OR are parenthesised, so the
// result can follow an AND as it is.
SqlFragment CompileBound(const BoundNode& node, Dialect dialect);

}  // namespace crm::query::internal

#endif  // CRM_QUERY_INTERNAL_WHERE_COMPILER_HPP_
