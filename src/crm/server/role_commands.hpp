// The role and team parts of the command line: `crmd role create|list` and `crmd team create`,
// which go through the same record rules as POST/GET /api/v1/Role and /api/v1/Team.
//
// Thread-safety: called once from RunCli on the main thread.
#ifndef CRM_SERVER_ROLE_COMMANDS_HPP_
#define CRM_SERVER_ROLE_COMMANDS_HPP_

#include <functional>
#include <string>
#include <vector>

#include "crm/metadata/metadata.hpp"
#include "crm/store/database.hpp"

namespace CLI {
class App;
}

namespace crm::server {

struct RoleCommand {
  CLI::App* role_create = nullptr;
  CLI::App* role_list = nullptr;
  CLI::App* team_create = nullptr;
  std::string name;
  std::string data = "{}";         // Role.data as JSON
  std::string field_data = "{}";   // Role.fieldData as JSON
  std::vector<std::string> roles;  // a team's roles, by name

  bool chosen() const;
};

// Adds `crmd role ...` and `crmd team ...`; `add_store_options` adds the data directory's option
// under the given name and --metadata. `crmd role create` takes the role's grants as --data JSON
// (the and EspoCRM's name), so its data directory is --data-dir.
void AddRoleCommands(CLI::App& app, RoleCommand& command,
                     const std::function<void(CLI::App&, const std::string&)>& add_store_options);
int RunRoleCommand(const RoleCommand& command, const metadata::Metadata& metadata,
                   store::Database& db);

}  // namespace crm::server

#endif  // CRM_SERVER_ROLE_COMMANDS_HPP_
