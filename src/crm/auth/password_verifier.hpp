// PasswordVerifier: checks passwords against argon2id hashes on its own few threads, so that the
// tens of milliseconds (and 64 MiB) each check costs by design never hold an HTTP thread. A request
// with a password waits for its check while the HTTP threads serve other requests (an API key,
// a token, a remembered login need no check at all).
//
// Concurrency is bounded twice: `threads` checks run at once, and at most `queue_limit` wait. A
// check that finds the queue full is refused at once with kUnavailable (503 with Retry-After, see
// docs/api.md) instead of waiting: a flood of wrong passwords then costs the server a bounded
// amount of CPU and memory and answers quickly, rather than queueing every request behind it.
//
// Thread-safety: Verify may be called concurrently from any thread. Stop (and the destructor, which
// calls it) refuses what still waits (kUnavailable), finishes the checks that run, and joins the
// threads; it runs on the owner's thread, not concurrently with itself.
#ifndef CRM_AUTH_PASSWORD_VERIFIER_HPP_
#define CRM_AUTH_PASSWORD_VERIFIER_HPP_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "crm/common/status.hpp"
#include "crm/common/thread_annotations.hpp"

namespace crm::auth {

class PasswordVerifier {
 public:
  struct Options {
    // Each check takes a core and 64 MiB while it runs; the server uses half its cores, so the
    // other half stays free for requests that need no check.
    std::size_t threads = 1;
    // About a second of waiting at ~70 ms a check on one thread, a little more than a burst of
    // first logins needs (successful logins are remembered, so a client pays once).
    std::size_t queue_limit = 16;
  };
  // The check itself; tests pass one that blocks until they release it.
  using CheckFn = std::function<bool(std::string_view password, const std::string& hash)>;
  using Done = std::function<void(Result<bool>)>;

  explicit PasswordVerifier(Options options);
  PasswordVerifier(Options options, CheckFn check);
  ~PasswordVerifier();
  PasswordVerifier(const PasswordVerifier&) = delete;
  PasswordVerifier& operator=(const PasswordVerifier&) = delete;

  // Checks `password` against `hash` on a verifier thread and calls `done` there with whether it
  // matches; calls `done` at once, on the calling thread, with kUnavailable when `queue_limit`
  // checks already wait or the verifier is shutting down.
  void Verify(std::string password, std::string hash, Done done);

  // Once it returns, no `done` runs or is held by a verifier thread any more (what a callback
  // captured, such as an HTTP session, is released), and Verify refuses at once. A server calls it
  // before it destroys what the callbacks deliver to.
  void Stop();

  const Options& options() const { return options_; }

 private:
  struct Job {
    std::string password;
    std::string hash;
    Done done;
  };
  void Run();

  const Options options_;
  const CheckFn check_;
  Mutex mu_;
  std::condition_variable wake_;
  std::deque<Job> queue_ CRM_GUARDED_BY(mu_);
  bool stopping_ CRM_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace crm::auth

#endif  // CRM_AUTH_PASSWORD_VERIFIER_HPP_
