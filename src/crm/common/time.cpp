#include "crm/common/time.hpp"

#include <cstdio>

namespace crm {
namespace {

using std::chrono::days;
using std::chrono::floor;
using std::chrono::hh_mm_ss;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::year_month_day;

// Reads exactly `width` decimal digits at `pos`; returns -1 if any is not a digit.
int Digits(std::string_view s, std::size_t pos, std::size_t width) {
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<sys_days> ParseCivilDate(std::string_view s) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  const int y = Digits(s, 0, 4);
  const int m = Digits(s, 5, 2);
  const int d = Digits(s, 8, 2);
  if (y < 0 || m < 0 || d < 0) return std::nullopt;
  const year_month_day ymd{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                           std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd};
}

}  // namespace

const SystemClock& SystemClock::Instance() {
  static const SystemClock kInstance;
  return kInstance;
}

std::string FormatDateTime(Seconds t) {
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u %02d:%02d:%02d",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buffer;
}

std::string FormatDateTime(TimePoint t) { return FormatDateTime(floor<seconds>(t)); }

std::string FormatDate(TimePoint t) { return FormatDateTime(t).substr(0, 10); }

std::optional<Days> ParseDate(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  return ParseCivilDate(text);
}

std::optional<Seconds> ParseDateTime(std::string_view text) {
  if (text.size() != 16 && text.size() != 19) return std::nullopt;
  const auto day = ParseCivilDate(text);
  if (!day || text[10] != ' ' || text[13] != ':') return std::nullopt;
  const int hour = Digits(text, 11, 2);
  const int minute = Digits(text, 14, 2);
  int second = 0;
  if (text.size() == 19) {
    if (text[16] != ':') return std::nullopt;
    second = Digits(text, 17, 2);
  }
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return std::nullopt;
  }
  return Seconds{*day} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
         std::chrono::seconds{second};
}

}  // namespace crm
