// Roles over HTTP: the Role endpoints (admins only), roles and teams made on the command line,
// what API users holding them may see and do, and GET /App/user's acl table.
#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_util.hpp"

namespace crm::apitest {
namespace {

using ::testing::HasSubstr;

class RolesTest : public SharedServerTest {
 protected:
  // `crmd role create ...`: the role's grants are its --data, so the directory is --data-dir
  // (and the database the server's, on the PostgreSQL run).
  static testing::CommandResult RoleCli(std::vector<std::string> args) {
    args.insert(args.end(), {"--data-dir", DataDir()});
    std::vector<std::string> env;
    if (!env_->server->database_url().empty()) {
      env.push_back("CRMD_DATABASE=" + env_->server->database_url());
    }
    return testing::RunCommand(testing::CrmdBinary(), args, env);
  }
  static std::string CreateRole(const std::string& name, const std::string& data,
                                const std::string& field_data = "{}") {
    const auto created =
        RoleCli({"role", "create", "--name", name, "--data", data, "--field-data", field_data});
    EXPECT_EQ(created.exit_code, 0) << created.err;
    return StringAt(ParseJson(created.out), "id");
  }
  static ApiClient ApiUser(const std::string& name, const std::vector<std::string>& membership) {
    std::vector<std::string> args = {"api-user", "create", "--name", name};
    args.insert(args.end(), membership.begin(), membership.end());
    const auto created = env_->server->Cli(args);
    EXPECT_EQ(created.exit_code, 0) << created.err;
    Credentials credentials;
    credentials.mode = AuthMode::kApiKey;
    credentials.api_key = StringAt(ParseJson(created.out), "apiKey");
    credentials.user_id = StringAt(ParseJson(created.out), "id");
    return ApiClient(env_->server->base_url(), credentials);
  }
};

TEST_F(RolesTest, RolesAreForAdminsOnly) {
  ApiClient admin = env_->Admin();
  const HttpResponse created = admin.Post(
      "/Role", json::object{{"name", "Readers"},
                            {"data", json::object{{"Account", json::object{{"read", "all"}}}}}});
  ASSERT_HTTP_STATUS(created, 200);
  const std::string id = StringAt(created.Json(), "id");
  EXPECT_EQ(StringAt(created.Json(), "assignmentPermission"), "not-set");
  const HttpResponse list = admin.Get("/Role?select=name&maxSize=200");
  ASSERT_HTTP_STATUS(list, 200);
  EXPECT_THAT(list.body, HasSubstr("\"Full access\""));
  EXPECT_THAT(list.body, HasSubstr("\"Readers\""));
  EXPECT_HTTP_STATUS(admin.Put("/Role/" + id, json::object{{"name", "Account readers"}}), 200);

  // The suite's API user holds Full access, which is not admin.
  ApiClient api = Api();
  EXPECT_TRUE(IsApiError(api.Get("/Role"), 403, "No read access."));
  EXPECT_TRUE(IsApiError(api.Get("/Role/" + id), 403, "No read access."));
  EXPECT_TRUE(
      IsApiError(api.Post("/Role", json::object{{"name", "Mine"}}), 403, "No create access."));
  EXPECT_TRUE(IsApiError(api.Delete("/Role/" + id), 403, "No delete access."));
  EXPECT_HTTP_STATUS(admin.Delete("/Role/" + id), 200);
}

TEST_F(RolesTest, BadRoleDataIs400) {
  ApiClient admin = env_->Admin();
  EXPECT_TRUE(IsApiError(
      admin.Post("/Role", json::object{{"name", "Bad"}, {"data", json::object{{"Nope", 1}}}}), 400,
      "Role: scope 'Nope' must be an object."));
  EXPECT_TRUE(IsApiError(
      admin.Post("/Role",
                 json::object{{"name", "Bad"},
                              {"data", json::object{{"Contact", json::object{{"read", "most"}}}}}}),
      400, "Role: bad level for 'read' in scope 'Contact'."));
  const auto bad_cli = RoleCli({"role", "create", "--name", "Bad", "--data", "[1]"});
  EXPECT_NE(bad_cli.exit_code, 0);
  EXPECT_THAT(bad_cli.err, HasSubstr("--data must be a JSON object"));
}

TEST_F(RolesTest, TeamLevelReachesTheRecordsOfTheTeamsAndNothingElse) {
  CreateRole("Team sales", R"({"Contact": {"create": "yes", "read": "team", "edit": "own",
                                          "delete": "no"}})");
  const auto team = env_->server->Cli({"team", "create", "--name", "East", "--role", "Team sales"});
  ASSERT_EQ(team.exit_code, 0) << team.err;
  const std::string east = StringAt(ParseJson(team.out), "id");
  ApiClient ann = ApiUser("ann", {"--team", "East"});  // the team's role through the team
  ApiClient bob = ApiUser("bob", {"--team", "East"});
  ApiClient cid = ApiUser("cid", {"--role", "Team sales"});  // the role, but in no team

