// The fixture of the ACL tests that need the service: shipped metadata, a fresh SQLite database
// with its schema, a RecordService, and creating records as an admin.
//
// Thread-safety: used by one test at a time on the test's thread.
#ifndef CRM_TESTS_UNIT_ACL_ACL_TEST_BASE_HPP_
#define CRM_TESTS_UNIT_ACL_ACL_TEST_BASE_HPP_

#include <future>
#include <memory>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/auth/crypto.hpp"
#include "crm/service/record_service.hpp"
#include "crm/store/schema.hpp"
#include "crm/store/sqlite/sqlite_database.hpp"

#include "testing/status_matchers.hpp"
#include "testing/temp_dir.hpp"

namespace crm::service {

template <typename Base = ::testing::Test>
class AclTestBase : public Base {
 protected:
  void SetUp() override {
    ASSERT_THAT(auth::InitCrypto(), crm::testing::IsOk());
    metadata_ = *metadata::Metadata::Load(metadata::ShippedEntityDefs());
    auto db = store::SqliteDatabase::Open({dir_.File("acl.db")});
    ASSERT_THAT(db, crm::testing::IsOk());
    db_ = std::move(db).value();
    ASSERT_THAT(db_->WriteAndWait(
                    [this](store::Connection& c) { return store::MigrateSchema(c, *metadata_); }),
                crm::testing::IsOk());
    records_ = std::make_unique<RecordService>(metadata_, *db_, clock_);
  }

  // Creates a record as the admin; its id, or "" after a test failure.
  std::string CreateAsAdmin(std::string_view entity, boost::json::object body) {
    std::promise<Result<RecordResult>> done;
    records_->Create(admin_, metadata_->Entity(entity), std::move(body), {},
                     [&](Result<RecordResult> r) { done.set_value(std::move(r)); });
    auto result = done.get_future().get();
    EXPECT_THAT(result, crm::testing::IsOk()) << entity;
    return result.ok() ? std::string(result->record.at("id").as_string()) : std::string();
  }

  crm::testing::TempDir dir_;
  FakeClock clock_{*ParseDateTime("2026-03-10 09:30:00")};
  std::shared_ptr<const metadata::Metadata> metadata_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<RecordService> records_;
  auth::Principal admin_{"admin-id", "admin", "Admin", auth::UserType::kAdmin};
};

}  // namespace crm::service

#endif  // CRM_TESTS_UNIT_ACL_ACL_TEST_BASE_HPP_
