// The crmd command line: --help exits 0, bad arguments exit 2 with a message on stderr, `version`,
// `api-user create` and `user create` print one JSON object, duplicate user names fail, `migrate`,
// the administrative commands working against the data directory of a running server (the new keys
// and passwords work at once), the start-up banner, `serve` itself (CRMD_LISTEN/CRMD_DATA, the
// random admin password of the first start and no new admin on the second, --threads,
// --no-access-log, --metadata adding an entity and a field, broken metadata refusing to start), and
// graceful SIGTERM and SIGINT exits with status 0.
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_util.hpp"
#include "testing/postgres_schema.hpp"
#include "testing/temp_dir.hpp"
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace crm::apitest {
namespace {

using testing::CommandResult;
using testing::CrmdBinary;
using testing::EnvironmentWith;
using testing::PipedChild;
using testing::ReadListeningPort;
using testing::RunCommand;
using testing::SpawnPiped;
using testing::TempDir;

CommandResult Crmd(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
  return RunCommand(CrmdBinary(), args, env);
}

// Runs crmd under timeout(1) so that a wrongly accepted `serve` cannot hang the suite: a server
// that started would be ended after 20 s and show up as exit code 124.
CommandResult CrmdBounded(const std::vector<std::string>& args) {
  static const std::string timeout = FindProgram("timeout");
  if (timeout.empty()) return Crmd(args);
  std::vector<std::string> all = {"20", CrmdBinary()};
  all.insert(all.end(), args.begin(), args.end());
  return RunCommand(timeout, all);
}

// The single JSON object a command printed on stdout.
json::object PrintedObject(const CommandResult& result) {
  std::string out = result.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  EXPECT_EQ(out.find('\n'), std::string::npos) << "more than one line: " << result.out;
  boost::system::error_code ec;
  const json::value value = json::parse(out, ec);
  if (ec || !value.is_object()) {
    ADD_FAILURE() << "stdout is not one JSON object: " << result.out << "\nstderr: " << result.err;
    return {};
  }
  return value.as_object();
}

std::vector<std::string> Keys(const json::object& o) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : o) keys.emplace_back(key);
  return keys;
}

TEST(CliTest, HelpExitsZero) {
  const CommandResult help = Crmd({"--help"});
  EXPECT_EQ(help.exit_code, 0) << help.err;
  for (const char* command : {"serve", "api-user", "user", "migrate", "version"}) {
    EXPECT_NE(help.out.find(command), std::string::npos) << command << " not in:\n" << help.out;
  }
  const CommandResult serve = Crmd({"serve", "--help"});
  EXPECT_EQ(serve.exit_code, 0) << serve.err;
  for (const char* option : {"--listen", "--data", "--threads", "--no-access-log", "--metadata"}) {
    EXPECT_NE(serve.out.find(option), std::string::npos) << option << " not in:\n" << serve.out;
  }
  const CommandResult api_user = Crmd({"api-user", "create", "--help"});
  EXPECT_EQ(api_user.exit_code, 0) << api_user.err;
  EXPECT_NE(api_user.out.find("--auth"), std::string::npos) << api_user.out;
  EXPECT_EQ(Crmd({"user", "create", "--help"}).exit_code, 0);
}

TEST(CliTest, NoArgumentsExitsTwo) {
  const CommandResult result = Crmd({});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_FALSE(result.err.empty());
}

