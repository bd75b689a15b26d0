// Small SQL helpers shared by the service's write paths (record writer, business rules, relations):
// whether a live record exists, one column of a live record, and placeholder lists.
//
// Thread-safety: stateless; each call uses the connection it is given (the caller's write job or
// the calling thread's read connection).
#ifndef CRM_SERVICE_RECORD_SQL_HPP_
#define CRM_SERVICE_RECORD_SQL_HPP_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "crm/common/status.hpp"
#include "crm/metadata/entity_def.hpp"
#include "crm/store/database.hpp"

namespace crm::service {

// Whether `entity` has a live (not deleted) record `id`.
Result<bool> RecordExists(store::Connection& conn, const metadata::EntityDef& entity,
                          const std::string& id);

// Column `column` (a name from metadata) of the live record `id`; nullopt when the record does not
// exist or the value is null.
Result<std::optional<std::string>> ReadColumn(store::Connection& conn,
                                              const metadata::EntityDef& entity,
                                              const std::string& id, std::string_view column);

// "?, ?, ?" for `count` parameters.
std::string Placeholders(std::size_t count);

}  // namespace crm::service

#endif  // CRM_SERVICE_RECORD_SQL_HPP_
