// TestServer: runs the real `crmd` binary (path from the CRMD_BINARY environment variable, set by
// CTest) on a free loopback port with a fresh data directory (and, with CRMD_TEST_BACKEND=postgres,
// a fresh PostgreSQL schema), for API tests. Start() waits until
// the server reports its port; the destructor stops it with SIGTERM. Administrative commands (`crmd
// api-user create`, ...) run against the same data directory while it serves.
//
// Thread-safety: one owner; the HttpClients made from base_url() may run on other threads.
#ifndef CRM_TESTING_TEST_SERVER_HPP_
#define CRM_TESTING_TEST_SERVER_HPP_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "testing/postgres_schema.hpp"
#include "testing/temp_dir.hpp"
#include <sys/types.h>

namespace crm::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `binary args...` to completion and captures its output.
CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args,
                         const std::vector<std::string>& extra_env = {});

// The database_url() of the TestServer whose data directory is `data_dir` (empty: its SQLite file),
// for helpers that read a server's records given only its directory.
std::string DatabaseUrlOf(const std::string& data_dir);

// This process's environment ("NAME=value") followed by `extra`.
std::vector<std::string> EnvironmentWith(const std::vector<std::string>& extra);

// A child process with one output stream on a pipe that its starter reads.
struct PipedChild {
  pid_t pid = -1;    // -1: it did not start, and `error` says why
  int read_fd = -1;  // the pipe's read end; the starter closes it
  std::string error;
};

// Starts `binary args...` with exactly the environment `env`; its stream `piped_fd`
// (STDOUT_FILENO or STDERR_FILENO) goes to the pipe, the other one is appended to `other_path`.
PipedChild SpawnPiped(const std::string& binary, const std::vector<std::string>& args,
                      std::vector<std::string> env, int piped_fd, const std::string& other_path);

// Reads `fd` into `output` until it holds a whole "Listening on http://127.0.0.1:PORT" line, the
// banner of `crmd serve`, and returns PORT; 0 when the stream ends or the deadline passes first.
int ReadListeningPort(int fd, std::chrono::steady_clock::time_point deadline, std::string& output);

// Path of the crmd binary under test.
std::string CrmdBinary();
// The repository root (CRMD_SOURCE_DIR).
std::string SourceDir();

struct ApiCredentials {
  std::string user_id;
  std::string user_name;
  std::string api_key;
  std::string secret_key;  // empty for api-key users
};

class TestServer {
 public:
  static constexpr char kAdminPassword[] = "Admin-Test-Password-1";

  // Starts crmd on 127.0.0.1:0 with a new data dir (admin password kAdminPassword). `extra_args`
  // are appended to `crmd serve`. Fails the current test (and returns nullptr) if the server does
  // not come up.
  static std::unique_ptr<TestServer> Start(const std::vector<std::string>& extra_args = {});
  // The same on the PostgreSQL database at `database_url` (a PostgresSchema's url()), which other
  // servers may share: several crmd processes on one database. The caller keeps the schema.
  static std::unique_ptr<TestServer> StartOn(const std::string& database_url,
                                             const std::vector<std::string>& extra_args = {});
  ~TestServer();

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string data_dir() const { return data_.path().string(); }
  // Everything the server printed on stdout so far (start-up banner).
  const std::string& banner() const { return banner_; }

  // Where the server keeps its records: empty for the SQLite file in data_dir(), or the URL of the
  // PostgreSQL schema of its own it got when CRMD_TEST_BACKEND=postgres (the second run of the API
  // tests; the cluster is CRMD_TEST_POSTGRES_URL's).
  const std::string& database_url() const { return database_url_; }

  // `crmd <args> --data <data dir>` (on database_url() too).
  CommandResult Cli(std::vector<std::string> args) const;
  // Creates an API user through the CLI (auth "api-key" or "hmac").
  ApiCredentials CreateApiUser(const std::string& name, const std::string& auth = "api-key") const;

  // Stops the server with SIGKILL (no draining) and starts it again on the same data, on a new free
  // port: the old one may have been taken meanwhile by a test running in parallel. port() and
  // base_url() then name the new one; make clients from them after the restart.
  void KillAndRestart();
  // The two halves of KillAndRestart, for a test that looks at the data while no server runs.
  void Kill();
  void Restart();
  // Stops the server with SIGTERM and returns its exit status.
  int Stop();

 private:
  TestServer() = default;
  // Start and StartOn: a server on its own new data directory and, when database_url is set, that
  // database (schema, when given, is the PostgreSQL schema it owns and drops).
  static std::unique_ptr<TestServer> Serve(std::unique_ptr<PostgresSchema> schema,
                                           const std::string& database_url,
                                           const std::vector<std::string>& extra_args);
  bool Launch(const std::vector<std::string>& args);

  // Extra environment of every crmd run: CRMD_DATABASE on PostgreSQL.
  std::vector<std::string> Env() const;

  TempDir data_;
  std::unique_ptr<PostgresSchema> schema_;
  std::string database_url_;
  std::vector<std::string> serve_args_;  // `crmd serve ...` without --data
  pid_t pid_ = -1;
  int port_ = 0;
  std::string banner_;
};

}  // namespace crm::testing

#endif  // CRM_TESTING_TEST_SERVER_HPP_
