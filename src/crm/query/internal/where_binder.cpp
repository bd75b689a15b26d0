#include "crm/query/internal/where_binder.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <unordered_set>

#include "crm/common/strings.hpp"
#include "crm/query/internal/calendar.hpp"
#include "crm/query/projection.hpp"

namespace crm::query::internal {
namespace {

namespace json = boost::json;
using metadata::AttributeDef;
using metadata::AttributeKind;
using metadata::EntityDef;
using metadata::FieldDef;
using metadata::FieldType;
using metadata::LinkDef;
using metadata::LinkType;
using metadata::ValueType;
using Kind = BoundNode::Kind;

// Longest span a day-count macro (lastXDays, ...) may cover: keeps every computed date in years
// 0-9999.
constexpr std::int64_t kMaxDays = 100000;
// Characters a text-filter term needs before text fields are searched with contains (EspoCRM's
// textFilterContainsMinLength).
constexpr std::size_t kContainsMinLength = 4;

// How an attribute's values behave in a filter.
enum class Category { kText, kNumber, kBool, kDate, kDateTime, kArray, kOther };

Status Invalid(std::string message) { return Status::InvalidArgument(std::move(message)); }

// --- BoundNode builders ---

BoundNode Constant(bool value) {
  BoundNode node;
  node.kind = value ? Kind::kTrue : Kind::kFalse;
  return node;
}

BoundNode Group(Kind kind, std::vector<BoundNode> children) {
  BoundNode node;
  node.kind = kind;
  node.children = std::move(children);
  return node;
}

BoundNode Compare(const std::string& expr, CompareOp op, SqlValue value) {
  BoundNode node;
  node.kind = Kind::kCompare;
  node.expr = expr;
  node.op = op;
  node.values.push_back(std::move(value));
  return node;
}

BoundNode In(const std::string& expr, std::vector<SqlValue> values, bool negated) {
  if (values.empty()) return Constant(negated);
  BoundNode node;
  node.kind = Kind::kIn;
  node.expr = expr;
  node.values = std::move(values);
  node.negated = negated;
  return node;
}

BoundNode Like(const std::string& expr, std::string pattern, bool negated) {
  BoundNode node;
  node.kind = Kind::kLike;
  node.expr = expr;
  node.values.emplace_back(std::move(pattern));
  node.negated = negated;
  return node;
}

BoundNode IsNull(const std::string& expr, bool negated) {
  BoundNode node;
  node.kind = Kind::kIsNull;
  node.expr = expr;
  node.negated = negated;
  return node;
}

BoundNode Raw(std::string sql, std::vector<SqlValue> params) {
  BoundNode node;
  node.kind = Kind::kRaw;
  node.sql = std::move(sql);
  node.params = std::move(params);
  return node;
}

// [NOT] EXISTS over the lookup rows of the filtered record in `table`; `inner` tests the row alias
// `e`.
BoundNode LookupExists(std::string_view table, const EntityDef& entity, BoundNode inner,
                       bool negated) {
  BoundNode node;
  node.kind = Kind::kExists;
  node.sql = QuoteIdentifier(table) +
             " e WHERE e.\"entity_type\" = ? AND e.\"entity_id\" = " + Column(kMainAlias, "id");
  node.params.emplace_back(entity.name);
  node.children.push_back(std::move(inner));
  node.negated = negated;
  return node;
}

// Appends `value` unless it is already there: list filters compare sets (arrayAllOf and
// linkedWithAll count what they find), so a repeated value would change their meaning.
void AppendUnique(std::string value, std::unordered_set<std::string>& seen,
                  std::vector<SqlValue>& values) {
  if (seen.insert(value).second) values.emplace_back(std::move(value));
}

std::string Placeholders(std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

// --- LIKE patterns ---

// Escapes the LIKE wildcards (and the escape character itself) of a literal.
std::string EscapeLike(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  for (const char c : text) {
    if (c == '\\' || c == '%' || c == '_') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// A user LIKE pattern: `%` and `_` stay wildcards and `\` escapes the next character, as in MySQL.
// A trailing lone backslash is made literal, since PostgreSQL rejects a pattern that ends in the
// escape.
std::string UserLikePattern(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 1);
  for (std::size_t i = 0; i < text.size(); ++i) {
    out.push_back(text[i]);
    if (text[i] == '\\') {
      if (i + 1 < text.size()) {
        out.push_back(text[++i]);
      } else {
        out.push_back('\\');
      }
    }
  }
  return out;
}

std::size_t CodePoints(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// --- Value coercion ---

std::string NumberText(const json::value& value) {
  if (value.is_int64()) return std::to_string(value.get_int64());
  if (value.is_uint64()) return std::to_string(value.get_uint64());
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value.get_double());
  return std::string(buffer, result.ptr);
}

std::optional<std::int64_t> IntegerOf(const json::value& value) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64()) {
    if (value.get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(value.get_uint64());
  }
  if (value.is_double()) {
    const double d = value.get_double();
    // Only exact integers well inside the int64 range.
    if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e18) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  if (const json::string* text = value.if_string()) {
    std::int64_t number = 0;
    const char* end = text->data() + text->size();
    const auto result = std::from_chars(text->data(), end, number);
    if (text->empty() || result.ec != std::errc() || result.ptr != end) return std::nullopt;
    return number;
  }
  return std::nullopt;
}

std::optional<double> FloatOf(const json::value& value) {
  if (value.is_number()) return value.to_number<double>();
  if (const json::string* text = value.if_string()) {
    double number = 0;
    const char* end = text->data() + text->size();
    const auto result = std::from_chars(text->data(), end, number);
    if (text->empty() || result.ec != std::errc() || result.ptr != end || !std::isfinite(number)) {
      return std::nullopt;
    }
    return number;
  }
  return std::nullopt;
}

std::optional<bool> BoolOf(const json::value& value) {
  if (value.is_bool()) return value.get_bool();
  if (value.is_int64() && (value.get_int64() == 0 || value.get_int64() == 1)) {
    return value.get_int64() == 1;
  }
  if (const json::string* text = value.if_string()) {
    if (*text == "true" || *text == "1") return true;
    if (*text == "false" || *text == "0") return false;
  }
  return std::nullopt;
}

std::optional<std::string> TextOf(const json::value& value) {
  if (const json::string* text = value.if_string()) return std::string(*text);
  if (value.is_number()) return NumberText(value);
  return std::nullopt;
}

Status BadValue(std::string_view attribute, std::string_view expected) {
  return Invalid("Bad value for attribute " + QuoteName(attribute) +
                 " in where: " + std::string(expected) + " is expected.");
}

// A date-time value: "YYYY-MM-DD HH:MM[:SS]" (normalised to seconds), or a date taken as its
// midnight.
std::optional<std::string> DateTimeText(const json::value& value) {
  const json::string* text = value.if_string();
  if (text == nullptr) return std::nullopt;
  if (const auto t = ParseDateTime(*text)) return FormatDateTime(*t);
  if (ParseDate(*text)) return std::string(*text) + " 00:00:00";
  return std::nullopt;
}

Result<SqlValue> Coerce(const json::value& value, Category category, ValueType type,
                        std::string_view attribute) {
  switch (category) {
    case Category::kNumber:
      if (type == ValueType::kInt) {
        const auto number = IntegerOf(value);
        if (!number) return BadValue(attribute, "an integer");
        return SqlValue(*number);
      } else {
        const auto number = FloatOf(value);
        if (!number) return BadValue(attribute, "a number");
        return SqlValue(*number);
      }
    case Category::kBool: {
      const auto flag = BoolOf(value);
      if (!flag) return BadValue(attribute, "true or false");
      return SqlValue(std::int64_t{*flag ? 1 : 0});
    }
    case Category::kDate: {
      const json::string* text = value.if_string();
      if (text == nullptr || !ParseDate(*text)) return BadValue(attribute, "a date (YYYY-MM-DD)");
      return SqlValue(std::string(*text));
    }
    case Category::kDateTime: {
      auto text = DateTimeText(value);
      if (!text) return BadValue(attribute, "a date-time (YYYY-MM-DD HH:MM:SS)");
      return SqlValue(std::move(*text));
    }
    case Category::kText:
    case Category::kArray:
    case Category::kOther: {
      auto text = TextOf(value);
      if (!text) return BadValue(attribute, "a string");
      return SqlValue(std::move(*text));
    }
  }
  return BadValue(attribute, "a value");
}

// --- Which item types suit which attributes ---

bool IsDateMacro(WhereType type) {
  return type >= WhereType::kToday && type <= WhereType::kLastFiscalQuarter;
}

bool IsLinkType(WhereType type) {
  return type >= WhereType::kLinkedWith && type <= WhereType::kIsNotLinked;
}

bool Suits(WhereType type, Category category) {
  const bool text = category == Category::kText;
  const bool number = category == Category::kNumber;
  const bool date = category == Category::kDate || category == Category::kDateTime;
  switch (type) {
    case WhereType::kIsNull:
    case WhereType::kIsNotNull:
    case WhereType::kEver:
    case WhereType::kAny:
    case WhereType::kNone:
      return true;
    case WhereType::kEquals:
    case WhereType::kNotEquals:
    case WhereType::kIn:
    case WhereType::kNotIn:
      return text || number || date || category == Category::kBool;
    case WhereType::kLike:
    case WhereType::kNotLike:
    case WhereType::kContains:
    case WhereType::kNotContains:
    case WhereType::kStartsWith:
    case WhereType::kEndsWith:
      return text;
    case WhereType::kIsTrue:
    case WhereType::kIsFalse:
      return category == Category::kBool;
    case WhereType::kGreaterThan:
    case WhereType::kLessThan:
    case WhereType::kGreaterThanOrEquals:
    case WhereType::kLessThanOrEquals:
      return text || number || date;
    case WhereType::kBetween:
      return number || date;
    case WhereType::kArrayAnyOf:
    case WhereType::kArrayNoneOf:
    case WhereType::kArrayAllOf:
    case WhereType::kArrayIsEmpty:
    case WhereType::kArrayIsNotEmpty:
      return category == Category::kArray;
    case WhereType::kAfter:
    case WhereType::kBefore:
    case WhereType::kOn:
    case WhereType::kNotOn:
      return date;
    default:
      return IsDateMacro(type) && date;
  }
}

Category CategoryOf(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return Category::kText;
    case ValueType::kInt:
    case ValueType::kFloat:
      return Category::kNumber;
    case ValueType::kBool:
      return Category::kBool;
    case ValueType::kDate:
      return Category::kDate;
    case ValueType::kDateTime:
      return Category::kDateTime;
    case ValueType::kStringArray:
      return Category::kArray;
    case ValueType::kJson:
    case ValueType::kIdArray:
    case ValueType::kObject:
      return Category::kOther;
  }
  return Category::kOther;
}

// The operator of greaterThan, lessThan, greaterThanOrEquals and lessThanOrEquals.
CompareOp CompareOpOf(WhereType type) {
  switch (type) {
    case WhereType::kGreaterThan:
      return CompareOp::kGt;
    case WhereType::kLessThan:
      return CompareOp::kLt;
    case WhereType::kGreaterThanOrEquals:
      return CompareOp::kGe;
    default:
      return CompareOp::kLe;
  }
}

// --- Attribute targets ---

// What a where item's attribute resolves to.
struct Target {
  std::string expr;  // SQL over kMainAlias
  ValueType type = ValueType::kString;
  // The filtered entity's main email attribute: string matches test every address of the record.
  bool email = false;
  // datetimeOptional: the {field}Date column holding all-day values (empty otherwise).
  std::string all_day_expr;
};

bool Visible(const AttributeDef& attribute, const FilterContext& context) {
  return !attribute.internal && (context.allow_sensitive || !attribute.sensitive);
}

class Binder {
 public:
  explicit Binder(const FilterContext& context) : context_(context), entity_(context.entity) {}

