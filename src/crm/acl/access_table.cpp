#include "crm/acl/access_table.hpp"

#include <algorithm>

namespace crm::acl {
namespace {

namespace json = boost::json;
using metadata::AclKind;
using metadata::EntityDef;

constexpr std::array<Action, kActionCount> kActions = {
    Action::kCreate, Action::kRead, Action::kEdit, Action::kDelete, Action::kStream};
constexpr std::array<Permission, kPermissionCount> kPermissions = {
    Permission::kAssignment, Permission::kUser, Permission::kMassUpdate, Permission::kExport};

std::size_t Index(Action action) { return static_cast<std::size_t>(action); }
std::size_t Index(Permission permission) { return static_cast<std::size_t>(permission); }

// yes/no permissions (mass update, export) against all/team/no ones (assignment, user).
bool IsYesNo(Permission permission) {
  return permission == Permission::kMassUpdate || permission == Permission::kExport;
}

std::optional<Level> ParseLevel(std::string_view text, bool yes_no) {
  if (text == "no") return Level::kNo;
  if (yes_no) {
    if (text == "yes") return Level::kAll;
    return std::nullopt;
  }
  if (text == "all") return Level::kAll;
  if (text == "team") return Level::kTeam;
  if (text == "own") return Level::kOwn;
  return std::nullopt;
}

Status BadRole(const std::string& what) { return Status::InvalidArgument("Role: " + what + "."); }

// The levels of one scope's object of actions ({"read": "team", ...}); "not-set" sets nothing.
Result<std::array<std::optional<Level>, kActionCount>> ParseLevels(std::string_view scope,
                                                                   const json::object& actions) {
  std::array<std::optional<Level>, kActionCount> levels;
  for (const auto& [key, level] : actions) {
    // clang 14 cannot capture a structured binding in a lambda.
    const std::string_view name = key;
    const auto action = std::find_if(kActions.begin(), kActions.end(),
                                     [&](Action a) { return ActionName(a) == name; });
    const std::string where = "'" + std::string(key) + "' in scope '" + std::string(scope) + "'";
    if (action == kActions.end()) return BadRole("unknown action " + where);
    if (level.is_string() && level.get_string() == "not-set") continue;
    const auto parsed = level.is_string()
                            ? ParseLevel(level.get_string(), *action == Action::kCreate)
                            : std::nullopt;
    if (!parsed) return BadRole("bad level for " + where);
    levels[Index(*action)] = *parsed;
  }
  return levels;
}

Result<ScopeRule> ParseScope(const EntityDef& entity, const json::value& value) {
  ScopeRule rule;
  if (value.is_bool()) {
    // `false` turns a scope off; `true` grants a boolean scope (EspoCRM writes both forms).
    if (entity.acl == AclKind::kBoolean) {
      rule.granted = value.get_bool();
    } else if (value.get_bool()) {
      return BadRole("scope '" + entity.name + "' takes an object of levels, not true");
    } else {
      rule.levels.fill(Level::kNo);
    }
    return rule;
  }
  if (entity.acl == AclKind::kBoolean) {
    return BadRole("scope '" + entity.name + "' takes true or false");
  }
  if (!value.is_object()) return BadRole("scope '" + entity.name + "' must be an object");
  CRM_ASSIGN_OR_RETURN(rule.levels, ParseLevels(entity.name, value.get_object()));
  return rule;
}

// A scope without an entity here: `true`/`false`, or an object of known actions and levels.
Status CheckForeignScope(std::string_view scope, const json::value& value) {
  if (value.is_bool()) return {};
  if (!value.is_object()) return BadRole("scope '" + std::string(scope) + "' must be an object");
  return ParseLevels(scope, value.get_object()).status();
}

Result<std::optional<bool>> ParseFieldLevel(const json::value* value, const std::string& where) {
  if (value == nullptr || value->is_null()) return std::optional<bool>();
  if (value->is_string()) {
    const std::string_view text = value->get_string();
    if (text == "yes") return std::optional<bool>(true);
    if (text == "no") return std::optional<bool>(false);
    if (text == "not-set") return std::optional<bool>();
  }
  return BadRole("bad level in fieldData for " + where);
}

}  // namespace

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kCreate:
      return "create";
    case Action::kRead:
      return "read";
    case Action::kEdit:
      return "edit";
    case Action::kDelete:
      return "delete";
    case Action::kStream:
      return "stream";
  }
  return "read";
}

std::string_view LevelName(Level level, Action action) {
  if (action == Action::kCreate) return level == Level::kNo ? "no" : "yes";
  switch (level) {
    case Level::kNo:
      return "no";
    case Level::kOwn:
      return "own";
    case Level::kTeam:
      return "team";
    case Level::kAll:
      return "all";
  }
  return "no";
}

