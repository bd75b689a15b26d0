// The seed document's own integration examples run unmodified against a live crmd: the Python
// client (tests/clients/seed_client.py, python3-requests) and the Node.js client
// (tests/clients/seed_client.js, axios). An Account exists beforehand so that the Node example's
// "link to account" branch runs. Each script checks its results itself and exits 0 on success.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api/api_test_util.hpp"

namespace crm::apitest {
namespace {

using testing::CommandResult;
using testing::RunCommand;
using testing::SourceDir;

class SeedClientsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = StartServerEnv().release();
    if (env_ == nullptr) return;
    const HttpResponse r = env_->Client(AuthMode::kApiKey)
                               .Post("/Account", json::object{{"name", "Seed Client Account"}});
    EXPECT_HTTP_STATUS(r, 200);
  }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(env_, nullptr); }

  static std::vector<std::string> ClientEnvironment() {
    return {"CRMD_URL=" + env_->server->base_url(), "CRMD_API_KEY=" + env_->api_user.api_key};
  }

  static ServerEnv* env_;
};
ServerEnv* SeedClientsTest::env_ = nullptr;

TEST_F(SeedClientsTest, PythonExampleRuns) {
  const CommandResult result = RunCommand(
      "/usr/bin/python3", {SourceDir() + "/tests/clients/seed_client.py"}, ClientEnvironment());
  EXPECT_EQ(result.exit_code, 0) << "stdout:\n" << result.out << "\nstderr:\n" << result.err;
  // The lead it created is there.
  const HttpResponse leads = env_->Client(AuthMode::kApiKey).Get("/Lead?maxSize=200");
  ASSERT_HTTP_STATUS(leads, 200);
  bool found = false;
  for (const auto& lead : AsArray(AsObject(leads.Json()).at("list"))) {
    found = found || StringAt(lead, "emailAddress") == "lead@example.com";
  }
  EXPECT_TRUE(found) << leads.body;
}

TEST_F(SeedClientsTest, NodeExampleRuns) {
  const std::string node = FindProgram("node");
  ASSERT_FALSE(node.empty()) << "node is not on PATH";
  const CommandResult result =
      RunCommand(node, {SourceDir() + "/tests/clients/seed_client.js"}, ClientEnvironment());
  EXPECT_EQ(result.exit_code, 0) << "stdout:\n" << result.out << "\nstderr:\n" << result.err;
}

}  // namespace
}  // namespace crm::apitest
