// SQL vocabulary shared by the query builders (which produce SQL) and the store backends (which run
// it): the dialect, bound parameter values, a fragment of SQL text with its parameters, and the
// expressions whose text differs between the dialects (outside the where compiler's own).
//
// SQL text always uses `?` placeholders; a backend whose driver wants another form (PostgreSQL's
// $n) rewrites them. Values never appear in SQL text: identifiers come only from metadata and are
// quoted, and every value is a parameter.
//
// Thread-safety: plain values.
#ifndef CRM_QUERY_SQL_HPP_
#define CRM_QUERY_SQL_HPP_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace crm::query {

enum class Dialect { kSqlite, kPostgres };

using SqlValue = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

struct SqlFragment {
  std::string sql;
  std::vector<SqlValue> params;

  // Appends `other`'s text and parameters.
  void Append(const SqlFragment& other) {
    sql += other.sql;
    params.insert(params.end(), other.params.begin(), other.params.end());
  }
};

// "name" -> "\"name\"" (double quotes doubled). Identifiers come from metadata, never from
// requests.
std::string QuoteIdentifier(std::string_view identifier);
// alias.column, both quoted: t."first_name"; the column alone for an empty alias (as index
// expressions want it).
std::string Column(std::string_view alias, std::string_view column);

// An aggregate over the rows of a query: one JSON array holding, per row, the JSON array of
// `columns` (comma-separated expressions), and [] when there are no rows.
std::string JsonArrayOfRows(Dialect dialect, std::string_view columns);

// " ASC" or " DESC" with empty values (NULL) first ascending and last descending, as SQLite and
// MySQL (EspoCRM's) order them; PostgreSQL's default is the opposite.
std::string OrderDirection(Dialect dialect, bool desc);

// The text of the top-level member `key` of the JSON text `expr` (NULL when it has none).
std::string JsonMemberText(Dialect dialect, std::string_view expr, std::string_view key);

}  // namespace crm::query

#endif  // CRM_QUERY_SQL_HPP_
