#include "crm/query/internal/where_parser.hpp"

#include <array>
#include <string>
#include <string_view>

#include "crm/query/where.hpp"

namespace crm::query::internal {
namespace {

namespace json = boost::json;

// In WhereType order, so that InfoOf can index it.
constexpr std::array<WhereTypeInfo, 57> kTypes = {{
    {"and", WhereType::kAnd, ValueShape::kItems},
    {"or", WhereType::kOr, ValueShape::kItems},
    {"equals", WhereType::kEquals, ValueShape::kScalar},
    {"notEquals", WhereType::kNotEquals, ValueShape::kScalar},
    {"in", WhereType::kIn, ValueShape::kList},
    {"notIn", WhereType::kNotIn, ValueShape::kList},
    {"like", WhereType::kLike, ValueShape::kRequiredScalar},
    {"notLike", WhereType::kNotLike, ValueShape::kRequiredScalar},
    {"contains", WhereType::kContains, ValueShape::kRequiredScalar},
    {"notContains", WhereType::kNotContains, ValueShape::kRequiredScalar},
    {"startsWith", WhereType::kStartsWith, ValueShape::kRequiredScalar},
    {"endsWith", WhereType::kEndsWith, ValueShape::kRequiredScalar},
    {"isNull", WhereType::kIsNull, ValueShape::kNone},
    {"isNotNull", WhereType::kIsNotNull, ValueShape::kNone},
    {"ever", WhereType::kEver, ValueShape::kNone},
    {"isTrue", WhereType::kIsTrue, ValueShape::kNone},
    {"isFalse", WhereType::kIsFalse, ValueShape::kNone},
    {"any", WhereType::kAny, ValueShape::kNone},
    {"none", WhereType::kNone, ValueShape::kNone},
    {"greaterThan", WhereType::kGreaterThan, ValueShape::kRequiredScalar},
    {"lessThan", WhereType::kLessThan, ValueShape::kRequiredScalar},
    {"greaterThanOrEquals", WhereType::kGreaterThanOrEquals, ValueShape::kRequiredScalar},
    {"lessThanOrEquals", WhereType::kLessThanOrEquals, ValueShape::kRequiredScalar},
    {"after", WhereType::kAfter, ValueShape::kRequiredScalar},
    {"before", WhereType::kBefore, ValueShape::kRequiredScalar},
    {"between", WhereType::kBetween, ValueShape::kRange},
    {"on", WhereType::kOn, ValueShape::kRequiredScalar},
    {"notOn", WhereType::kNotOn, ValueShape::kRequiredScalar},
    {"today", WhereType::kToday, ValueShape::kNone},
    {"past", WhereType::kPast, ValueShape::kNone},
    {"future", WhereType::kFuture, ValueShape::kNone},
    {"lastSevenDays", WhereType::kLastSevenDays, ValueShape::kNone},
    {"lastXDays", WhereType::kLastXDays, ValueShape::kRequiredScalar},
    {"nextXDays", WhereType::kNextXDays, ValueShape::kRequiredScalar},
    {"olderThanXDays", WhereType::kOlderThanXDays, ValueShape::kRequiredScalar},
    {"afterXDays", WhereType::kAfterXDays, ValueShape::kRequiredScalar},
    {"currentMonth", WhereType::kCurrentMonth, ValueShape::kNone},
    {"lastMonth", WhereType::kLastMonth, ValueShape::kNone},
    {"nextMonth", WhereType::kNextMonth, ValueShape::kNone},
    {"currentQuarter", WhereType::kCurrentQuarter, ValueShape::kNone},
    {"lastQuarter", WhereType::kLastQuarter, ValueShape::kNone},
    {"currentYear", WhereType::kCurrentYear, ValueShape::kNone},
    {"lastYear", WhereType::kLastYear, ValueShape::kNone},
    {"currentFiscalYear", WhereType::kCurrentFiscalYear, ValueShape::kNone},
    {"lastFiscalYear", WhereType::kLastFiscalYear, ValueShape::kNone},
    {"currentFiscalQuarter", WhereType::kCurrentFiscalQuarter, ValueShape::kNone},
    {"lastFiscalQuarter", WhereType::kLastFiscalQuarter, ValueShape::kNone},
    {"arrayAnyOf", WhereType::kArrayAnyOf, ValueShape::kScalarOrList},
    {"arrayNoneOf", WhereType::kArrayNoneOf, ValueShape::kScalarOrList},
    {"arrayAllOf", WhereType::kArrayAllOf, ValueShape::kScalarOrList},
    {"arrayIsEmpty", WhereType::kArrayIsEmpty, ValueShape::kNone},
    {"arrayIsNotEmpty", WhereType::kArrayIsNotEmpty, ValueShape::kNone},
    {"linkedWith", WhereType::kLinkedWith, ValueShape::kScalarOrList},
    {"notLinkedWith", WhereType::kNotLinkedWith, ValueShape::kScalarOrList},
    {"linkedWithAll", WhereType::kLinkedWithAll, ValueShape::kScalarOrList},
    {"isLinked", WhereType::kIsLinked, ValueShape::kNone},
    {"isNotLinked", WhereType::kIsNotLinked, ValueShape::kNone},
}};

// Types EspoCRM knows but crmd's REST does not run: EspoCRM itself forbids the sub-query ones over
// REST; the others need data crmd does not have (relation-column fields, category trees).
constexpr std::array<std::string_view, 3> kSubQueryTypes = {"not", "subQueryIn", "subQueryNotIn"};
constexpr std::array<std::string_view, 9> kUnsupportedTypes = {
    "columnLike",   "columnIn",        "columnNotIn", "columnIsNull",   "columnIsNotNull",
    "columnEquals", "columnNotEquals", "inCategory",  "isUserFromTeams"};

constexpr std::array<std::string_view, 7> kItemKeys = {"type",     "attribute", "field",   "value",
                                                       "dateTime", "date",      "timeZone"};

template <std::size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view name) {
  for (const std::string_view entry : list) {
    if (entry == name) return true;
  }
  return false;
}

Status Invalid(std::string message) { return Status::InvalidArgument(std::move(message)); }

// EspoCRM's message ("Bad where item 'in'.") with what is wrong with the item appended.
Status BadItem(std::string_view type_name, std::string_view problem) {
  return Invalid("Bad where item '" + std::string(type_name) + "': " + std::string(problem) + ".");
}

bool IsScalar(const json::value& value) {
  return value.is_string() || value.is_number() || value.is_bool();
}

// A boolean flag as JSON or as the strings the bracket form produces.
Result<bool> Flag(const json::value& value, std::string_view key) {
  if (value.is_null()) return false;
  if (value.is_bool()) return value.get_bool();
  if (value.is_int64() && (value.get_int64() == 0 || value.get_int64() == 1)) {
    return value.get_int64() == 1;
  }
  if (const auto* text = value.if_string()) {
    if (*text == "true" || *text == "1") return true;
    if (*text == "false" || *text == "0" || text->empty()) return false;
  }
  return Invalid("Bad where item: '" + std::string(key) + "' must be a boolean.");
}

class Parser {
 public:
  Result<std::vector<ParsedItem>> ParseItems(const json::array& items, int depth) {
    if (depth > kMaxWhereDepth) return Invalid("Where is nested too deeply.");
    std::vector<ParsedItem> out;
    out.reserve(items.size());
    for (const json::value& item : items) {
      CRM_ASSIGN_OR_RETURN(ParsedItem parsed, ParseItem(item, depth));
      out.push_back(std::move(parsed));
    }
    return out;
  }

