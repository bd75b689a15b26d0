// Administration of roles and teams from the command line and at start-up: the built-in "Full
// access" role, creating roles and teams, and finding them by name. Writes go through the same
// record writer as the API (so Role data is checked by the same rule), as the system user.
//
// Thread-safety: functions block on the store's writer; call them from any thread but the writer's.
#ifndef CRM_SERVICE_ROLE_ADMIN_HPP_
#define CRM_SERVICE_ROLE_ADMIN_HPP_

#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "crm/common/status.hpp"
#include "crm/common/time.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/store/database.hpp"

namespace crm::service {

// The built-in role that API users created by `crmd api-user create` without --role get: every
// scope, every action at level all, every permission; not admin. It is an ordinary, visible Role
// record with this fixed id; its grants are rewritten from the metadata at every start, so that
// entities added later are covered too.
inline constexpr char kFullAccessRoleId[] = "crmd-full-access";
inline constexpr char kFullAccessRoleName[] = "Full access";

// Creates or refreshes the Full access role. When it is created (a database from before roles),
// every existing API user and regular user without a role gets it, so that upgrading takes no
// access away from anyone who had all of it.
Status EnsureBuiltInRoles(store::Database& db, const metadata::Metadata& metadata,
                          const Clock& clock);

// kInvalidArgument for bad data (the Role rule's message); the new role's id.
Result<std::string> CreateRole(store::Database& db, const metadata::Metadata& metadata,
                               const Clock& clock, const std::string& name,
                               const boost::json::object& data,
                               const boost::json::object& field_data);

// A team holding `role_ids`; its id.
Result<std::string> CreateTeam(store::Database& db, const metadata::Metadata& metadata,
                               const Clock& clock, const std::string& name,
                               const std::vector<std::string>& role_ids);

// The ids of the live records of `entity_name` (Role, Team) named `names`, in order; kNotFound
// "No Role named 'X'." for one that does not exist.
Result<std::vector<std::string>> IdsByName(store::Database& db, const metadata::Metadata& metadata,
                                           const std::string& entity_name,
                                           const std::vector<std::string>& names);

}  // namespace crm::service

#endif  // CRM_SERVICE_ROLE_ADMIN_HPP_
