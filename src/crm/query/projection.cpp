#include "crm/query/projection.hpp"

#include <algorithm>
#include <map>

#include "crm/common/strings.hpp"
#include "crm/query/sql.hpp"

namespace crm::query {
namespace {

using metadata::AttributeDef;
using metadata::AttributeKind;
using metadata::EntityDef;
using metadata::LinkDef;

// A metadata-defined constant (an entity name) as an SQL string literal. Only metadata reaches
// this.
std::string Literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string TableOf(const EntityDef& entity) { return QuoteIdentifier(entity.table); }

// The attribute's owning link (for link names, hasOne ids, foreign fields).
const LinkDef* LinkOfAttribute(const EntityDef& entity, const AttributeDef& attribute) {
  const auto& field = entity.FieldOf(attribute);
  const std::string& link_name =
      attribute.kind == AttributeKind::kForeign ? field.foreign_link : field.name;
  return entity.FindLink(link_name);
}

std::string ParentNameExpression(const metadata::Metadata& metadata, const EntityDef& entity,
                                 const AttributeDef& attribute, std::string_view alias) {
  const auto& field = entity.FieldOf(attribute);
  const std::string type_column = Column(alias, ToSnakeCase(field.name + "Type"));
  const std::string id_column = Column(alias, ToSnakeCase(field.name + "Id"));
  std::string sql = "CASE " + type_column;
  for (const auto& type : field.entity_list) {
    const EntityDef& parent = metadata.Entity(type);
    sql += " WHEN " + Literal(parent.name) + " THEN (SELECT " + NameExpression(parent, "p") +
           " FROM " + TableOf(parent) + " p WHERE p.\"id\" = " + id_column +
           " AND p.\"deleted\" = 0)";
  }
  sql += " END";
  return sql;
}

std::string LinkOneExpression(const metadata::Metadata& metadata, const EntityDef& entity,
                              const AttributeDef& attribute, bool name) {
  const LinkDef* link = LinkOfAttribute(entity, attribute);
  const EntityDef& other = metadata.Entity(link->entity);
  const std::string fk = ToSnakeCase(link->foreign + "Id");
  return "(SELECT " + (name ? NameExpression(other, "o") : std::string("o.\"id\"")) + " FROM " +
         TableOf(other) + " o WHERE o." + QuoteIdentifier(fk) + " = " + Column(kMainAlias, "id") +
         " AND o.\"deleted\" = 0 LIMIT 1)";
}

// The join-table column of a relationColumn field, for the row of the record's belongsTo link.
std::string RelationColumnExpression(const EntityDef& entity, const AttributeDef& attribute) {
  const auto& field = entity.FieldOf(attribute);
  const LinkDef& link = *entity.FindLink(field.relation_link);
  std::string column;
  for (const auto& c : link.additional_columns) {
    if (c.name == field.relation_column) column = c.column;
  }
  std::string sql = "(SELECT j." + QuoteIdentifier(column) + " FROM " +
                    QuoteIdentifier(link.join_table) + " j WHERE j." +
                    QuoteIdentifier(link.near_key_column) + " = " + Column(kMainAlias, "id") +
                    " AND j." + QuoteIdentifier(link.far_key_column) + " = " +
                    Column(kMainAlias, ToSnakeCase(field.relation_through + "Id"));
  for (const auto& [condition, value] : link.conditions) {
    sql += " AND j." + QuoteIdentifier(condition) + " = " + Literal(value);
  }
  return sql + ")";
}

// Correlated-subquery form of a belongsTo link's name or foreign column (used in WHERE/ORDER BY).
std::string LinkedValueSubquery(const metadata::Metadata& metadata, const EntityDef& entity,
                                const AttributeDef& attribute) {
  const LinkDef* link = LinkOfAttribute(entity, attribute);
  const EntityDef& other = metadata.Entity(link->entity);
  std::string value;
  if (attribute.kind == AttributeKind::kForeign) {
    value = Column("f", other.FindAttribute(entity.FieldOf(attribute).foreign_field)->column);
  } else {
    value = NameExpression(other, "f");
  }
  return "(SELECT " + value + " FROM " + TableOf(other) +
         " f WHERE f.\"id\" = " + Column(kMainAlias, ToSnakeCase(link->name + "Id")) +
         " AND f.\"deleted\" = 0)";
}

// One JSON array of [id, name, relation columns...] for the records linked through `link` to the
// row aliased kMainAlias, in index order (by id). Condition values (the entity type of a shared
// join table) come from metadata and are written as literals, so the SELECT list takes no
// parameters.
std::string LinkSetExpression(const metadata::Metadata& metadata, Dialect dialect,
                              const LinkDef& link) {
  const EntityDef& other = metadata.Entity(link.entity);
  std::string row = "o.\"id\" AS id, " + NameExpression(other, "o") + " AS name";
  std::string columns = "x.id, x.name";
  std::string from;
  if (link.many_to_many()) {
    for (std::size_t i = 0; i < link.additional_columns.size(); ++i) {
      row +=
          ", j." + QuoteIdentifier(link.additional_columns[i].column) + " AS c" + std::to_string(i);
      columns += ", x.c" + std::to_string(i);
    }
    from = " FROM " + QuoteIdentifier(link.join_table) + " j JOIN " + TableOf(other) +
           " o ON o.\"id\" = j." + QuoteIdentifier(link.far_key_column) +
           " AND o.\"deleted\" = 0 WHERE j." + QuoteIdentifier(link.near_key_column) + " = " +
           Column(kMainAlias, "id");
    for (const auto& [column, value] : link.conditions) {
      from += " AND j." + QuoteIdentifier(column) + " = " + Literal(value);
    }
  } else {
    from = " FROM " + TableOf(other) + " o WHERE o." +
           QuoteIdentifier(ToSnakeCase(link.foreign + "Id")) + " = " + Column(kMainAlias, "id") +
           " AND o.\"deleted\" = 0";
  }
  // No ORDER BY: the join table's key (and the foreign key index) already yield the linked ids in
  // order, and sorting a handful of rows costs a temporary B-tree per record.
  return "(SELECT " + JsonArrayOfRows(dialect, columns) + " FROM (SELECT " + row + from + ") x)";
}

}  // namespace

bool IsSqlAttribute(const AttributeDef& attribute) {
  switch (attribute.kind) {
    case AttributeKind::kLinkMultipleIds:
    case AttributeKind::kLinkMultipleNames:
    case AttributeKind::kLinkMultipleColumns:
    case AttributeKind::kDuration:
    case AttributeKind::kEmpty:
      return false;
    default:
      return !attribute.internal;
  }
}

std::string NameExpression(const EntityDef& entity, std::string_view alias) {
  if (entity.person) {
    // "first last", or the one that is set; NULL when both are empty (also for a missing joined
    // row).
    return "NULLIF(TRIM(COALESCE(" + Column(alias, "first_name") + ", '') || ' ' || COALESCE(" +
           Column(alias, "last_name") + ", '')), '')";
  }
  if (const AttributeDef* name = entity.FindAttribute("name"); name != nullptr && name->stored()) {
    return Column(alias, name->column);
  }
  return Column(alias, "id");
}

Projection BuildProjection(const metadata::Metadata& metadata, const EntityDef& entity,
                           Dialect dialect, std::span<const int> attributes,
                           std::span<const std::string> extra) {
  Projection projection;
  std::string select = "SELECT ";
  std::string joins;
  std::map<std::string, std::string> join_alias;  // link name -> alias
  const auto join_for = [&](const LinkDef& link) -> std::string {
    auto it = join_alias.find(link.name);
    if (it != join_alias.end()) return it->second;
    const std::string alias = "j" + std::to_string(join_alias.size());
    const EntityDef& other = metadata.Entity(link.entity);
    joins += " LEFT JOIN " + TableOf(other) + " " + alias + " ON " + alias +
             ".\"id\" = " + Column(kMainAlias, ToSnakeCase(link.name + "Id")) + " AND " + alias +
             ".\"deleted\" = 0";
    join_alias.emplace(link.name, alias);
    return alias;
  };

  for (const int index : attributes) {
    const AttributeDef& attribute = entity.attributes[static_cast<std::size_t>(index)];
    if (!IsSqlAttribute(attribute)) continue;
    std::string expression;
    switch (attribute.kind) {
      case AttributeKind::kLinkName: {
        const LinkDef* link = LinkOfAttribute(entity, attribute);
        expression = NameExpression(metadata.Entity(link->entity), join_for(*link));
        break;
      }
      case AttributeKind::kForeign: {
        const LinkDef* link = LinkOfAttribute(entity, attribute);
        const EntityDef& other = metadata.Entity(link->entity);
        expression = Column(join_for(*link),
                            other.FindAttribute(entity.FieldOf(attribute).foreign_field)->column);
        break;
      }
      default:
        expression = *AttributeExpression(metadata, entity, attribute);
        break;
    }
    if (!projection.columns.empty()) select += ", ";
    select += expression;
    projection.columns.push_back(index);
  }
  // One JSON column per linkMultiple field any of whose attributes was asked for.
  for (const int index : attributes) {
    const AttributeDef& attribute = entity.attributes[static_cast<std::size_t>(index)];
    const bool link_set = attribute.kind == AttributeKind::kLinkMultipleIds ||
                          attribute.kind == AttributeKind::kLinkMultipleNames ||
                          attribute.kind == AttributeKind::kLinkMultipleColumns;
    if (!link_set || std::find(projection.link_sets.begin(), projection.link_sets.end(),
                               attribute.field) != projection.link_sets.end()) {
      continue;
    }
    if (!projection.columns.empty() || !projection.link_sets.empty()) select += ", ";
    select +=
        LinkSetExpression(metadata, dialect, *entity.FindLink(entity.FieldOf(attribute).name));
    projection.link_sets.push_back(attribute.field);
  }
  bool first_extra = projection.columns.empty() && projection.link_sets.empty();
  for (const auto& expression : extra) {
    if (!first_extra) select += ", ";
    first_extra = false;
    select += expression;
  }
  if (projection.columns.empty() && projection.link_sets.empty() && extra.empty()) {
    select += "1";  // keeps the statement valid when only computed attributes were asked for
  }
  projection.select_from =
      select + " FROM " + TableOf(entity) + " " + std::string(kMainAlias) + joins;
  return projection;
}

std::optional<std::string> AttributeExpression(const metadata::Metadata& metadata,
                                               const EntityDef& entity,
                                               const AttributeDef& attribute) {
  if (!IsSqlAttribute(attribute)) return std::nullopt;
  switch (attribute.kind) {
    case AttributeKind::kColumn:
    case AttributeKind::kEmailData:
    case AttributeKind::kPhoneData:
      return Column(kMainAlias, attribute.column);
    case AttributeKind::kPersonName:
      return NameExpression(entity, kMainAlias);
    case AttributeKind::kLinkName:
    case AttributeKind::kForeign:
      return LinkedValueSubquery(metadata, entity, attribute);
    case AttributeKind::kLinkOneId:
      return LinkOneExpression(metadata, entity, attribute, false);
    case AttributeKind::kLinkOneName:
      return LinkOneExpression(metadata, entity, attribute, true);
    case AttributeKind::kParentName:
      return ParentNameExpression(metadata, entity, attribute, kMainAlias);
    case AttributeKind::kRelationColumn:
      return RelationColumnExpression(entity, attribute);
    case AttributeKind::kCurrencyConverted: {
      const auto& field = entity.FieldOf(attribute);
      return Column(kMainAlias, entity.FindAttribute(field.name)->column);
    }
    case AttributeKind::kLinkMultipleIds:
    case AttributeKind::kLinkMultipleNames:
    case AttributeKind::kLinkMultipleColumns:
    case AttributeKind::kDuration:
    case AttributeKind::kEmpty:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace crm::query