  Result<BoundNode> BindItems(const std::vector<ParsedItem>& items, Kind kind) {
    std::vector<BoundNode> children;
    children.reserve(items.size());
    for (const ParsedItem& item : items) {
      CRM_ASSIGN_OR_RETURN(BoundNode child, BindItem(item));
      children.push_back(std::move(child));
    }
    return Group(kind, std::move(children));
  }

 private:
  Result<BoundNode> BindItem(const ParsedItem& item) {
    switch (item.type) {
      case WhereType::kAnd:
        return BindItems(item.children, Kind::kAnd);
      case WhereType::kOr:
        return BindItems(item.children, Kind::kOr);
      default:
        break;
    }
    if (IsLinkType(item.type)) return BindLink(item);
    CRM_ASSIGN_OR_RETURN(const Target target, Resolve(item.attribute));
    ValueType type = target.type;
    // dateTime/date tell what a string-typed attribute (a foreign field, say) holds.
    if (type == ValueType::kString && item.date_time) {
      type = ValueType::kDateTime;
    } else if (type == ValueType::kString && item.date) {
      type = ValueType::kDate;
    }
    const Category category = CategoryOf(type);
    if (!Suits(item.type, category)) {
      return Invalid("Where item type " + QuoteName(item.type_name) +
                     " does not apply to attribute " + QuoteName(item.attribute) + ".");
    }
    if (!item.time_zone.empty()) {
      // Checked even where the zone is not used (month macros), so that a typo is never ignored.
      CRM_RETURN_IF_ERROR(Zone::Find(item.time_zone).status());
    }
    if (category == Category::kDate || category == Category::kDateTime) {
      if (IsDateMacro(item.type) || item.type == WhereType::kAfter ||
          item.type == WhereType::kBefore || item.type == WhereType::kOn ||
          item.type == WhereType::kNotOn || item.type == WhereType::kBetween) {
        if (!target.all_day_expr.empty()) {
          // datetimeOptional: all-day values live in the {field}Date column as dates.
          CRM_ASSIGN_OR_RETURN(BoundNode on_date, BindDate(item, target.all_day_expr,
                                                           Category::kDate, ValueType::kDate));
          CRM_ASSIGN_OR_RETURN(
              BoundNode on_date_time,
              BindDate(item, target.expr, Category::kDateTime, ValueType::kDateTime));
          std::vector<BoundNode> all_day;
          all_day.push_back(IsNull(target.all_day_expr, true));
          all_day.push_back(std::move(on_date));
          std::vector<BoundNode> timed;
          timed.push_back(IsNull(target.all_day_expr, false));
          timed.push_back(std::move(on_date_time));
          std::vector<BoundNode> either;
          either.push_back(Group(Kind::kAnd, std::move(all_day)));
          either.push_back(Group(Kind::kAnd, std::move(timed)));
          return Group(Kind::kOr, std::move(either));
        }
        return BindDate(item, target.expr, category, type);
      }
    }
    return BindPlain(item, target, category, type);
  }

