#include "crm/service/user_admin.hpp"

#include <array>
#include <utility>

#include <boost/json/array.hpp>

#include "crm/auth/crypto.hpp"
#include "crm/auth/principal.hpp"
#include "crm/service/record_input.hpp"
#include "crm/service/record_writer.hpp"
#include "crm/store/schema.hpp"

namespace crm::service {

Result<CreatedUser> CreateUser(store::Database& db, const metadata::Metadata& metadata,
                               const Clock& clock, const NewUser& user,
                               const auth::SecretBox* secrets) {
  namespace json = boost::json;
  std::string password_hash;
  if (!user.password.empty()) {
    // Hashing is slow by design: do it before taking the writer.
    CRM_ASSIGN_OR_RETURN(password_hash, auth::HashPassword(user.password));
  }
  json::object body{{"userName", user.user_name},
                    {"type", user.type},
                    {"lastName", user.last_name.empty() ? user.user_name : user.last_name}};
  if (!user.auth_method.empty()) body["authMethod"] = user.auth_method;
  for (const auto& [key, ids] :
       {std::pair{"rolesIds", &user.role_ids}, {"teamsIds", &user.team_ids}}) {
    if (ids->empty()) continue;
    json::array list;
    for (const auto& id : *ids) list.emplace_back(id);
    body[key] = std::move(list);
  }
  const metadata::EntityDef& entity = metadata.Entity("User");
  CRM_ASSIGN_OR_RETURN(RecordInput input, ParseRecordInput(entity, body, WriteMode::kCreate));
  CreatedUser created;
  const auth::Principal system = auth::Principal::System();
  const RecordReader reader(metadata, db.dialect());
  CRM_RETURN_IF_ERROR(db.WriteAndWait([&](store::Connection& conn) -> Status {
    RecordWriter writer(reader, conn, system, clock.Now(), secrets);
    CRM_ASSIGN_OR_RETURN(RecordResult result,
                         writer.Create(entity, std::move(input), WriteOptions{}));
    const auto text = [&](const char* key) {
      const auto* v = result.record.if_contains(key);
      return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    created.id = text("id");
    created.user_name = text("userName");
    created.api_key = text("apiKey");
    created.secret_key = text("secretKey");
    if (!password_hash.empty()) {
      const std::array<query::SqlValue, 2> params = {password_hash, created.id};
      CRM_RETURN_IF_ERROR(
          conn.Execute("UPDATE \"user\" SET \"password\" = ? WHERE \"id\" = ?", params)
              .TakeStatus());
    }
    if (user.rate_limit.kind != auth::UserRateLimit::Kind::kServer) {
      const bool unlimited = user.rate_limit.kind == auth::UserRateLimit::Kind::kUnlimited;
      const std::array<query::SqlValue, 3> params = {
          created.id, unlimited ? query::SqlValue() : query::SqlValue(user.rate_limit.requests),
          user.rate_limit.window_seconds};
      CRM_RETURN_IF_ERROR(conn.Execute(std::string("INSERT INTO \"") + store::kUserRateLimitTable +
                                           "\" (\"user_id\", \"requests\", \"window_seconds\") "
                                           "VALUES (?, ?, ?)",
                                       params)
                              .TakeStatus());
    }
    return {};
  }));
  return created;
}

Status WriteNewApiKey(store::Connection& conn, const Clock& clock, UserBy by,
                      std::string_view value, const auth::SecretBox* secrets,
                      CreatedUser& rotated) {
  const std::array<query::SqlValue, 1> key = {std::string(value)};
  std::string type;
  std::string method;
  CRM_RETURN_IF_ERROR(conn.Query(
      std::string("SELECT \"id\", \"user_name\", \"type\", \"auth_method\" FROM \"user\" WHERE ") +
          (by == UserBy::kId ? "\"id\"" : "\"user_name\"") + " = ? AND \"deleted\" = 0",
      key, [&](const store::Row& row) {
        rotated.id = row.Text(0);
        rotated.user_name = row.Text(1);
        type = row.Text(2);
        method = row.Text(3);
        return false;
      }));
  if (rotated.id.empty()) return Status::NotFound("No user '" + std::string(value) + "'.");
  // As EspoCRM: only API users have keys. A user name that is not one's names no API user.
  if (type != "api" && by == UserBy::kUserName) {
    return Status::NotFound("No API user '" + std::string(value) + "'.");
  }
  if (type != "api") {
    return Status::PermissionDenied("'" + rotated.user_name + "' is not an API user.");
  }
  rotated.api_key = auth::NewCredential();
  std::string sealed;
  if (method == "Hmac") {
    if (secrets == nullptr) return Status::Internal("HMAC secrets cannot be sealed here");
    rotated.secret_key = auth::NewCredential();
    sealed = secrets->Seal(rotated.secret_key);
  }
  const std::array<query::SqlValue, 4> params = {
      auth::Sha256Hex(rotated.api_key),
      sealed.empty() ? query::SqlValue(nullptr) : query::SqlValue(sealed),
      FormatDateTime(clock.Now()), rotated.id};
  return conn
      .Execute(
          "UPDATE \"user\" SET \"api_key_hash\" = ?, \"secret_key\" = COALESCE(?, "
          "\"secret_key\"), \"modified_at\" = ?, \"version_number\" = \"version_number\" + 1 "
          "WHERE \"id\" = ?",
          params)
      .TakeStatus();
}

Result<CreatedUser> RotateApiKey(store::Database& db, const Clock& clock,
                                 const std::string& user_name, const auth::SecretBox* secrets,
                                 auth::CredentialEpoch& epoch) {
  CreatedUser rotated;
  CRM_RETURN_IF_ERROR(db.WriteAndWait([&](store::Connection& conn) -> Status {
    return WriteNewApiKey(conn, clock, UserBy::kUserName, user_name, secrets, rotated);
  }));
  epoch.Advance();
  return rotated;
}

Result<std::optional<auth::UserRateLimit>> FindUserRateLimit(store::Connection& conn,
                                                             std::string_view user_id) {
  const std::array<query::SqlValue, 1> id = {std::string(user_id)};
  std::optional<auth::UserRateLimit> found;
  CRM_RETURN_IF_ERROR(conn.Query(
      std::string("SELECT r.\"user_id\" IS NOT NULL, r.\"requests\", r.\"window_seconds\" FROM "
                  "\"user\" u LEFT JOIN \"") +
          store::kUserRateLimitTable +
          "\" r ON r.\"user_id\" = u.\"id\" WHERE u.\"id\" = ? AND u.\"deleted\" = 0",
      id, [&](const store::Row& row) {
        auth::UserRateLimit& limit = found.emplace();
        if (row.Int(0) != 0) {
          limit.kind = row.IsNull(1) ? auth::UserRateLimit::Kind::kUnlimited
                                     : auth::UserRateLimit::Kind::kQuota;
          limit.requests = row.IsNull(1) ? 0 : row.Int(1);
          limit.window_seconds = row.Int(2);
        }
        return false;
      }));
  return found;
}

Result<bool> AnyUserExists(store::Database& db) {
  CRM_ASSIGN_OR_RETURN(store::Connection * conn, db.ReadConnection());
  bool found = false;
  CRM_RETURN_IF_ERROR(conn->Query("SELECT 1 FROM \"user\" WHERE \"deleted\" = 0 LIMIT 1", {},
                                  [&](const store::Row&) {
                                    found = true;
                                    return false;
                                  }));
  return found;
}

}  // namespace crm::service
