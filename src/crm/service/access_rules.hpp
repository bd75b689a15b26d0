// The service's side of roles: whether a principal may act on an entity at all, the rows it
// reaches (as SQL, so that lists, totals and mass actions apply access in the query), the check of
// one record inside a read or a write job, field-level access, and assignment permission.
// Admins pass every check. A non-admin principal without an access table (one made in code, not
// by the authenticator) has EspoCRM's strict defaults.
//
// Thread-safety: functions; connections belong to the calling thread or the write job.
#ifndef CRM_SERVICE_ACCESS_RULES_HPP_
#define CRM_SERVICE_ACCESS_RULES_HPP_

#include <memory>
#include <string_view>

#include <boost/json/object.hpp>

#include "crm/acl/access_table.hpp"
#include "crm/auth/principal.hpp"
#include "crm/common/status.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/query/sql.hpp"
#include "crm/service/record_input.hpp"
#include "crm/store/database.hpp"

namespace crm::service {

// The principal's table, or the strict defaults for one without.
std::shared_ptr<const acl::AccessTable> AccessOf(const auth::Principal& principal,
                                                 const metadata::Metadata& metadata);

// kPermissionDenied "No {action} access." unless `principal` has some level of `action` on
// `entity` (Webhook: admins and API users whose roles grant it; Role: admins only).
Status CheckScope(const auth::Principal& principal, const metadata::Metadata& metadata,
                  const metadata::EntityDef& entity, acl::Action action);

// The rows of `entity` that `principal` reaches for `action`, over the row alias `t`; empty SQL
// when it reaches every row.
query::SqlFragment ReachableRows(const auth::Principal& principal,
                                 const metadata::Metadata& metadata,
                                 const metadata::EntityDef& entity, acl::Action action);

// Inside a read or a write job: kNotFound `missing` when there is no live record `id` (or it is
// another user's webhook), kPermissionDenied "No '{action}' access." when it exists but
// `principal` does not reach it for `action`.
Status CheckRecord(store::Connection& conn, const auth::Principal& principal,
                   const metadata::Metadata& metadata, const metadata::EntityDef& entity,
                   std::string_view id, acl::Action action, const std::string& missing);

// As CheckRecord, for callers that find a missing record themselves (a read by id, an update):
// costs nothing when `principal` reaches every row.
Status CheckReach(store::Connection& conn, const auth::Principal& principal,
                  const metadata::Metadata& metadata, const metadata::EntityDef& entity,
                  std::string_view id, acl::Action action, const std::string& missing);

bool MayReadField(const auth::Principal& principal, const metadata::EntityDef& entity,
                  const metadata::FieldDef& field);

// Removes from a create or update body the attributes of fields `principal` may not edit, as
// EspoCRM does (silently).
void DropUneditableFields(const auth::Principal& principal, const metadata::EntityDef& entity,
                          boost::json::object& body);

// Inside a write job: kPermissionDenied "Assignment failure: ..." when the assigned user or teams
// in `input` are ones the principal's assignment permission does not allow (`no`: only itself;
// `team`: users of its teams; both: only its own teams). `stored` is the record before an update
// (null for a create): unchanged values are always allowed.
Status CheckAssignment(store::Connection& conn, const auth::Principal& principal,
                       const metadata::Metadata& metadata, const metadata::EntityDef& entity,
                       const RecordInput& input, const boost::json::object* stored);

}  // namespace crm::service

#endif  // CRM_SERVICE_ACCESS_RULES_HPP_
