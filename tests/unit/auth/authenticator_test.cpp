#include "crm/auth/authenticator.hpp"

#include <future>
#include <latch>
#include <optional>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/auth/crypto.hpp"
#include "crm/service/user_admin.hpp"
#include "crm/store/schema.hpp"
#include "crm/store/sqlite/sqlite_database.hpp"

#include "testing/status_matchers.hpp"
#include "testing/temp_dir.hpp"

namespace crm::auth {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(InitCrypto(), IsOk());
    auto metadata = metadata::Metadata::Load(metadata::ShippedEntityDefs());
    ASSERT_THAT(metadata, IsOk());
    metadata_ = *metadata;
    auto db = store::SqliteDatabase::Open({dir_.File("auth.db")});
    ASSERT_THAT(db, IsOk());
    db_ = std::move(db).value();
    ASSERT_THAT(db_->WriteAndWait(
                    [this](store::Connection& c) { return store::MigrateSchema(c, *metadata_); }),
                IsOk());
    auto key_user = service::CreateUser(*db_, *metadata_, clock_, {"app", "", "api", "ApiKey", ""});
    ASSERT_THAT(key_user, IsOk());
    key_user_ = *key_user;
    auto hmac_user =
        service::CreateUser(*db_, *metadata_, clock_, {"signer", "", "api", "Hmac", ""}, &secrets_);
    ASSERT_THAT(hmac_user, IsOk());
    hmac_user_ = *hmac_user;
    ASSERT_THAT(
        service::CreateUser(*db_, *metadata_, clock_, {"jane", "s3cret-pass", "regular", "", ""}),
        IsOk());
    auto epoch = CredentialEpoch::Open(dir_.File("credentials.epoch"));
    ASSERT_THAT(epoch, IsOk());
    epoch_ = std::make_unique<CredentialEpoch>(std::move(epoch).value());
    authenticator_ = std::make_unique<Authenticator>(*db_, clock_, &secrets_, epoch_.get());
  }

  // Waits for the answer, which a password check gives from a verifier thread.
  Result<AuthResult> Authenticate(const AuthRequest& request) {
    std::promise<Result<AuthResult>> answer;
    authenticator_->Authenticate(
        request, [&answer](Result<AuthResult> result) { answer.set_value(result); });
    return answer.get_future().get();
  }

  AuthRequest Request(std::string_view method, std::string_view path) {
    AuthRequest request;
    request.method = method;
    request.path = path;
    request.api_base = "/api/v1";
    return request;
  }

  crm::testing::TempDir dir_;
  const SecretBox secrets_ = SecretBox::FromKey(std::string(32, 't'));
  std::unique_ptr<CredentialEpoch> epoch_;
  FakeClock clock_{*ParseDateTime("2026-01-01 00:00:00")};
  std::shared_ptr<const metadata::Metadata> metadata_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<Authenticator> authenticator_;
  service::CreatedUser key_user_;
  service::CreatedUser hmac_user_;
};

TEST_F(AuthenticatorTest, NoCredentialsIsUnauthenticated) {
  EXPECT_THAT(Authenticate(Request("GET", "/api/v1/Contact")),
              StatusIs(StatusCode::kUnauthenticated));
}

TEST_F(AuthenticatorTest, ApiKeyIdentifiesItsUser) {
  AuthRequest request = Request("GET", "/api/v1/Contact");
  request.api_key = key_user_.api_key;
  auto result = Authenticate(request);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->principal.id, key_user_.id);
  EXPECT_EQ(result->principal.type, UserType::kApi);
  EXPECT_EQ(result->principal.name, "app");
  const std::string wrong = "x" + key_user_.api_key.substr(1);
  request.api_key = wrong;
  EXPECT_THAT(Authenticate(request), StatusIs(StatusCode::kUnauthenticated));
}

