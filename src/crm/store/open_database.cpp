#include "crm/store/open_database.hpp"

#include "crm/store/postgres/postgres_database.hpp"

namespace crm::store {

Result<std::unique_ptr<Database>> OpenDatabase(const std::string& location,
                                               const SqliteOptions& sqlite) {
  if (location.empty()) {
    CRM_ASSIGN_OR_RETURN(auto db, SqliteDatabase::Open(sqlite));
    return std::unique_ptr<Database>(std::move(db));
  }
  if (!IsPostgresUrl(location)) {
    return Status::InvalidArgument(
        "--database must be a postgres://USER:PASS@HOST:PORT/DB URL, got '" +
        DescribeLocation(location, sqlite) + "'");
  }
  PostgresOptions options;
  options.url = location;
  CRM_ASSIGN_OR_RETURN(auto db, PostgresDatabase::Open(options));
  return std::unique_ptr<Database>(std::move(db));
}

std::string DescribeLocation(const std::string& location, const SqliteOptions& sqlite) {
  if (location.empty()) return sqlite.path;
  const auto scheme = location.find("://");
  const auto at = location.rfind('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return location;
  const std::string credentials = location.substr(scheme + 3, at - scheme - 3);
  const auto colon = credentials.find(':');
  if (colon == std::string::npos) return location;
  return location.substr(0, scheme + 3) + credentials.substr(0, colon) + ":***" +
         location.substr(at);
}

}  // namespace crm::store
