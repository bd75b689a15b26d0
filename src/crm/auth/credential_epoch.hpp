// CredentialEpoch: a counter shared by every crmd process on one data directory, which a command
// that invalidates credentials (crmd api-user rotate-key) advances after its change committed. The
// authenticator remembers API users found by key only while the counter stays the same, so a
// rotated key fails on the next request although another process changed it. The counter is eight
// bytes of a small file mapped shared into each process: reading it costs a memory load, where
// asking SQLite whether the database changed (PRAGMA data_version) starts a read transaction and
// cost as much as the lookup it would have saved (about 4.5 us).
//
// Thread-safety: Current and Advance may be called concurrently, from any process mapping the file.
#ifndef CRM_AUTH_CREDENTIAL_EPOCH_HPP_
#define CRM_AUTH_CREDENTIAL_EPOCH_HPP_

#include <cstdint>
#include <filesystem>

#include "crm/common/status.hpp"

namespace crm::auth {

class CredentialEpoch {
 public:
  // Maps `file`, creating it (mode 0600, counter 0) when missing. kFailedPrecondition when it
  // cannot be created or mapped.
  static Result<CredentialEpoch> Open(const std::filesystem::path& file);

  CredentialEpoch(CredentialEpoch&& other) noexcept : counter_(other.counter_) {
    other.counter_ = nullptr;
  }
  CredentialEpoch& operator=(CredentialEpoch&&) = delete;
  CredentialEpoch(const CredentialEpoch&) = delete;
  ~CredentialEpoch();

  std::uint64_t Current() const;
  void Advance();

 private:
  explicit CredentialEpoch(std::uint64_t* counter) : counter_(counter) {}
  std::uint64_t* counter_;
};

}  // namespace crm::auth

#endif  // CRM_AUTH_CREDENTIAL_EPOCH_HPP_
