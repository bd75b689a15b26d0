// Authenticator: turns the credentials of a request into a Principal. It understands every method
// of docs/api.md: X-Api-Key; HMAC in the seed document's form (X-Api-Key plus X-Hmac-Authorization
// = base64(HMAC-SHA256(secret, "METHOD /api/v1/Path"))) and in EspoCRM's (X-Hmac-Authorization =
// base64(apiKey ":" HMAC-SHA256(secret, "METHOD /Path"))), hex or raw digest; Authorization: Basic
// and Espo-Authorization with a password or an auth token.
//
// API keys are looked up by their SHA-256; HMAC secrets are stored sealed (SecretBox) and opened
// when their user is looked up. Secrets are compared in constant time. Passwords are argon2id
// hashes; since verifying one costs tens of milliseconds, checks run on a PasswordVerifier's
// threads (never the caller's), and successful ones are remembered for a short while (keyed by a
// keyed hash of the credentials, never the password itself) so clients that send Basic on every
// request stay fast. A user name that does not exist (or cannot sign in with a password) costs the
// same check, against a hash that matches nothing, so the answer's timing does not say which names
// exist.
//
// Thread-safety: all methods may be called concurrently. `done` callbacks run on the calling
// thread or on a verifier thread (a password check); the destructor refuses checks still waiting
// and finishes those that run, so it must not run while a caller still needs its answer.
#ifndef CRM_AUTH_AUTHENTICATOR_HPP_
#define CRM_AUTH_AUTHENTICATOR_HPP_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "crm/acl/access_table.hpp"
#include "crm/auth/credential_epoch.hpp"
#include "crm/auth/crypto.hpp"
#include "crm/auth/password_verifier.hpp"
#include "crm/auth/principal.hpp"
#include "crm/auth/secret_box.hpp"
#include "crm/common/status.hpp"
#include "crm/common/thread_annotations.hpp"
#include "crm/common/time.hpp"
#include "crm/store/database.hpp"

namespace crm::auth {

// The request facts authentication needs; header values are empty when the header is absent.
struct AuthRequest {
  std::string_view method;              // "GET"
  std::string_view path;                // "/api/v1/Contact/abc", without the query
  std::string_view query;               // "select=id" (no '?'); may be empty
  std::string_view api_base;            // "/api/v1"
  std::string_view api_key;             // X-Api-Key
  std::string_view hmac_authorization;  // X-Hmac-Authorization
  std::string_view authorization;       // Authorization
  std::string_view espo_authorization;  // Espo-Authorization
  bool espo_by_token = false;           // Espo-Authorization-By-Token: true
};

enum class AuthMethod { kApiKey, kHmac, kBasicPassword, kEspoPassword, kToken };

struct AuthResult {
  Principal principal;
  AuthMethod method = AuthMethod::kApiKey;
};

class Authenticator {
 public:
  using Done = std::function<void(Result<AuthResult>)>;

  // `secrets` opens HMAC secrets (null: HMAC users cannot sign in); `epoch` is the data
  // directory's CredentialEpoch (null: a key rotated by another process keeps working for up to
  // the 5 s a lookup is remembered); both outlive the authenticator. `check` verifies a password
  // against a hash (tests pass one they control).
  Authenticator(store::Database& db, const Clock& clock, const SecretBox* secrets,
                const CredentialEpoch* epoch, PasswordVerifier::Options verifier = {},
                PasswordVerifier::CheckFn check = VerifyPassword);

  // Calls `done` with the principal, or kUnauthenticated when credentials are missing or wrong,
  // kInvalidArgument for an undecodable Espo-Authorization header (as EspoCRM does), or
  // kUnavailable when too many password checks already wait. `done` runs before Authenticate
  // returns unless a password has to be checked; `request` need not outlive the call.
  void Authenticate(const AuthRequest& request, Done done);

  // Ends the password checks (PasswordVerifier::Stop): afterwards no `done` runs or is held on a
  // verifier thread. The server calls it once its HTTP server has stopped and before that server,
  // which the callbacks answer through, is destroyed.
  void StopPasswordChecks() { verifier_.Stop(); }

  // Issues a new auth token for `principal` (GET /App/user after an Espo-Authorization login).
  // `done` receives the token once it is stored.
  void CreateToken(const Principal& principal, std::function<void(Result<std::string>)> done);
  // Revokes `token` (POST /App/destroyAuthToken); `done` receives whether it existed.
  void DestroyToken(const std::string& token, std::function<void(Result<bool>)> done);

  // Gives every non-admin principal what its roles grant (acl::LoadAccess over the user's
  // connection); without it a principal has no table and gets the strict defaults. Set before
  // the first request. Access tables are remembered with their users, so ForgetCachedUsers must
  // follow changes to roles and teams too.
  using AccessLoader = std::function<Result<std::shared_ptr<const acl::AccessTable>>(
      store::Connection&, std::string_view user_id)>;
  void SetAccessLoader(AccessLoader loader) { access_loader_ = std::move(loader); }

  // Forgets every remembered key lookup and password check, so that a change to users made through
  // the API (a user deactivated) takes effect on the next request. Key lookups are also dropped
  // when the CredentialEpoch advanced, so a key rotated by another process (crmd api-user
  // rotate-key) stops working at once too. On PostgreSQL the server calls this whenever another
  // process changed users, roles or teams (server/shared_database.hpp). A lookup that was under way
  // when this was called is not remembered.
  void ForgetCachedUsers();

 private:
  struct UserRow {
    Principal principal;
    std::string auth_method;
    std::string secret_key;
    std::string password_hash;
    bool active = false;
  };
  struct CachedLogin {
    Principal principal;
    TimePoint expires;
  };
  struct CachedUser {
    UserRow user;
    TimePoint expires;
    std::uint64_t epoch;  // the CredentialEpoch before the lookup
  };

  enum class UserKey { kApiKeyHash, kUserName };
  Result<UserRow> FindUser(UserKey key, std::string_view value);
  Result<AuthResult> ByApiKey(std::string_view api_key);
  Result<AuthResult> ByHmac(const AuthRequest& request);
  void ByUserSecret(std::string_view encoded, bool token_only, AuthMethod password_method,
                    Done done);
  Result<AuthResult> ByToken(const UserRow& user, std::string_view token);
  bool SignatureMatches(const AuthRequest& request, const std::string& secret,
                        std::string_view signature);

  store::Database& db_;
  const Clock& clock_;
  const SecretBox* const secrets_;
  const CredentialEpoch* const epoch_;
  const std::string cache_key_;  // random per process: keys the login cache
  AccessLoader access_loader_;
  Mutex mu_;
  std::unordered_map<std::string, CachedLogin> logins_ CRM_GUARDED_BY(mu_);
  // API users by the hash of their key: a key is checked on every request of an API client.
  std::unordered_map<std::string, CachedUser> users_by_key_ CRM_GUARDED_BY(mu_);
  std::uint64_t forgotten_ CRM_GUARDED_BY(mu_) = 0;  // calls of ForgetCachedUsers so far
  // Last member: destroyed first, while the caches its callbacks use still exist.
  PasswordVerifier verifier_;
};

}  // namespace crm::auth

#endif  // CRM_AUTH_AUTHENTICATOR_HPP_
