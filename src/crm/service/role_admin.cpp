#include "crm/service/role_admin.hpp"

#include <array>

#include "crm/acl/access_table.hpp"
#include "crm/auth/principal.hpp"
#include "crm/common/json.hpp"
#include "crm/query/sql.hpp"
#include "crm/service/record_input.hpp"
#include "crm/service/record_sql.hpp"
#include "crm/service/record_writer.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;
using query::QuoteIdentifier;

// Creates a record of `entity_name` from `body` as the system user; its id.
Result<std::string> CreateRecord(store::Database& db, const metadata::Metadata& metadata,
                                 const Clock& clock, const std::string& entity_name,
                                 const json::object& body) {
  const metadata::EntityDef& entity = metadata.Entity(entity_name);
  CRM_ASSIGN_OR_RETURN(RecordInput input, ParseRecordInput(entity, body, WriteMode::kCreate));
  const RecordReader reader(metadata, db.dialect());
  // The writer keeps a reference to its principal: it must outlive the job.
  const auth::Principal system = auth::Principal::System();
  std::string id;
  CRM_RETURN_IF_ERROR(db.WriteAndWait([&](store::Connection& conn) -> Status {
    RecordWriter writer(reader, conn, system, clock.Now());
    CRM_ASSIGN_OR_RETURN(RecordResult created,
                         writer.Create(entity, std::move(input), WriteOptions{}));
    id = std::string(created.record.at("id").as_string());
    return {};
  }));
  return id;
}

json::object FullAccessRole(const metadata::Metadata& metadata) {
  json::object role{{"name", kFullAccessRoleName},
                    {"data", acl::FullAccessData(metadata)},
                    {"fieldData", json::object()}};
  for (std::size_t p = 0; p < acl::kPermissionCount; ++p) {
    const auto permission = static_cast<acl::Permission>(p);
    const bool yes_no =
        permission == acl::Permission::kMassUpdate || permission == acl::Permission::kExport;
    role[acl::PermissionAttribute(permission)] = yes_no ? "yes" : "all";
  }
  return role;
}

}  // namespace

Status EnsureBuiltInRoles(store::Database& db, const metadata::Metadata& metadata,
                          const Clock& clock) {
  const metadata::EntityDef& entity = metadata.Entity("Role");
  const json::object role = FullAccessRole(metadata);
  std::string columns = "\"id\", \"deleted\", \"version_number\", \"created_at\", \"modified_at\"";
  std::string updates = "\"deleted\" = 0";
  const std::string now = FormatDateTime(clock.Now());
  std::vector<query::SqlValue> params = {std::string(kFullAccessRoleId), std::int64_t{0},
                                         std::int64_t{1}, now, now};
  for (const auto& [key, value] : role) {
    const std::string column = QuoteIdentifier(entity.FindAttribute(key)->column);
    columns += ", " + column;
    updates += ", " + column + " = excluded." + column;
    params.emplace_back(value.is_string() ? std::string(value.get_string()) : SerializeJson(value));
  }
  const metadata::LinkDef& user_roles = *metadata.Entity("User").FindLink("roles");
  return db.WriteAndWait([&](store::Connection& conn) -> Status {
    bool existed = false;
    const std::array<query::SqlValue, 1> id = {std::string(kFullAccessRoleId)};
    CRM_RETURN_IF_ERROR(
        conn.Query("SELECT 1 FROM " + QuoteIdentifier(entity.table) + " WHERE \"id\" = ?", id,
                   [&](const store::Row&) {
                     existed = true;
                     return false;
                   }));
    CRM_RETURN_IF_ERROR(conn.Execute("INSERT INTO " + QuoteIdentifier(entity.table) + " (" +
                                         columns + ") VALUES (" + Placeholders(params.size()) +
                                         ") ON CONFLICT (\"id\") DO UPDATE SET " + updates,
                                     params)
                            .TakeStatus());
    if (existed) return {};
    // A database from before roles: every one of its users had every right; keep it so for the
    // API users and regular users it has (admins need no role).
    return conn
        .Execute(
            "INSERT INTO " + QuoteIdentifier(user_roles.join_table) + " (" +
                QuoteIdentifier(user_roles.near_key_column) + ", " +
                QuoteIdentifier(user_roles.far_key_column) +
                ") SELECT u.\"id\", ? FROM \"user\" u WHERE u.\"type\" IN ('api', 'regular') AND "
                "u.\"deleted\" = 0 AND NOT EXISTS (SELECT 1 FROM " +
                QuoteIdentifier(user_roles.join_table) + " x WHERE x." +
                QuoteIdentifier(user_roles.near_key_column) + " = u.\"id\")",
            id)
        .TakeStatus();
  });
}

Result<std::string> CreateRole(store::Database& db, const metadata::Metadata& metadata,
                               const Clock& clock, const std::string& name,
                               const json::object& data, const json::object& field_data) {
  return CreateRecord(db, metadata, clock, "Role",
                      json::object{{"name", name}, {"data", data}, {"fieldData", field_data}});
}

Result<std::string> CreateTeam(store::Database& db, const metadata::Metadata& metadata,
                               const Clock& clock, const std::string& name,
                               const std::vector<std::string>& role_ids) {
  json::array roles;
  for (const auto& id : role_ids) roles.emplace_back(id);
  return CreateRecord(db, metadata, clock, "Team",
                      json::object{{"name", name}, {"rolesIds", std::move(roles)}});
}

Result<std::vector<std::string>> IdsByName(store::Database& db, const metadata::Metadata& metadata,
                                           const std::string& entity_name,
                                           const std::vector<std::string>& names) {
  const metadata::EntityDef& entity = metadata.Entity(entity_name);
  CRM_ASSIGN_OR_RETURN(store::Connection * conn, db.ReadConnection());
  std::vector<std::string> ids;
  for (const auto& name : names) {
    const std::array<query::SqlValue, 1> params = {name};
    std::string id;
    CRM_RETURN_IF_ERROR(conn->Query("SELECT \"id\" FROM " + QuoteIdentifier(entity.table) +
                                        " WHERE \"name\" = ? AND \"deleted\" = 0 ORDER BY "
                                        "\"created_at\" LIMIT 1",
                                    params, [&](const store::Row& row) {
                                      id = row.Text(0);
                                      return false;
                                    }));
    if (id.empty()) return Status::NotFound("No " + entity_name + " named '" + name + "'.");
    ids.push_back(std::move(id));
  }
  return ids;
}

}  // namespace crm::service
