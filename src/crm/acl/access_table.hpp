// Roles and the access table merged from them: EspoCRM's ACL (docs/espocrm-wire.md section 7).
//
// A Role says, per scope (entity), which level of each action it grants (`create`: yes/no;
// `read`, `edit`, `delete`, `stream`: all/team/own/no), per field whether it may be read and
// edited, and a few permissions (assignment, user, mass update, export). A user's AccessTable
// merges every role it holds directly and through its teams: for each scope and action the most
// permissive level wins, and what no role sets stays at EspoCRM's strict default (no access; User
// read own, Team read team). Some limits no role lifts: Role records are for admins only, and
// only admins create, edit or delete users and teams. Admins never consult a table.
//
// Thread-safety: RoleRules and AccessTable are immutable values once built; share them freely
// (users hold them through shared_ptr<const AccessTable>).
#ifndef CRM_ACL_ACCESS_TABLE_HPP_
#define CRM_ACL_ACCESS_TABLE_HPP_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "crm/common/status.hpp"
#include "crm/metadata/metadata.hpp"

namespace crm::acl {

enum class Action { kCreate, kRead, kEdit, kDelete, kStream };
inline constexpr std::size_t kActionCount = 5;

// Ordered from least to most permissive, so merging is a maximum. For `create`, kAll is "yes".
enum class Level : std::uint8_t { kNo, kOwn, kTeam, kAll };

enum class Permission { kAssignment, kUser, kMassUpdate, kExport };
inline constexpr std::size_t kPermissionCount = 4;

std::string_view ActionName(Action action);  // "read"
// The wire name of `level` for `action` ("yes" for a granted create).
std::string_view LevelName(Level level, Action action);
// The Role attribute that holds `permission` ("assignmentPermission").
std::string_view PermissionAttribute(Permission permission);

// One scope of one role: the levels it sets (unset ones leave the decision to other roles), or,
// for a boolean scope such as Webhook, whether it is granted.
struct ScopeRule {
  std::array<std::optional<Level>, kActionCount> levels;
  std::optional<bool> granted;
};

struct FieldRule {
  std::optional<bool> read;
  std::optional<bool> edit;
};

// What one Role record grants, checked against metadata.
struct RoleRules {
  std::map<std::string, ScopeRule, std::less<>> scopes;
  std::map<std::string, std::map<std::string, FieldRule, std::less<>>, std::less<>> fields;
  std::array<std::optional<Level>, kPermissionCount> permissions;
};

// Reads a Role's `data`, `fieldData` and permission attributes (a role record or a create body;
// absent or null parts set nothing). kInvalidArgument naming the first bad scope, field, action
// or value.
Result<RoleRules> ParseRole(const metadata::Metadata& metadata, const boost::json::object& role);

// The `data` of crmd's built-in "Full access" role: every scope, every action at level all
// (within the limits no role lifts), every permission granted.
boost::json::object FullAccessData(const metadata::Metadata& metadata);

class AccessTable;

// What the Full access role grants, as a table for user `user_id` (principals made in code: the
// benchmark's and tests' API users).
std::shared_ptr<const AccessTable> FullAccess(const metadata::Metadata& metadata,
                                              std::string user_id);

class AccessTable {
 public:
  // Merges `roles` for user `user_id`, who is a member of `team_ids`.
  static std::shared_ptr<const AccessTable> Merge(const metadata::Metadata& metadata,
                                                  std::span<const RoleRules> roles,
                                                  std::string user_id,
                                                  std::vector<std::string> team_ids);

  // The level of `action` on `scope` (kNo for an unknown scope). A boolean scope answers kAll
  // when granted.
  Level level(std::string_view scope, Action action) const;
  // Whether `field` of `scope` may be read / edited (yes unless the merged roles say no).
  bool FieldReadable(std::string_view scope, std::string_view field) const;
  bool FieldEditable(std::string_view scope, std::string_view field) const;
  // Whether some field of `scope` is hidden or read-only for this user.
  bool HasFieldLimits(std::string_view scope) const;
  Level permission(Permission permission) const;

  const std::string& user_id() const { return user_id_; }
  const std::vector<std::string>& team_ids() const { return team_ids_; }

  // The `acl` object of GET /App/user: table, fieldTable, fieldTableQuickAccess, permissions.
  boost::json::object ToAppUserJson(const metadata::Metadata& metadata) const;

 private:
  struct Scope {
    std::array<Level, kActionCount> levels{};
    bool boolean = false;
  };
  struct FieldLimits {
    bool read = true;
    bool edit = true;
  };
  std::map<std::string, Scope, std::less<>> scopes_;
  std::map<std::string, std::map<std::string, FieldLimits, std::less<>>, std::less<>> fields_;
  std::array<Level, kPermissionCount> permissions_{};
  std::string user_id_;
  std::vector<std::string> team_ids_;
};

}  // namespace crm::acl

#endif  // CRM_ACL_ACCESS_TABLE_HPP_