  // Every type but the link and date-range ones.
  Result<BoundNode> BindPlain(const ParsedItem& item, const Target& target, Category category,
                              ValueType type) {
    const std::string& expr = target.expr;
    const auto coerce = [&](const json::value* value) {
      return Coerce(*value, category, type, item.attribute);
    };
    // Email string matches run against the lower-cased lookup rows of every address of the record.
    const bool email = target.email && category == Category::kText;
    const std::string lookup_expr = "e.\"lower\"";
    const auto lower = [](SqlValue value) {
      if (auto* text = std::get_if<std::string>(&value)) *text = ToLowerAscii(*text);
      return value;
    };

    switch (item.type) {
      case WhereType::kEquals:
      case WhereType::kNotEquals: {
        const bool negated = item.type == WhereType::kNotEquals;
        if (item.values.empty()) return IsNull(expr, negated);
        CRM_ASSIGN_OR_RETURN(SqlValue value, coerce(item.values[0]));
        if (email) {
          return LookupExists(kEmailLookupTable, entity_,
                              Compare(lookup_expr, CompareOp::kEq, lower(std::move(value))),
                              negated);
        }
        return Compare(expr, negated ? CompareOp::kNe : CompareOp::kEq, std::move(value));
      }
      case WhereType::kIn:
      case WhereType::kNotIn: {
        const bool negated = item.type == WhereType::kNotIn;
        std::vector<SqlValue> values;
        values.reserve(item.values.size());
        for (const json::value* value : item.values) {
          CRM_ASSIGN_OR_RETURN(SqlValue coerced, coerce(value));
          values.push_back(email ? lower(std::move(coerced)) : std::move(coerced));
        }
        if (email && !values.empty()) {
          return LookupExists(kEmailLookupTable, entity_, In(lookup_expr, std::move(values), false),
                              negated);
        }
        return In(expr, std::move(values), negated);
      }
      case WhereType::kLike:
      case WhereType::kNotLike:
      case WhereType::kContains:
      case WhereType::kNotContains:
      case WhereType::kStartsWith:
      case WhereType::kEndsWith: {
        CRM_ASSIGN_OR_RETURN(SqlValue value, coerce(item.values[0]));
        const std::string& text = std::get<std::string>(value);
        std::string pattern;
        switch (item.type) {
          case WhereType::kLike:
          case WhereType::kNotLike:
            pattern = UserLikePattern(text);
            break;
          case WhereType::kStartsWith:
            pattern = EscapeLike(text) + "%";
            break;
          case WhereType::kEndsWith:
            pattern = "%" + EscapeLike(text);
            break;
          default:
            pattern = "%" + EscapeLike(text) + "%";
            break;
        }
        const bool negated =
            item.type == WhereType::kNotLike || item.type == WhereType::kNotContains;
        if (email) {
          return LookupExists(kEmailLookupTable, entity_,
                              Like(lookup_expr, ToLowerAscii(pattern), false), negated);
        }
        return Like(expr, std::move(pattern), negated);
      }
      case WhereType::kIsNull:
        return IsNull(expr, false);
      case WhereType::kIsNotNull:
      case WhereType::kEver:
        return IsNull(expr, true);
      case WhereType::kAny:
        return Constant(true);
      case WhereType::kNone:
        return Constant(false);
      case WhereType::kIsTrue:
        return Compare(expr, CompareOp::kEq, SqlValue(std::int64_t{1}));
      case WhereType::kIsFalse:
        return Compare(expr, CompareOp::kEq, SqlValue(std::int64_t{0}));
      case WhereType::kGreaterThan:
      case WhereType::kLessThan:
      case WhereType::kGreaterThanOrEquals:
      case WhereType::kLessThanOrEquals: {
        CRM_ASSIGN_OR_RETURN(SqlValue value, coerce(item.values[0]));
        return Compare(expr, CompareOpOf(item.type), std::move(value));
      }
      case WhereType::kBetween: {
        CRM_ASSIGN_OR_RETURN(SqlValue from, coerce(item.values[0]));
        CRM_ASSIGN_OR_RETURN(SqlValue to, coerce(item.values[1]));
        std::vector<BoundNode> range;
        range.push_back(Compare(expr, CompareOp::kGe, std::move(from)));
        range.push_back(Compare(expr, CompareOp::kLe, std::move(to)));
        return Group(Kind::kAnd, std::move(range));
      }
      case WhereType::kArrayAnyOf:
      case WhereType::kArrayNoneOf:
      case WhereType::kArrayAllOf: {
        std::vector<SqlValue> values;
        std::unordered_set<std::string> seen;
        for (const json::value* value : item.values) {
          CRM_ASSIGN_OR_RETURN(SqlValue coerced, coerce(value));
          AppendUnique(std::get<std::string>(std::move(coerced)), seen, values);
        }
        const ArrayMode mode = item.type == WhereType::kArrayAnyOf    ? ArrayMode::kAnyOf
                               : item.type == WhereType::kArrayNoneOf ? ArrayMode::kNoneOf
                                                                      : ArrayMode::kAllOf;
        // Nothing to have: "any of none" never holds; "none of none" and "all of none" always do.
        if (values.empty()) return Constant(mode != ArrayMode::kAnyOf);
        BoundNode node;
        node.kind = Kind::kArray;
        node.expr = expr;
        node.array_mode = mode;
        node.values = std::move(values);
        return node;
      }
      case WhereType::kArrayIsEmpty:
      case WhereType::kArrayIsNotEmpty: {
        BoundNode node;
        node.kind = Kind::kArrayEmpty;
        node.expr = expr;
        node.negated = item.type == WhereType::kArrayIsNotEmpty;
        return node;
      }
      default:
        break;
    }
    // Suits() admitted no other type for a non-date category.
    return Invalid("Where item type " + QuoteName(item.type_name) +
                   " does not apply to attribute " + QuoteName(item.attribute) + ".");
  }

