#include "crm/auth/credential_epoch.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace crm::auth {
namespace {

// Eight-byte atomics are lock-free and address-free on the platforms crmd builds for, which is
// what makes them safe to share between processes.
static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free);

}  // namespace

Result<CredentialEpoch> CredentialEpoch::Open(const std::filesystem::path& file) {
  const auto failed = [&file](const char* what) {
    return Status::FailedPrecondition("credential epoch file " + file.string() + ": " + what +
                                      ": " + std::strerror(errno));
  };
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return failed("cannot open");
  // Extending to eight bytes leaves an existing counter as it is and a new file at zero.
  if (::ftruncate(fd, sizeof(std::uint64_t)) != 0) {
    ::close(fd);
    return failed("cannot size");
  }
  void* mapped = ::mmap(nullptr, sizeof(std::uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED) return failed("cannot map");
  return CredentialEpoch(static_cast<std::uint64_t*>(mapped));
}

CredentialEpoch::~CredentialEpoch() {
  if (counter_ != nullptr) ::munmap(counter_, sizeof(std::uint64_t));
}

std::uint64_t CredentialEpoch::Current() const {
  return std::atomic_ref<std::uint64_t>(*counter_).load(std::memory_order_acquire);
}

void CredentialEpoch::Advance() {
  std::atomic_ref<std::uint64_t>(*counter_).fetch_add(1, std::memory_order_acq_rel);
}

}  // namespace crm::auth
