// Loads a user's AccessTable from the database: its teams, the Role records it holds directly
// (User.roles) and through its teams (Team.roles), merged by AccessTable::Merge.
//
// Thread-safety: a function; the connection belongs to the calling thread.
#ifndef CRM_ACL_ACCESS_LOADER_HPP_
#define CRM_ACL_ACCESS_LOADER_HPP_

#include <memory>
#include <string_view>

#include "crm/acl/access_table.hpp"
#include "crm/common/status.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/store/database.hpp"

namespace crm::acl {

// A stored role that no longer parses (metadata lost an entity it names) grants nothing and is
// skipped, so that it can only take access away.
Result<std::shared_ptr<const AccessTable>> LoadAccess(store::Connection& conn,
                                                      const metadata::Metadata& metadata,
                                                      std::string_view user_id);

}  // namespace crm::acl

#endif  // CRM_ACL_ACCESS_LOADER_HPP_