  // --- Dates ---

  Result<std::int64_t> DayCount(const ParsedItem& item) {
    const auto number = IntegerOf(*item.values[0]);
    if (!number || *number < 0 || *number > kMaxDays) {
      return Invalid("Bad where item " + QuoteName(item.type_name) +
                     ": a number of days from 0 to " + std::to_string(kMaxDays) + " is expected.");
    }
    return *number;
  }

  Result<Zone> ItemZone(const ParsedItem& item) {
    return Zone::Find(item.time_zone.empty() ? context_.time_zone
                                             : std::string_view(item.time_zone));
  }

  // The period of a month/quarter/year macro: [first day, first day after), in the context's zone.
  std::pair<LocalDay, LocalDay> Period(WhereType type, LocalDay today) const {
    const date::year_month_day ymd{today};
    const int month = static_cast<int>(static_cast<unsigned>(ymd.month())) - 1;  // 0-11
    const int shift = ((context_.fiscal_year_shift % 12) + 12) % 12;
    const int quarter_start = month - month % 3;
    const int fiscal_month =
        ((month - shift) % 12 + 12) % 12;  // months since the fiscal year began
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

  // Date-range types on a date (`category` kDate: compares calendar days) or date-time attribute
  // (kDateTime: compares UTC instants, local days taken in the item's time zone).
  Result<BoundNode> BindDate(const ParsedItem& item, const std::string& expr, Category category,
                             ValueType type) {
    const bool timed = category == Category::kDateTime;
    CRM_ASSIGN_OR_RETURN(const Zone zone, ItemZone(item));
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
    const Instant now = date::floor<std::chrono::seconds>(context_.now);
    const LocalDay today = zone.Today(context_.now);
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
        CRM_ASSIGN_OR_RETURN(const Zone system_zone, Zone::Find(context_.time_zone));
        const auto [first, after] = Period(item.type, system_zone.Today(context_.now));
        if (!timed) return both(day(CompareOp::kGe, first), day(CompareOp::kLt, after));
        return both(instant(CompareOp::kGe, system_zone.StartOfDay(first)),
                    instant(CompareOp::kLt, system_zone.StartOfDay(after)));
      }
    }
  }

