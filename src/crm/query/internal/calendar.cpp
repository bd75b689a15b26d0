#include "crm/query/internal/calendar.hpp"

#include <exception>

#include "crm/query/internal/where_ast.hpp"

namespace crm::query::internal {

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

std::string FormatDay(LocalDay day) { return FormatDate(Days(day.time_since_epoch())); }

std::optional<LocalDay> ParseDay(std::string_view text) {
  const auto day = ParseDate(text);
  if (!day) return std::nullopt;
  return LocalDay(date::days(day->time_since_epoch()));
}

LocalDay FirstOfMonth(LocalDay day, int months) {
  const date::year_month_day ymd{day};
  const date::year_month month = date::year_month{ymd.year(), ymd.month()} + date::months{months};
  return LocalDay{month / date::day{1}};
}

}  // namespace crm::query::internal