std::string_view PermissionAttribute(Permission permission) {
  switch (permission) {
    case Permission::kAssignment:
      return "assignmentPermission";
    case Permission::kUser:
      return "userPermission";
    case Permission::kMassUpdate:
      return "massUpdatePermission";
    case Permission::kExport:
      return "exportPermission";
  }
  return "assignmentPermission";
}

Result<RoleRules> ParseRole(const metadata::Metadata& metadata, const json::object& role) {
  RoleRules rules;
  if (const auto* data = role.if_contains("data"); data != nullptr && !data->is_null()) {
    if (!data->is_object()) return BadRole("data must be an object");
    for (const auto& [scope, value] : data->get_object()) {
      const EntityDef* entity = metadata.FindEntity(scope);
      if (entity == nullptr) {
        // EspoCRM's clients send the scopes of modules crmd does not have (Document, Campaign,
        // Calendar, ...): checked for shape, kept in the record, and granting nothing.
        CRM_RETURN_IF_ERROR(CheckForeignScope(scope, value));
        continue;
      }
      CRM_ASSIGN_OR_RETURN(rules.scopes[scope], ParseScope(*entity, value));
    }
  }
  if (const auto* data = role.if_contains("fieldData"); data != nullptr && !data->is_null()) {
    if (!data->is_object()) return BadRole("fieldData must be an object");
    for (const auto& [scope, fields] : data->get_object()) {
      const EntityDef* entity = metadata.FindEntity(scope);
      if (entity == nullptr) {
        return BadRole("unknown scope '" + std::string(scope) + "' in fieldData");
      }
      if (!fields.is_object())
        return BadRole("fieldData." + std::string(scope) + " must be an object");
      for (const auto& [field, levels] : fields.get_object()) {
        const std::string where = std::string(scope) + "." + std::string(field);
        const auto* def = entity->FindField(field);
        if (def == nullptr || def->internal) return BadRole("unknown field '" + where + "'");
        if (!levels.is_object()) return BadRole("fieldData." + where + " must be an object");
        FieldRule rule;
        CRM_ASSIGN_OR_RETURN(rule.read,
                             ParseFieldLevel(levels.get_object().if_contains("read"), where));
        CRM_ASSIGN_OR_RETURN(rule.edit,
                             ParseFieldLevel(levels.get_object().if_contains("edit"), where));
        rules.fields[scope][field] = rule;
      }
    }
  }
  for (const Permission permission : kPermissions) {
    const auto* value = role.if_contains(PermissionAttribute(permission));
    if (value == nullptr || value->is_null()) continue;
    if (value->is_string() && value->get_string() == "not-set") continue;
    const auto level =
        value->is_string() ? ParseLevel(value->get_string(), IsYesNo(permission)) : std::nullopt;
    if (!level || *level == Level::kOwn) {
      return BadRole("bad value of " + std::string(PermissionAttribute(permission)));
    }
    rules.permissions[Index(permission)] = *level;
  }
  return rules;
}

json::object FullAccessData(const metadata::Metadata& metadata) {
  json::object data;
  for (const auto& entity : metadata.entities()) {
    if (entity.acl == AclKind::kAdminOnly) continue;
    if (entity.acl == AclKind::kBoolean) {
      data[entity.name] = true;
      continue;
    }
    data[entity.name] = json::object{
        {"create", "yes"}, {"read", "all"}, {"edit", "all"}, {"delete", "all"}, {"stream", "all"}};
  }
  return data;
}

std::shared_ptr<const AccessTable> FullAccess(const metadata::Metadata& metadata,
                                              std::string user_id) {
  json::object role{{"data", FullAccessData(metadata)}};
  for (const Permission p : kPermissions) {
    role[PermissionAttribute(p)] = IsYesNo(p) ? "yes" : "all";
  }
  const RoleRules rules = *ParseRole(metadata, role);
  return AccessTable::Merge(metadata, std::span<const RoleRules>(&rules, 1), std::move(user_id),
                            {});
}

