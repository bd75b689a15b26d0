#include "crm/query/internal/calendar.hpp"

#include <cstdio>
#include <exception>

#include "crm/query/internal/where_ast.hpp"

namespace crm::query::internal {
namespace {

// Reads exactly `width` decimal digits at `pos`; -1 if any is not a digit.
int Digits(std::string_view text, std::size_t pos, std::size_t width) {
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

Result<Zone> Zone::Find(std::string_view name) {
  if (name == "UTC") return Zone(nullptr);
  try {
    // locate_zone throws std::runtime_error for an unknown name (and when no database is
    // installed); the exception stays inside this adapter.
    return Zone(date::locate_zone(name));
  } catch (const std::exception&) {
    return Status::InvalidArgument("Unknown time zone " + QuoteName(name) + ".");
  }
}

LocalDay Zone::Today(TimePoint now) const {
  const Instant seconds = date::floor<std::chrono::seconds>(now);
  if (zone_ == nullptr) return LocalDay(date::floor<date::days>(seconds).time_since_epoch());
  return date::floor<date::days>(zone_->to_local(seconds));
}

Instant Zone::StartOfDay(LocalDay day) const {
  if (zone_ == nullptr) return Instant(day.time_since_epoch());
  return zone_->to_sys(day, date::choose::earliest);
}

std::string FormatDay(LocalDay day) {
  const date::year_month_day ymd{day};
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buffer;
}

std::string FormatInstant(Instant instant) {
  const date::sys_days day = date::floor<date::days>(instant);
  const date::hh_mm_ss<std::chrono::seconds> time{instant - day};
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, " %02d:%02d:%02d", static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()));
  return FormatDay(LocalDay(day.time_since_epoch())) + buffer;
}

std::optional<LocalDay> ParseDay(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const int year = Digits(text, 0, 4);
  const int month = Digits(text, 5, 2);
  const int day = Digits(text, 8, 2);
  if (year < 0 || month < 0 || day < 0) return std::nullopt;
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  return LocalDay{ymd};
}

std::optional<std::string> NormalizeDateTime(std::string_view text) {
  if ((text.size() != 16 && text.size() != 19) || text[10] != ' ' || text[13] != ':')
    return std::nullopt;
  if (!ParseDay(text.substr(0, 10))) return std::nullopt;
  const int hour = Digits(text, 11, 2);
  const int minute = Digits(text, 14, 2);
  const int second =
      text.size() == 19 && text[16] == ':' ? Digits(text, 17, 2) : (text.size() == 16 ? 0 : -1);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
    return std::nullopt;
  std::string out(text);
  if (out.size() == 16) out += ":00";
  return out;
}

LocalDay FirstOfMonth(LocalDay day, int months) {
  const date::year_month_day ymd{day};
  const date::year_month month = date::year_month{ymd.year(), ymd.month()} + date::months{months};
  return LocalDay{month / date::day{1}};
}

}  // namespace crm::query::internal