TEST_F(AuthenticatorTest, HmacUserCannotUseItsKeyAlone) {
  AuthRequest request = Request("GET", "/api/v1/Contact");
  request.api_key = hmac_user_.api_key;
  EXPECT_THAT(Authenticate(request), StatusIs(StatusCode::kUnauthenticated));
}

TEST_F(AuthenticatorTest, HmacEspoFormWithHexAndRawDigests) {
  AuthRequest request = Request("GET", "/api/v1/Contact/abc");
  request.query = "select=id";
  const std::string mac = HmacSha256(hmac_user_.secret_key, "GET /Contact/abc");
  for (const std::string& signature : {HexEncode(mac), mac}) {
    const std::string header = Base64Encode(hmac_user_.api_key + ":" + signature);
    request.hmac_authorization = header;
    auto result = Authenticate(request);
    ASSERT_THAT(result, IsOk());
    EXPECT_EQ(result->principal.id, hmac_user_.id);
    EXPECT_EQ(result->method, AuthMethod::kHmac);
  }
  const std::string wrong =
      Base64Encode(hmac_user_.api_key + ":" + HexEncode(HmacSha256("other", "GET /Contact/abc")));
  request.hmac_authorization = wrong;
  EXPECT_THAT(Authenticate(request), StatusIs(StatusCode::kUnauthenticated));
  // Signed for another method: not valid for this one.
  const std::string other_method =
      Base64Encode(hmac_user_.api_key + ":" +
                   HexEncode(HmacSha256(hmac_user_.secret_key, "DELETE /Contact/abc")));
  request.hmac_authorization = other_method;
  EXPECT_THAT(Authenticate(request), StatusIs(StatusCode::kUnauthenticated));
}

TEST_F(AuthenticatorTest, HmacSeedFormSignsTheFullPath) {
  AuthRequest request = Request("GET", "/api/v1/Contact");
  request.api_key = hmac_user_.api_key;
  const std::string header = Base64Encode(HmacSha256(hmac_user_.secret_key, "GET /api/v1/Contact"));
  request.hmac_authorization = header;
  auto result = Authenticate(request);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->principal.id, hmac_user_.id);
}

TEST_F(AuthenticatorTest, BasicPasswordAndBadPassword) {
  AuthRequest request = Request("GET", "/api/v1/Contact");
  const std::string good = "Basic " + Base64Encode("jane:s3cret-pass");
  request.authorization = good;
  auto result = Authenticate(request);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->principal.user_name, "jane");
  // Remembered logins still require the same password.
  const std::string bad = "Basic " + Base64Encode("jane:wrong");
  request.authorization = bad;
  EXPECT_THAT(Authenticate(request), StatusIs(StatusCode::kUnauthenticated));
  request.authorization = good;
  EXPECT_THAT(Authenticate(request), IsOk());
}

TEST_F(AuthenticatorTest, ApiUsersCannotUsePasswords) {
  AuthRequest request = Request("GET", "/api/v1/Contact");
  const std::string header = "Basic " + Base64Encode("app:" + key_user_.api_key);
  request.authorization = header;
  EXPECT_THAT(Authenticate(request), StatusIs(StatusCode::kUnauthenticated));
}

