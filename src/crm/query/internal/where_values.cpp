#include "crm/query/internal/where_values.hpp"

#include <charconv>
#include <cmath>

#include "crm/common/time.hpp"
#include "crm/query/internal/bound_nodes.hpp"

namespace crm::query::internal {
namespace {

namespace json = boost::json;
using metadata::ValueType;

std::string NumberText(const json::value& value) {
  if (value.is_int64()) return std::to_string(value.get_int64());
  if (value.is_uint64()) return std::to_string(value.get_uint64());
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value.get_double());
  return std::string(buffer, result.ptr);
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

// A date-time value: "YYYY-MM-DD HH:MM[:SS]" (normalised to seconds), or a date taken as its
// midnight.
std::optional<std::string> DateTimeText(const json::value& value) {
  const json::string* text = value.if_string();
  if (text == nullptr) return std::nullopt;
  if (const auto t = ParseDateTime(*text)) return FormatDateTime(*t);
  if (ParseDate(*text)) return std::string(*text) + " 00:00:00";
  return std::nullopt;
}

}  // namespace

bool Visible(const metadata::AttributeDef& attribute, const FilterContext& context) {
  if (attribute.internal || (attribute.sensitive && !context.allow_sensitive)) return false;
  return !context.field_readable || attribute.field < 0 ||
         context.field_readable(context.entity.FieldOf(attribute));
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

std::optional<std::string> TextOf(const json::value& value) {
  if (const json::string* text = value.if_string()) return std::string(*text);
  if (value.is_number()) return NumberText(value);
  return std::nullopt;
}

Status BadValue(std::string_view attribute, std::string_view expected) {
  return Invalid("Bad value for attribute " + QuoteName(attribute) +
                 " in where: " + std::string(expected) + " is expected.");
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

bool IsDateMacro(WhereType type) {
  return type >= WhereType::kToday && type <= WhereType::kLastFiscalQuarter;
}

bool IsLinkType(WhereType type) {
  return type >= WhereType::kLinkedWith && type <= WhereType::kIsNotLinked;
}

// EspoCRM's ItemGeneralConverter checks no attribute type: every comparison becomes the ORM's
// `attribute <op> value` whatever the attribute holds. We accept the pairs whose result does not
// depend on MySQL's implicit casts (see docs/api.md for the table and the pairs we refuse).
bool Suits(WhereType type, Category category) {
  const bool text = category == Category::kText;
  const bool number = category == Category::kNumber;
  const bool flag = category == Category::kBool;
  const bool date = category == Category::kDate || category == Category::kDateTime;
  const bool scalar = text || number || flag || date;
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
    case WhereType::kGreaterThan:
    case WhereType::kLessThan:
    case WhereType::kGreaterThanOrEquals:
    case WhereType::kLessThanOrEquals:
    case WhereType::kBetween:
    case WhereType::kAfter:
    case WhereType::kBefore:
    case WhereType::kOn:
    case WhereType::kNotOn:
      return scalar;
    case WhereType::kLike:
    case WhereType::kNotLike:
    case WhereType::kContains:
    case WhereType::kNotContains:
    case WhereType::kStartsWith:
    case WhereType::kEndsWith:
      // A number, flag or date matches as its text, as MySQL's LIKE reads it.
      return scalar;
    case WhereType::kIsTrue:
    case WhereType::kIsFalse:
      // `= 1` / `= 0`: meaningful on numbers too; on text MySQL would cast the text to a number.
      return flag || number;
    case WhereType::kArrayAnyOf:
    case WhereType::kArrayNoneOf:
    case WhereType::kArrayAllOf:
    case WhereType::kArrayIsEmpty:
    case WhereType::kArrayIsNotEmpty:
      // On a non-array attribute EspoCRM looks in its array-value table, which holds no rows for
      // it.
      return scalar || category == Category::kArray;
    default:
      // Date macros compare with date strings: on anything but a date that is a MySQL cast.
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

CompareOp CompareOpOf(WhereType type) {
  switch (type) {
    case WhereType::kGreaterThan:
    case WhereType::kAfter:
      return CompareOp::kGt;
    case WhereType::kLessThan:
    case WhereType::kBefore:
      return CompareOp::kLt;
    case WhereType::kGreaterThanOrEquals:
      return CompareOp::kGe;
    default:
      return CompareOp::kLe;
  }
}

}  // namespace crm::query::internal
