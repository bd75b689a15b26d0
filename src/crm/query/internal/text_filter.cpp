// BindTextFilter and TextFilterIds (declared in where_binder.hpp) and
// TextFilterIndexes (where.hpp): textFilter / q over the entity's text-filter fields, per row or
// through the text-filter indexes.
#include <algorithm>

#include "crm/common/strings.hpp"
#include "crm/query/internal/bound_nodes.hpp"
#include "crm/query/internal/where_binder.hpp"
#include "crm/query/internal/where_compiler.hpp"
#include "crm/query/internal/where_values.hpp"
#include "crm/query/projection.hpp"
#include "crm/query/where.hpp"

namespace crm::query::internal {
namespace {

namespace json = boost::json;
using metadata::AttributeDef;
using metadata::AttributeKind;
using metadata::EntityDef;
using metadata::FieldDef;
using metadata::FieldType;
using Kind = BoundNode::Kind;

// Characters a text-filter term needs before text fields are searched with contains (EspoCRM's
// textFilterContainsMinLength).
constexpr std::size_t kContainsMinLength = 4;

// The text-filter conditions of one term: each field's per-row test and, where an index serves
// it, the select of the ids of the rows that pass it.
struct Terms {
  bool match_all = false;  // the term is empty
  std::vector<BoundNode> tests;
  std::vector<SqlFragment> id_selects;
  // Beside each id select over the entity's own table, its condition over t: alone, the indexed
  // form without the IN, which lets the index serve the outer query (and a count) directly.
  std::vector<std::optional<BoundNode>> own_conditions;
  bool indexed = true;  // every test has its id select
};

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

// The column of a stored text attribute of the entity's own table, which TextFilterIndexes
// indexes; empty for anything else (a link's name, a missing attribute).
std::string IndexedColumn(const EntityDef& entity, std::string_view attribute_name) {
  const AttributeDef* attribute = entity.FindAttribute(attribute_name);
  if (attribute == nullptr || attribute->kind != AttributeKind::kColumn) return {};
  return attribute->column;
}

}  // namespace

bool HasTextFilterIndex(const EntityDef& entity, std::string_view attribute) {
  const std::string column = IndexedColumn(entity, attribute);
  if (column.empty()) return false;
  for (const TextFilterIndex& index : TextFilterIndexes(entity)) {
    if (index.name == "text_" + column) return true;
  }
  return false;
}

namespace {

// Whether a field of this type is matched by prefix on its own column (or, for a person's name,
// on its parts and the full name), so that TextFilterIndexes gives it an index.
bool PrefixMatchedText(FieldType type) {
  return type == FieldType::kVarchar || type == FieldType::kUrl || type == FieldType::kEnum ||
         type == FieldType::kPersonName;
}

// The first string past every string that starts with `prefix` (bytewise): its last byte
// incremented, after dropping trailing 0xFF bytes. nullopt when nothing is past them.
std::optional<std::string> PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xFF) prefix.pop_back();
  if (prefix.empty()) return std::nullopt;
  prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

// The range `expr >= lower AND expr < end` of the strings that start with `lowered` (lower-cased
// ASCII), for an index in NOCASE order (`collate`) or over lower-cased values: a superset of what
// LIKE 'prefix%' matches, which the LIKE itself then narrows, so that results are LIKE's exactly.
// LIKE folds ASCII case only, as NOCASE does.
std::optional<BoundNode> PrefixRange(const std::string& expr, const std::string& lowered,
                                     bool collate) {
  std::optional<std::string> end = PrefixEnd(lowered);
  if (!end) return std::nullopt;
  const std::string key = collate ? expr + " COLLATE NOCASE" : expr;
  return Group(Kind::kAnd, {Compare(key, CompareOp::kGe, SqlValue(lowered)),
                            Compare(key, CompareOp::kLt, SqlValue(std::move(*end)))});
}

// `SELECT <id> FROM <from> WHERE <where> AND <range> AND <like>`, in SQLite's dialect (the only
// one the indexed form is used in).
SqlFragment IdSelect(std::string_view id, const std::string& from, SqlFragment where,
                     BoundNode range, const BoundNode& like) {
  SqlFragment out;
  out.sql = "SELECT " + std::string(id) + " FROM " + from + " WHERE ";
  out.Append(where);
  out.sql += " AND ";
  out.Append(CompileBound(Group(Kind::kAnd, {std::move(range), like}), Dialect::kSqlite));
  return out;
}

// Adds the prefix test `expr LIKE pattern` of a column or name of the entity's own table, with
// its id select when `indexed` (the expression has a text-filter index) and the term has a range.
//
// The per-row test is written `+expr LIKE ...` on SQLite: the unary plus (a no-op on any value)
// keeps SQLite from serving the LIKE through the text-filter index by itself (its LIKE
// optimisation), which sorts every match where walking the list's order finds a page of common
// ones early.
void AddOwnPrefix(const FilterContext& context, const std::string& expr, const std::string& pattern,
                  const std::optional<std::string>& literal, bool indexed, Terms& terms) {
  BoundNode like = Like(expr, pattern, false);
  std::optional<BoundNode> range;
  if (indexed && literal) range = PrefixRange(expr, ToLowerAscii(*literal), true);
  if (range) {
    terms.own_conditions.push_back(Group(Kind::kAnd, {*range, like}));
    terms.id_selects.push_back(
        IdSelect(Column(kMainAlias, "id"),
                 QuoteIdentifier(context.entity.table) + " " + std::string(kMainAlias),
                 SqlFragment{Column(kMainAlias, "deleted") + " = 0", {}}, std::move(*range), like));
  } else {
    terms.indexed = false;
  }
  terms.tests.push_back(context.dialect == Dialect::kSqlite ? Like("+" + expr, pattern, false)
                                                            : std::move(like));
}

// Adds the prefix test `value LIKE pattern` over a lookup table's rows (`value`, an expression of
// the row alias e, holds lower-cased ASCII or digits, so a bytewise range of the lowered literal
// covers the match), with its id select over the table's (entity_type, value) index.
void AddLookupPrefix(const FilterContext& context, std::string_view table, const std::string& value,
                     const std::string& pattern, const std::optional<std::string>& literal,
                     Terms& terms) {
  BoundNode like = Like(value, pattern, false);
  std::optional<BoundNode> range;
  if (literal) range = PrefixRange(value, ToLowerAscii(*literal), false);
  if (range) {
    terms.id_selects.push_back(
        IdSelect("e.\"entity_id\"", QuoteIdentifier(table) + " e",
                 SqlFragment{"e.\"entity_type\" = ?", {SqlValue(context.entity.name)}},
                 std::move(*range), like));
  } else {
    terms.indexed = false;
  }
  terms.tests.push_back(LookupExists(table, context.entity, std::move(like), false));
  terms.own_conditions.emplace_back();
}

Terms BindTerms(std::string_view text, const FilterContext& context) {
  Terms terms;
  if (text.substr(0, 3) == "ft:") text.remove_prefix(3);  // full-text search is plain search here
  if (TrimAscii(text).empty()) {
    terms.match_all = true;
    return terms;
  }
  const bool wildcard = text.find('*') != std::string_view::npos;
  std::string escaped = EscapeLike(text);
  std::replace(escaped.begin(), escaped.end(), '*', '%');
  const std::string starts_with = wildcard ? escaped : escaped + "%";
  const std::string contains = wildcard ? escaped : "%" + escaped + "%";
  const bool long_enough = CodePoints(text) >= kContainsMinLength;
  // What every match starts with, when a prefix is all the pattern says.
  const std::optional<std::string> literal =
      wildcard ? std::nullopt : std::optional<std::string>(text);
  const EntityDef& entity = context.entity;

  for (const std::string& field_name : entity.text_filter_fields) {
    const FieldDef* field = entity.FindField(field_name);
    if (field == nullptr || field->internal || (field->sensitive && !context.allow_sensitive) ||
        (context.field_readable && !context.field_readable(*field))) {
      continue;
    }
    switch (field->type) {
      case FieldType::kPersonName: {
        for (const std::string_view part : {"firstName", "lastName"}) {
          if (auto expr = ExpressionOf(context, part)) {
            AddOwnPrefix(context, *expr, starts_with, literal, !IndexedColumn(entity, part).empty(),
                         terms);
          }
        }
        if (auto expr = ExpressionOf(context, field->name)) {
          AddOwnPrefix(context, *expr, starts_with, literal, entity.person, terms);
        }
        break;
      }
      case FieldType::kEmail:
        if (text.find(' ') == std::string_view::npos) {
          AddLookupPrefix(context, kEmailLookupTable, std::string(kEmailLower),
                          ToLowerAscii(starts_with), literal, terms);
        }
        break;
      case FieldType::kPhone:
        if (LooksLikePhoneNumber(text)) {
          std::string digits;
          for (const char c : text) {
            if (c >= '0' && c <= '9') digits.push_back(c);
          }
          AddLookupPrefix(context, kPhoneLookupTable, "e.\"numeric\"", digits + "%", digits, terms);
        }
        break;
      case FieldType::kInt:
      case FieldType::kAutoincrement: {
        const auto number = IntegerOf(json::value(json::string(TrimAscii(text))));
        auto expr = ExpressionOf(context, field->name);
        if (number && expr) {
          terms.tests.push_back(Compare(*expr, CompareOp::kEq, SqlValue(*number)));
          terms.indexed = false;
        }
        break;
      }
      case FieldType::kText:
        if (auto expr = ExpressionOf(context, field->name)) {
          terms.tests.push_back(Like(*expr, long_enough ? contains : starts_with, false));
          terms.indexed = false;
        }
        break;
      case FieldType::kVarchar:
      case FieldType::kUrl:
      case FieldType::kEnum:
        if (auto expr = ExpressionOf(context, field->name)) {
          AddOwnPrefix(context, *expr, starts_with, literal,
                       !IndexedColumn(entity, field->name).empty(), terms);
        }
        break;
      case FieldType::kLink:
      case FieldType::kLinkOne:
      case FieldType::kLinkParent:
        if (auto expr = ExpressionOf(context, field->name + "Name")) {
          terms.tests.push_back(Like(*expr, starts_with, false));
          terms.indexed = false;
        }
        break;
      default:
        break;  // numbers, dates, flags and lists do not take part in text search
    }
  }
  return terms;
}

// Whether `terms` has an indexed form.
bool Indexed(const Terms& terms, const FilterContext& context) {
  return context.dialect == Dialect::kSqlite && !terms.match_all && !terms.tests.empty() &&
         terms.indexed;
}

SqlFragment UnionOf(const Terms& terms) {
  SqlFragment out;
  for (const SqlFragment& select : terms.id_selects) {
    if (!out.sql.empty()) out.sql += " UNION ALL ";
    out.Append(select);
  }
  return out;
}

}  // namespace

