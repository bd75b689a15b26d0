#include "crm/acl/access_loader.hpp"

#include <array>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>

namespace crm::acl {
namespace {

namespace json = boost::json;
using query::QuoteIdentifier;

// "SELECT far FROM join WHERE near = ?" for a many-to-many link.
std::string FarKeys(const metadata::LinkDef& link) {
  return "SELECT " + QuoteIdentifier(link.far_key_column) + " FROM " +
         QuoteIdentifier(link.join_table) + " WHERE " + QuoteIdentifier(link.near_key_column);
}

std::string RolesQuery(const metadata::Metadata& metadata) {
  const metadata::EntityDef& role = metadata.Entity("Role");
  const metadata::LinkDef& user_roles = *metadata.Entity("User").FindLink("roles");
  const metadata::LinkDef& user_teams = *metadata.Entity("User").FindLink("teams");
  const metadata::LinkDef& team_roles = *metadata.Entity("Team").FindLink("roles");
  std::string columns = "r.\"data\", r.\"field_data\"";
  for (std::size_t p = 0; p < kPermissionCount; ++p) {
    columns +=
        ", r." + QuoteIdentifier(
                     role.FindAttribute(PermissionAttribute(static_cast<Permission>(p)))->column);
  }
  return "SELECT " + columns + " FROM " + QuoteIdentifier(role.table) +
         " r WHERE r.\"deleted\" = 0 AND (r.\"id\" IN (" + FarKeys(user_roles) +
         " = ?) OR r.\"id\" IN (" + FarKeys(team_roles) + " IN (" + FarKeys(user_teams) + " = ?)))";
}

json::value ParseStored(const store::Row& row, int column) {
  if (row.IsNull(column)) return nullptr;
  boost::system::error_code error;
  json::value value = json::parse(row.Text(column), error);
  return error ? json::value() : value;
}

}  // namespace

Result<std::shared_ptr<const AccessTable>> LoadAccess(store::Connection& conn,
                                                      const metadata::Metadata& metadata,
                                                      std::string_view user_id) {
  const std::array<query::SqlValue, 1> user = {std::string(user_id)};
  std::vector<std::string> team_ids;
  const std::string teams_sql = FarKeys(*metadata.Entity("User").FindLink("teams")) + " = ?";
  CRM_RETURN_IF_ERROR(conn.Query(teams_sql, user, [&](const store::Row& row) {
    team_ids.emplace_back(row.Text(0));
    return true;
  }));
  const std::string roles_sql = RolesQuery(metadata);
  const std::array<query::SqlValue, 2> both = {std::string(user_id), std::string(user_id)};
  std::vector<RoleRules> roles;
  CRM_RETURN_IF_ERROR(conn.Query(roles_sql, both, [&](const store::Row& row) {
    json::object role{{"data", ParseStored(row, 0)}, {"fieldData", ParseStored(row, 1)}};
    for (std::size_t p = 0; p < kPermissionCount; ++p) {
      const int column = 2 + static_cast<int>(p);
      if (!row.IsNull(column)) {
        role[PermissionAttribute(static_cast<Permission>(p))] = row.Text(column);
      }
    }
    if (auto rules = ParseRole(metadata, role); rules.ok()) roles.push_back(*std::move(rules));
    return true;
  }));
  return AccessTable::Merge(metadata, roles, std::string(user_id), std::move(team_ids));
}

}  // namespace crm::acl
