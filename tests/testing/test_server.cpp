#include "testing/test_server.hpp"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace crm::testing {
namespace {

std::vector<char*> Argv(const std::string& binary, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  return argv;
}

std::vector<std::string> Environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Reads everything from both pipes until both close.
void Drain(int out_fd, int err_fd, std::string& out, std::string& err) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  int open = 2;
  char buffer[4096];
  while (open > 0) {
    if (poll(fds, 2, -1) < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open;
      } else {
        (i == 0 ? out : err).append(buffer, static_cast<std::size_t>(n));
      }
    }
  }
}

}  // namespace

std::string CrmdBinary() {
  const char* path = std::getenv("CRMD_BINARY");
  return path != nullptr ? path : CRMD_DEFAULT_BINARY;
}

std::string SourceDir() {
  const char* path = std::getenv("CRMD_SOURCE_DIR");
  return path != nullptr ? path : CRMD_DEFAULT_SOURCE_DIR;
}

CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args,
                         const std::vector<std::string>& extra_env) {
  CommandResult result;
  int out_pipe[2];
  int err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) return result;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
  auto argv = Argv(binary, args);
  auto env_strings = Environment(extra_env);
  auto envp = Pointers(env_strings);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    result.err = std::string("spawn failed: ") + std::strerror(rc);
    return result;
  }
  Drain(out_pipe[0], err_pipe[0], result.out, result.err);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

namespace {

std::mutex database_urls_mu;
std::map<std::string, std::string> database_urls;  // data dir -> URL, for servers on PostgreSQL

}  // namespace

std::string DatabaseUrlOf(const std::string& data_dir) {
  std::lock_guard lock(database_urls_mu);
  const auto it = database_urls.find(data_dir);
  return it != database_urls.end() ? it->second : "";
}

std::unique_ptr<TestServer> TestServer::Start(const std::vector<std::string>& extra_args) {
  std::unique_ptr<TestServer> server(new TestServer());
  if (const char* backend = std::getenv("CRMD_TEST_BACKEND");
      backend != nullptr && std::string_view(backend) == "postgres") {
    if (PostgresTestUrl().empty()) {
      ADD_FAILURE() << "CRMD_TEST_BACKEND=postgres needs CRMD_TEST_POSTGRES_URL";
      return nullptr;
    }
    server->schema_ = std::make_unique<PostgresSchema>(PostgresTestUrl());
    server->database_url_ = server->schema_->url();
    std::lock_guard lock(database_urls_mu);
    database_urls[server->data_dir()] = server->database_url_;
  }
  server->serve_args_ = {"serve", "--listen", "127.0.0.1:0"};
  server->serve_args_.insert(server->serve_args_.end(), extra_args.begin(), extra_args.end());
  if (!server->Launch(server->serve_args_)) return nullptr;
  return server;
}

std::unique_ptr<TestServer> TestServer::StartOn(const std::string& database_url,
                                                const std::vector<std::string>& extra_args) {
  std::unique_ptr<TestServer> server(new TestServer());
  server->database_url_ = database_url;
  {
    std::lock_guard lock(database_urls_mu);
    database_urls[server->data_dir()] = server->database_url_;
  }
  server->serve_args_ = {"serve", "--listen", "127.0.0.1:0"};
  server->serve_args_.insert(server->serve_args_.end(), extra_args.begin(), extra_args.end());
  if (!server->Launch(server->serve_args_)) return nullptr;
  return server;
}

bool TestServer::Launch(const std::vector<std::string>& serve_args) {
  std::vector<std::string> args = serve_args;
  args.push_back("--data");
  args.push_back(data_dir());
  int out_pipe[2];
  if (pipe(out_pipe) != 0) return false;
  const std::string log_path = data_.File("server.log");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  const std::string binary = CrmdBinary();
  auto argv = Argv(binary, args);
  std::vector<std::string> extra_env = Env();
  extra_env.push_back(std::string("CRMD_ADMIN_PASSWORD=") + kAdminPassword);
  auto env_strings = Environment(extra_env);
  auto envp = Pointers(env_strings);
  const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    ADD_FAILURE() << "cannot start " << binary << ": " << std::strerror(rc);
    return false;
  }
  // Read the banner until the "Listening on" line; the server prints it once it accepts
  // connections.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::string output;
  bool listening = false;
  while (!listening) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd fd{out_pipe[0], POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(left.count())) <= 0) break;
    char buffer[1024];
    const ssize_t n = read(out_pipe[0], buffer, sizeof buffer);
    if (n <= 0) break;
    output.append(buffer, static_cast<std::size_t>(n));
    const auto at = output.find("Listening on http://127.0.0.1:");
    if (at != std::string::npos && output.find('\n', at) != std::string::npos) {
      port_ = std::atoi(output.c_str() + at + std::strlen("Listening on http://127.0.0.1:"));
      listening = true;
    }
  }
  close(out_pipe[0]);  // later output (curl hints) is not needed; the server ignores SIGPIPE
  banner_ += output;
  if (!listening) {
    ADD_FAILURE() << "crmd did not start; stdout:\n" << output << "\nsee " << log_path;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return false;
  }
  return true;
}

TestServer::~TestServer() {
  Stop();
  std::lock_guard lock(database_urls_mu);
  database_urls.erase(data_dir());
}

int TestServer::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void TestServer::KillAndRestart() {
  Kill();
  Restart();
}

void TestServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void TestServer::Restart() { ASSERT_TRUE(Launch(serve_args_)); }

CommandResult TestServer::Cli(std::vector<std::string> args) const {
  args.push_back("--data");
  args.push_back(data_dir());
  return RunCommand(CrmdBinary(), args, Env());
}

std::vector<std::string> TestServer::Env() const {
  if (database_url_.empty()) return {};
  return {"CRMD_DATABASE=" + database_url_};
}

ApiCredentials TestServer::CreateApiUser(const std::string& name, const std::string& auth) const {
  const CommandResult result = Cli({"api-user", "create", "--name", name, "--auth", auth});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  boost::system::error_code ec;
  const auto value = boost::json::parse(result.out, ec);
  ApiCredentials credentials;
  if (ec || !value.is_object()) {
    ADD_FAILURE() << "api-user create printed: " << result.out << result.err;
    return credentials;
  }
  const auto& o = value.get_object();
  const auto text = [&](const char* key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  credentials.user_id = text("id");
  credentials.user_name = text("userName");
  credentials.api_key = text("apiKey");
  credentials.secret_key = text("secretKey");
  return credentials;
}

}  // namespace crm::testing
