// The built-in Full access role: refreshed at every start, and given once to the users of a
// database from before roles.
#include <future>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/acl/access_loader.hpp"
#include "crm/service/role_admin.hpp"

#include "testing/status_matchers.hpp"
#include "unit/acl/acl_test_base.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;
using ::crm::testing::IsOk;

class BuiltInRolesTest : public AclTestBase<> {
 protected:
  std::string CreateUser(std::string_view body) {
    return CreateAsAdmin("User", json::parse(body).as_object());
  }
  acl::Level ContactRead(const std::string& user) {
    auto access = acl::LoadAccess(**db_->ReadConnection(), *metadata_, user);
    EXPECT_THAT(access, IsOk());
    return access.ok() ? (*access)->level("Contact", acl::Action::kRead) : acl::Level::kNo;
  }
};

TEST_F(BuiltInRolesTest, UsersOfADatabaseFromBeforeRolesKeepTheirAccess) {
  const std::string api =
      CreateUser(R"({"userName": "app", "type": "api", "authMethod": "ApiKey"})");
  const std::string rep = CreateUser(R"({"userName": "rep", "lastName": "Rep"})");
  EXPECT_EQ(ContactRead(api), acl::Level::kNo);  // no role yet: nothing
  ASSERT_THAT(EnsureBuiltInRoles(*db_, *metadata_, clock_), IsOk());
  EXPECT_EQ(ContactRead(api), acl::Level::kAll);
  EXPECT_EQ(ContactRead(rep), acl::Level::kAll);
  // Only once: users made later hold only the roles they are given.
  const std::string later = CreateUser(R"({"userName": "later", "lastName": "Later"})");
  ASSERT_THAT(EnsureBuiltInRoles(*db_, *metadata_, clock_), IsOk());
  EXPECT_EQ(ContactRead(later), acl::Level::kNo);
}

TEST_F(BuiltInRolesTest, EveryStartRestoresTheFullAccessGrants) {
  ASSERT_THAT(EnsureBuiltInRoles(*db_, *metadata_, clock_), IsOk());
  const std::string api = CreateUser(
      R"({"userName": "app", "type": "api", "authMethod": "ApiKey", "rolesIds": ["crmd-full-access"]})");
  std::promise<Result<RecordResult>> narrowed;
  records_->Update(admin_, metadata_->Entity("Role"), kFullAccessRoleId,
                   json::parse(R"({"data": {"Contact": {"read": "own"}}})").as_object(), {},
                   [&](Result<RecordResult> r) { narrowed.set_value(std::move(r)); });
  ASSERT_THAT(narrowed.get_future().get(), IsOk());
  EXPECT_EQ(ContactRead(api), acl::Level::kOwn);
  ASSERT_THAT(EnsureBuiltInRoles(*db_, *metadata_, clock_), IsOk());
  EXPECT_EQ(ContactRead(api), acl::Level::kAll);
}

}  // namespace
}  // namespace crm::service