std::optional<SqlFragment> TextFilterIds(std::string_view text, const FilterContext& context) {
  const Terms terms = BindTerms(text, context);
  if (!Indexed(terms, context)) return std::nullopt;
  return UnionOf(terms);
}

BoundNode BindTextFilter(std::string_view text, const FilterContext& context) {
  Terms terms = BindTerms(text, context);
  if (context.text_filter_by_index && Indexed(terms, context)) {
    if (terms.own_conditions.size() == 1 && terms.own_conditions[0]) {
      return std::move(*terms.own_conditions[0]);
    }
    SqlFragment ids = UnionOf(terms);
    return Raw(Column(kMainAlias, "id") + " IN (" + ids.sql + ")", std::move(ids.params));
  }
  if (terms.match_all) return Constant(true);
  if (terms.tests.empty()) return Constant(false);
  return Group(Kind::kOr, std::move(terms.tests));
}

}  // namespace crm::query::internal

namespace crm::query {

std::vector<TextFilterIndex> TextFilterIndexes(const metadata::EntityDef& entity) {
  using internal::IndexedColumn;
  std::vector<TextFilterIndex> indexes;
  const auto add_column = [&](const std::string& column) {
    if (column.empty()) return;
    for (const TextFilterIndex& index : indexes) {
      if (index.name == "text_" + column) return;
    }
    indexes.push_back({"text_" + column, QuoteIdentifier(column) + " COLLATE NOCASE"});
  };
  for (const std::string& field_name : entity.text_filter_fields) {
    const metadata::FieldDef* field = entity.FindField(field_name);
    if (field == nullptr || !internal::PrefixMatchedText(field->type)) continue;
    if (field->type != metadata::FieldType::kPersonName) {
      add_column(IndexedColumn(entity, field->name));
      continue;
    }
    add_column(IndexedColumn(entity, "firstName"));
    add_column(IndexedColumn(entity, "lastName"));
    if (!entity.person) continue;
    // The full name; its parts follow so that SQLite (3.40 does not read an expression's value from
    // an index) finds every column the test needs in the index and leaves the table alone.
    TextFilterIndex name{"text_name", NameExpression(entity, "") + " COLLATE NOCASE"};
    for (const char* part : {"first_name", "last_name"})
      name.columns += ", " + QuoteIdentifier(part);
    indexes.push_back(std::move(name));
  }
  return indexes;
}

}  // namespace crm::query