  // on, notOn, after, before, between with explicit values. On a date-time attribute a date value
  // means the whole local day; a date-time value is compared as it is (UTC).
  Result<BoundNode> BindDateValue(const ParsedItem& item, const std::string& expr,
                                  Category category, ValueType type, const Zone& zone) {
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

  // --- Attributes ---

  Status NotExisting(std::string_view name) const {
    return Invalid("Not existing attribute " + QuoteName(name) + " in where.");
  }

  Result<Target> Resolve(const std::string& name) {
    if (const std::size_t dot = name.find('.'); dot != std::string::npos) {
      return ResolveForeign(name, name.substr(0, dot), name.substr(dot + 1));
    }
    const AttributeDef* attribute = entity_.FindAttribute(name);
    if (attribute == nullptr || !Visible(*attribute, context_)) return NotExisting(name);
    std::optional<std::string> expr = AttributeExpression(context_.metadata, entity_, *attribute);
    if (!expr) {
      return Invalid("Attribute " + QuoteName(name) + " cannot be used in where.");
    }
    Target target;
    target.expr = std::move(*expr);
    target.type = attribute->type;
    if (attribute->field >= 0) {
      const FieldDef& field = entity_.FieldOf(*attribute);
      if (attribute->kind == AttributeKind::kForeign) {
        // Foreign attributes are typed as strings; filters need the type of the field they show.
        const LinkDef* link = entity_.FindLink(field.foreign_link);
        const EntityDef* other =
            link == nullptr ? nullptr : context_.metadata.FindEntity(link->entity);
        const AttributeDef* shown =
            other == nullptr ? nullptr : other->FindAttribute(field.foreign_field);
        if (shown != nullptr) target.type = shown->type;
      }
      target.email = field.type == FieldType::kEmail && attribute->name == field.name &&
                     attribute->kind == AttributeKind::kColumn;
      if (field.type == FieldType::kDatetimeOptional && attribute->type == ValueType::kDateTime) {
        const AttributeDef* all_day = entity_.FindAttribute(field.name + "Date");
        if (all_day != nullptr && all_day->stored())
          target.all_day_expr = Column(kMainAlias, all_day->column);
      }
    }
    return target;
  }

  // `link.attribute` over a belongsTo link: the attribute of the linked (live) record.
  Result<Target> ResolveForeign(const std::string& name, std::string_view link_name,
                                std::string_view attribute_name) {
    const LinkDef* link = entity_.FindLink(link_name);
    if (link == nullptr || link->type != LinkType::kBelongsTo) return NotExisting(name);
    const EntityDef* other = context_.metadata.FindEntity(link->entity);
    if (other == nullptr) return NotExisting(name);
    const AttributeDef* attribute = other->FindAttribute(attribute_name);
    if (attribute == nullptr || !Visible(*attribute, context_)) return NotExisting(name);
    std::string value;
    if (attribute->kind == AttributeKind::kPersonName) {
      value = NameExpression(*other, "f");
    } else if (attribute->kind == AttributeKind::kColumn && attribute->stored() &&
               attribute->type != ValueType::kJson) {
      value = Column("f", attribute->column);
    } else {
      return Invalid("Attribute " + QuoteName(name) + " cannot be used in where.");
    }
    Target target;
    target.expr = "(SELECT " + value + " FROM " + QuoteIdentifier(other->table) +
                  " f WHERE f.\"id\" = " + Column(kMainAlias, ToSnakeCase(link->name + "Id")) +
                  " AND f.\"deleted\" = 0)";
    target.type = attribute->type;
    return target;
  }

  // --- Links ---

  const LinkDef* FindLink(std::string_view name) const {
    if (const LinkDef* link = entity_.FindLink(name)) return link;
    // Also accept the link's id attribute names (accountId, teamsIds).
    for (const std::string_view suffix : {std::string_view("Ids"), std::string_view("Id")}) {
      if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
        if (const LinkDef* link = entity_.FindLink(name.substr(0, name.size() - suffix.size()))) {
          return link;
        }
      }
    }
    return nullptr;
  }

