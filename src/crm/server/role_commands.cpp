#include "crm/server/role_commands.hpp"

#include <iostream>

#include <boost/json/parse.hpp>

#include "crm/common/json.hpp"
#include "crm/common/time.hpp"
#include "crm/service/role_admin.hpp"

#include <CLI/CLI.hpp>

namespace crm::server {
namespace {

namespace json = boost::json;

int Fail(const Status& status) {
  std::cerr << "crmd: " << status.message() << "\n";
  return 1;
}

Result<json::object> ParseObject(const std::string& option, const std::string& text) {
  boost::system::error_code error;
  json::value value = json::parse(text, error);
  if (error || !value.is_object()) {
    return Status::InvalidArgument(option + " must be a JSON object");
  }
  return std::move(value.get_object());
}

int ListRoles(store::Database& db) {
  auto conn = db.ReadConnection();
  if (!conn.ok()) return Fail(conn.status());
  json::array roles;
  const Status listed = (*conn)->Query(
      "SELECT \"id\", \"name\" FROM \"role\" WHERE \"deleted\" = 0 ORDER BY \"name\"", {},
      [&](const store::Row& row) {
        roles.emplace_back(json::object{{"id", row.Text(0)}, {"name", row.Text(1)}});
        return true;
      });
  if (!listed.ok()) return Fail(listed);
  std::cout << SerializeJson(roles) << std::endl;
  return 0;
}

}  // namespace

bool RoleCommand::chosen() const {
  return role_create->parsed() || role_list->parsed() || team_create->parsed();
}

void AddRoleCommands(CLI::App& app, RoleCommand& command,
                     const std::function<void(CLI::App&, const std::string&)>& add_store_options) {
  auto* role = app.add_subcommand("role", "Manage roles")->require_subcommand(1);
  command.role_create = role->add_subcommand(
      "create", "Create a role and print its id as JSON (data as EspoCRM's Role.data)");
  command.role_create->add_option("--name", command.name, "Role name")->required();
  command.role_create->add_option(
      "--data", command.data,
      R"(Levels per entity, e.g. {"Contact": {"create": "yes", "read": "team", "edit": "own", )"
      R"("delete": "no"}, "Webhook": true})");
  command.role_create->add_option(
      "--field-data", command.field_data,
      R"(Field levels, e.g. {"Contact": {"phoneNumber": {"read": "yes", "edit": "no"}}})");
  add_store_options(*command.role_create, "--data-dir");
  command.role_list = role->add_subcommand("list", "Print every role's id and name as JSON");
  add_store_options(*command.role_list, "--data");

  auto* team = app.add_subcommand("team", "Manage teams")->require_subcommand(1);
  command.team_create = team->add_subcommand("create", "Create a team and print its id as JSON");
  command.team_create->add_option("--name", command.name, "Team name")->required();
  command.team_create->add_option("--role", command.roles,
                                  "A role its members hold, by name (repeatable)");
  add_store_options(*command.team_create, "--data");
}

int RunRoleCommand(const RoleCommand& command, const metadata::Metadata& metadata,
                   store::Database& db) {
  if (command.role_list->parsed()) return ListRoles(db);
  Result<std::string> id = Status::Internal("no command");
  if (command.role_create->parsed()) {
    auto data = ParseObject("--data", command.data);
    if (!data.ok()) return Fail(data.status());
    auto field_data = ParseObject("--field-data", command.field_data);
    if (!field_data.ok()) return Fail(field_data.status());
    id = service::CreateRole(db, metadata, SystemClock::Instance(), command.name, *data,
                             *field_data);
  } else {
    auto roles = service::IdsByName(db, metadata, "Role", command.roles);
    if (!roles.ok()) return Fail(roles.status());
    id = service::CreateTeam(db, metadata, SystemClock::Instance(), command.name, *roles);
  }
  if (!id.ok()) return Fail(id.status());
  std::cout << SerializeJson(json::object{{"id", *id}, {"name", command.name}}) << std::endl;
  return 0;
}

}  // namespace crm::server
