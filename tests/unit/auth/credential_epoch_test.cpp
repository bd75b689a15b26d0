#include "crm/auth/credential_epoch.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.hpp"
#include "testing/temp_dir.hpp"
#include <sys/stat.h>

namespace crm::auth {
namespace {

using ::crm::testing::IsOk;

// Two mappings of the file stand for the server and a CLI command beside it.
TEST(CredentialEpoch, AdvancesAreSeenByEveryMappingAndKept) {
  crm::testing::TempDir dir;
  const std::string file = dir.File("credentials.epoch");
  auto server = CredentialEpoch::Open(file);
  ASSERT_THAT(server, IsOk());
  EXPECT_EQ(server->Current(), 0u);
  {
    auto command = CredentialEpoch::Open(file);
    ASSERT_THAT(command, IsOk());
    command->Advance();
    command->Advance();
  }
  EXPECT_EQ(server->Current(), 2u);
  auto reopened = CredentialEpoch::Open(file);
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ(reopened->Current(), 2u);
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

}  // namespace
}  // namespace crm::auth
