// BindTextFilter (declared in where_binder.hpp): textFilter / q over the entity's text-filter
// fields.
#include <algorithm>

#include "crm/common/strings.hpp"
#include "crm/query/internal/bound_nodes.hpp"
#include "crm/query/internal/where_binder.hpp"
#include "crm/query/internal/where_values.hpp"
#include "crm/query/projection.hpp"

namespace crm::query::internal {
namespace {

namespace json = boost::json;
using metadata::AttributeDef;
using metadata::FieldDef;
using metadata::FieldType;
using Kind = BoundNode::Kind;

// Characters a text-filter term needs before text fields are searched with contains (EspoCRM's
// textFilterContainsMinLength).
constexpr std::size_t kContainsMinLength = 4;

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
    if (field == nullptr || field->internal || (field->sensitive && !context.allow_sensitive) ||
        (context.field_readable && !context.field_readable(*field))) {
      continue;
    }
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
          any.push_back(LookupExists(
              kEmailLookupTable, context.entity,
              Like(std::string(kEmailLower), ToLowerAscii(starts_with), false), false));
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