std::shared_ptr<const AccessTable> AccessTable::Merge(const metadata::Metadata& metadata,
                                                      std::span<const RoleRules> roles,
                                                      std::string user_id,
                                                      std::vector<std::string> team_ids) {
  auto table = std::make_shared<AccessTable>();
  for (const auto& entity : metadata.entities()) {
    Scope scope;
    scope.boolean = entity.acl == AclKind::kBoolean;
    // EspoCRM's defaults when no role sets anything: users see themselves, teams their own.
    if (entity.name == "User") scope.levels[Index(Action::kRead)] = Level::kOwn;
    if (entity.name == "Team") scope.levels[Index(Action::kRead)] = Level::kTeam;
    if (entity.acl != AclKind::kAdminOnly) {
      for (const RoleRules& role : roles) {
        const auto it = role.scopes.find(entity.name);
        if (it == role.scopes.end()) continue;
        if (scope.boolean && it->second.granted.value_or(false)) {
          scope.levels.fill(Level::kAll);
        }
        for (std::size_t a = 0; a < kActionCount; ++a) {
          if (it->second.levels[a])
            scope.levels[a] = std::max(scope.levels[a], *it->second.levels[a]);
        }
      }
    }
    // Limits no role lifts: users and teams are changed by admins only.
    if (entity.name == "User" || entity.name == "Team") {
      for (const Action a : {Action::kCreate, Action::kEdit, Action::kDelete}) {
        scope.levels[Index(a)] = Level::kNo;
      }
    }
    table->scopes_[entity.name] = scope;
  }
  // Field limits: the most permissive level among the roles that set one; unset means yes.
  std::map<std::string, std::map<std::string, std::pair<std::optional<bool>, std::optional<bool>>>>
      merged;
  for (const RoleRules& role : roles) {
    for (const auto& [scope, fields] : role.fields) {
      for (const auto& [field, rule] : fields) {
        auto& [read, edit] = merged[scope][field];
        if (rule.read) read = read.value_or(false) || *rule.read;
        if (rule.edit) edit = edit.value_or(false) || *rule.edit;
      }
    }
  }
  for (const auto& [scope, fields] : merged) {
    for (const auto& [field, levels] : fields) {
      FieldLimits limits;
      limits.read = levels.first.value_or(true);
      // A field one may not read cannot be edited either.
      limits.edit = limits.read && levels.second.value_or(true);
      if (!limits.read || !limits.edit) table->fields_[scope][field] = limits;
    }
  }
  for (const RoleRules& role : roles) {
    for (std::size_t p = 0; p < kPermissionCount; ++p) {
      if (role.permissions[p]) {
        table->permissions_[p] = std::max(table->permissions_[p], *role.permissions[p]);
      }
    }
  }
  table->user_id_ = std::move(user_id);
  std::sort(team_ids.begin(), team_ids.end());
  table->team_ids_ = std::move(team_ids);
  return table;
}

Level AccessTable::level(std::string_view scope, Action action) const {
  const auto it = scopes_.find(scope);
  return it == scopes_.end() ? Level::kNo : it->second.levels[Index(action)];
}

bool AccessTable::FieldReadable(std::string_view scope, std::string_view field) const {
  const auto it = fields_.find(scope);
  if (it == fields_.end()) return true;
  const auto f = it->second.find(field);
  return f == it->second.end() || f->second.read;
}

bool AccessTable::FieldEditable(std::string_view scope, std::string_view field) const {
  const auto it = fields_.find(scope);
  if (it == fields_.end()) return true;
  const auto f = it->second.find(field);
  return f == it->second.end() || f->second.edit;
}

bool AccessTable::HasFieldLimits(std::string_view scope) const {
  return fields_.find(scope) != fields_.end();
}

Level AccessTable::permission(Permission permission) const {
  return permissions_[Index(permission)];
}

json::object AccessTable::ToAppUserJson(const metadata::Metadata& metadata) const {
  json::object table;
  json::object field_table;
  for (const auto& entity : metadata.entities()) {
    const auto it = scopes_.find(entity.name);
    if (it == scopes_.end()) continue;
    const Scope& scope = it->second;
    if (scope.boolean) {
      table[entity.name] = scope.levels[Index(Action::kRead)] == Level::kAll;
      continue;
    }
    // Scopes without any access are left out, as EspoCRM does for non-admins.
    if (std::all_of(scope.levels.begin(), scope.levels.end(),
                    [](Level l) { return l == Level::kNo; })) {
      continue;
    }
    json::object levels;
    for (const Action a : kActions) {
      levels[ActionName(a)] = LevelName(scope.levels[Index(a)], a);
    }
    table[entity.name] = std::move(levels);
    if (const auto limits = fields_.find(entity.name); limits != fields_.end()) {
      json::object fields;
      for (const auto& [field, l] : limits->second) {
        fields[field] =
            json::object{{"read", l.read ? "yes" : "no"}, {"edit", l.edit ? "yes" : "no"}};
      }
      field_table[entity.name] = std::move(fields);
    }
  }
  json::object quick_access;
  for (const auto& [scope, fields] : field_table) {
    json::array read_forbidden;
    json::array edit_forbidden;
    for (const auto& [field, levels] : fields.get_object()) {
      if (levels.at("read") == "no") read_forbidden.emplace_back(field);
      if (levels.at("edit") == "no") edit_forbidden.emplace_back(field);
    }
    quick_access[scope] = json::object{
        {"fields",
         json::object{{"read", json::object{{"yes", json::array()}, {"no", read_forbidden}}},
                      {"edit", json::object{{"yes", json::array()}, {"no", edit_forbidden}}}}}};
  }
  json::object acl{{"table", std::move(table)},
                   {"fieldTable", std::move(field_table)},
                   {"fieldTableQuickAccess", std::move(quick_access)}};
  for (const Permission p : kPermissions) {
    acl[PermissionAttribute(p)] =
        LevelName(permissions_[Index(p)], IsYesNo(p) ? Action::kCreate : Action::kRead);
  }
  return acl;
}

}  // namespace crm::acl