TEST(CliTest, BadArgumentsExitTwoWithMessage) {
  TempDir data;
  const std::string dir = data.path().string();
  const std::vector<std::vector<std::string>> cases = {
      {"bogus"},
      {"--bogus"},
      {"serve", "--bogus", "--data", dir},
      {"serve", "--listen", "nonsense", "--data", dir},
      {"serve", "--listen", "127.0.0.1:99999", "--data", dir},
      {"serve", "--listen", "127.0.0.1:http", "--data", dir},
      {"serve", "--threads", "999", "--listen", "127.0.0.1:0", "--data", dir},
      {"serve", "--threads", "many", "--listen", "127.0.0.1:0", "--data", dir},
      {"serve", "--listen", "127.0.0.1:0", "--data", dir, "extra"},
      {"serve", "--mmap-mib", "-1", "--listen", "127.0.0.1:0", "--data", dir},
      {"serve", "--mmap-mib", "lots", "--listen", "127.0.0.1:0", "--data", dir},
      {"api-user"},
      {"api-user", "create", "--data", dir},
      {"api-user", "create", "--name", "x", "--auth", "password", "--data", dir},
      {"api-user", "delete", "--name", "x", "--data", dir},
      {"user", "create", "--username", "u", "--data", dir},
      {"user", "create", "--password", "p", "--data", dir},
      {"migrate", "--bogus"},
  };
  for (const auto& args : cases) {
    std::string line;
    for (const auto& a : args) line += a + " ";
    const CommandResult result = CrmdBounded(args);
    EXPECT_EQ(result.exit_code, 2)
        << line << "\nstdout: " << result.out << "\nstderr: " << result.err;
    EXPECT_FALSE(result.err.empty()) << line;
    EXPECT_EQ(result.out.find("Listening on"), std::string::npos) << line;
  }
}

