// Opens the backend a database location names: a postgres:// (or postgresql://) URL opens
// PostgreSQL, anything else is the path of a SQLite file. The one place that chooses a backend, so
// every command that opens the database accepts both.
//
// Thread-safety: a free function; the database it returns is as store::Database.
#ifndef CRM_STORE_OPEN_DATABASE_HPP_
#define CRM_STORE_OPEN_DATABASE_HPP_

#include <memory>
#include <string>

#include "crm/common/status.hpp"
#include "crm/store/database.hpp"
#include "crm/store/sqlite/sqlite_database.hpp"

namespace crm::store {

// `location`: a PostgreSQL URL, or empty for the SQLite file `sqlite.path`. `sqlite` carries the
// SQLite tuning, ignored for PostgreSQL.
Result<std::unique_ptr<Database>> OpenDatabase(const std::string& location,
                                               const SqliteOptions& sqlite);

// How the location is shown to people (logs, start-up banner): a URL without its password.
std::string DescribeLocation(const std::string& location, const SqliteOptions& sqlite);

}  // namespace crm::store

#endif  // CRM_STORE_OPEN_DATABASE_HPP_
