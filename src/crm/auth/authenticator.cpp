#include "crm/auth/authenticator.hpp"

#include <array>

#include "crm/auth/crypto.hpp"
#include "crm/common/strings.hpp"
#include "crm/store/schema.hpp"

namespace crm::auth {
namespace {

// How long a verified password is remembered, and how many such entries are kept at most.
constexpr auto kLoginCacheTtl = std::chrono::minutes(5);
constexpr std::size_t kLoginCacheMaxEntries = 10000;
// How long an API user found by key is remembered: the delay before a change made by another
// process (crmd api-user ... while the server runs) is seen.
constexpr auto kKeyCacheTtl = std::chrono::seconds(5);
// EspoCRM's authTokenMaxIdleTime default; last use is recorded at most this often.
constexpr auto kTokenMaxIdle = std::chrono::hours(48);
constexpr auto kTokenTouchInterval = std::chrono::minutes(10);
constexpr std::size_t kMaxApiKeyLength = 100;

Status NotAuthenticated() { return Status::Unauthenticated("Unauthorized"); }

bool IsAlnum(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return !s.empty();
}

}  // namespace

UserType ParseUserType(std::string_view text) {
  if (text == "admin" || text == "super-admin") return UserType::kAdmin;
  if (text == "api") return UserType::kApi;
  if (text == "system") return UserType::kSystem;
  return UserType::kRegular;
}

Authenticator::Authenticator(store::Database& db, const Clock& clock, const SecretBox* secrets,
                             const CredentialEpoch* epoch, PasswordVerifier::Options verifier,
                             PasswordVerifier::CheckFn check)
    : db_(db),
      clock_(clock),
      secrets_(secrets),
      epoch_(epoch),
      cache_key_(RandomHex(32)),
      verifier_(verifier, std::move(check)) {}

void Authenticator::Authenticate(const AuthRequest& request, Done done) {
  if (!request.espo_authorization.empty()) {
    return ByUserSecret(request.espo_authorization, request.espo_by_token,
                        AuthMethod::kEspoPassword, std::move(done));
  }
  if (!request.hmac_authorization.empty()) return done(ByHmac(request));
  if (!request.api_key.empty()) return done(ByApiKey(request.api_key));
  if (request.authorization.size() > 6 &&
      EqualsIgnoreCaseAscii(request.authorization.substr(0, 6), "Basic ")) {
    return ByUserSecret(TrimAscii(request.authorization.substr(6)), false,
                        AuthMethod::kBasicPassword, std::move(done));
  }
  done(NotAuthenticated());
}

void Authenticator::ForgetCachedUsers() {
  MutexLock lock(mu_);
  users_by_key_.clear();
  logins_.clear();
  ++forgotten_;
}

Result<Authenticator::UserRow> Authenticator::FindUser(UserKey key, std::string_view value) {
  const TimePoint now = clock_.Now();
  const bool cached = key == UserKey::kApiKeyHash;
  // Read before the lookup: a rotation committed meanwhile has advanced it by the time the next
  // request compares.
  const std::uint64_t epoch = epoch_ != nullptr ? epoch_->Current() : 0;
  std::uint64_t forgotten = 0;
  if (cached) {
    MutexLock lock(mu_);
    forgotten = forgotten_;
    const auto it = users_by_key_.find(std::string(value));
    if (it != users_by_key_.end() && it->second.expires > now && it->second.epoch == epoch) {
      return it->second.user;
    }
  }
  CRM_ASSIGN_OR_RETURN(store::Connection * conn, db_.ReadConnection());
  // The user's own request budget comes from crmd's table beside the User entity.
  static const std::string kSelect =
      "SELECT u.\"id\", u.\"user_name\", u.\"type\", u.\"auth_method\", u.\"secret_key\", "
      "u.\"password\", u.\"is_active\", "
      "NULLIF(TRIM(COALESCE(u.\"first_name\", '') || ' ' || COALESCE(u.\"last_name\", '')), ''), "
      "r.\"user_id\" IS NOT NULL, r.\"requests\", r.\"window_seconds\" "
      "FROM \"user\" u LEFT JOIN \"" +
      std::string(store::kUserRateLimitTable) + "\" r ON r.\"user_id\" = u.\"id\" WHERE ";
  static const std::string kByApiKeyHash =
      kSelect + "u.\"api_key_hash\" = ? AND u.\"deleted\" = 0 LIMIT 1";
  static const std::string kByUserName =
      kSelect + "u.\"user_name\" = ? AND u.\"deleted\" = 0 LIMIT 1";
  const std::string& sql = key == UserKey::kApiKeyHash ? kByApiKeyHash : kByUserName;
  const std::array<query::SqlValue, 1> params = {std::string(value)};
  UserRow user;
  bool found = false;
  CRM_RETURN_IF_ERROR(conn->Query(sql, params, [&](const store::Row& row) {
    found = true;
    user.principal.id = row.Text(0);
    user.principal.user_name = row.Text(1);
    user.principal.type = ParseUserType(row.Text(2));
    user.auth_method = row.Text(3);
    user.secret_key = row.Text(4);  // sealed
    user.password_hash = row.Text(5);
    user.active = row.Int(6) != 0;
    user.principal.name = row.IsNull(7) ? user.principal.user_name : std::string(row.Text(7));
    if (row.Int(8) != 0) {
      UserRateLimit& limit = user.principal.rate_limit;
      limit.kind = row.IsNull(9) ? UserRateLimit::Kind::kUnlimited : UserRateLimit::Kind::kQuota;
      limit.requests = row.IsNull(9) ? 0 : row.Int(9);
      limit.window_seconds = row.Int(10);
    }
    return false;
  }));
  if (!found) return NotAuthenticated();
  if (access_loader_ && !user.principal.is_admin()) {
    CRM_ASSIGN_OR_RETURN(user.principal.access, access_loader_(*conn, user.principal.id));
  }
  if (!user.secret_key.empty()) {
    // A secret that cannot be opened (no key file, another key) signs nothing.
    auto opened = secrets_ != nullptr ? secrets_->Open(user.secret_key)
                                      : Result<std::string>(Status::FailedPrecondition("no key"));
    user.secret_key = opened.ok() ? *std::move(opened) : std::string();
  }
  if (cached) {
    MutexLock lock(mu_);
    // Forgotten meanwhile: what was read may be what the change replaced.
    if (forgotten != forgotten_) return user;
    if (users_by_key_.size() >= kLoginCacheMaxEntries) users_by_key_.clear();
    users_by_key_[std::string(value)] = CachedUser{user, now + kKeyCacheTtl, epoch};
  }
  return user;
}

Result<AuthResult> Authenticator::ByApiKey(std::string_view api_key) {
  if (api_key.size() > kMaxApiKeyLength) return NotAuthenticated();
  // Looking the key up by its hash keeps the lookup's timing independent of the key's bytes.
  CRM_ASSIGN_OR_RETURN(UserRow user, FindUser(UserKey::kApiKeyHash, Sha256Hex(api_key)));
  if (!user.active || user.principal.type != UserType::kApi || user.auth_method != "ApiKey") {
    return NotAuthenticated();
  }
  return AuthResult{std::move(user.principal), AuthMethod::kApiKey};
}

bool Authenticator::SignatureMatches(const AuthRequest& request, const std::string& secret,
                                     std::string_view signature) {
  if (secret.empty()) return false;
  // Both documents' signed strings: with and without the API base path, with and without the query
  // (EspoCRM signs neither; the seed signs the base path).
  std::string paths[4];
  std::size_t count = 0;
  paths[count++] = std::string(request.path);
  if (request.path.starts_with(request.api_base) && request.path.size() > request.api_base.size()) {
    paths[count++] = std::string(request.path.substr(request.api_base.size()));
  }
  if (!request.query.empty()) {
    const std::size_t without_query = count;
    for (std::size_t i = 0; i < without_query; ++i)
      paths[count++] = paths[i] + "?" + std::string(request.query);
  }
  const std::string lowered = signature.size() == 64 ? ToLowerAscii(signature) : std::string();
  bool matched = false;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string mac = HmacSha256(secret, std::string(request.method) + " " + paths[i]);
    // Every candidate is compared so that timing does not tell which form was close.
    if (signature.size() == mac.size()) matched |= ConstantTimeEquals(signature, mac);
    if (!lowered.empty()) matched |= ConstantTimeEquals(lowered, HexEncode(mac));
  }
  return matched;
}

