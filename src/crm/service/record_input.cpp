#include "crm/service/record_input.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "crm/common/ids.hpp"
#include "crm/common/json.hpp"
#include "crm/common/strings.hpp"
#include "crm/metadata/settings.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;
using metadata::AttributeDef;
using metadata::AttributeKind;
using metadata::EntityDef;
using metadata::FieldDef;
using metadata::FieldType;
using metadata::ValueType;

constexpr std::size_t kMaxContactItems = 10;  // EspoCRM's email/phone limit per record
constexpr std::size_t kMaxLinkIds = 1000;
constexpr std::size_t kMaxPhoneLength = 36;
constexpr std::size_t kMaxEmailLength = 255;

// A failed check, reported against the field that owns the attribute.
struct Failure {
  std::string type;
};

using Checked = std::variant<json::value, Failure>;

bool IsFailure(const Checked& c) { return std::holds_alternative<Failure>(c); }

std::optional<std::int64_t> ParseInteger(std::string_view text) {
  text = TrimAscii(text);
  std::int64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value);
  if (text.empty() || result.ec != std::errc() || result.ptr != end) return std::nullopt;
  return value;
}

std::optional<double> ParseDouble(std::string_view text) {
  text = TrimAscii(text);
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value);
  if (text.empty() || result.ec != std::errc() || result.ptr != end || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<bool> CoerceBool(const json::value& value) {
  if (value.is_bool()) return value.get_bool();
  if (value.is_null()) return false;
  if (value.is_int64()) {
    if (value.get_int64() == 0 || value.get_int64() == 1) return value.get_int64() == 1;
    return std::nullopt;
  }
  if (value.is_string()) {
    const std::string text = ToLowerAscii(value.get_string());
    if (text == "true" || text == "1") return true;
    if (text == "false" || text == "0" || text.empty()) return false;
  }
  return std::nullopt;
}

// Strings accept numbers too (postal codes sent as numbers); "" means null except for enums.
Checked CoerceString(const json::value& value) {
  if (value.is_null()) return json::value();
  if (value.is_string()) return value;
  if (value.is_int64()) return json::value(std::to_string(value.get_int64()));
  if (value.is_uint64()) return json::value(std::to_string(value.get_uint64()));
  if (value.is_double()) {
    std::string out = SerializeJson(JsonNumber(value.get_double()));
    return json::value(out);
  }
  return Failure{"valid"};
}

bool HasBadCharacters(std::string_view text) {
  return text.find_first_of("<>=") != std::string_view::npos;
}

bool IsValidPhone(std::string_view number) {
  if (number.empty() || number.size() > kMaxPhoneLength) return false;
  for (char c : number) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    std::string_view("_@:#+().- ").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// EspoCRM stores phone numbers without the spaces and punctuation people type ("+1 202 555 0101"
// becomes "+12025550101").
std::string NormalizePhone(std::string_view number) {
  std::string out;
  for (char c : number) {
    if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '.') out.push_back(c);
  }
  return out;
}

// Null, or "" (which a form sends for an empty number or date).
bool IsBlank(const json::value& value) {
  return value.is_null() || (value.is_string() && value.get_string().empty());
}

Checked CheckInt(const FieldDef& field, const json::value& value) {
  if (IsBlank(value)) return json::value();
  std::optional<std::int64_t> i;
  if (value.is_int64()) i = value.get_int64();
  if (value.is_double() && std::trunc(value.get_double()) == value.get_double() &&
      std::fabs(value.get_double()) < 9e15) {
    i = static_cast<std::int64_t>(value.get_double());
  }
  if (value.is_string()) i = ParseInteger(value.get_string());
  if (!i) return Failure{"valid"};
  if (field.min && static_cast<double>(*i) < *field.min) return Failure{"min"};
  if (field.max && static_cast<double>(*i) > *field.max) return Failure{"max"};
  return json::value(*i);
}

Checked CheckFloat(const FieldDef& field, const json::value& value) {
  if (IsBlank(value)) return json::value();
  std::optional<double> d;
  if (value.is_number()) d = value.to_number<double>();
  if (value.is_string()) d = ParseDouble(value.get_string());
  if (!d) return Failure{"valid"};
  if (field.min && *d < *field.min) return Failure{"min"};
  if (field.max && *d > *field.max) return Failure{"max"};
  return JsonNumber(*d);
}

Checked CheckDate(const AttributeDef& attribute, const json::value& value) {
  if (IsBlank(value)) return json::value();
  if (!value.is_string()) return Failure{"valid"};
  if (attribute.type == ValueType::kDate) {
    if (!ParseDate(value.get_string())) return Failure{"valid"};
    return value;
  }
  const auto t = ParseDateTime(value.get_string());
  if (!t) return Failure{"valid"};
  return json::value(FormatDateTime(*t));  // "YYYY-MM-DD HH:MM" gains ":00"
}

Checked CheckStringArray(const FieldDef& field, const json::value& value) {
  if (value.is_null()) return json::value(json::array());
  if (!value.is_array()) return Failure{"array"};
  json::array out;
  for (const auto& item : value.get_array()) {
    if (!item.is_string()) return Failure{"arrayOfString"};
    if (!field.options.empty() && !field.HasOption(item.get_string())) return Failure{"valid"};
    out.push_back(item);
  }
  return json::value(std::move(out));
}

// An enum value (already coerced to a string or null).
Checked CheckEnum(const FieldDef& field, json::value text) {
  const std::string_view s =
      text.is_string() ? std::string_view(text.get_string()) : std::string_view();
  if (text.is_null() || s.empty()) {
    // Null or "" pass only where "" is an option or the field is optional without options.
    if (!field.HasOption("") && !field.options.empty() && (field.required || !text.is_null())) {
      return Failure{"valid"};
    }
    return text;
  }
  if (!field.options.empty() && !field.HasOption(s)) return Failure{"valid"};
  return text;
}

// Any other string column: length, pattern, ids of links, types of parents, currencies.
Checked CheckString(const AttributeDef& attribute, const FieldDef& field,
                    const json::value& value) {
  Checked checked = CoerceString(value);
  if (IsFailure(checked)) return checked;
  json::value& text = std::get<json::value>(checked);
  if (field.type == FieldType::kEnum) return CheckEnum(field, std::move(text));
  if (text.is_string() && text.get_string().empty()) return json::value();
  if (text.is_null()) return text;
  const std::string_view s = text.get_string();
  if (attribute.max_length && Utf8Length(s) > static_cast<std::size_t>(*attribute.max_length)) {
    return Failure{"maxLength"};
  }
  if (attribute.no_bad_characters && HasBadCharacters(s)) return Failure{"pattern"};
  if (field.type == FieldType::kLink || field.type == FieldType::kLinkParent) {
    const bool type_attribute = attribute.name == field.name + "Type";
    if (type_attribute) {
      if (std::find(field.entity_list.begin(), field.entity_list.end(), s) ==
          field.entity_list.end()) {
        return Failure{"valid"};
      }
    } else if (!IsWellFormedId(s)) {
      return Failure{"valid"};
    }
  }
  if (field.type == FieldType::kCurrency && attribute.name == field.name + "Currency") {
    const auto& currencies = metadata::ShippedSettings().currency_list;
    if (std::find(currencies.begin(), currencies.end(), s) == currencies.end())
      return Failure{"validCurrency"};
  }
  return text;
}

class InputParser {
 public:
  InputParser(const EntityDef& entity, WriteMode mode) : entity_(entity), mode_(mode) {}

  Result<RecordInput> Parse(const json::object& body) {
    for (const auto& [key, value] : body) {
      if (key == "_skipDuplicateCheck") {
        input_.skip_duplicate_check = CoerceBool(value).value_or(false);
        continue;
      }
      const int index = entity_.AttributeIndex(key);
      if (index < 0 || entity_.attributes[static_cast<std::size_t>(index)].internal) {
        return Status::InvalidArgument("Unknown attribute '" + std::string(key) + "' for " +
                                       entity_.name + ".");
      }
      const AttributeDef& attribute = entity_.attributes[static_cast<std::size_t>(index)];
      if (attribute.read_only) continue;
      const FieldDef& field = entity_.FieldOf(attribute);
      if (field.read_only || (mode_ == WriteMode::kUpdate && field.read_only_after_create))
        continue;
      CRM_RETURN_IF_ERROR(Accept(index, attribute, field, value));
    }
    // From here on `values` stays sorted by attribute index (RecordInput::Set relies on it).
    std::sort(input_.values.begin(), input_.values.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    if (mode_ == WriteMode::kCreate) ApplyDefaults();
    CRM_RETURN_IF_ERROR(CheckRequired());
    return std::move(input_);
  }

 private:
  Status Fail(const FieldDef& field, std::string_view type) const {
    return ValidationFailure(entity_, field.name, type);
  }

  ContactDataInput& ContactData(int field_index) {
    for (auto& item : input_.contact_data) {
      if (item.field == field_index) return item;
    }
    input_.contact_data.push_back(ContactDataInput{field_index, {}, {}, {}, {}});
    return input_.contact_data.back();
  }

  LinkSetInput& LinkSet(int field_index) {
    for (auto& item : input_.link_sets) {
      if (item.field == field_index) return item;
    }
    input_.link_sets.push_back(LinkSetInput{field_index, {}, {}});
    return input_.link_sets.back();
  }

  Status Accept(int index, const AttributeDef& attribute, const FieldDef& field,
                const json::value& value) {
    const int field_index = attribute.field;
    if (field.type == FieldType::kEmail || field.type == FieldType::kPhone) {
      return AcceptContactData(attribute, field, value);
    }
    switch (attribute.kind) {
      case AttributeKind::kLinkMultipleIds: {
        if (!value.is_array() && !value.is_null()) return Fail(field, "valid");
        std::vector<std::string> ids;
        std::set<std::string> seen;
        if (value.is_array()) {
          if (value.get_array().size() > kMaxLinkIds) return Fail(field, "maxCount");
          for (const auto& item : value.get_array()) {
            if (!item.is_string() || !IsWellFormedId(item.get_string()))
              return Fail(field, "valid");
            if (seen.emplace(item.get_string()).second) ids.emplace_back(item.get_string());
          }
        }
        LinkSet(field_index).ids = std::move(ids);
        return {};
      }
      case AttributeKind::kLinkMultipleColumns:
        return AcceptLinkColumns(field_index, field, value);
      case AttributeKind::kDuration: {
        std::optional<std::int64_t> seconds;
        if (value.is_int64()) seconds = value.get_int64();
        if (value.is_double() && std::trunc(value.get_double()) == value.get_double()) {
          seconds = static_cast<std::int64_t>(value.get_double());
        }
        if (value.is_string()) seconds = ParseInteger(value.get_string());
        if (!seconds || *seconds < 0) return Fail(field, "valid");
        input_.duration = *seconds;
        return {};
      }
      case AttributeKind::kColumn:
        break;
      default:
        return {};  // computed attributes are never written
    }
    // A date where a datetimeOptional field takes a date-time is an all-day value (the seed's Task
    // "dateEnd": "2024-01-25"): it goes to {field}Date, and {field} gets midnight of that day.
    if (field.type == FieldType::kDatetimeOptional && attribute.name == field.name &&
        value.is_string() && ParseDate(value.get_string())) {
      input_.values.emplace_back(index,
                                 json::string(std::string(value.get_string()) + " 00:00:00"));
      input_.values.emplace_back(entity_.AttributeIndex(field.name + "Date"), value);
      return {};
    }
    const Checked checked = CheckColumnValue(attribute, field, value);
    // Address parts are fields of their own to clients: failures name the part.
    if (IsFailure(checked)) {
      return ValidationFailure(entity_,
                               field.type == FieldType::kAddress ? attribute.name : field.name,
                               std::get<Failure>(checked).type);
    }
    input_.values.emplace_back(index, std::get<json::value>(checked));
    if (field.type == FieldType::kDatetimeOptional && attribute.name == field.name &&
        !input_.Has(entity_, field.name + "Date")) {
      input_.values.emplace_back(entity_.AttributeIndex(field.name + "Date"),
                                 nullptr);  // no longer all-day
    }
    return {};
  }

  Checked CheckColumnValue(const AttributeDef& attribute, const FieldDef& field,
                           const json::value& value) const {
    switch (attribute.type) {
      case ValueType::kBool: {
        const auto b = CoerceBool(value);
        if (!b) return Failure{"valid"};
        return json::value(*b);
      }
      case ValueType::kInt:
        return CheckInt(field, value);
      case ValueType::kFloat:
        return CheckFloat(field, value);
      case ValueType::kDate:
      case ValueType::kDateTime:
        return CheckDate(attribute, value);
      case ValueType::kStringArray:
        return CheckStringArray(field, value);
      case ValueType::kJson: {
        if (value.is_null()) return json::value();
        if (field.type == FieldType::kJsonObject && !value.is_object()) return Failure{"valid"};
        if (field.type == FieldType::kJsonArray && !value.is_array()) return Failure{"valid"};
        return value;
      }
      default:
        return CheckString(attribute, field, value);
    }
  }

  Status AcceptContactData(const AttributeDef& attribute, const FieldDef& field,
                           const json::value& value) {
    const bool email = field.type == FieldType::kEmail;
    ContactDataInput& data = ContactData(attribute.field);
    if (attribute.name == field.name) {
      Checked checked = CoerceString(value);
      if (IsFailure(checked)) return Fail(field, "valid");
      json::value& text = std::get<json::value>(checked);
      if (text.is_string() && text.get_string().empty()) text = nullptr;
      if (text.is_string()) {
        const std::string_view s = text.get_string();
        if (email && (s.size() > kMaxEmailLength || !IsValidEmail(s)))
          return Fail(field, "emailAddress");
        if (!email) {
          if (!IsValidPhone(s)) return Fail(field, "valid");
          text = json::string(NormalizePhone(s));
        }
      }
      data.primary = std::move(text);
      return {};
    }
    if (attribute.name == field.name + "IsOptedOut" || attribute.name == field.name + "IsInvalid") {
      const auto b = CoerceBool(value);
      if (!b) return Fail(field, "valid");
      (attribute.name == field.name + "IsOptedOut" ? data.opted_out : data.invalid) = *b;
      return {};
    }
    // {field}Data: the complete list.
    if (value.is_null()) {
      data.data = json::array();
      return {};
    }
    if (!value.is_array()) return Fail(field, "valid");
    if (value.get_array().size() > kMaxContactItems) return Fail(field, "maxCount");
    json::array items;
    std::set<std::string> seen;
    bool have_primary = false;
    for (const auto& raw : value.get_array()) {
      if (!raw.is_object()) return Fail(field, "valid");
      const auto& o = raw.get_object();
      const char* key = email ? "emailAddress" : "phoneNumber";
      const auto* address = o.if_contains(key);
      if (address == nullptr || !address->is_string() || address->get_string().empty())
        return Fail(field, "valid");
      std::string text(address->get_string());
      if (email && (text.size() > kMaxEmailLength || !IsValidEmail(text)))
        return Fail(field, "emailAddress");
      if (!email) {
        if (!IsValidPhone(text)) return Fail(field, "valid");
        text = NormalizePhone(text);
      }
      const std::string lower = ToLowerAscii(text);
      if (!seen.emplace(lower).second) continue;
      const auto flag = [&](const char* name) -> std::optional<bool> {
        const auto* v = o.if_contains(name);
        return v == nullptr ? std::optional<bool>(false) : CoerceBool(*v);
      };
      const auto primary = flag("primary");
      const auto opt_out = flag("optOut");
      const auto invalid = flag("invalid");
      if (!primary || !opt_out || !invalid) return Fail(field, "valid");
      json::object item;
      item[key] = text;
      if (email) {
        item["lower"] = lower;
      } else {
        std::string type = field.default_type.empty() ? "Mobile" : field.default_type;
        if (const auto* t = o.if_contains("type"); t != nullptr && !t->is_null()) {
          if (!t->is_string()) return Fail(field, "valid");
          type = std::string(t->get_string());
          if (!field.type_list.empty() && std::find(field.type_list.begin(), field.type_list.end(),
                                                    type) == field.type_list.end()) {
            return Fail(field, "valid");
          }
        }
        item["type"] = type;
      }
      item["primary"] = *primary && !have_primary;
      have_primary = have_primary || *primary;
      item["optOut"] = *opt_out;
      item["invalid"] = *invalid;
      items.push_back(std::move(item));
    }
    if (!items.empty() && !have_primary) items.front().as_object()["primary"] = true;
    // Primary first, as EspoCRM lists them.
    std::stable_partition(items.begin(), items.end(), [](const json::value& item) {
      return item.get_object().at("primary").get_bool();
    });
    data.data = std::move(items);
    return {};
  }

  Status AcceptLinkColumns(int field_index, const FieldDef& field, const json::value& value) {
    if (value.is_null()) return {};
    if (!value.is_object()) return Fail(field, "columnsValid");
    const metadata::LinkDef* link = entity_.FindLink(field.name);
    json::object out;
    for (const auto& [id, columns] : value.get_object()) {
      if (!IsWellFormedId(id) || !columns.is_object()) return Fail(field, "columnsValid");
      json::object row;
      // Not a structured binding: clang 14 cannot capture one in the lambdas below.
      for (const auto& entry : columns.get_object()) {
        const std::string_view name = entry.key();
        const json::value& column_value = entry.value();
        const auto it = std::find_if(field.columns.begin(), field.columns.end(),
                                     [&](const auto& c) { return c.first == name; });
        const auto column =
            std::find_if(link->additional_columns.begin(), link->additional_columns.end(),
                         [&](const auto& c) { return c.name == name; });
        if (it == field.columns.end() || column == link->additional_columns.end())
          return Fail(field, "columnsValid");
        if (column->type == ValueType::kBool) {
          const auto b = CoerceBool(column_value);
          if (!b) return Fail(field, "columnsValid");
          row[name] = *b;
          continue;
        }
        Checked checked = CoerceString(column_value);
        if (IsFailure(checked)) return Fail(field, "columnsValid");
        json::value& text = std::get<json::value>(checked);
        if (text.is_string()) {
          const std::string_view s = text.get_string();
          if (!column->options.empty() && std::find(column->options.begin(), column->options.end(),
                                                    s) == column->options.end()) {
            return Fail(field, "columnsValid");
          }
          if (column->max_length && Utf8Length(s) > static_cast<std::size_t>(*column->max_length)) {
            return Fail(field, "columnsValid");
          }
        }
        row[name] = std::move(text);
      }
      out[id] = std::move(row);
    }
    LinkSet(field_index).columns = std::move(out);
    return {};
  }

  void ApplyDefaults() {
    for (int f = 0; f < static_cast<int>(entity_.fields.size()); ++f) {
      const FieldDef& field = entity_.fields[static_cast<std::size_t>(f)];
      if (field.read_only || field.internal || field.default_value.is_null() ||
          field.attributes.empty()) {
        continue;
      }
      const AttributeDef& main =
          entity_.attributes[static_cast<std::size_t>(field.attributes.front())];
      if (main.kind != AttributeKind::kColumn || input_.Has(entity_, main.name)) continue;
      const Checked checked = CheckColumnValue(main, field, field.default_value);
      if (!IsFailure(checked)) input_.Set(entity_, main.name, std::get<json::value>(checked));
    }
    // An amount without a currency is in the default currency.
    for (const auto& field : entity_.fields) {
      if (field.type != FieldType::kCurrency) continue;
      const auto* amount = input_.Find(entity_, field.name);
      const auto* currency = input_.Find(entity_, field.name + "Currency");
      if (amount != nullptr && !amount->is_null() && (currency == nullptr || currency->is_null())) {
        input_.Set(entity_, field.name + "Currency",
                   json::string(metadata::ShippedSettings().default_currency));
      }
    }
  }

  bool FieldHasValue(int field_index, const FieldDef& field) const {
    switch (field.type) {
      case FieldType::kEmail:
      case FieldType::kPhone:
        for (const auto& data : input_.contact_data) {
          if (data.field != field_index) continue;
          if (data.data && !data.data->empty()) return true;
          if (data.primary && data.primary->is_string()) return true;
        }
        return false;
      case FieldType::kLinkMultiple:
        for (const auto& set : input_.link_sets) {
          if (set.field == field_index && set.ids && !set.ids->empty()) return true;
        }
        return false;
      case FieldType::kLink:
      case FieldType::kLinkParent: {
        const auto* id = input_.Find(entity_, field.name + "Id");
        return id != nullptr && !id->is_null();
      }
      default: {
        if (field.attributes.empty()) return true;
        const AttributeDef& main =
            entity_.attributes[static_cast<std::size_t>(field.attributes.front())];
        const auto* value = input_.Find(entity_, main.name);
        return value != nullptr && !value->is_null() &&
               !(value->is_string() && value->get_string().empty());
      }
    }
  }

  bool FieldGiven(int field_index, const FieldDef& field) const {
    for (const auto& data : input_.contact_data) {
      if (data.field == field_index) return true;
    }
    for (const auto& set : input_.link_sets) {
      if (set.field == field_index) return true;
    }
    for (const int a : field.attributes) {
      if (input_.Has(entity_, entity_.attributes[static_cast<std::size_t>(a)].name)) return true;
    }
    return false;
  }

  Status CheckRequired() const {
    for (int f = 0; f < static_cast<int>(entity_.fields.size()); ++f) {
      const FieldDef& field = entity_.fields[static_cast<std::size_t>(f)];
      if (!field.required || field.read_only) continue;
      // Filled by the service on create (assigned user, dateEnd from the duration).
      if (mode_ == WriteMode::kCreate && (field.name == "assignedUser" || field.name == "dateEnd"))
        continue;
      if (mode_ == WriteMode::kUpdate && !FieldGiven(f, field)) continue;
      if (!FieldHasValue(f, field)) return Fail(field, "required");
    }
    return {};
  }

  const EntityDef& entity_;
  const WriteMode mode_;
  RecordInput input_;
};

}  // namespace

const json::value* RecordInput::Find(const EntityDef& entity, std::string_view attribute) const {
  const int index = entity.AttributeIndex(attribute);
  for (const auto& [i, value] : values) {
    if (i == index) return &value;
  }
  return nullptr;
}

void RecordInput::Set(const EntityDef& entity, std::string_view attribute, json::value value) {
  const int index = entity.AttributeIndex(attribute);
  const auto at = std::lower_bound(values.begin(), values.end(), index,
                                   [](const auto& entry, int key) { return entry.first < key; });
  if (at != values.end() && at->first == index) {
    at->second = std::move(value);
  } else {
    values.emplace(at, index, std::move(value));
  }
}

Result<RecordInput> ParseRecordInput(const EntityDef& entity, const json::object& body,
                                     WriteMode mode) {
  return InputParser(entity, mode).Parse(body);
}

Status ValidationFailure(const EntityDef& entity, std::string_view field, std::string_view type) {
  json::object details;
  details["messageTranslation"] =
      json::object{{"label", "validationFailure"},
                   {"scope", nullptr},
                   {"data", json::object{{"field", field}, {"type", type}}}};
  return Status::InvalidArgument("Field validation failure; entityType: " + entity.name +
                                 ", field: " + std::string(field) + ", type: " + std::string(type) +
                                 ".")
      .WithDetails(std::move(details));
}

bool IsValidEmail(std::string_view value) {
  const auto at = value.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= value.size()) return false;
  const std::string_view local = value.substr(0, at);
  const std::string_view domain = value.substr(at + 1);
  if (local.size() > 64 || local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : local) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("!#$%&'*+/=?^_`{|}~.-").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  if (domain.find('.') == std::string_view::npos || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : domain) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || static_cast<unsigned char>(c) >= 0x80;
    if (!ok) return false;
  }
  return true;
}

std::size_t Utf8Length(std::string_view text) {
  std::size_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

}  // namespace crm::service
