// WebhookTestBase: the fixture of the webhook unit tests. A fresh SQLite database migrated to the
// shipped metadata, a RecordService over it on a FakeClock, and CreateRecord() to write through
// it, so that webhooks, their deliveries and the changes that queue them are made the way the API
// makes them.
//
// Thread-safety: a test fixture; used from the test's thread (write callbacks run on the writer).
#ifndef CRM_TESTS_UNIT_WEBHOOK_WEBHOOK_TEST_BASE_HPP_
#define CRM_TESTS_UNIT_WEBHOOK_WEBHOOK_TEST_BASE_HPP_

#include <future>
#include <memory>
#include <string_view>

#include <boost/json/object.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/acl/access_table.hpp"
#include "crm/auth/crypto.hpp"
#include "crm/auth/secret_box.hpp"
#include "crm/service/record_service.hpp"
#include "crm/service/role_admin.hpp"
#include "crm/store/schema.hpp"
#include "crm/store/sqlite/sqlite_database.hpp"

#include "testing/status_matchers.hpp"
#include "testing/temp_dir.hpp"

namespace crm::webhook {

class WebhookTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_THAT(auth::InitCrypto(), crm::testing::IsOk());
    metadata_ = *metadata::Metadata::Load(metadata::ShippedEntityDefs());
    auto db = store::SqliteDatabase::Open({dir_.File("webhooks.db")});
    ASSERT_THAT(db, crm::testing::IsOk());
    db_ = std::move(db).value();
    ASSERT_THAT(db_->WriteAndWait(
                    [this](store::Connection& c) { return store::MigrateSchema(c, *metadata_); }),
                crm::testing::IsOk());
    ASSERT_THAT(service::EnsureBuiltInRoles(*db_, *metadata_, clock_), crm::testing::IsOk());
    records_ = std::make_unique<service::RecordService>(metadata_, *db_, clock_, &secrets_);
  }

  // Creates a record as `principal`; a failure fails the test and gives an empty object.
  boost::json::object CreateRecord(std::string_view entity, const boost::json::object& body,
                                   const auth::Principal& principal) {
    std::promise<Result<service::RecordResult>> done;
    records_->Create(principal, metadata_->Entity(entity), body, {},
                     [&](auto r) { done.set_value(std::move(r)); });
    auto result = done.get_future().get();
    EXPECT_THAT(result, crm::testing::IsOk());
    return result.ok() ? result->record : boost::json::object{};
  }

  // The API user `user` (a created User record) holding the Full access role, as
  // `crmd api-user create` makes it.
  auth::Principal ApiUserPrincipal(const boost::json::object& user) const {
    const std::string id(user.at("id").as_string());
    return auth::Principal{
        id, "hooks", "hooks", auth::UserType::kApi, {}, acl::FullAccess(*metadata_, id)};
  }

  crm::testing::TempDir dir_;
  FakeClock clock_{*ParseDateTime("2026-03-10 09:30:00")};
  std::shared_ptr<const metadata::Metadata> metadata_;
  std::unique_ptr<store::Database> db_;
  // Seals webhook secrets at rest, as crmd serve's key file does.
  auth::SecretBox secrets_ = auth::SecretBox::FromKey(std::string(32, 'k'));
  std::unique_ptr<service::RecordService> records_;
  auth::Principal admin_{"admin-id", "admin", "Admin", auth::UserType::kAdmin};
};

}  // namespace crm::webhook

#endif  // CRM_TESTS_UNIT_WEBHOOK_WEBHOOK_TEST_BASE_HPP_
