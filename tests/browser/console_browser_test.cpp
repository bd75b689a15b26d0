// The web console (console/, served at /): its pages carry the security headers, the start-up
// banner names it, and the browser scenarios (tests/browser/console_test.js: playwright-core
// driving Debian's chromium) pass against a live crmd with an admin and a regular user.
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_util.hpp"

namespace crm::apitest {
namespace {

using testing::CommandResult;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunCommand;
using testing::SourceDir;
using testing::TestServer;

constexpr char kRepUser[] = "rep";
constexpr char kRepPassword[] = "Rep-Test-Password-1";

TEST(ConsoleTest, PagesCarryTheSecurityHeaders) {
  const auto server = TestServer::Start();
  ASSERT_NE(server, nullptr);
  EXPECT_THAT(server->banner(), HasSubstr("Console: " + server->base_url() + "/\n"));
  HttpClient http(server->base_url());
  const HttpResponse page = http.Get("/");
  ASSERT_HTTP_STATUS(page, 200);
  EXPECT_EQ(page.Header("Content-Type"), "text/html; charset=utf-8");
  // The page is revalidated; what it loads is addressed by content hash and cached for good.
  EXPECT_EQ(page.Header("Cache-Control"), "no-cache");
  const std::string prefix = R"(src="/console.js?v=)";
  const std::size_t at = page.body.find(prefix);
  ASSERT_NE(at, std::string::npos) << page.body;
  const std::string script_path = "/console.js?v=" + page.body.substr(at + prefix.size(), 16);
  EXPECT_THAT(script_path, ::testing::MatchesRegex("/console.js\\?v=[0-9a-f]{16}"));
  const std::string policy = page.Header("Content-Security-Policy");
  EXPECT_THAT(policy, HasSubstr("default-src 'self'"));
  EXPECT_THAT(policy, HasSubstr("frame-ancestors 'none'"));
  EXPECT_THAT(policy, Not(HasSubstr("unsafe-inline")));
  EXPECT_EQ(page.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(page.Header("X-Frame-Options"), "DENY");
  const HttpResponse script = http.Get(script_path);
  ASSERT_HTTP_STATUS(script, 200);
  EXPECT_EQ(script.Header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(script.Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_THAT(script.Header("Content-Security-Policy"), Not(HasSubstr("unsafe-inline")));
  EXPECT_EQ(http.Get("/console.css").Header("Content-Type"), "text/css; charset=utf-8");
  // The API keeps its own root.
  EXPECT_THAT(http.Get("/api/v1/").body, HasSubstr("EspoCRM REST API"));
}

// docs/screenshots when `make screenshots` asks for them (CRMD_SCREENSHOT_DIR), so that a test
// run leaves the tree as it was; the system's temporary directory otherwise.
std::string ScreenshotDir() {
  if (const char* dir = std::getenv("CRMD_SCREENSHOT_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  const auto dir = std::filesystem::temp_directory_path() / "crmd-console-screenshots";
  std::filesystem::create_directories(dir);
  return dir.string();
}

TEST(ConsoleTest, BrowserScenariosPass) {
  const auto server = TestServer::Start({"--webhook-allowed-hosts", "127.0.0.1"});
  ASSERT_NE(server, nullptr);
  const CommandResult rep = server->Cli({"user", "create", "--username", kRepUser, "--password",
                                         kRepPassword, "--role", "Full access"});
  ASSERT_EQ(rep.exit_code, 0) << rep.err;
  const std::string node = FindProgram("node");
  ASSERT_FALSE(node.empty()) << "node is not on PATH";
  const std::string chromium = FindProgram("chromium");
  ASSERT_FALSE(chromium.empty()) << "chromium is not installed (scripts/install-deps.sh test)";
  const CommandResult result = RunCommand(
      node, {"--test", "--test-timeout=60000", SourceDir() + "/tests/browser/console_test.js"},
      {"CRMD_URL=" + server->base_url(),
       std::string("CRMD_ADMIN_PASSWORD=") + TestServer::kAdminPassword,
       std::string("CRMD_REP_USER=") + kRepUser, std::string("CRMD_REP_PASSWORD=") + kRepPassword,
       "CHROMIUM=" + chromium, "SCREENSHOT_DIR=" + ScreenshotDir(),
       "NODE_PATH=" + std::string(CRM_BROWSER_NODE_MODULES)});
  EXPECT_EQ(result.exit_code, 0) << "stdout:\n" << result.out << "\nstderr:\n" << result.err;
}

}  // namespace
}  // namespace crm::apitest
