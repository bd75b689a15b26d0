#include "testing/test_server.hpp"

#include <cerrno>
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

std::vector<std::string> EnvironmentWith(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

PipedChild SpawnPiped(const std::string& binary, const std::vector<std::string>& args,
                      std::vector<std::string> env, int piped_fd, const std::string& other_path) {
  PipedChild child;
  int fds[2];
  if (pipe(fds) != 0) {
    child.error = std::string("pipe failed: ") + std::strerror(errno);
    return child;
  }
  const int other_fd = piped_fd == STDOUT_FILENO ? STDERR_FILENO : STDOUT_FILENO;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], piped_fd);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addopen(&actions, other_fd, other_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  auto argv = Argv(binary, args);
  auto envp = Pointers(env);
  const int rc =
      posix_spawn(&child.pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    child.pid = -1;
    child.error = "cannot start " + binary + ": " + std::strerror(rc);
    return child;
  }
  child.read_fd = fds[0];
  return child;
}

int ReadListeningPort(int fd, std::chrono::steady_clock::time_point deadline, std::string& output) {
  static constexpr std::string_view kMarker = "Listening on http://127.0.0.1:";
  while (true) {
    const auto at = output.find(kMarker);
    if (at != std::string::npos && output.find('\n', at) != std::string::npos) {
      return std::atoi(output.c_str() + at + kMarker.size());
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return 0;
    pollfd poll_fd{fd, POLLIN, 0};
    if (poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) return 0;
    char buffer[1024];
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) return 0;
    output.append(buffer, static_cast<std::size_t>(n));
  }
}

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
  auto env_strings = EnvironmentWith(extra_env);
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
  if (const char* backend = std::getenv("CRMD_TEST_BACKEND");
      backend != nullptr && std::string_view(backend) == "postgres") {
    if (PostgresTestUrl().empty()) {
      ADD_FAILURE() << "CRMD_TEST_BACKEND=postgres needs CRMD_TEST_POSTGRES_URL";
      return nullptr;
    }
    auto schema = std::make_unique<PostgresSchema>(PostgresTestUrl());
    const std::string url = schema->url();
    return Serve(std::move(schema), url, extra_args);
  }
  return Serve(nullptr, "", extra_args);
}

std::unique_ptr<TestServer> TestServer::StartOn(const std::string& database_url,
                                                const std::vector<std::string>& extra_args) {
  return Serve(nullptr, database_url, extra_args);
}

std::unique_ptr<TestServer> TestServer::Serve(std::unique_ptr<PostgresSchema> schema,
                                              const std::string& database_url,
                                              const std::vector<std::string>& extra_args) {
  std::unique_ptr<TestServer> server(new TestServer());
  server->schema_ = std::move(schema);
  server->database_url_ = database_url;
  if (!database_url.empty()) {
    std::lock_guard lock(database_urls_mu);
    database_urls[server->data_dir()] = database_url;
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
  const std::string log_path = data_.File("server.log");
  std::vector<std::string> extra_env = Env();
  extra_env.push_back(std::string("CRMD_ADMIN_PASSWORD=") + kAdminPassword);
  const PipedChild child =
      SpawnPiped(CrmdBinary(), args, EnvironmentWith(extra_env), STDOUT_FILENO, log_path);
  if (child.pid < 0) {
    ADD_FAILURE() << child.error;
    return false;
  }
  pid_ = child.pid;
  // The server prints "Listening on" once it accepts connections.
  std::string output;
  port_ = ReadListeningPort(child.read_fd,
                            std::chrono::steady_clock::now() + std::chrono::seconds(30), output);
  const bool listening = port_ > 0;
  close(child.read_fd);  // later output (curl hints) is not needed; the server ignores SIGPIPE
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
