#include "crm/auth/password_verifier.hpp"

#include "crm/auth/crypto.hpp"

#include <sodium.h>

namespace crm::auth {
namespace {

Status Busy() {
  return Status::Unavailable("Too many password checks are waiting; try again shortly.");
}

}  // namespace

PasswordVerifier::PasswordVerifier(Options options) : PasswordVerifier(options, VerifyPassword) {}

PasswordVerifier::PasswordVerifier(Options options, CheckFn check)
    : options_(options), check_(std::move(check)) {
  const std::size_t count = options_.threads == 0 ? 1 : options_.threads;
  threads_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) threads_.emplace_back([this] { Run(); });
}

PasswordVerifier::~PasswordVerifier() { Stop(); }

void PasswordVerifier::Stop() {
  std::deque<Job> refused;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    refused.swap(queue_);
  }
  wake_.notify_all();
  for (Job& job : refused) job.done(Busy());
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void PasswordVerifier::Verify(std::string password, std::string hash, Done done) {
  {
    MutexLock lock(mu_);
    if (!stopping_ && queue_.size() < options_.queue_limit) {
      queue_.push_back(Job{std::move(password), std::move(hash), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  sodium_memzero(password.data(), password.size());
  done(Busy());
}

void PasswordVerifier::Run() {
  for (;;) {
    Job job;
    {
      MutexLock lock(mu_);
      while (queue_.empty() && !stopping_) mu_.Wait(wake_);
      if (queue_.empty()) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    const bool matches = check_(job.password, job.hash);
    // The password is not needed any more; do not leave it in freed memory.
    sodium_memzero(job.password.data(), job.password.size());
    job.done(matches);
  }
}

}  // namespace crm::auth