  Result<BoundNode> BindLink(const ParsedItem& item) {
    const LinkDef* link = FindLink(item.attribute);
    if (link == nullptr)
      return Invalid("Not existing relation " + QuoteName(item.attribute) + " in where.");
    std::vector<SqlValue> ids;
    std::unordered_set<std::string> seen;
    for (const json::value* value : item.values) {
      auto text = TextOf(*value);
      if (!text) return BadValue(item.attribute, "a record id");
      AppendUnique(std::move(*text), seen, ids);
    }
    const WhereType type = item.type;

    if (link->type == LinkType::kBelongsTo || link->type == LinkType::kBelongsToParent) {
      const std::string fk = Column(kMainAlias, ToSnakeCase(link->name + "Id"));
      switch (type) {
        case WhereType::kLinkedWith:
          return In(fk, std::move(ids), false);
        case WhereType::kNotLinkedWith: {
          if (ids.empty()) return Constant(true);
          std::vector<BoundNode> either;
          either.push_back(IsNull(fk, false));
          either.push_back(In(fk, std::move(ids), true));
          return Group(Kind::kOr, std::move(either));
        }
        case WhereType::kLinkedWithAll:
          // One link holds one record: "all of" holds only for a single id.
          return ids.size() == 1 ? In(fk, std::move(ids), false) : Constant(false);
        case WhereType::kIsLinked:
          return IsNull(fk, true);
        default:  // kIsNotLinked
          return IsNull(fk, false);
      }
    }

    // The other records: `near` is the column holding this record's id, `far` the related record's
    // id.
    std::string base;
    std::vector<SqlValue> params;
    std::string near;
    std::string far;
    bool near_nullable = true;
    const EntityDef* other = context_.metadata.FindEntity(link->entity);
    if (other == nullptr)
      return Invalid("Not existing relation " + QuoteName(item.attribute) + " in where.");
    if (link->many_to_many()) {
      near = Column("j", link->near_key_column);
      far = Column("j", link->far_key_column);
      near_nullable = false;
      base = "SELECT " + near + " FROM " + QuoteIdentifier(link->join_table) + " j JOIN " +
             QuoteIdentifier(other->table) + " f ON f.\"id\" = " + far + " WHERE f.\"deleted\" = 0";
      for (const auto& [column, value] : link->conditions) {
        base += " AND " + Column("j", column) + " = ?";
        params.emplace_back(value);
      }
    } else {
      if (link->foreign.empty()) {
        return Invalid("Relation " + QuoteName(item.attribute) + " cannot be used in where.");
      }
      near = Column("o", ToSnakeCase(link->foreign + "Id"));
      far = Column("o", "id");
      base = "SELECT " + near + " FROM " + QuoteIdentifier(other->table) +
             " o WHERE o.\"deleted\" = 0";
      if (link->type == LinkType::kHasChildren) {
        base += " AND " + Column("o", ToSnakeCase(link->foreign + "Type")) + " = ?";
        params.emplace_back(entity_.name);
      }
    }
    const std::string id = Column(kMainAlias, "id");
    const std::string not_null = near_nullable ? " AND " + near + " IS NOT NULL" : "";
    const auto with_ids = [&](std::string sql) {
      sql += " AND " + far + (ids.size() == 1 ? " = ?" : " IN (" + Placeholders(ids.size()) + ")");
      params.insert(params.end(), ids.begin(), ids.end());
      return sql;
    };
    // Each case builds the SQL (which appends the ids to `params`) before handing `params` over.
    std::string sql;
    switch (type) {
      case WhereType::kLinkedWith:
        if (ids.empty()) return Constant(false);
        sql = id + " IN (" + with_ids(base) + ")";
        break;
      case WhereType::kNotLinkedWith:
        if (ids.empty()) return Constant(true);
        sql = id + " NOT IN (" + with_ids(base + not_null) + ")";
        break;
      case WhereType::kLinkedWithAll:
        sql = id + " IN (" + with_ids(base) + " GROUP BY " + near + " HAVING COUNT(DISTINCT " +
              far + ") = ?)";
        params.emplace_back(static_cast<std::int64_t>(ids.size()));
        break;
      case WhereType::kIsLinked:
        sql = id + " IN (" + base + ")";
        break;
      default:  // kIsNotLinked
        sql = id + " NOT IN (" + base + not_null + ")";
        break;
    }
    return Raw(std::move(sql), std::move(params));
  }

