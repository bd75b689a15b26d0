// Local calendar days in an IANA time zone, for the date macros of where filters (today, lastXDays,
// currentMonth, ...): which local day an instant falls on, and the UTC instant at which a local day
// starts. Zones come from the system tz database through Howard Hinnant's date library (libdate-tz,
// which reads /usr/share/zoneinfo); "UTC" needs no database.
//
// Dates and instants here are days and seconds, never crm::TimePoint: a nanosecond time point only
// spans the years 1678-2261, and request values ("9999-12-31") and macro arithmetic go beyond that.
//
// Thread-safety: Zone is an immutable value; the date library loads its database once,
// thread-safely.
#ifndef CRM_QUERY_INTERNAL_CALENDAR_HPP_
#define CRM_QUERY_INTERNAL_CALENDAR_HPP_

#include <optional>
#include <string>
#include <string_view>

#include "crm/common/status.hpp"
#include "crm/common/time.hpp"

#include <date/tz.h>

namespace crm::query::internal {

using LocalDay = date::local_days;
using Instant = date::sys_seconds;

class Zone {
 public:
  // The zone called `name`; kInvalidArgument "Unknown time zone 'x'." when the database has none.
  static Result<Zone> Find(std::string_view name);

  // The local calendar day `now` falls on.
  LocalDay Today(TimePoint now) const;
  // The UTC instant of local midnight starting `day`; where a DST change skips midnight, the first
  // instant of the day that exists.
  Instant StartOfDay(LocalDay day) const;

 private:
  explicit Zone(const date::time_zone* zone) : zone_(zone) {}
  const date::time_zone* zone_ = nullptr;  // nullptr for UTC; owned by the date library's database
};

// A local day in the wire's "YYYY-MM-DD", and back (crm::FormatDate and crm::ParseDate, which
// take UTC days; an Instant is printed with crm::FormatDateTime).
std::string FormatDay(LocalDay day);
std::optional<LocalDay> ParseDay(std::string_view text);
// The first day of the month `months` months after the month of `day` (negative: before).
LocalDay FirstOfMonth(LocalDay day, int months);

}  // namespace crm::query::internal

#endif  // CRM_QUERY_INTERNAL_CALENDAR_HPP_
