// Brings credentials that older versions stored in the clear to today's form, on every start
// (crmd serve and every administrative command), after the schema migration:
// - a plain API key in the `user` table's old `api_key` column: its hash goes to `api_key_hash`
//   and the column is cleared (kept, never dropped: MigrateSchema drops nothing);
// - a plain HMAC secret in `secret_key`: sealed with the SecretBox;
// - a plain webhook secret in the `webhook` table's `secret_key`: sealed, and its stored whsec_
//   form (`standard_webhooks_secret`) cleared;
// - a key or secret in the payload of a User or Webhook change event in the outbox
//   (`crmd_event`): removed.
// Running it again finds nothing to do.
//
// Thread-safety: run inside one write job.
#ifndef CRM_AUTH_STORED_CREDENTIALS_HPP_
#define CRM_AUTH_STORED_CREDENTIALS_HPP_

#include <cstdint>

#include "crm/auth/secret_box.hpp"
#include "crm/common/status.hpp"
#include "crm/store/database.hpp"

namespace crm::auth {

struct CredentialMigration {
  std::int64_t keys_hashed = 0;
  std::int64_t secrets_sealed = 0;
  std::int64_t webhook_secrets_sealed = 0;
  std::int64_t events_cleaned = 0;
};

Result<CredentialMigration> MigrateStoredCredentials(store::Connection& conn,
                                                     const SecretBox& secrets);

}  // namespace crm::auth

#endif  // CRM_AUTH_STORED_CREDENTIALS_HPP_
