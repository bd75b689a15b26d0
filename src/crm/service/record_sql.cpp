#include "crm/service/record_sql.hpp"

#include <array>

#include "crm/query/sql.hpp"

namespace crm::service {

Result<bool> RecordExists(store::Connection& conn, const metadata::EntityDef& entity,
                          const std::string& id) {
  bool found = false;
  const std::array<query::SqlValue, 1> params = {id};
  CRM_RETURN_IF_ERROR(conn.Query("SELECT 1 FROM " + query::QuoteIdentifier(entity.table) +
                                     " WHERE \"id\" = ? AND \"deleted\" = 0",
                                 params, [&](const store::Row&) {
                                   found = true;
                                   return false;
                                 }));
  return found;
}

Result<std::optional<std::string>> ReadColumn(store::Connection& conn,
                                              const metadata::EntityDef& entity,
                                              const std::string& id, std::string_view column) {
  std::optional<std::string> value;
  const std::array<query::SqlValue, 1> params = {id};
  CRM_RETURN_IF_ERROR(conn.Query("SELECT " + query::QuoteIdentifier(column) + " FROM " +
                                     query::QuoteIdentifier(entity.table) +
                                     " WHERE \"id\" = ? AND \"deleted\" = 0",
                                 params, [&](const store::Row& row) {
                                   if (!row.IsNull(0)) value = std::string(row.Text(0));
                                   return false;
                                 }));
  return value;
}

std::string Placeholders(std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

}  // namespace crm::service
