#include "crm/query/sql.hpp"

namespace crm::query {

std::string QuoteIdentifier(std::string_view identifier) {
  std::string out;
  out.reserve(identifier.size() + 2);
  out.push_back('"');
  for (char c : identifier) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string Column(std::string_view alias, std::string_view column) {
  if (alias.empty()) return QuoteIdentifier(column);
  std::string out(alias);
  out.push_back('.');
  out += QuoteIdentifier(column);
  return out;
}

std::string JsonArrayOfRows(Dialect dialect, std::string_view columns) {
  const std::string list(columns);
  switch (dialect) {
    case Dialect::kSqlite:
      return "json_group_array(json_array(" + list + "))";
    case Dialect::kPostgres:
      // json_agg yields NULL, not an empty array, over no rows.
      return "COALESCE(json_agg(json_build_array(" + list + ")), '[]'::json)";
  }
  return {};
}

std::string OrderDirection(Dialect dialect, bool desc) {
  if (dialect == Dialect::kPostgres) return desc ? " DESC NULLS LAST" : " ASC NULLS FIRST";
  return desc ? " DESC" : " ASC";
}

std::string JsonMemberText(Dialect dialect, std::string_view expr, std::string_view key) {
  const std::string member(key);  // from code, never from requests
  switch (dialect) {
    case Dialect::kSqlite:
      return "json_extract(" + std::string(expr) + ", '$." + member + "')";
    case Dialect::kPostgres:
      return "(" + std::string(expr) + ")::json ->> '" + member + "'";
  }
  return {};
}

}  // namespace crm::query