Result<AuthResult> Authenticator::ByHmac(const AuthRequest& request) {
  const auto decoded = Base64Decode(TrimAscii(request.hmac_authorization));
  if (!decoded) return NotAuthenticated();
  const auto usable = [](const UserRow& user) {
    return user.active && user.principal.type == UserType::kApi && user.auth_method == "Hmac";
  };
  // EspoCRM's form: "apiKey:signature". A raw seed-form digest may contain ':' too, so an unknown
  // prefix falls through to the seed form below.
  if (const auto colon = decoded->find(':'); colon != std::string::npos &&
                                             colon <= kMaxApiKeyLength &&
                                             IsAlnum(std::string_view(*decoded).substr(0, colon))) {
    auto user =
        FindUser(UserKey::kApiKeyHash, Sha256Hex(std::string_view(*decoded).substr(0, colon)));
    if (user.ok()) {
      if (!usable(*user) || !SignatureMatches(request, user->secret_key,
                                              std::string_view(*decoded).substr(colon + 1))) {
        return NotAuthenticated();
      }
      return AuthResult{std::move(user->principal), AuthMethod::kHmac};
    }
  }
  if (request.api_key.empty() || request.api_key.size() > kMaxApiKeyLength)
    return NotAuthenticated();
  CRM_ASSIGN_OR_RETURN(UserRow user, FindUser(UserKey::kApiKeyHash, Sha256Hex(request.api_key)));
  if (!usable(user) || !SignatureMatches(request, user.secret_key, *decoded))
    return NotAuthenticated();
  return AuthResult{std::move(user.principal), AuthMethod::kHmac};
}

