#include "crm/auth/stored_credentials.hpp"

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "crm/auth/crypto.hpp"

namespace crm::auth {
namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;

Result<Rows> IdAndText(store::Connection& conn, const std::string& sql) {
  Rows rows;
  CRM_RETURN_IF_ERROR(conn.Query(sql, {}, [&](const store::Row& row) {
    rows.emplace_back(std::string(row.Text(0)), std::string(row.Text(1)));
    return true;
  }));
  return rows;
}

Result<bool> UserHasColumn(store::Connection& conn, std::string_view column) {
  bool found = false;
  CRM_RETURN_IF_ERROR(
      conn.Query(conn.dialect() == query::Dialect::kSqlite
                     ? "SELECT \"name\" FROM pragma_table_info('user')"
                     : "SELECT column_name FROM information_schema.columns WHERE table_schema = "
                       "current_schema() AND table_name = 'user'",
                 {}, [&](const store::Row& row) {
                   found = row.Text(0) == column;
                   return !found;
                 }));
  return found;
}

}  // namespace

Result<CredentialMigration> MigrateStoredCredentials(store::Connection& conn,
                                                     const SecretBox& secrets) {
  CredentialMigration done;
  CRM_ASSIGN_OR_RETURN(const bool plain_keys, UserHasColumn(conn, "api_key"));
  if (plain_keys) {
    CRM_ASSIGN_OR_RETURN(Rows keys,
                         IdAndText(conn,
                                   "SELECT \"id\", \"api_key\" FROM \"user\" "
                                   "WHERE \"api_key\" IS NOT NULL AND \"api_key\" <> ''"));
    for (const auto& [id, key] : keys) {
      const std::array<query::SqlValue, 2> params = {Sha256Hex(key), id};
      CRM_RETURN_IF_ERROR(conn.Execute("UPDATE \"user\" SET \"api_key_hash\" = ?, \"api_key\" = "
                                       "NULL WHERE \"id\" = ?",
                                       params)
                              .TakeStatus());
    }
    done.keys_hashed = static_cast<std::int64_t>(keys.size());
  }
  CRM_ASSIGN_OR_RETURN(Rows plain_secrets,
                       IdAndText(conn,
                                 "SELECT \"id\", \"secret_key\" FROM \"user\" WHERE \"secret_key\" "
                                 "IS NOT NULL AND \"secret_key\" <> ''"));
  for (const auto& [id, secret] : plain_secrets) {
    if (SecretBox::IsSealed(secret)) continue;
    const std::array<query::SqlValue, 2> params = {secrets.Seal(secret), id};
    CRM_RETURN_IF_ERROR(
        conn.Execute("UPDATE \"user\" SET \"secret_key\" = ? WHERE \"id\" = ?", params)
            .TakeStatus());
    ++done.secrets_sealed;
  }
  CRM_ASSIGN_OR_RETURN(Rows webhook_secrets,
                       IdAndText(conn,
                                 "SELECT \"id\", \"secret_key\" FROM \"webhook\" WHERE "
                                 "\"secret_key\" IS NOT NULL AND \"secret_key\" <> ''"));
  for (const auto& [id, secret] : webhook_secrets) {
    if (SecretBox::IsSealed(secret)) continue;
    const std::array<query::SqlValue, 2> params = {secrets.Seal(secret), id};
    CRM_RETURN_IF_ERROR(conn.Execute("UPDATE \"webhook\" SET \"secret_key\" = ?, "
                                     "\"standard_webhooks_secret\" = NULL WHERE \"id\" = ?",
                                     params)
                            .TakeStatus());
    ++done.webhook_secrets_sealed;
  }
  CRM_ASSIGN_OR_RETURN(
      done.events_cleaned,
      conn.Execute(
          conn.dialect() == query::Dialect::kSqlite
              ? "UPDATE \"crmd_event\" SET \"payload\" = json_remove(\"payload\", '$.apiKey', "
                "'$.secretKey', '$.apiKeyHash', '$.standardWebhooksSecret') WHERE "
                "\"entity_type\" IN ('User', 'Webhook') AND "
                "(json_type(\"payload\", '$.apiKey') IS NOT NULL OR json_type(\"payload\", "
                "'$.secretKey') IS NOT NULL OR json_type(\"payload\", '$.apiKeyHash') IS NOT "
                "NULL OR json_type(\"payload\", '$.standardWebhooksSecret') IS NOT NULL)"
              : "UPDATE \"crmd_event\" SET \"payload\" = (\"payload\"::jsonb - 'apiKey' - "
                "'secretKey' - 'apiKeyHash' - 'standardWebhooksSecret')::text WHERE "
                "\"entity_type\" IN ('User', 'Webhook') AND "
                "jsonb_exists_any(\"payload\"::jsonb, ARRAY['apiKey', 'secretKey', "
                "'apiKeyHash', 'standardWebhooksSecret'])"));
  return done;
}

}  // namespace crm::auth