 private:
  Result<ParsedItem> ParseItem(const json::value& value, int depth) {
    if (++item_count_ > static_cast<std::size_t>(kMaxWhereItems)) {
      return Invalid("Too many where items (at most " + std::to_string(kMaxWhereItems) + ").");
    }
    const json::object* object = value.if_object();
    if (object == nullptr) return Invalid("Where item must be an object.");
    for (const auto& [key, unused] : *object) {
      if (!Contains(kItemKeys, key)) return Invalid("Unknown parameter " + QuoteName(key) + ".");
    }

    const json::value* type_value = object->if_contains("type");
    if (type_value == nullptr || type_value->is_null())
      return Invalid("Missing 'type' in where item.");
    const json::string* type_text = type_value->if_string();
    if (type_text == nullptr) return Invalid("Bad where item type.");
    const std::string_view type_name = *type_text;
    if (Contains(kSubQueryTypes, type_name)) return Invalid("Sub-queries are forbidden in where.");
    if (type_name == "expression") return Invalid("Complex expressions are forbidden in where.");
    if (Contains(kUnsupportedTypes, type_name)) {
      return Invalid("Where item type " + QuoteName(type_name) + " is not supported.");
    }
    const WhereTypeInfo* info = nullptr;
    for (const WhereTypeInfo& candidate : kTypes) {
      if (candidate.name == type_name) info = &candidate;
    }
    if (info == nullptr) return Invalid("Unknown where item type " + QuoteName(type_name) + ".");

    ParsedItem item;
    item.type = info->type;
    item.type_name = info->name;
    CRM_RETURN_IF_ERROR(ParseAttribute(*object, *info, item));
    CRM_RETURN_IF_ERROR(ParseFlags(*object, item));

    const json::value* item_value = object->if_contains("value");
    if (item_value != nullptr && item_value->is_null()) item_value = nullptr;
    switch (info->shape) {
      case ValueShape::kNone:
        break;
      case ValueShape::kItems: {
        const json::array* children = item_value == nullptr ? nullptr : item_value->if_array();
        if (children == nullptr)
          return BadItem(info->name, "value must be an array of where items");
        CRM_ASSIGN_OR_RETURN(item.children, ParseItems(*children, depth + 1));
        break;
      }
      case ValueShape::kScalar:
      case ValueShape::kRequiredScalar:
        if (item_value == nullptr) {
          if (info->shape == ValueShape::kRequiredScalar)
            return BadItem(info->name, "value is required");
          break;
        }
        CRM_RETURN_IF_ERROR(AddScalar(*item_value, info->name, item));
        break;
      case ValueShape::kList:
      case ValueShape::kRange:
      case ValueShape::kScalarOrList: {
        if (item_value == nullptr) return BadItem(info->name, "value is required");
        const json::array* list = item_value->if_array();
        if (list == nullptr) {
          if (info->shape != ValueShape::kScalarOrList)
            return BadItem(info->name, "value must be an array");
          CRM_RETURN_IF_ERROR(AddScalar(*item_value, info->name, item));
          break;
        }
        if (list->size() > static_cast<std::size_t>(kMaxWhereValues)) {
          return Invalid("Too many values in where item '" + std::string(info->name) +
                         "' (at most " + std::to_string(kMaxWhereValues) + ").");
        }
        if (info->shape == ValueShape::kRange && list->size() < 2)
          return BadItem(info->name, "value must be an array of two values");
        const std::size_t used = info->shape == ValueShape::kRange ? 2 : list->size();
        for (std::size_t i = 0; i < used; ++i) {
          CRM_RETURN_IF_ERROR(AddScalar((*list)[i], info->name, item));
        }
        break;
      }
    }
    if (item.type == WhereType::kLinkedWithAll && item.values.empty())
      return BadItem(info->name, "value must list at least one id");
    return item;
  }

