#include "crm/acl/row_condition.hpp"

namespace crm::acl {
namespace {

using metadata::EntityDef;
using query::QuoteIdentifier;
using query::SqlFragment;

// A condition no row meets. PostgreSQL wants a boolean where SQLite takes 0.
constexpr char kNoRow[] = "1 = 0";

// " IN (?, ?, ...)" over the user's teams, with their ids appended to `out`.
std::string InTeams(const AccessTable& who, SqlFragment& out) {
  std::string sql = " IN (";
  for (std::size_t i = 0; i < who.team_ids().size(); ++i) {
    sql += i == 0 ? "?" : ", ?";
    out.params.emplace_back(who.team_ids()[i]);
  }
  return sql + ")";
}

SqlFragment OwnCondition(const EntityDef& entity, const AccessTable& who, RowScope scope) {
  SqlFragment out;
  std::string column;
  if (entity.name == "User") {
    out.sql = "t.\"id\" = ?";
    out.params.emplace_back(who.user_id());
    return out;
  }
  if (entity.HasField("assignedUser")) {
    column = "assigned_user_id";
  } else if (entity.HasField("createdBy")) {
    column = "created_by_id";
  } else {
    out.sql = kNoRow;
    return out;
  }
  // Owner columns are foreign keys, and every foreign key has its index (store/schema.cpp).
  if (scope == RowScope::kOneRow) {
    out.sql = "t." + QuoteIdentifier(column) + " = ?";
  } else {
    out.sql = "t.\"id\" IN (SELECT o.\"id\" FROM " + QuoteIdentifier(entity.table) + " o WHERE o." +
              QuoteIdentifier(column) + " = ? AND o.\"deleted\" = 0)";
  }
  out.params.emplace_back(who.user_id());
  return out;
}

// Rows linked to one of the user's teams through the many-to-many link `link` of `entity`.
SqlFragment LinkedToTeams(const metadata::LinkDef& link, const AccessTable& who) {
  SqlFragment out;
  out.sql = "EXISTS (SELECT 1 FROM " + QuoteIdentifier(link.join_table) + " a WHERE a." +
            QuoteIdentifier(link.near_key_column) + " = t.\"id\"";
  for (const auto& [column, value] : link.conditions) {
    out.sql += " AND a." + QuoteIdentifier(column) + " = ?";
    out.params.emplace_back(value);
  }
  out.sql += " AND a." + QuoteIdentifier(link.far_key_column) + InTeams(who, out) + ")";
  return out;
}

}  // namespace

SqlFragment RowCondition(const EntityDef& entity, Level level, const AccessTable& who,
                         RowScope scope) {
  switch (level) {
    case Level::kAll:
      return {};
    case Level::kNo:
      return {kNoRow, {}};
    case Level::kOwn:
      return OwnCondition(entity, who, scope);
    case Level::kTeam:
      break;
  }
  if (entity.name == "Team") {
    SqlFragment out;
    if (who.team_ids().empty()) return {kNoRow, {}};
    out.sql = "t.\"id\"" + InTeams(who, out);
    return out;
  }
  SqlFragment own = OwnCondition(entity, who, scope);
  // For User this is the team membership itself (team_user), so team reaches the members of
  // the user's teams.
  const metadata::LinkDef* teams = entity.FindLink("teams");
  if (who.team_ids().empty() || teams == nullptr || !teams->many_to_many()) return own;
  SqlFragment linked = LinkedToTeams(*teams, who);
  SqlFragment out;
  out.sql = "(" + own.sql + " OR " + linked.sql + ")";
  out.params = std::move(own.params);
  out.params.insert(out.params.end(), linked.params.begin(), linked.params.end());
  return out;
}

}  // namespace crm::acl
