// Time in crmd: an injectable Clock, and the wire formats EspoCRM uses (always UTC):
// dates "YYYY-MM-DD" and date-times "YYYY-MM-DD HH:MM:SS", parsed and printed by Howard Hinnant's
// date library (its header-only part). Every layer that reads or writes these formats uses these
// functions.
//
// Thread-safety: SystemClock and the free functions are safe to use concurrently. FakeClock (tests)
// is safe too: its time is an atomic.
#ifndef CRM_COMMON_TIME_HPP_
#define CRM_COMMON_TIME_HPP_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crm {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  // A process-wide instance for production wiring.
  static const SystemClock& Instance();
};

// A clock that moves only when told to; for tests (no sleeps, no wall clock).
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_(start.time_since_epoch().count()) {}
  TimePoint Now() const override {
    return TimePoint(TimePoint::duration(now_.load(std::memory_order_relaxed)));
  }
  void Advance(std::chrono::nanoseconds by) {
    now_.fetch_add(std::chrono::duration_cast<TimePoint::duration>(by).count(),
                   std::memory_order_relaxed);
  }

 private:
  std::atomic<TimePoint::rep> now_;
};

// Dates and date-times from requests can lie far from now ("9999-12-31"), beyond the 292 years
// either side of 1970 a nanosecond TimePoint holds, so they are parsed to second and day precision.
using Seconds = std::chrono::sys_seconds;
using Days = std::chrono::sys_days;

// Unix milliseconds, as crmd's bookkeeping tables store times they compute with (webhook
// deliveries' schedule).
std::int64_t ToUnixMillis(TimePoint t);
TimePoint FromUnixMillis(std::int64_t millis);

// "2024-01-15 10:00:00" (UTC, seconds truncated).
std::string FormatDateTime(Seconds t);
std::string FormatDateTime(TimePoint t);
// "2024-01-15" (UTC).
std::string FormatDate(Days day);
std::string FormatDate(TimePoint t);

// Parses "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DD HH:MM" (seconds taken as 00) with a real calendar
// date and time; returns nullopt for anything else (ISO "T"/"Z" forms included, as EspoCRM does).
std::optional<Seconds> ParseDateTime(std::string_view text);
// Parses "YYYY-MM-DD" with a real calendar date (leap years checked).
std::optional<Days> ParseDate(std::string_view text);

}  // namespace crm

#endif  // CRM_COMMON_TIME_HPP_