TEST(CliTest, VersionPrintsTheVersion) {
  const CommandResult result = Crmd({"version"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, ::testing::MatchesRegex("crmd [0-9]+\\.[0-9]+\\.[0-9]+.*\n"));
}

TEST(CliTest, ApiUserCreatePrintsOneJsonObject) {
  TempDir data;
  const CommandResult result =
      Crmd({"api-user", "create", "--name", "my-app", "--data", data.path().string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json::object printed = PrintedObject(result);
  EXPECT_THAT(Keys(printed), ::testing::UnorderedElementsAre("id", "userName", "apiKey"));
  EXPECT_TRUE(IsRecordId(StringAt(printed, "id"))) << result.out;
  EXPECT_EQ(StringAt(printed, "userName"), "my-app");
  EXPECT_TRUE(IsLowerHex(StringAt(printed, "apiKey"), 32)) << result.out;
}

TEST(CliTest, HmacApiUserCreatePrintsSecretKey) {
  TempDir data;
  const CommandResult result = Crmd(
      {"api-user", "create", "--name", "signer", "--auth", "hmac", "--data", data.path().string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json::object printed = PrintedObject(result);
  EXPECT_THAT(Keys(printed),
              ::testing::UnorderedElementsAre("id", "userName", "apiKey", "secretKey"));
  EXPECT_TRUE(IsLowerHex(StringAt(printed, "apiKey"), 32)) << result.out;
  EXPECT_TRUE(IsLowerHex(StringAt(printed, "secretKey"), 32)) << result.out;
  EXPECT_NE(StringAt(printed, "apiKey"), StringAt(printed, "secretKey"));
  // An explicit --auth api-key gives a plain key user.
  const CommandResult plain = Crmd({"api-user", "create", "--name", "plain", "--auth", "api-key",
                                    "--data", data.path().string()});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_FALSE(PrintedObject(plain).contains("secretKey"));
  EXPECT_NE(StringAt(PrintedObject(plain), "apiKey"), StringAt(printed, "apiKey"));
}

TEST(CliTest, DataDirectoryFromEnvironment) {
  TempDir data;
  const CommandResult result =
      Crmd({"api-user", "create", "--name", "from-env"}, {"CRMD_DATA=" + data.path().string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(StringAt(PrintedObject(result), "userName"), "from-env");
  EXPECT_TRUE(std::filesystem::exists(data.path() / "crmd.db"));
}

TEST(CliTest, UserCreatePrintsIdAndUserName) {
  TempDir data;
  const CommandResult result = Crmd({"user", "create", "--username", "alice", "--password",
                                     "Alice-Password-1", "--data", data.path().string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json::object printed = PrintedObject(result);
  EXPECT_THAT(Keys(printed), ::testing::UnorderedElementsAre("id", "userName"));
  EXPECT_TRUE(IsRecordId(StringAt(printed, "id")));
  EXPECT_EQ(StringAt(printed, "userName"), "alice");
  EXPECT_EQ(result.out.find("Alice-Password-1"), std::string::npos);
}

TEST(CliTest, DuplicateUserNameFails) {
  TempDir data;
  const std::string dir = data.path().string();
  ASSERT_EQ(
      Crmd({"user", "create", "--username", "bob", "--password", "pw-1", "--data", dir}).exit_code,
      0);
  const CommandResult again =
      Crmd({"user", "create", "--username", "bob", "--password", "pw-2", "--data", dir});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_FALSE(again.err.empty());
  EXPECT_TRUE(again.out.empty()) << again.out;
  const CommandResult api = Crmd({"api-user", "create", "--name", "bob", "--data", dir});
  EXPECT_NE(api.exit_code, 0);
  EXPECT_FALSE(api.err.empty());
}

TEST(CliTest, MigrateExitsZero) {
  TempDir data;
  const std::string dir = data.path().string();
  const CommandResult first = Crmd({"migrate", "--data", dir});
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_TRUE(std::filesystem::exists(data.path() / "crmd.db"));
  const CommandResult second = Crmd({"migrate", "--data", dir});
  EXPECT_EQ(second.exit_code, 0) << second.err;
}

// --database (and CRMD_DATABASE) move the records to PostgreSQL for every command.
TEST(CliTest, DatabaseUrlPutsTheRecordsInPostgres) {
  if (crm::testing::PostgresTestUrl().empty()) {
    GTEST_SKIP() << "CRMD_TEST_POSTGRES_URL is not set (make test sets it)";
  }
  crm::testing::PostgresSchema schema(crm::testing::PostgresTestUrl());
  TempDir data;
  const std::string dir = data.path().string();
  const CommandResult created =
      Crmd({"user", "create", "--username", "carol", "--password", "Carol-Password-1", "--data",
            dir, "--database", schema.url()});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_FALSE(std::filesystem::exists(data.path() / "crmd.db"));
  // The environment names the same database: the user is there.
  const CommandResult again = Crmd(
      {"user", "create", "--username", "carol", "--password", "Carol-Password-2", "--data", dir},
      {"CRMD_DATABASE=" + schema.url()});
  EXPECT_NE(again.exit_code, 0);
  // Without either, the SQLite file of the data directory, where there is no carol yet.
  const CommandResult on_sqlite = Crmd(
      {"user", "create", "--username", "carol", "--password", "Carol-Password-3", "--data", dir});
  EXPECT_EQ(on_sqlite.exit_code, 0) << on_sqlite.err;
  EXPECT_TRUE(std::filesystem::exists(data.path() / "crmd.db"));
}

TEST(CliTest, DatabaseMustBeAPostgresUrl) {
  TempDir data;
  const CommandResult result =
      Crmd({"migrate", "--data", data.path().string(), "--database", "mysql://crm@db/crm"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.err, ::testing::HasSubstr("postgres://"));
}

// Administrative commands against a running server's data directory.
class CliServerTest : public SharedServerTest {
 protected:
  static HttpClient Http() { return HttpClient(env_->server->base_url() + kApiBase); }
};

TEST_F(CliServerTest, BannerShowsListeningUrlAndAdmin) {
  const std::string& banner = env_->server->banner();
  EXPECT_NE(banner.find("Listening on " + env_->server->base_url() + "/api/v1"), std::string::npos)
      << banner;
  EXPECT_NE(banner.find("username: admin"), std::string::npos) << banner;
  EXPECT_NE(banner.find(TestServer::kAdminPassword), std::string::npos) << banner;
  // The API-key hint names the binary as it was started, so it can be pasted as is.
  EXPECT_NE(banner.find("API key: " + CrmdBinary() + " api-user create --name my-app --data "),
            std::string::npos)
      << banner;
}

TEST_F(CliServerTest, ApiUserCreatedWhileServingWorksAtOnce) {
  const testing::ApiCredentials key_user = env_->server->CreateApiUser("hot-key");
  HttpClient http = Http();
  EXPECT_HTTP_STATUS(http.Get("/Contact", {{"X-Api-Key", key_user.api_key}}), 200);
  const HttpResponse created =
      http.Post("/Contact", json::object{{"firstName", "Hot"}, {"lastName", "Key"}},
                {{"X-Api-Key", key_user.api_key}});
  ASSERT_HTTP_STATUS(created, 200);
  EXPECT_EQ(StringAt(created.Json(), "createdById"), key_user.user_id);
  EXPECT_EQ(StringAt(created.Json(), "createdByName"), "hot-key");

  const testing::ApiCredentials hmac_user = env_->server->CreateApiUser("hot-hmac", "hmac");
  Credentials c;
  c.mode = AuthMode::kHmacEspoHex;
  c.api_key = hmac_user.api_key;
  c.secret_key = hmac_user.secret_key;
  EXPECT_HTTP_STATUS(http.Get("/Contact", AuthHeaders(c, "GET", "/Contact")), 200);
}

TEST_F(CliServerTest, UserCreatedWhileServingSignsInWithBasicAuth) {
  const CommandResult result =
      env_->server->Cli({"user", "create", "--username", "carol", "--password", "Carol-Password-1",
                         "--role", "Full access"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string user_id = StringAt(PrintedObject(result), "id");
  HttpClient http = Http();
  const Headers basic = {{"Authorization", BasicAuthorization("carol", "Carol-Password-1")}};
  const HttpResponse app_user = http.Get("/App/user", basic);
  ASSERT_HTTP_STATUS(app_user, 200);
  EXPECT_EQ(StringAt(AsObject(app_user.Json()).at("user"), "id"), user_id);
  EXPECT_EQ(StringAt(AsObject(app_user.Json()).at("user"), "type"), "regular");
  const HttpResponse created = http.Post("/Account", json::object{{"name", "Carol Co"}}, basic);
  ASSERT_HTTP_STATUS(created, 200);
  EXPECT_EQ(StringAt(created.Json(), "createdById"), user_id);
  // Not an admin.
  EXPECT_TRUE(
      IsApiError(http.Post("/User", json::object{{"userName", "z"}, {"lastName", "z"}}, basic), 403,
                 "No create access."));
  // The wrong password still fails.
  EXPECT_TRUE(IsApiError(
      http.Get("/Contact", {{"Authorization", BasicAuthorization("carol", "wrong")}}), 401));
  // Espo-Authorization with the password works too.
  EXPECT_HTTP_STATUS(
      http.Get("/Contact", {{"Espo-Authorization", Base64("carol:Carol-Password-1")}}), 200);
}

TEST_F(CliServerTest, AdminUserCreatedWhileServingIsAdmin) {
  const CommandResult result = env_->server->Cli(
      {"user", "create", "--username", "dave", "--password", "Dave-Password-1", "--admin"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  HttpClient http = Http();
  const Headers basic = {{"Authorization", BasicAuthorization("dave", "Dave-Password-1")}};
  const HttpResponse app_user = http.Get("/App/user", basic);
  ASSERT_HTTP_STATUS(app_user, 200);
  EXPECT_EQ(StringAt(AsObject(app_user.Json()).at("user"), "type"), "admin");
  EXPECT_HTTP_STATUS(
      http.Post("/User", json::object{{"userName", "made-by-dave"}, {"lastName", "D"}}, basic),
      200);
}

TEST_F(CliServerTest, MigrateWhileServing) {
  const CommandResult result = env_->server->Cli({"migrate"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_HTTP_STATUS(env_->Client(AuthMode::kApiKey).Get("/Contact"), 200);
}

// `crmd serve` run directly (TestServer always passes --listen and the admin password): reads
// stdout until the "Listening on" line, with a deadline because the process may never print it.
class ServeProcess {
 public:
  ServeProcess() = default;
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;
  ~ServeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // `env` replaces every CRMD_* variable of this process's environment.
  ::testing::AssertionResult Start(const std::vector<std::string>& args,
                                   const std::vector<std::string>& env,
                                   const std::string& stderr_path) {
    std::vector<std::string> argv = {"serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> env_strings;
    for (const std::string& entry : EnvironmentWith({})) {
      if (!std::string_view(entry).starts_with("CRMD_")) env_strings.push_back(entry);
    }
    env_strings.insert(env_strings.end(), env.begin(), env.end());
    const PipedChild child =
        SpawnPiped(CrmdBinary(), argv, std::move(env_strings), STDOUT_FILENO, stderr_path);
    if (child.pid < 0) return ::testing::AssertionFailure() << child.error;
    pid_ = child.pid;
    port_ = ReadListeningPort(child.read_fd,
                              std::chrono::steady_clock::now() + std::chrono::seconds(30), banner_);
    close(child.read_fd);
    if (port_ <= 0) return ::testing::AssertionFailure() << "no Listening line in:\n" << banner_;
    return ::testing::AssertionSuccess();
  }

  // Sends `sig` and returns the exit status.
  int Signal(int sig) {
    if (pid_ <= 0) return -1;
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  int port() const { return port_; }
  std::string api_url() const { return "http://127.0.0.1:" + std::to_string(port_) + kApiBase; }
  const std::string& banner() const { return banner_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string banner_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The password the first start printed ("  password: ...").
std::string PrintedPassword(const std::string& banner) {
  const std::string key = "password: ";
  const auto at = banner.find(key);
  if (at == std::string::npos) return {};
  const auto end = banner.find('\n', at);
  return banner.substr(at + key.size(), end - at - key.size());
}

TEST(ServeCommandTest, ListenFromEnvironmentAndRandomAdminPassword) {
  TempDir data;
  ServeProcess serve;
  ASSERT_TRUE(serve.Start({}, {"CRMD_LISTEN=127.0.0.1:0", "CRMD_DATA=" + data.path().string()},
                          data.File("stderr.log")));
  EXPECT_NE(serve.banner().find("username: admin"), std::string::npos) << serve.banner();
  const std::string password = PrintedPassword(serve.banner());
  ASSERT_GE(password.size(), 12U) << serve.banner();
  EXPECT_TRUE(std::filesystem::exists(data.path() / "crmd.db"));
  HttpClient http(serve.api_url());
  const HttpResponse user =
      http.Get("/App/user", {{"Authorization", BasicAuthorization("admin", password)}});
  ASSERT_HTTP_STATUS(user, 200);
  EXPECT_EQ(StringAt(AsObject(user.Json()).at("user"), "type"), "admin");
  EXPECT_TRUE(IsApiError(
      http.Get("/App/user", {{"Authorization", BasicAuthorization("admin", password + "x")}}),
      401));
  // SIGINT drains like SIGTERM.
  EXPECT_EQ(serve.Signal(SIGINT), 0);
}

TEST(ServeCommandTest, SecondStartKeepsTheAdminAndPrintsNoPassword) {
  TempDir data;
  const std::string dir = data.path().string();
  std::string password;
  {
    ServeProcess first;
    ASSERT_TRUE(first.Start({"--listen", "127.0.0.1:0", "--data", dir}, {}, data.File("1.log")));
    password = PrintedPassword(first.banner());
    ASSERT_FALSE(password.empty()) << first.banner();
    EXPECT_EQ(first.Signal(SIGTERM), 0);
  }
  ServeProcess second;
  ASSERT_TRUE(second.Start({"--listen", "127.0.0.1:0", "--data", dir},
                           {"CRMD_ADMIN_PASSWORD=ignored-now"}, data.File("2.log")));
  EXPECT_EQ(second.banner().find("password: "), std::string::npos) << second.banner();
  HttpClient http(second.api_url());
  EXPECT_HTTP_STATUS(
      http.Get("/Contact", {{"Authorization", BasicAuthorization("admin", password)}}), 200);
  EXPECT_TRUE(IsApiError(
      http.Get("/Contact", {{"Authorization", BasicAuthorization("admin", "ignored-now")}}), 401));
  EXPECT_EQ(second.Signal(SIGTERM), 0);
}

TEST(ServeCommandTest, AccessLogCanBeTurnedOff) {
  TempDir data;
  const std::string dir = data.path().string();
  for (const bool access_log : {true, false}) {
    std::vector<std::string> args = {"--listen", "127.0.0.1:0", "--data", dir, "--threads", "1"};
    if (!access_log) args.emplace_back("--no-access-log");
    const std::string log = data.File(access_log ? "with.log" : "without.log");
    ServeProcess serve;
    ASSERT_TRUE(serve.Start(args, {"CRMD_ADMIN_PASSWORD=Access-Log-1"}, log));
    HttpClient http(serve.api_url());
    EXPECT_TRUE(IsApiError(http.Get("/Contact?marker=access-log-probe"), 401));
    ASSERT_EQ(serve.Signal(SIGTERM), 0);
    EXPECT_EQ(ReadFile(log).find("access-log-probe") != std::string::npos, access_log)
        << ReadFile(log);
  }
}

TEST(ServeCommandTest, ServesWithTheDatabaseMemoryMapped) {
  TempDir data;
  ServeProcess serve;
  ASSERT_TRUE(serve.Start({"--listen", "127.0.0.1:0", "--data", data.path().string(), "--threads",
                           "1", "--mmap-mib", "64"},
                          {"CRMD_ADMIN_PASSWORD=Mapped-Admin-1"}, data.File("serve.log")))
      << ReadFile(data.File("serve.log"));
  HttpClient http(serve.api_url());
  const Headers admin = {{"Authorization", BasicAuthorization("admin", "Mapped-Admin-1")}};
  const HttpResponse created = http.Post("/Account", json::object{{"name", "Mapped"}}, admin);
  ASSERT_HTTP_STATUS(created, 200);
  const HttpResponse read = http.Get("/Account/" + StringAt(created.Json(), "id"), admin);
  ASSERT_HTTP_STATUS(read, 200);
  EXPECT_EQ(StringAt(read.Json(), "name"), "Mapped");
  ASSERT_EQ(serve.Signal(SIGTERM), 0);
}

TEST(ServeCommandTest, MetadataDirectoryAddsEntitiesAndFields) {
  TempDir data;
  TempDir metadata;
  std::filesystem::create_directories(metadata.path() / "entityDefs");
  {
    std::ofstream project(metadata.path() / "entityDefs" / "Project.json");
    project << R"({"fields": {
        "name": {"type": "varchar", "required": true, "maxLength": 100},
        "budget": {"type": "float", "min": 0},
        "phase": {"type": "enum", "options": ["Plan", "Build", "Run"], "default": "Plan"},
        "createdAt": {"type": "datetime", "readOnly": true},
        "modifiedAt": {"type": "datetime", "readOnly": true}},
      "links": {},
      "collection": {"orderBy": "createdAt", "order": "desc"}})";
    std::ofstream contact(metadata.path() / "entityDefs" / "Contact.json");
    contact << R"({"fields": {"nickname": {"type": "varchar", "maxLength": 30}}})";
  }
  ServeProcess serve;
  ASSERT_TRUE(serve.Start({"--listen", "127.0.0.1:0", "--data", data.path().string(), "--metadata",
                           metadata.path().string()},
                          {"CRMD_ADMIN_PASSWORD=Metadata-Pass-1"}, data.File("stderr.log")))
      << ReadFile(data.File("stderr.log"));
  HttpClient http(serve.api_url());
  const Headers admin = {{"Authorization", BasicAuthorization("admin", "Metadata-Pass-1")}};

  const HttpResponse project =
      http.Post("/Project", json::object{{"name", "Apollo"}, {"budget", 12.5}}, admin);
  ASSERT_HTTP_STATUS(project, 200);
  EXPECT_TRUE(IsRecordId(StringAt(project.Json(), "id")));
  EXPECT_EQ(StringAt(project.Json(), "phase"), "Plan");
  EXPECT_TRUE(IsDateTime(StringAt(project.Json(), "createdAt")));
  EXPECT_TRUE(IsValidationError(http.Post("/Project", json::object{{"budget", 1}}, admin),
                                "Project", "name", "required"));
  EXPECT_TRUE(IsValidationError(
      http.Post("/Project", json::object{{"name", "Bad"}, {"phase", "Dream"}}, admin), "Project",
      "phase"));
  const HttpResponse list = http.Get("/Project", admin);
  ASSERT_HTTP_STATUS(list, 200);
  EXPECT_EQ(AsObject(list.Json()).at("total"), json::value(1));
  const HttpResponse options =
      http.Get("/Metadata?key=entityDefs.Project.fields.phase.options", admin);
  ASSERT_HTTP_STATUS(options, 200);
  EXPECT_EQ(options.Json(), json::array({"Plan", "Build", "Run"}));

  // The override adds a field to Contact and keeps the shipped ones.
  const HttpResponse contact = http.Post(
      "/Contact", json::object{{"firstName", "Nick"}, {"lastName", "Named"}, {"nickname", "Nicky"}},
      admin);
  ASSERT_HTTP_STATUS(contact, 200);
  EXPECT_EQ(StringAt(contact.Json(), "nickname"), "Nicky");
  EXPECT_EQ(StringAt(contact.Json(), "name"), "Nick Named");
  EXPECT_TRUE(IsValidationError(
      http.Post("/Contact", json::object{{"lastName", "Long"}, {"nickname", std::string(31, 'n')}},
                admin),
      "Contact", "nickname", "maxLength"));
  EXPECT_EQ(serve.Signal(SIGTERM), 0);
}

TEST(ServeCommandTest, BadMetadataDirectoryFailsToStart) {
  TempDir data;
  TempDir metadata;
  std::filesystem::create_directories(metadata.path() / "entityDefs");
  {
    std::ofstream broken(metadata.path() / "entityDefs" / "Broken.json");
    broken << "{ not json";
  }
  const CommandResult result =
      CrmdBounded({"serve", "--listen", "127.0.0.1:0", "--data", data.path().string(), "--metadata",
                   metadata.path().string()});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.exit_code, 124) << "the server started with broken metadata";
  EXPECT_FALSE(result.err.empty());
  EXPECT_EQ(result.out.find("Listening on"), std::string::npos) << result.out;
  const CommandResult missing =
      CrmdBounded({"serve", "--listen", "127.0.0.1:0", "--data", data.path().string(), "--metadata",
                   (metadata.path() / "nope").string()});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.exit_code, 124) << "the server started without its metadata directory";
}

// The HTTP limits of `crmd serve` reach the server.
TEST(HttpLimitFlagsTest, ServeAppliesTheLimitFlags) {
  auto env =
      StartServerEnv({"--max-url-bytes", "256", "--max-headers", "20", "--max-body-bytes", "1000"});
  ASSERT_NE(env, nullptr);
  ApiClient api = env->Client(AuthMode::kApiKey);
  EXPECT_HTTP_STATUS(api.Get("/Contact?textFilter=" + std::string(100, 'a')), 200);
  EXPECT_TRUE(IsApiError(api.Get("/Contact?textFilter=" + std::string(300, 'a')), 414));
  Headers many;
  for (int i = 0; i < 20; ++i) many.emplace_back("X-Extra-" + std::to_string(i), "v");
  EXPECT_TRUE(IsApiError(api.Get("/Contact", many), 431));
  EXPECT_TRUE(
      IsApiError(api.Post("/Contact", json::object{{"lastName", std::string(2000, 'a')}}), 413));
}

TEST(HttpLimitFlagsTest, ServeRefusesABadLimit) {
  TempDir data;
  for (const std::vector<std::string>& flag :
       {std::vector<std::string>{"--header-timeout", "0"},
        std::vector<std::string>{"--max-body-bytes", "-5"},
        std::vector<std::string>{"--max-header-bytes", "10"}}) {
    std::vector<std::string> args = {"serve", "--listen", "127.0.0.1:0", "--data",
                                     data.path().string()};
    args.insert(args.end(), flag.begin(), flag.end());
    const CommandResult result = CrmdBounded(args);
    EXPECT_NE(result.exit_code, 0) << flag[0];
    EXPECT_NE(result.exit_code, 124) << flag[0] << ": the server started";
  }
}

TEST(GracefulShutdownTest, SigtermExitsZero) {
  auto server = TestServer::Start();
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->Stop(), 0);
}

TEST(GracefulShutdownTest, SigtermAfterTrafficWithOpenConnectionExitsZero) {
  auto env = StartServerEnv();
  ASSERT_NE(env, nullptr);
  // The client keeps its keep-alive connection open while the server drains.
  ApiClient api = env->Client(AuthMode::kApiKey);
  for (int i = 0; i < 5; ++i) {
    ASSERT_HTTP_STATUS(
        api.Post("/Task", json::object{{"name", "Before stop " + std::to_string(i)}}), 200);
  }
  EXPECT_EQ(env->server->Stop(), 0);
}

}  // namespace
}  // namespace crm::apitest
