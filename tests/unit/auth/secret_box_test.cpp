#include "crm/auth/secret_box.hpp"

#include <array>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/auth/crypto.hpp"
#include "crm/auth/stored_credentials.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/store/schema.hpp"
#include "crm/store/sqlite/sqlite_database.hpp"

#include "testing/status_matchers.hpp"
#include "testing/temp_dir.hpp"
#include <sys/stat.h>

namespace crm::auth {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;

class SecretBoxTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_THAT(InitCrypto(), IsOk()); }
  crm::testing::TempDir dir_;
};

TEST_F(SecretBoxTest, SealsAndOpens) {
  const SecretBox box = SecretBox::FromKey(std::string(32, 'a'));
  const std::string sealed = box.Seal("6aef973c9ac8d9d6bf07d7e598bcbe83");
  EXPECT_TRUE(SecretBox::IsSealed(sealed));
  EXPECT_EQ(sealed.find("6aef973c"), std::string::npos);
  EXPECT_NE(box.Seal("6aef973c9ac8d9d6bf07d7e598bcbe83"), sealed);  // a fresh nonce each time
  auto opened = box.Open(sealed);
  ASSERT_THAT(opened, IsOk());
  EXPECT_EQ(*opened, "6aef973c9ac8d9d6bf07d7e598bcbe83");
}

