#include "crm/service/user_admin.hpp"

#include <array>

#include "crm/auth/crypto.hpp"
#include "crm/auth/principal.hpp"
#include "crm/service/record_input.hpp"
#include "crm/service/record_writer.hpp"
#include "crm/store/schema.hpp"

namespace crm::service {

Result<CreatedUser> CreateUser(store::Database& db, const metadata::Metadata& metadata,
                               const Clock& clock, const NewUser& user) {
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
  const metadata::EntityDef& entity = metadata.Entity("User");
  CRM_ASSIGN_OR_RETURN(RecordInput input, ParseRecordInput(entity, body, WriteMode::kCreate));
  CreatedUser created;
  const auth::Principal system = auth::Principal::System();
  const RecordReader reader(metadata, db.dialect());
  CRM_RETURN_IF_ERROR(db.WriteAndWait([&](store::Connection& conn) -> Status {
    RecordWriter writer(reader, conn, system, clock.Now());
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
