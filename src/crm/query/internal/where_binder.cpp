#include "crm/query/internal/where_binder.hpp"

#include <optional>
#include <string>
#include <unordered_set>

#include "crm/common/strings.hpp"
#include "crm/query/internal/bound_nodes.hpp"
#include "crm/query/internal/calendar.hpp"
#include "crm/query/internal/where_dates.hpp"
#include "crm/query/internal/where_links.hpp"
#include "crm/query/internal/where_values.hpp"
#include "crm/query/projection.hpp"
#include "crm/query/sql.hpp"

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

// What a where item's attribute resolves to.
struct Target {
  std::string expr;  // SQL over kMainAlias
  ValueType type = ValueType::kString;
  // The filtered entity's main email attribute: string matches test every address of the record.
  bool email = false;
  // datetimeOptional: the {field}Date column holding all-day values (empty otherwise).
  std::string all_day_expr;
};

// A plain item with what its attribute resolved to: the SQL expression, how its values coerce, and
// whether string matches go to the email lookup rows instead.
struct Operand {
  const ParsedItem& item;
  const std::string& expr;
  Category category;
  ValueType type;
  bool email;

  Result<SqlValue> Coerced(const json::value* value) const {
    return Coerce(*value, category, type, item.attribute);
  }
};

SqlValue Lowered(SqlValue value) {
  if (auto* text = std::get_if<std::string>(&value)) *text = ToLowerAscii(*text);
  return value;
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
    if (IsLinkType(item.type)) return BindLink(item, context_);
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
          CRM_ASSIGN_OR_RETURN(
              BoundNode on_date,
              BindDate(item, target.all_day_expr, Category::kDate, ValueType::kDate, context_));
          CRM_ASSIGN_OR_RETURN(
              BoundNode on_date_time,
              BindDate(item, target.expr, Category::kDateTime, ValueType::kDateTime, context_));
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
        return BindDate(item, target.expr, category, type, context_);
      }
    }
    return BindPlain(item, target, category, type);
  }

  // Every type but the link and date-range ones.
  Result<BoundNode> BindPlain(const ParsedItem& item, const Target& target, Category category,
                              ValueType type) {
    const Operand operand{item, target.expr, category, type,
                          target.email && category == Category::kText};
    const std::string& expr = target.expr;
    switch (item.type) {
      case WhereType::kEquals:
      case WhereType::kNotEquals:
      case WhereType::kIn:
      case WhereType::kNotIn:
      case WhereType::kOn:
      case WhereType::kNotOn:
        return BindEquality(operand);
      case WhereType::kLike:
      case WhereType::kNotLike:
      case WhereType::kContains:
      case WhereType::kNotContains:
      case WhereType::kStartsWith:
      case WhereType::kEndsWith:
        return BindPattern(operand);
      case WhereType::kArrayAnyOf:
      case WhereType::kArrayNoneOf:
      case WhereType::kArrayAllOf:
      case WhereType::kArrayIsEmpty:
      case WhereType::kArrayIsNotEmpty:
        return BindArray(operand);
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
      case WhereType::kLessThanOrEquals:
      case WhereType::kAfter:
      case WhereType::kBefore: {
        // Off dates, EspoCRM's after and before are plain greaterThan and lessThan.
        CRM_ASSIGN_OR_RETURN(SqlValue value, operand.Coerced(item.values[0]));
        return Compare(expr, CompareOpOf(item.type), std::move(value));
      }
      case WhereType::kBetween: {
        CRM_ASSIGN_OR_RETURN(SqlValue from, operand.Coerced(item.values[0]));
        CRM_ASSIGN_OR_RETURN(SqlValue to, operand.Coerced(item.values[1]));
        std::vector<BoundNode> range;
        range.push_back(Compare(expr, CompareOp::kGe, std::move(from)));
        range.push_back(Compare(expr, CompareOp::kLe, std::move(to)));
        return Group(Kind::kAnd, std::move(range));
      }
      default:
        break;
    }
    // Suits() admitted no other type for a non-date category.
    return Invalid("Where item type " + QuoteName(item.type_name) +
                   " does not apply to attribute " + QuoteName(item.attribute) + ".");
  }

  // equals, notEquals, in, notIn, and on and notOn off dates.
  Result<BoundNode> BindEquality(const Operand& operand) {
    const ParsedItem& item = operand.item;
    // Off dates, EspoCRM's on and notOn are plain equals and notEquals.
    const bool negated = item.type == WhereType::kNotEquals || item.type == WhereType::kNotIn ||
                         item.type == WhereType::kNotOn;
    if (item.type != WhereType::kIn && item.type != WhereType::kNotIn) {
      if (item.values.empty()) return IsNull(operand.expr, negated);
      CRM_ASSIGN_OR_RETURN(SqlValue value, operand.Coerced(item.values[0]));
      if (operand.email) {
        return LookupExists(
            kEmailLookupTable, entity_,
            Compare(std::string(kEmailLower), CompareOp::kEq, Lowered(std::move(value))), negated);
      }
      BoundNode compare =
          Compare(operand.expr, negated ? CompareOp::kNe : CompareOp::kEq, std::move(value));
      compare.nocase_indexed = !negated && std::holds_alternative<std::string>(compare.values[0]) &&
                               HasTextFilterIndex(entity_, item.attribute);
      return compare;
    }
    std::vector<SqlValue> values;
    values.reserve(item.values.size());
    for (const json::value* value : item.values) {
      CRM_ASSIGN_OR_RETURN(SqlValue coerced, operand.Coerced(value));
      values.push_back(operand.email ? Lowered(std::move(coerced)) : std::move(coerced));
    }
    if (operand.email && !values.empty()) {
      return LookupExists(kEmailLookupTable, entity_,
                          In(std::string(kEmailLower), std::move(values), false), negated);
    }
    return In(operand.expr, std::move(values), negated);
  }

  // like, notLike, contains, notContains, startsWith, endsWith.
  Result<BoundNode> BindPattern(const Operand& operand) {
    const ParsedItem& item = operand.item;
    // A pattern is text whatever the attribute holds.
    CRM_ASSIGN_OR_RETURN(SqlValue value, Coerce(*item.values[0], Category::kText,
                                                ValueType::kString, item.attribute));
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
    const bool negated = item.type == WhereType::kNotLike || item.type == WhereType::kNotContains;
    if (operand.email) {
      return LookupExists(kEmailLookupTable, entity_,
                          Like(std::string(kEmailLower), ToLowerAscii(pattern), false), negated);
    }
    if (operand.category == Category::kNumber || operand.category == Category::kBool) {
      // A number or flag matches as its text (MySQL casts implicitly; PostgreSQL would not). Dates
      // are stored as text already.
      return Like("CAST(" + operand.expr + " AS TEXT)", std::move(pattern), negated);
    }
    return Like(operand.expr, std::move(pattern), negated);
  }

  // arrayAnyOf, arrayNoneOf, arrayAllOf, arrayIsEmpty, arrayIsNotEmpty.
  Result<BoundNode> BindArray(const Operand& operand) {
    const ParsedItem& item = operand.item;
    if (operand.category != Category::kArray) {
      // EspoCRM looks the values up in its array-value table, which holds no rows for a non-array
      // attribute: such a record has none of the values and is empty. "All of none" still holds.
      const bool holds = item.type == WhereType::kArrayNoneOf ||
                         item.type == WhereType::kArrayIsEmpty ||
                         (item.type == WhereType::kArrayAllOf && item.values.empty());
      return Constant(holds);
    }
    BoundNode node;
    node.expr = operand.expr;
    if (item.type == WhereType::kArrayIsEmpty || item.type == WhereType::kArrayIsNotEmpty) {
      node.kind = Kind::kArrayEmpty;
      node.negated = item.type == WhereType::kArrayIsNotEmpty;
      return node;
    }
    std::vector<SqlValue> values;
    std::unordered_set<std::string> seen;
    for (const json::value* value : item.values) {
      CRM_ASSIGN_OR_RETURN(SqlValue coerced, operand.Coerced(value));
      AppendUnique(std::get<std::string>(std::move(coerced)), seen, values);
    }
    const ArrayMode mode = item.type == WhereType::kArrayAnyOf    ? ArrayMode::kAnyOf
                           : item.type == WhereType::kArrayNoneOf ? ArrayMode::kNoneOf
                                                                  : ArrayMode::kAllOf;
    // Nothing to have: "any of none" never holds; "none of none" and "all of none" always do.
    if (values.empty()) return Constant(mode != ArrayMode::kAnyOf);
    node.kind = Kind::kArray;
    node.array_mode = mode;
    node.values = std::move(values);
    return node;
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

  const FilterContext& context_;
  const EntityDef& entity_;
};

}  // namespace

Result<BoundNode> BindWhere(const std::vector<ParsedItem>& items, const FilterContext& context) {
  return Binder(context).BindItems(items, Kind::kAnd);
}

}  // namespace crm::query::internal