  const HttpResponse made = ann.Post(
      "/Contact", json::object{{"lastName", "Teamed"}, {"teamsIds", json::array{east.c_str()}}});
  ASSERT_HTTP_STATUS(made, 200);
  const std::string id = StringAt(made.Json(), "id");
  // Ann may not assign records to others (no assignment permission): it is hers.
  EXPECT_EQ(StringAt(made.Json(), "assignedUserId"), ann.credentials().user_id);

  const auto total = [](ApiClient& client) {
    const HttpResponse r = client.Get(
        "/Contact?where[0][type]=equals&where[0][attribute]="
        "lastName&where[0][value]=Teamed");
    EXPECT_HTTP_STATUS(r, 200);
    return AsObject(r.Json()).at("total").as_int64();
  };
  EXPECT_EQ(total(ann), 1);
  EXPECT_EQ(total(bob), 1);
  EXPECT_EQ(total(cid), 0);
  ApiClient admin = env_->Admin();
  EXPECT_EQ(total(admin), 1);
  EXPECT_HTTP_STATUS(bob.Get("/Contact/" + id), 200);
  EXPECT_TRUE(IsApiError(cid.Get("/Contact/" + id), 403, "No 'read' access."));
  // Edit is own: Bob sees it but may not change it; nobody with this role may delete.
  EXPECT_TRUE(IsApiError(bob.Put("/Contact/" + id, json::object{{"title", "x"}}), 403,
                         "No 'edit' access."));
  EXPECT_HTTP_STATUS(ann.Put("/Contact/" + id, json::object{{"title", "Lead"}}), 200);
  EXPECT_TRUE(IsApiError(ann.Delete("/Contact/" + id), 403, "No delete access."));
  // Ann may not hand the record to Bob.
  EXPECT_TRUE(IsApiError(
      ann.Put("/Contact/" + id, json::object{{"assignedUserId", bob.credentials().user_id}}), 403,
      "Assignment failure: assigned user or team not allowed."));
  // Accounts are not in the role.
  EXPECT_TRUE(IsApiError(ann.Get("/Account"), 403, "No read access."));

  const HttpResponse me = ann.Get("/App/user");
  ASSERT_HTTP_STATUS(me, 200);
  const json::object acl = AsObject(AsObject(me.Json()).at("acl"));
  const json::object table = AsObject(acl.at("table"));
  EXPECT_EQ(StringAt(table.at("Contact"), "read"), "team");
  EXPECT_EQ(StringAt(table.at("Contact"), "edit"), "own");
  EXPECT_EQ(StringAt(table.at("Contact"), "create"), "yes");
  EXPECT_FALSE(table.contains("Account"));
  EXPECT_EQ(StringAt(acl, "assignmentPermission"), "no");
}