TEST_F(SecretBoxTest, RefusesAnotherKeyAlteredTextAndPlainText) {
  const SecretBox box = SecretBox::FromKey(std::string(32, 'a'));
  const SecretBox other = SecretBox::FromKey(std::string(32, 'b'));
  std::string sealed = box.Seal("secret");
  EXPECT_THAT(other.Open(sealed), StatusIs(StatusCode::kFailedPrecondition));
  sealed[sealed.size() - 3] = sealed[sealed.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_THAT(box.Open(sealed), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(box.Open("secret"), StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_FALSE(SecretBox::IsSealed("6aef973c9ac8d9d6bf07d7e598bcbe83"));
}

TEST_F(SecretBoxTest, KeyFileIsCreatedOwnerOnlyAndReused) {
  const auto file = dir_.path() / "secret.key";
  auto first = SecretBox::LoadOrCreate(file);
  ASSERT_THAT(first, IsOk());
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto second = SecretBox::LoadOrCreate(file);
  ASSERT_THAT(second, IsOk());
  auto opened = second->Open(first->Seal("kept across restarts"));
  ASSERT_THAT(opened, IsOk());
  EXPECT_EQ(*opened, "kept across restarts");
}

TEST_F(SecretBoxTest, RefusesAKeyFileOthersCanReadOrThatHoldsNoKey) {
  const auto file = dir_.path() / "secret.key";
  ASSERT_THAT(SecretBox::LoadOrCreate(file), IsOk());
  ASSERT_EQ(::chmod(file.c_str(), 0644), 0);
  EXPECT_THAT(SecretBox::LoadOrCreate(file), StatusIs(StatusCode::kFailedPrecondition));
  const auto broken = dir_.path() / "broken.key";
  { std::ofstream(broken) << "not a key\n"; }
  ASSERT_EQ(::chmod(broken.c_str(), 0600), 0);
  EXPECT_THAT(SecretBox::LoadOrCreate(broken), StatusIs(StatusCode::kFailedPrecondition));
}

// A database written by an older crmd: the plain key in user.api_key, the plain secret in
// user.secret_key, and both in the User.create event of the outbox.
TEST_F(SecretBoxTest, MigratesAnOldDatabasesPlainCredentials) {
  auto metadata = metadata::Metadata::Load(metadata::ShippedEntityDefs());
  ASSERT_THAT(metadata, IsOk());
  auto db = store::SqliteDatabase::Open({dir_.File("old.db")});
  ASSERT_THAT(db, IsOk());
  const std::string key = "f4ca294f37f70eaabb6aaf9d07e35f4a";
  const std::string secret = "6aef973c9ac8d9d6bf07d7e598bcbe83";
  ASSERT_THAT((*db)->WriteAndWait([&](store::Connection& c) -> Status {
    CRM_RETURN_IF_ERROR(store::MigrateSchema(c, **metadata));
    CRM_RETURN_IF_ERROR(c.ExecuteScript("ALTER TABLE \"user\" ADD COLUMN \"api_key\" TEXT"));
    const std::array<query::SqlValue, 4> row = {
        key, Sha256Hex(key), secret,
        "{\"id\":\"u1\",\"apiKey\":\"" + key + "\",\"secretKey\":\"" + secret + "\"}"};
    CRM_RETURN_IF_ERROR(c.Execute("INSERT INTO \"user\" (\"id\", \"deleted\", \"version_number\", "
                                  "\"user_name\", \"type\", \"auth_method\", \"is_active\", "
                                  "\"api_key\", \"api_key_hash\", \"secret_key\") VALUES ('u1', 0, "
                                  "1, 'old-hmac', 'api', 'Hmac', 1, ?, ?, ?)",
                                  std::span(row).first(3))
                            .TakeStatus());
    return c
        .Execute(
            "INSERT INTO \"crmd_event\" (\"event\", \"entity_type\", \"entity_id\", "
            "\"payload\", \"created_at\") VALUES ('create', 'User', 'u1', ?, "
            "'2026-01-01 00:00:00')",
            std::span(row).last(1))
        .TakeStatus();
  }),
              IsOk());

  const SecretBox box = SecretBox::FromKey(std::string(32, 'm'));
  CredentialMigration migrated;
  ASSERT_THAT((*db)->WriteAndWait([&](store::Connection& c) -> Status {
    CRM_ASSIGN_OR_RETURN(migrated, MigrateStoredCredentials(c, box));
    return {};
  }),
              IsOk());
  EXPECT_EQ(migrated.keys_hashed, 1);
  EXPECT_EQ(migrated.secrets_sealed, 1);
  EXPECT_EQ(migrated.events_cleaned, 1);

  auto* conn = *(*db)->ReadConnection();
  std::string plain_key = "unread";
  std::string hash;
  std::string sealed;
  std::string payload;
  ASSERT_THAT(conn->Query("SELECT \"api_key\", \"api_key_hash\", \"secret_key\", (SELECT "
                          "\"payload\" FROM \"crmd_event\") FROM \"user\" WHERE \"id\" = 'u1'",
                          {},
                          [&](const store::Row& row) {
                            plain_key = row.IsNull(0) ? "" : std::string(row.Text(0));
                            hash = row.Text(1);
                            sealed = row.Text(2);
                            payload = row.Text(3);
                            return false;
                          }),
              IsOk());
  EXPECT_EQ(plain_key, "");  // the column stays, emptied
  EXPECT_EQ(hash, Sha256Hex(key));
  auto opened = box.Open(sealed);
  ASSERT_THAT(opened, IsOk());
  EXPECT_EQ(*opened, secret);
  EXPECT_EQ(payload, "{\"id\":\"u1\"}");

  // A second start finds nothing left to do.
  ASSERT_THAT((*db)->WriteAndWait([&](store::Connection& c) -> Status {
    CRM_ASSIGN_OR_RETURN(migrated, MigrateStoredCredentials(c, box));
    return {};
  }),
              IsOk());
  EXPECT_EQ(migrated.keys_hashed + migrated.secrets_sealed + migrated.events_cleaned, 0);
}

// A webhook written by an older crmd: its secret and whsec_ form in the clear in the webhook row
// and in the Webhook.create event of the outbox.
TEST_F(SecretBoxTest, MigratesAnOldDatabasesPlainWebhookSecrets) {
  auto metadata = metadata::Metadata::Load(metadata::ShippedEntityDefs());
  ASSERT_THAT(metadata, IsOk());
  auto db = store::SqliteDatabase::Open({dir_.File("old-hooks.db")});
  ASSERT_THAT(db, IsOk());
  const std::string secret = "847d300be33c2dcec6b5bdadf0c81b0f";
  const std::string whsec = "whsec_" + Base64Encode(secret);
  ASSERT_THAT((*db)->WriteAndWait([&](store::Connection& c) -> Status {
    CRM_RETURN_IF_ERROR(store::MigrateSchema(c, **metadata));
    const std::array<query::SqlValue, 3> row = {secret, whsec,
                                                "{\"id\":\"w1\",\"secretKey\":\"" + secret +
                                                    "\",\"standardWebhooksSecret\":\"" + whsec +
                                                    "\"}"};
    CRM_RETURN_IF_ERROR(c.Execute("INSERT INTO \"webhook\" (\"id\", \"deleted\", "
                                  "\"version_number\", \"event\", \"url\", \"is_active\", "
                                  "\"secret_key\", \"standard_webhooks_secret\") VALUES ('w1', 0, "
                                  "1, 'Contact.create', 'http://x.test/h', 1, ?, ?)",
                                  std::span(row).first(2))
                            .TakeStatus());
    return c
        .Execute(
            "INSERT INTO \"crmd_event\" (\"event\", \"entity_type\", \"entity_id\", "
            "\"payload\", \"created_at\") VALUES ('create', 'Webhook', 'w1', ?, "
            "'2026-01-01 00:00:00')",
            std::span(row).last(1))
        .TakeStatus();
  }),
              IsOk());

  const SecretBox box = SecretBox::FromKey(std::string(32, 'm'));
  CredentialMigration migrated;
  ASSERT_THAT((*db)->WriteAndWait([&](store::Connection& c) -> Status {
    CRM_ASSIGN_OR_RETURN(migrated, MigrateStoredCredentials(c, box));
    return {};
  }),
              IsOk());
  EXPECT_EQ(migrated.webhook_secrets_sealed, 1);
  EXPECT_EQ(migrated.events_cleaned, 1);

  auto* conn = *(*db)->ReadConnection();
  std::string sealed;
  bool whsec_cleared = false;
  std::string payload;
  ASSERT_THAT(conn->Query("SELECT \"secret_key\", \"standard_webhooks_secret\", (SELECT "
                          "\"payload\" FROM \"crmd_event\") FROM \"webhook\" WHERE \"id\" = 'w1'",
                          {},
                          [&](const store::Row& row) {
                            sealed = row.Text(0);
                            whsec_cleared = row.IsNull(1);
                            payload = row.Text(2);
                            return false;
                          }),
              IsOk());
  auto opened = box.Open(sealed);
  ASSERT_THAT(opened, IsOk());
  EXPECT_EQ(*opened, secret);
  EXPECT_TRUE(whsec_cleared);
  EXPECT_EQ(payload, "{\"id\":\"w1\"}");

  ASSERT_THAT((*db)->WriteAndWait([&](store::Connection& c) -> Status {
    CRM_ASSIGN_OR_RETURN(migrated, MigrateStoredCredentials(c, box));
    return {};
  }),
              IsOk());
  EXPECT_EQ(migrated.webhook_secrets_sealed + migrated.events_cleaned, 0);
  ASSERT_THAT(conn->Query("SELECT \"secret_key\" FROM \"webhook\"", {},
                          [&](const store::Row& row) {
                            EXPECT_EQ(row.Text(0), sealed);  // not sealed twice
                            return false;
                          }),
              IsOk());
}

}  // namespace
}  // namespace crm::auth