void Authenticator::ByUserSecret(std::string_view encoded, bool token_only,
                                 AuthMethod password_method, Done done) {
  const bool espo = password_method == AuthMethod::kEspoPassword;
  const auto decoded = Base64Decode(TrimAscii(encoded));
  const auto colon = decoded ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos) {
    if (espo) return done(Status::InvalidArgument("Auth: Bad authorization string provided."));
    return done(NotAuthenticated());
  }
  const std::string_view user_name = TrimAscii(std::string_view(*decoded).substr(0, colon));
  const std::string_view secret = TrimAscii(std::string_view(*decoded).substr(colon + 1));
  if (user_name.empty() || secret.empty()) return done(NotAuthenticated());
  std::uint64_t forgotten = 0;
  {
    MutexLock lock(mu_);
    forgotten = forgotten_;
  }
  auto found = FindUser(UserKey::kUserName, user_name);
  if (!found.ok() && found.status().code() != StatusCode::kUnauthenticated) {
    return done(found.status());
  }
  // API users authenticate with keys only; inactive users not at all.
  const bool may_sign_in = found.ok() && found->active && found->principal.type != UserType::kApi;
  if (may_sign_in) {
    if (auto by_token = ByToken(*found, secret); by_token.ok() || token_only) {
      return done(std::move(by_token));
    }
  } else if (token_only) {
    return done(NotAuthenticated());
  }

  std::string cache_key =
      HexEncode(HmacSha256(cache_key_, std::string(user_name) + '\0' + std::string(secret)));
  Principal principal = may_sign_in ? found->principal : Principal{};
  if (may_sign_in) {
    MutexLock lock(mu_);
    const auto it = logins_.find(cache_key);
    if (it != logins_.end() && it->second.expires > clock_.Now() &&
        it->second.principal.id == principal.id) {
      return done(AuthResult{it->second.principal, password_method});
    }
  }
  // Whoever cannot sign in costs the same check, against a hash that matches no password.
  const bool has_hash = may_sign_in && !found->password_hash.empty();
  verifier_.Verify(
      std::string(secret), has_hash ? found->password_hash : UnknownUserHash(),
      [this, has_hash, principal = std::move(principal), cache_key = std::move(cache_key),
       password_method, forgotten, done = std::move(done)](Result<bool> matches) mutable {
        if (!matches.ok()) return done(matches.status());
        if (!has_hash || !*matches) return done(NotAuthenticated());
        {
          MutexLock lock(mu_);
          if (forgotten == forgotten_) {
            if (logins_.size() >= kLoginCacheMaxEntries) logins_.clear();
            logins_[cache_key] = CachedLogin{principal, clock_.Now() + kLoginCacheTtl};
          }
        }
        done(AuthResult{std::move(principal), password_method});
      });
}