  const FilterContext& context_;
  const EntityDef& entity_;
};

// --- Text filter ---

std::optional<std::string> ExpressionOf(const FilterContext& context,
                                        std::string_view attribute_name) {
  const AttributeDef* attribute = context.entity.FindAttribute(attribute_name);
  if (attribute == nullptr || !Visible(*attribute, context)) return std::nullopt;
  return AttributeExpression(context.metadata, context.entity, *attribute);
}

bool LooksLikePhoneNumber(std::string_view term) {
  bool digit = false;
  for (const char c : term) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c != '+' && c != '-' && c != '(' && c != ')' && c != ' ' && c != '.') {
      return false;
    }
  }
  return digit;
}

}  // namespace

Result<BoundNode> BindWhere(const std::vector<ParsedItem>& items, const FilterContext& context) {
  return Binder(context).BindItems(items, Kind::kAnd);
}

BoundNode BindTextFilter(std::string_view text, const FilterContext& context) {
  if (text.substr(0, 3) == "ft:") text.remove_prefix(3);  // full-text search is plain search here
  if (TrimAscii(text).empty()) return Constant(true);
  const bool wildcard = text.find('*') != std::string_view::npos;
  std::string escaped = EscapeLike(text);
  std::replace(escaped.begin(), escaped.end(), '*', '%');
  const std::string starts_with = wildcard ? escaped : escaped + "%";
  const std::string contains = wildcard ? escaped : "%" + escaped + "%";
  const bool long_enough = CodePoints(text) >= kContainsMinLength;

  std::vector<BoundNode> any;
  for (const std::string& field_name : context.entity.text_filter_fields) {
    const FieldDef* field = context.entity.FindField(field_name);
    if (field == nullptr || field->internal || (field->sensitive && !context.allow_sensitive))
      continue;
    switch (field->type) {
      case FieldType::kPersonName: {
        for (const std::string_view part : {"firstName", "lastName"}) {
          if (auto expr = ExpressionOf(context, part))
            any.push_back(Like(*expr, starts_with, false));
        }
        if (auto expr = ExpressionOf(context, field->name))
          any.push_back(Like(*expr, starts_with, false));
        break;
      }
      case FieldType::kEmail:
        if (text.find(' ') == std::string_view::npos) {
          any.push_back(LookupExists(kEmailLookupTable, context.entity,
                                     Like("e.\"lower\"", ToLowerAscii(starts_with), false), false));
        }
        break;
      case FieldType::kPhone:
        if (LooksLikePhoneNumber(text)) {
          std::string digits;
          for (const char c : text) {
            if (c >= '0' && c <= '9') digits.push_back(c);
          }
          any.push_back(LookupExists(kPhoneLookupTable, context.entity,
                                     Like("e.\"numeric\"", digits + "%", false), false));
        }
        break;
      case FieldType::kInt:
      case FieldType::kAutoincrement: {
        const auto number = IntegerOf(json::value(json::string(TrimAscii(text))));
        auto expr = ExpressionOf(context, field->name);
        if (number && expr) any.push_back(Compare(*expr, CompareOp::kEq, SqlValue(*number)));
        break;
      }
      case FieldType::kText:
        if (auto expr = ExpressionOf(context, field->name)) {
          any.push_back(Like(*expr, long_enough ? contains : starts_with, false));
        }
        break;
      case FieldType::kVarchar:
      case FieldType::kUrl:
      case FieldType::kEnum:
        if (auto expr = ExpressionOf(context, field->name))
          any.push_back(Like(*expr, starts_with, false));
        break;
      case FieldType::kLink:
      case FieldType::kLinkOne:
      case FieldType::kLinkParent:
        if (auto expr = ExpressionOf(context, field->name + "Name")) {
          any.push_back(Like(*expr, starts_with, false));
        }
        break;
      default:
        break;  // numbers, dates, flags and lists do not take part in text search
    }
  }
  if (any.empty()) return Constant(false);
  return Group(Kind::kOr, std::move(any));
}

}  // namespace crm::query::internal
