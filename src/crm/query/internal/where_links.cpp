#include "crm/query/internal/where_links.hpp"

#include <string>
#include <unordered_set>
#include <vector>

#include "crm/common/strings.hpp"
#include "crm/query/internal/bound_nodes.hpp"
#include "crm/query/internal/where_values.hpp"
#include "crm/query/projection.hpp"
#include "crm/query/sql.hpp"

namespace crm::query::internal {
namespace {

namespace json = boost::json;
using metadata::EntityDef;
using metadata::LinkDef;
using metadata::LinkType;
using Kind = BoundNode::Kind;

// The link `name` names: the link itself or its id attribute (accountId, teamsIds).
const LinkDef* FindLink(const EntityDef& entity, std::string_view name) {
  if (const LinkDef* link = entity.FindLink(name)) return link;
  for (const std::string_view suffix : {std::string_view("Ids"), std::string_view("Id")}) {
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      if (const LinkDef* link = entity.FindLink(name.substr(0, name.size() - suffix.size()))) {
        return link;
      }
    }
  }
  return nullptr;
}

// A belongsTo or belongsToParent link: the record's own foreign key.
BoundNode BindForeignKey(const LinkDef& link, WhereType type, std::vector<SqlValue> ids) {
  const std::string fk = Column(kMainAlias, ToSnakeCase(link.name + "Id"));
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

// The live related records of a to-many link, as a SELECT of `near` (the column holding this
// record's id) with `far` the related record's id.
struct RelatedRows {
  std::string base;
  std::vector<SqlValue> params;
  std::string near;
  std::string far;
  bool near_nullable = true;
};

Result<RelatedRows> RelatedRowsOf(const ParsedItem& item, const LinkDef& link,
                                  const FilterContext& context) {
  const EntityDef* other = context.metadata.FindEntity(link.entity);
  if (other == nullptr)
    return Invalid("Not existing relation " + QuoteName(item.attribute) + " in where.");
  RelatedRows rows;
  if (link.many_to_many()) {
    rows.near = Column("j", link.near_key_column);
    rows.far = Column("j", link.far_key_column);
    rows.near_nullable = false;
    rows.base = "SELECT " + rows.near + " FROM " + QuoteIdentifier(link.join_table) + " j JOIN " +
                QuoteIdentifier(other->table) + " f ON f.\"id\" = " + rows.far +
                " WHERE f.\"deleted\" = 0";
    for (const auto& [column, value] : link.conditions) {
      rows.base += " AND " + Column("j", column) + " = ?";
      rows.params.emplace_back(value);
    }
    return rows;
  }
  if (link.foreign.empty()) {
    return Invalid("Relation " + QuoteName(item.attribute) + " cannot be used in where.");
  }
  rows.near = Column("o", ToSnakeCase(link.foreign + "Id"));
  rows.far = Column("o", "id");
  rows.base = "SELECT " + rows.near + " FROM " + QuoteIdentifier(other->table) +
              " o WHERE o.\"deleted\" = 0";
  if (link.type == LinkType::kHasChildren) {
    rows.base += " AND " + Column("o", ToSnakeCase(link.foreign + "Type")) + " = ?";
    rows.params.emplace_back(context.entity.name);
  }
  return rows;
}

// A to-many link: the record's id in (or not in) the related rows.
BoundNode BindRelatedRows(WhereType type, RelatedRows rows, const std::vector<SqlValue>& ids) {
  const std::string id = Column(kMainAlias, "id");
  const std::string not_null = rows.near_nullable ? " AND " + rows.near + " IS NOT NULL" : "";
  const auto with_ids = [&](std::string sql) {
    sql +=
        " AND " + rows.far + (ids.size() == 1 ? " = ?" : " IN (" + Placeholders(ids.size()) + ")");
    rows.params.insert(rows.params.end(), ids.begin(), ids.end());
    return sql;
  };
  // Each case builds the SQL (which appends the ids to `params`) before handing `params` over.
  std::string sql;
  switch (type) {
    case WhereType::kLinkedWith:
      if (ids.empty()) return Constant(false);
      sql = id + " IN (" + with_ids(rows.base) + ")";
      break;
    case WhereType::kNotLinkedWith:
      if (ids.empty()) return Constant(true);
      sql = id + " NOT IN (" + with_ids(rows.base + not_null) + ")";
      break;
    case WhereType::kLinkedWithAll:
      sql = id + " IN (" + with_ids(rows.base) + " GROUP BY " + rows.near +
            " HAVING COUNT(DISTINCT " + rows.far + ") = ?)";
      rows.params.emplace_back(static_cast<std::int64_t>(ids.size()));
      break;
    case WhereType::kIsLinked:
      sql = id + " IN (" + rows.base + ")";
      break;
    default:  // kIsNotLinked
      sql = id + " NOT IN (" + rows.base + not_null + ")";
      break;
  }
  return Raw(std::move(sql), std::move(rows.params));
}

}  // namespace

Result<BoundNode> BindLink(const ParsedItem& item, const FilterContext& context) {
  const LinkDef* link = FindLink(context.entity, item.attribute);
  if (link == nullptr)
    return Invalid("Not existing relation " + QuoteName(item.attribute) + " in where.");
  std::vector<SqlValue> ids;
  std::unordered_set<std::string> seen;
  for (const json::value* value : item.values) {
    auto text = TextOf(*value);
    if (!text) return BadValue(item.attribute, "a record id");
    AppendUnique(std::move(*text), seen, ids);
  }
  if (link->type == LinkType::kBelongsTo || link->type == LinkType::kBelongsToParent)
    return BindForeignKey(*link, item.type, std::move(ids));
  CRM_ASSIGN_OR_RETURN(RelatedRows rows, RelatedRowsOf(item, *link, context));
  return BindRelatedRows(item.type, std::move(rows), ids);
}

}  // namespace crm::query::internal