TEST_F(RolesTest, HiddenFieldsAreLeftOutRefusedInFiltersAndNotWritten) {
  CreateRole("No phones", R"({"Contact": {"create": "yes", "read": "all", "edit": "all"}})",
             R"({"Contact": {"phoneNumber": {"read": "no", "edit": "no"}}})");
  ApiClient quiet = ApiUser("quiet", {"--role", "No phones"});
  const HttpResponse made = env_->Admin().Post(
      "/Contact", json::object{{"lastName", "Phoned"}, {"phoneNumber", "+1 202 555 0199"}});
  ASSERT_HTTP_STATUS(made, 200);
  const std::string id = StringAt(made.Json(), "id");
  const HttpResponse read = quiet.Get("/Contact/" + id);
  ASSERT_HTTP_STATUS(read, 200);
  EXPECT_FALSE(AsObject(read.Json()).contains("phoneNumber")) << read.body;
  EXPECT_FALSE(AsObject(read.Json()).contains("phoneNumberData")) << read.body;
  EXPECT_TRUE(IsApiError(quiet.Get("/Contact?where[0][type]=isNotNull&where[0][attribute]="
                                   "phoneNumber"),
                         400));
  EXPECT_TRUE(IsApiError(quiet.Get("/Contact?orderBy=phoneNumber"), 400));
  EXPECT_TRUE(IsApiError(quiet.Get("/Contact?select=phoneNumber"), 400));
  // Written fields it may not edit are dropped, as EspoCRM does; the rest is saved.
  EXPECT_HTTP_STATUS(quiet.Put("/Contact/" + id, json::object{{"phoneNumber", "+1 202 555 0000"},
                                                              {"title", "Changed"}}),
                     200);
  const HttpResponse after = env_->Admin().Get("/Contact/" + id);
  EXPECT_EQ(StringAt(after.Json(), "phoneNumber"), "+12025550199");
  EXPECT_EQ(StringAt(after.Json(), "title"), "Changed");
}

TEST_F(RolesTest, ApiUsersWithoutARoleGetFullAccessAndAreTold) {
  const auto created = env_->server->Cli({"api-user", "create", "--name", "told"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.err, HasSubstr("built-in role 'Full access'"));
  const HttpResponse user = env_->Admin().Get("/User/" + StringAt(ParseJson(created.out), "id"));
  ASSERT_HTTP_STATUS(user, 200);
  EXPECT_EQ(StringsAt(user.Json(), "rolesIds"), std::vector<std::string>{"crmd-full-access"});
  const auto unknown =
      env_->server->Cli({"api-user", "create", "--name", "lost", "--role", "No such role"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.err, HasSubstr("No Role named 'No such role'."));
}

// A text filter finds only what the role reaches, whichever form it takes.
TEST_F(RolesTest, TextFilterFindsOnlyReachableRecords) {
  CreateRole("Own contacts", R"({"Contact": {"create": "yes", "read": "own"}})");
  ApiClient dee = ApiUser("dee", {"--role", "Own contacts"});
  ASSERT_HTTP_STATUS(
      dee.Post("/Contact", json::object{{"firstName", "Zqacl"}, {"lastName", "Mine"}}), 200);
  ApiClient admin = env_->Admin();
  ASSERT_HTTP_STATUS(
      admin.Post("/Contact", json::object{{"firstName", "Zqacl"}, {"lastName", "Theirs"}}), 200);
  const auto last_names = [](ApiClient& client) {
    const HttpResponse r = client.Get("/Contact?select=lastName&textFilter=zqacl");
    EXPECT_HTTP_STATUS(r, 200);
    std::vector<std::string> names;
    for (const json::value& item : AsArray(AsObject(r.Json())["list"])) {
      names.push_back(StringAt(item, "lastName"));
    }
    EXPECT_EQ(AsObject(r.Json())["total"].as_int64(), static_cast<std::int64_t>(names.size()));
    std::sort(names.begin(), names.end());
    return names;
  };
  EXPECT_EQ(last_names(dee), std::vector<std::string>{"Mine"});
  EXPECT_EQ(last_names(admin), (std::vector<std::string>{"Mine", "Theirs"}));
}

}  // namespace
}  // namespace crm::apitest
