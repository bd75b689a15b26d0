#include "crm/query/internal/where_dates.hpp"

#include <optional>
#include <utility>
#include <vector>

#include "crm/common/time.hpp"
#include "crm/query/internal/bound_nodes.hpp"
#include "crm/query/internal/calendar.hpp"

namespace crm::query::internal {
namespace {

namespace json = boost::json;
using metadata::ValueType;
using Kind = BoundNode::Kind;

// Longest span a day-count macro (lastXDays, ...) may cover: keeps every computed date in years
// 0-9999.
constexpr std::int64_t kMaxDays = 100000;

Result<std::int64_t> DayCount(const ParsedItem& item) {
  const auto number = IntegerOf(*item.values[0]);
  if (!number || *number < 0 || *number > kMaxDays) {
    return Invalid("Bad where item " + QuoteName(item.type_name) + ": a number of days from 0 to " +
                   std::to_string(kMaxDays) + " is expected.");
  }
  return *number;
}

Result<Zone> ItemZone(const ParsedItem& item, const FilterContext& context) {
  return Zone::Find(item.time_zone.empty() ? context.time_zone : std::string_view(item.time_zone));
}

// The period of a month/quarter/year macro: [first day, first day after), in the context's zone.
std::pair<LocalDay, LocalDay> Period(WhereType type, LocalDay today, int fiscal_year_shift) {
  const date::year_month_day ymd{today};
  const int month = static_cast<int>(static_cast<unsigned>(ymd.month())) - 1;  // 0-11
  const int shift = ((fiscal_year_shift % 12) + 12) % 12;
  const int quarter_start = month - month % 3;
  const int fiscal_month = ((month - shift) % 12 + 12) % 12;  // months since the fiscal year began
  const int fiscal_quarter_start = fiscal_month - fiscal_month % 3;
  int offset = 0;  // months from the current month to the period's first month
  int length = 1;  // months
  switch (type) {
    case WhereType::kLastMonth:
      offset = -1;
      break;
    case WhereType::kNextMonth:
      offset = 1;
      break;
    case WhereType::kCurrentQuarter:
      offset = quarter_start - month;
      length = 3;
      break;
    case WhereType::kLastQuarter:
      offset = quarter_start - month - 3;
      length = 3;
      break;
    case WhereType::kCurrentYear:
      offset = -month;
      length = 12;
      break;
    case WhereType::kLastYear:
      offset = -month - 12;
      length = 12;
      break;
    case WhereType::kCurrentFiscalYear:
      offset = -fiscal_month;
      length = 12;
      break;
    case WhereType::kLastFiscalYear:
      offset = -fiscal_month - 12;
      length = 12;
      break;
    case WhereType::kCurrentFiscalQuarter:
      offset = fiscal_quarter_start - fiscal_month;
      length = 3;
      break;
    case WhereType::kLastFiscalQuarter:
      offset = fiscal_quarter_start - fiscal_month - 3;
      length = 3;
      break;
    default:  // kCurrentMonth
      break;
  }
  return {FirstOfMonth(today, offset), FirstOfMonth(today, offset + length)};
}

// on, notOn, after, before, between with explicit values. On a date-time attribute a date value
// means the whole local day; a date-time value is compared as it is (UTC).
Result<BoundNode> BindDateValue(const ParsedItem& item, const std::string& expr, Category category,
                                ValueType type, const Zone& zone) {
  struct Bound {
    std::optional<LocalDay> day;  // the value was a date
    SqlValue value;               // coerced value (date or date-time text)
  };
  const auto bound = [&](const json::value* value) -> Result<Bound> {
    CRM_ASSIGN_OR_RETURN(SqlValue coerced, Coerce(*value, category, type, item.attribute));
    Bound out{std::nullopt, std::move(coerced)};
    if (const json::string* text = value->if_string(); text != nullptr) out.day = ParseDay(*text);
    return out;
  };
  const bool timed = category == Category::kDateTime;
  const date::days one{1};
  const auto at = [&](CompareOp op, LocalDay d) {
    return Compare(expr, op, FormatDateTime(zone.StartOfDay(d)));
  };
  CRM_ASSIGN_OR_RETURN(Bound first, bound(item.values[0]));
  std::vector<BoundNode> parts;
  switch (item.type) {
    case WhereType::kOn:
      if (!timed || !first.day) return Compare(expr, CompareOp::kEq, std::move(first.value));
      parts.push_back(at(CompareOp::kGe, *first.day));
      parts.push_back(at(CompareOp::kLt, *first.day + one));
      return Group(Kind::kAnd, std::move(parts));
    case WhereType::kNotOn:
      if (!timed || !first.day) return Compare(expr, CompareOp::kNe, std::move(first.value));
      parts.push_back(at(CompareOp::kLt, *first.day));
      parts.push_back(at(CompareOp::kGe, *first.day + one));
      return Group(Kind::kOr, std::move(parts));
    case WhereType::kAfter:
      if (!timed || !first.day) return Compare(expr, CompareOp::kGt, std::move(first.value));
      return at(CompareOp::kGe, *first.day + one);
    case WhereType::kBefore:
      if (!timed || !first.day) return Compare(expr, CompareOp::kLt, std::move(first.value));
      return at(CompareOp::kLt, *first.day);
    default: {  // kBetween, inclusive at both ends
      CRM_ASSIGN_OR_RETURN(Bound last, bound(item.values[1]));
      parts.push_back(timed && first.day ? at(CompareOp::kGe, *first.day)
                                         : Compare(expr, CompareOp::kGe, std::move(first.value)));
      parts.push_back(timed && last.day ? at(CompareOp::kLt, *last.day + one)
                                        : Compare(expr, CompareOp::kLe, std::move(last.value)));
      return Group(Kind::kAnd, std::move(parts));
    }
  }
}

}  // namespace

Result<BoundNode> BindDate(const ParsedItem& item, const std::string& expr, Category category,
                           ValueType type, const FilterContext& context) {
  const bool timed = category == Category::kDateTime;
  CRM_ASSIGN_OR_RETURN(const Zone zone, ItemZone(item, context));
  const auto day = [&](CompareOp op, LocalDay d) { return Compare(expr, op, FormatDay(d)); };
  const auto instant = [&](CompareOp op, Instant t) {
    return Compare(expr, op, FormatDateTime(t));
  };
  const auto start = [&](LocalDay d) { return zone.StartOfDay(d); };
  const auto both = [](BoundNode a, BoundNode b) {
    std::vector<BoundNode> children;
    children.push_back(std::move(a));
    children.push_back(std::move(b));
    return Group(Kind::kAnd, std::move(children));
  };
  const Instant now = date::floor<std::chrono::seconds>(context.now);
  const LocalDay today = zone.Today(context.now);
  const date::days one{1};

  switch (item.type) {
    case WhereType::kToday:
      if (!timed) return day(CompareOp::kEq, today);
      return both(instant(CompareOp::kGe, start(today)),
                  instant(CompareOp::kLt, start(today + one)));
    case WhereType::kPast:
      return timed ? instant(CompareOp::kLe, now) : day(CompareOp::kLt, today);
    case WhereType::kFuture:
      return timed ? instant(CompareOp::kGt, now) : day(CompareOp::kGt, today);
    case WhereType::kLastSevenDays:
    case WhereType::kLastXDays: {
      std::int64_t count = 7;
      if (item.type == WhereType::kLastXDays) {
        CRM_ASSIGN_OR_RETURN(count, DayCount(item));
      }
      const LocalDay first = today - date::days{count};
      if (!timed) return both(day(CompareOp::kGe, first), day(CompareOp::kLe, today));
      return both(instant(CompareOp::kGe, start(first)), instant(CompareOp::kLe, now));
    }
    case WhereType::kNextXDays: {
      CRM_ASSIGN_OR_RETURN(const std::int64_t count, DayCount(item));
      const LocalDay last = today + date::days{count};
      if (!timed) return both(day(CompareOp::kGe, today), day(CompareOp::kLe, last));
      return both(instant(CompareOp::kGe, now), instant(CompareOp::kLt, start(last + one)));
    }
    case WhereType::kOlderThanXDays: {
      CRM_ASSIGN_OR_RETURN(const std::int64_t count, DayCount(item));
      const LocalDay limit = today - date::days{count};
      return timed ? instant(CompareOp::kLt, start(limit)) : day(CompareOp::kLt, limit);
    }
    case WhereType::kAfterXDays: {
      CRM_ASSIGN_OR_RETURN(const std::int64_t count, DayCount(item));
      const LocalDay limit = today + date::days{count};
      return timed ? instant(CompareOp::kGe, start(limit)) : day(CompareOp::kGt, limit);
    }
    case WhereType::kOn:
    case WhereType::kNotOn:
    case WhereType::kAfter:
    case WhereType::kBefore:
    case WhereType::kBetween:
      return BindDateValue(item, expr, category, type, zone);
    default: {
      // Month, quarter and year periods always use the system (context) zone, as EspoCRM does.
      CRM_ASSIGN_OR_RETURN(const Zone system_zone, Zone::Find(context.time_zone));
      const auto [first, after] =
          Period(item.type, system_zone.Today(context.now), context.fiscal_year_shift);
      if (!timed) return both(day(CompareOp::kGe, first), day(CompareOp::kLt, after));
      return both(instant(CompareOp::kGe, system_zone.StartOfDay(first)),
                  instant(CompareOp::kLt, system_zone.StartOfDay(after)));
    }
  }
}

}  // namespace crm::query::internal