Result<AuthResult> Authenticator::ByToken(const UserRow& user, std::string_view token) {
  CRM_ASSIGN_OR_RETURN(store::Connection * conn, db_.ReadConnection());
  const std::array<query::SqlValue, 1> params = {Sha256Hex(token)};
  std::string user_id;
  std::string last_access;
  CRM_RETURN_IF_ERROR(conn->Query(
      "SELECT \"user_id\", \"last_access_at\" FROM \"auth_token\" WHERE \"token_hash\" = ?", params,
      [&](const store::Row& row) {
        user_id = row.Text(0);
        last_access = row.Text(1);
        return false;
      }));
  if (user_id.empty() || !ConstantTimeEquals(user_id, user.principal.id)) return NotAuthenticated();
  const TimePoint now = clock_.Now();
  const auto last = ParseDateTime(last_access);
  if (!last || *last + kTokenMaxIdle < now) return NotAuthenticated();
  if (*last + kTokenTouchInterval < now) {
    // Recording the use is best effort: a lost update only shortens the token's idle window.
    db_.SubmitWrite(
        [hash = std::get<std::string>(params[0]), at = FormatDateTime(now)](store::Connection& c) {
          const std::array<query::SqlValue, 2> p = {at, hash};
          return c
              .Execute("UPDATE \"auth_token\" SET \"last_access_at\" = ? WHERE \"token_hash\" = ?",
                       p)
              .TakeStatus();
        },
        [](const Status&) {});
  }
  return AuthResult{user.principal, AuthMethod::kToken};
}

void Authenticator::CreateToken(const Principal& principal,
                                std::function<void(Result<std::string>)> done) {
  auto token = std::make_shared<std::string>(RandomHex(16));
  const std::string now = FormatDateTime(clock_.Now());
  db_.SubmitWrite(
      [token, user_id = principal.id, now](store::Connection& conn) {
        const std::array<query::SqlValue, 4> params = {Sha256Hex(*token), user_id, now, now};
        return conn
            .Execute(
                "INSERT INTO \"auth_token\" (\"token_hash\", \"user_id\", \"created_at\", "
                "\"last_access_at\") "
                "VALUES (?, ?, ?, ?)",
                params)
            .TakeStatus();
      },
      [token, done = std::move(done)](Status status) {
        if (!status.ok()) return done(std::move(status));
        done(*token);
      });
}

void Authenticator::DestroyToken(const std::string& token, std::function<void(Result<bool>)> done) {
  auto existed = std::make_shared<bool>(false);
  db_.SubmitWrite(
      [existed, hash = Sha256Hex(token)](store::Connection& conn) -> Status {
        const std::array<query::SqlValue, 1> params = {hash};
        CRM_ASSIGN_OR_RETURN(
            const std::int64_t changed,
            conn.Execute("DELETE FROM \"auth_token\" WHERE \"token_hash\" = ?", params));
        *existed = changed > 0;
        return {};
      },
      [existed, done = std::move(done)](Status status) {
        if (!status.ok()) return done(std::move(status));
        done(*existed);
      });
}

}  // namespace crm::auth