TEST_F(AuthenticatorTest, MalformedEspoAuthorizationIsABadRequest) {
  AuthRequest request = Request("GET", "/api/v1/Contact");
  const std::string header = Base64Encode("no-colon-here");
  request.espo_authorization = header;
  EXPECT_THAT(Authenticate(request), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(AuthenticatorTest, TokensWorkUntilDestroyedOrIdle) {
  AuthRequest login = Request("GET", "/api/v1/App/user");
  const std::string password = Base64Encode("jane:s3cret-pass");
  login.espo_authorization = password;
  auto result = Authenticate(login);
  ASSERT_THAT(result, IsOk());
  std::promise<Result<std::string>> issued;
  authenticator_->CreateToken(
      result->principal, [&](Result<std::string> token) { issued.set_value(std::move(token)); });
  auto token = issued.get_future().get();
  ASSERT_THAT(token, IsOk());

  AuthRequest by_token = Request("GET", "/api/v1/Contact");
  const std::string header = Base64Encode("jane:" + *token);
  by_token.espo_authorization = header;
  by_token.espo_by_token = true;
  auto with_token = Authenticate(by_token);
  ASSERT_THAT(with_token, IsOk());
  EXPECT_EQ(with_token->method, AuthMethod::kToken);

  // Token-only mode refuses the password.
  AuthRequest password_only = login;
  password_only.espo_by_token = true;
  EXPECT_THAT(Authenticate(password_only), StatusIs(StatusCode::kUnauthenticated));

  clock_.Advance(std::chrono::hours(49));
  EXPECT_THAT(Authenticate(by_token), StatusIs(StatusCode::kUnauthenticated));

  std::promise<Result<bool>> destroyed;
  authenticator_->DestroyToken(
      *token, [&](Result<bool> existed) { destroyed.set_value(std::move(existed)); });
  auto existed = destroyed.get_future().get();
  ASSERT_THAT(existed, IsOk());
  EXPECT_TRUE(*existed);
}

// crmd api-user rotate-key runs in another process: the server's remembered lookup (5 s) must not
// keep the old key alive. The second Database and CredentialEpoch stand for that process (its own
// connections and its own mapping of the epoch file).
TEST_F(AuthenticatorTest, RotatedKeyStopsWorkingAtOnceEvenWhenRemembered) {
  AuthRequest request = Request("GET", "/api/v1/Contact");
  request.api_key = key_user_.api_key;
  ASSERT_THAT(Authenticate(request), IsOk());
  ASSERT_THAT(Authenticate(request), IsOk());  // now remembered

  auto other_process = store::SqliteDatabase::Open({dir_.File("auth.db")});
  ASSERT_THAT(other_process, IsOk());
  auto other_epoch = CredentialEpoch::Open(dir_.File("credentials.epoch"));
  ASSERT_THAT(other_epoch, IsOk());
  auto rotated = service::RotateApiKey(**other_process, clock_, "app", &secrets_, *other_epoch);
  ASSERT_THAT(rotated, IsOk());
  EXPECT_EQ(rotated->id, key_user_.id);
  EXPECT_NE(rotated->api_key, key_user_.api_key);
  EXPECT_TRUE(rotated->secret_key.empty());

  EXPECT_THAT(Authenticate(request), StatusIs(StatusCode::kUnauthenticated));
  request.api_key = rotated->api_key;
  EXPECT_THAT(Authenticate(request), IsOk());

  // An HMAC user gets a new secret too; the old signature stops working.
  AuthRequest signed_request = Request("GET", "/api/v1/Contact");
  const auto sign = [&](const std::string& key, const std::string& secret) {
    return Base64Encode(key + ":" + HexEncode(HmacSha256(secret, "GET /Contact")));
  };
  const std::string old_header = sign(hmac_user_.api_key, hmac_user_.secret_key);
  signed_request.hmac_authorization = old_header;
  ASSERT_THAT(Authenticate(signed_request), IsOk());
  auto rotated_hmac =
      service::RotateApiKey(**other_process, clock_, "signer", &secrets_, *other_epoch);
  ASSERT_THAT(rotated_hmac, IsOk());
  EXPECT_NE(rotated_hmac->secret_key, hmac_user_.secret_key);
  EXPECT_THAT(Authenticate(signed_request), StatusIs(StatusCode::kUnauthenticated));
  const std::string new_header = sign(rotated_hmac->api_key, rotated_hmac->secret_key);
  signed_request.hmac_authorization = new_header;
  EXPECT_THAT(Authenticate(signed_request), IsOk());

  EXPECT_THAT(service::RotateApiKey(**other_process, clock_, "jane", &secrets_, *other_epoch),
              StatusIs(StatusCode::kNotFound));
}

// The probe: a wrong password for an existing user took ~140 ms, for an unknown one 1-2 ms. Now
// every password request costs one check: an unknown user's against a hash of the same kind.
TEST_F(AuthenticatorTest, UnknownUsersCostThePasswordCheckToo) {
  Mutex mu;
  std::vector<std::string> checked;
  Authenticator authenticator(*db_, clock_, &secrets_, epoch_.get(), {1, 8},
                              [&](std::string_view password, const std::string& hash) {
                                MutexLock lock(mu);
                                checked.push_back(hash);
                                return VerifyPassword(password, hash);
                              });
  const auto attempt = [&](const std::string& credentials) {
    AuthRequest request = Request("GET", "/api/v1/Contact");
    const std::string header = "Basic " + Base64Encode(credentials);
    request.authorization = header;
    std::promise<Result<AuthResult>> answer;
    authenticator.Authenticate(request, [&](Result<AuthResult> r) { answer.set_value(r); });
    return answer.get_future().get();
  };
  EXPECT_THAT(attempt("jane:wrong"), StatusIs(StatusCode::kUnauthenticated));
  EXPECT_THAT(attempt("nobody:wrong"), StatusIs(StatusCode::kUnauthenticated));
  EXPECT_THAT(attempt("app:wrong"), StatusIs(StatusCode::kUnauthenticated));  // an API user
  MutexLock lock(mu);
  ASSERT_EQ(checked.size(), 3u);
  for (const std::string& hash : checked) EXPECT_THAT(hash, ::testing::StartsWith("$argon2id$"));
  EXPECT_NE(checked[1], checked[0]);
  EXPECT_EQ(checked[2], checked[1]);
}

// The probe: 20 clients with a wrong Basic password slowed an unrelated API-key GET from 5 ms to
// about 2 s, because the checks ran on the HTTP threads. Now they wait on the verifier's threads:
// while its one thread is busy and its queue full, an API key is answered at once (before
// Authenticate returns) and another password is refused at once with kUnavailable.
TEST_F(AuthenticatorTest, PasswordChecksNeverHoldTheCaller) {
  std::latch started(1);
  std::promise<void> open;
  std::shared_future<void> gate = open.get_future().share();
  Authenticator authenticator(*db_, clock_, &secrets_, epoch_.get(), {1, 1},
                              [&](std::string_view, const std::string&) {
                                started.count_down();
                                gate.wait();
                                return false;
                              });
  AuthRequest basic = Request("GET", "/api/v1/Contact");
  const std::string header = "Basic " + Base64Encode("jane:wrong");
  basic.authorization = header;
  std::promise<Result<AuthResult>> first;
  std::promise<Result<AuthResult>> second;
  authenticator.Authenticate(basic, [&](Result<AuthResult> r) { first.set_value(r); });
  started.wait();
  authenticator.Authenticate(basic, [&](Result<AuthResult> r) { second.set_value(r); });

  std::optional<Result<AuthResult>> third;
  authenticator.Authenticate(basic, [&](Result<AuthResult> r) { third = r; });
  ASSERT_TRUE(third.has_value());
  EXPECT_THAT(*third, StatusIs(StatusCode::kUnavailable));

  AuthRequest by_key = Request("GET", "/api/v1/Contact");
  by_key.api_key = key_user_.api_key;
  std::optional<Result<AuthResult>> key_answer;
  authenticator.Authenticate(by_key, [&](Result<AuthResult> r) { key_answer = r; });
  ASSERT_TRUE(key_answer.has_value());
  ASSERT_THAT(*key_answer, IsOk());
  EXPECT_EQ((*key_answer)->principal.id, key_user_.id);

  open.set_value();
  EXPECT_THAT(first.get_future().get(), StatusIs(StatusCode::kUnauthenticated));
  EXPECT_THAT(second.get_future().get(), StatusIs(StatusCode::kUnauthenticated));
}

}  // namespace
}  // namespace crm::auth
