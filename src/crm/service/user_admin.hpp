// User administration used by the command line and by first start: creating users with passwords
// and API users with generated keys, rotating an API user's key, reading a user's own request
// budget, and finding whether any user exists yet. Runs through the same
// record writer as the API, so users look the same whichever way they were made.
//
// Thread-safety: functions that take a Database block on the store's writer; call them from any
// thread but the writer's. Those that take a Connection run on the caller's connection.
#ifndef CRM_SERVICE_USER_ADMIN_HPP_
#define CRM_SERVICE_USER_ADMIN_HPP_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crm/auth/credential_epoch.hpp"
#include "crm/auth/principal.hpp"
#include "crm/auth/secret_box.hpp"
#include "crm/common/status.hpp"
#include "crm/common/time.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/store/database.hpp"

namespace crm::service {

struct NewUser {
  std::string user_name;
  std::string password;                    // users with a password (not API users)
  std::string type = "regular";            // regular, admin or api
  std::string auth_method;                 // API users: ApiKey or Hmac
  std::string last_name;                   // display name; defaults to the user name
  auth::UserRateLimit rate_limit = {};     // the user's own request budget, if any
  std::vector<std::string> role_ids = {};  // roles held directly
  std::vector<std::string> team_ids = {};  // teams it is a member of (and their roles)
};

// What a new or rotated API user is shown once: the database keeps only the key's hash and the
// sealed secret.
struct CreatedUser {
  std::string id;
  std::string user_name;
  std::string api_key;     // API users
  std::string secret_key;  // HMAC API users
};

// kConflict when the user name is taken; kInvalidArgument for bad values. `secrets` seals an HMAC
// user's secret (kInternal without it).
Result<CreatedUser> CreateUser(store::Database& db, const metadata::Metadata& metadata,
                               const Clock& clock, const NewUser& user,
                               const auth::SecretBox* secrets = nullptr);

// Gives API user `user_name` a new key (and an HMAC user a new secret), then advances `epoch`, so
// the old ones stop working at once, in this process and in a server running beside it.
// kNotFound when there is no such API user.
Result<CreatedUser> RotateApiKey(store::Database& db, const Clock& clock,
                                 const std::string& user_name, const auth::SecretBox* secrets,
                                 auth::CredentialEpoch& epoch);

// The write of a rotation, for a caller that submits it to the store's writer itself (the API's
// POST /UserSecurity/apiKey/generate): gives the user whose id or user name is `value` a new key,
// and an HMAC user a new secret, into `rotated`. kNotFound when there is no such user (or, by
// user name, no such API user), kPermissionDenied when the id is not an API user's. The caller
// makes the old key stop working (CredentialEpoch::Advance, Authenticator::ForgetCachedUsers) once
// the write committed.
enum class UserBy { kId, kUserName };
Status WriteNewApiKey(store::Connection& conn, const Clock& clock, UserBy by,
                      std::string_view value, const auth::SecretBox* secrets, CreatedUser& rotated);

// User `user_id`'s own request budget (kServer when it has none); nullopt when there is no such
// user.
Result<std::optional<auth::UserRateLimit>> FindUserRateLimit(store::Connection& conn,
                                                             std::string_view user_id);

Result<bool> AnyUserExists(store::Database& db);

}  // namespace crm::service

#endif  // CRM_SERVICE_USER_ADMIN_HPP_
