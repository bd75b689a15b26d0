#include "crm/common/ids.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>

namespace crm {
namespace {

// Last microsecond handed out; ids strictly increase in their time part within this process.
std::atomic<std::int64_t> last_micros{0};

std::int64_t NextMicros() {
  const std::int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  std::int64_t last = last_micros.load(std::memory_order_relaxed);
  std::int64_t next = 0;
  do {
    next = now > last ? now : last + 1;
  } while (!last_micros.compare_exchange_weak(last, next, std::memory_order_relaxed));
  return next;
}

std::uint32_t RandomSuffix() {
  thread_local std::mt19937 engine{std::random_device{}()};
  return static_cast<std::uint32_t>(engine() & 0xffffU);
}

}  // namespace

std::string GenerateId() {
  const std::int64_t micros = NextMicros();
  const auto seconds = static_cast<unsigned long long>(micros / 1000000);
  const auto fraction = static_cast<unsigned long long>(micros % 1000000);
  char buffer[kIdLength + 1];
  std::snprintf(buffer, sizeof buffer, "%08llx%05llx%04x", seconds & 0xffffffffULL, fraction,
                static_cast<unsigned>(RandomSuffix()));
  return std::string(buffer, kIdLength);
}

bool IsWellFormedId(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace crm