  Status ParseAttribute(const json::object& object, const WhereTypeInfo& info, ParsedItem& item) {
    const json::value* attribute = object.if_contains("attribute");
    const json::value* field = object.if_contains("field");
    if (attribute != nullptr && attribute->is_null()) attribute = nullptr;
    if (field != nullptr && field->is_null()) field = nullptr;
    if (attribute != nullptr && field != nullptr && *attribute != *field) {
      return Invalid("Where item has different 'attribute' and 'field'.");
    }
    const json::value* name = attribute != nullptr ? attribute : field;
    if (info.shape == ValueShape::kItems) return {};  // and/or ignore an attribute, as EspoCRM does
    if (name == nullptr) {
      return Invalid("Missing 'attribute' in where item '" + std::string(info.name) + "'.");
    }
    const json::string* text = name->if_string();
    if (text == nullptr || text->empty() || text->size() > kMaxWhereNameBytes) {
      return Invalid("Bad attribute in where item '" + std::string(info.name) + "'.");
    }
    if (text->find_first_of(":(") != json::string::npos) {
      return Invalid("Complex expressions are forbidden in where.");
    }
    if (text->find('#') != json::string::npos) {
      return Invalid("Bad attribute " + QuoteName(*text) + " in where.");
    }
    item.attribute = std::string(*text);
    return {};
  }

  Status ParseFlags(const json::object& object, ParsedItem& item) {
    if (const json::value* date_time = object.if_contains("dateTime")) {
      CRM_ASSIGN_OR_RETURN(item.date_time, Flag(*date_time, "dateTime"));
    }
    if (const json::value* date = object.if_contains("date")) {
      CRM_ASSIGN_OR_RETURN(item.date, Flag(*date, "date"));
    }
    if (const json::value* zone = object.if_contains("timeZone");
        zone != nullptr && !zone->is_null()) {
      const json::string* text = zone->if_string();
      if (text == nullptr || text->size() > kMaxWhereNameBytes) {
        return Invalid("Bad where item: 'timeZone' must be a time zone name.");
      }
      item.time_zone = std::string(*text);
    }
    return {};
  }

  Status AddScalar(const json::value& value, std::string_view type_name, ParsedItem& item) {
    if (!IsScalar(value)) return BadItem(type_name, "values must be strings, numbers or booleans");
    if (value.is_string() && value.get_string().size() > kMaxWhereValueBytes) {
      return Invalid("A value in where item '" + std::string(type_name) +
                     "' is too long (at most " + std::to_string(kMaxWhereValueBytes) + " bytes).");
    }
    if (++value_count_ > kMaxWhereTotalValues) {
      return Invalid("Too many values in where (at most " + std::to_string(kMaxWhereTotalValues) +
                     ").");
    }
    item.values.push_back(&value);
    return {};
  }

  std::size_t item_count_ = 0;
  std::size_t value_count_ = 0;
};

}  // namespace

const WhereTypeInfo& InfoOf(WhereType type) { return kTypes[static_cast<std::size_t>(type)]; }

Result<std::vector<ParsedItem>> ParseWhere(const json::array& where) {
  return Parser().ParseItems(where, 1);
}

}  // namespace crm::query::internal
