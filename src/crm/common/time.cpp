#include "crm/common/time.hpp"

#include <sstream>

#include <date/date.h>

namespace crm {
namespace {

// True when `text` has the shape of `pattern`, in which '9' stands for any decimal digit. EspoCRM
// accepts only these exact shapes; date::parse alone would also take a sign, one-digit fields and
// extra spaces.
bool HasShape(std::string_view text, std::string_view pattern) {
  if (text.size() != pattern.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (pattern[i] == '9' ? !digit : text[i] != pattern[i]) return false;
  }
  return true;
}

// Parses `text` (already of the right shape) with `format`; date::parse checks the calendar date
// (leap years) and the ranges of hours, minutes and seconds.
template <typename TimePoint>
std::optional<TimePoint> Parse(std::string_view text, const char* format) {
  std::istringstream in{std::string(text)};
  TimePoint parsed;
  in >> date::parse(format, parsed);
  if (in.fail()) return std::nullopt;
  return parsed;
}

}  // namespace

const SystemClock& SystemClock::Instance() {
  static const SystemClock kInstance;
  return kInstance;
}

std::string FormatDateTime(Seconds t) { return date::format("%F %T", t); }

std::string FormatDateTime(TimePoint t) {
  return FormatDateTime(std::chrono::floor<std::chrono::seconds>(t));
}

std::string FormatDate(Days day) { return date::format("%F", day); }

std::string FormatDate(TimePoint t) { return FormatDate(std::chrono::floor<std::chrono::days>(t)); }

std::optional<Days> ParseDate(std::string_view text) {
  if (!HasShape(text, "9999-99-99")) return std::nullopt;
  return Parse<Days>(text, "%F");
}

std::optional<Seconds> ParseDateTime(std::string_view text) {
  if (HasShape(text, "9999-99-99 99:99:99")) return Parse<Seconds>(text, "%F %T");
  if (HasShape(text, "9999-99-99 99:99")) return Parse<Seconds>(text, "%F %R");
  return std::nullopt;
}

std::int64_t ToUnixMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint FromUnixMillis(std::int64_t millis) {
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(millis)));
}

}  // namespace crm
