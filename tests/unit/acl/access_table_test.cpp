#include "crm/acl/access_table.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/acl/row_condition.hpp"

#include "testing/status_matchers.hpp"

namespace crm::acl {
namespace {

namespace json = boost::json;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;

class AccessTableTest : public ::testing::Test {
 protected:
  void SetUp() override { metadata_ = *metadata::Metadata::Load(metadata::ShippedEntityDefs()); }

  Result<RoleRules> Parse(std::string_view role) {
    return ParseRole(*metadata_, json::parse(role).as_object());
  }
  std::shared_ptr<const AccessTable> Merge(const std::vector<std::string_view>& roles,
                                           std::vector<std::string> teams = {}) {
    std::vector<RoleRules> rules;
    for (const auto role : roles) {
      auto parsed = Parse(role);
      EXPECT_THAT(parsed, IsOk()) << role;
      if (parsed.ok()) rules.push_back(*parsed);
    }
    return AccessTable::Merge(*metadata_, rules, "u1", std::move(teams));
  }

  std::shared_ptr<const metadata::Metadata> metadata_;
};

TEST_F(AccessTableTest, NothingSetIsEspoCrmsStrictDefault) {
  const auto table = Merge({});
  EXPECT_EQ(table->level("Contact", Action::kRead), Level::kNo);
  EXPECT_EQ(table->level("Contact", Action::kCreate), Level::kNo);
  EXPECT_EQ(table->level("User", Action::kRead), Level::kOwn);
  EXPECT_EQ(table->level("Team", Action::kRead), Level::kTeam);
  EXPECT_EQ(table->level("Webhook", Action::kRead), Level::kNo);
  EXPECT_EQ(table->permission(Permission::kAssignment), Level::kNo);
  EXPECT_EQ(table->permission(Permission::kMassUpdate), Level::kNo);
  EXPECT_EQ(table->level("NoSuchScope", Action::kRead), Level::kNo);
}

TEST_F(AccessTableTest, TheMostPermissiveLevelOfAnyRoleWins) {
  const auto table = Merge({R"({"data": {"Contact": {"read": "own", "edit": "team"}}})",
                            R"({"data": {"Contact": {"read": "team", "edit": "own",
                                          "delete": "not-set"}}})",
                            R"({"data": {"Contact": false}})"});
  EXPECT_EQ(table->level("Contact", Action::kRead), Level::kTeam);
  EXPECT_EQ(table->level("Contact", Action::kEdit), Level::kTeam);
  EXPECT_EQ(table->level("Contact", Action::kDelete), Level::kNo);
  EXPECT_EQ(table->level("Account", Action::kRead), Level::kNo);
}

TEST_F(AccessTableTest, NoRoleLetsANonAdminChangeUsersTeamsOrRoles) {
  const auto table = Merge({R"({"data": {"User": {"create": "yes", "read": "all", "edit": "all",
                                                   "delete": "all"},
                                          "Team": {"create": "yes", "edit": "all"}}})"});
  EXPECT_EQ(table->level("User", Action::kRead), Level::kAll);
  for (const Action a : {Action::kCreate, Action::kEdit, Action::kDelete}) {
    EXPECT_EQ(table->level("User", a), Level::kNo) << ActionName(a);
    EXPECT_EQ(table->level("Team", a), Level::kNo) << ActionName(a);
  }
  // Role is for admins only: a role naming it is refused nothing, and grants nothing.
  const auto with_role = Merge({R"({"data": {"Role": {"read": "all"}}})"});
  EXPECT_EQ(with_role->level("Role", Action::kRead), Level::kNo);
}

TEST_F(AccessTableTest, BooleanScopesAreGrantedWhole) {
  EXPECT_EQ(Merge({R"({"data": {"Webhook": true}})"})->level("Webhook", Action::kEdit),
            Level::kAll);
  EXPECT_EQ(Merge({R"({"data": {"Webhook": false}})"})->level("Webhook", Action::kRead),
            Level::kNo);
  EXPECT_THAT(Parse(R"({"data": {"Webhook": {"read": "all"}}})"),
              StatusIs(StatusCode::kInvalidArgument, "Role: scope 'Webhook' takes true or false."));
  EXPECT_THAT(Parse(R"({"data": {"Contact": true}})"), StatusIs(StatusCode::kInvalidArgument));
}

TEST_F(AccessTableTest, BadRolesSayWhatIsWrong) {
  // Scopes of EspoCRM modules crmd does not have are accepted (EspoCRM's clients send them), but
  // still checked, and grant nothing.
  EXPECT_THAT(Parse(R"({"data": {"Document": {"read": "all"}, "Calendar": true}})"), IsOk());
  EXPECT_THAT(
      Parse(R"({"data": {"Document": {"read": "most"}}})"),
      StatusIs(StatusCode::kInvalidArgument, "Role: bad level for 'read' in scope 'Document'."));
  EXPECT_THAT(Parse(R"({"data": {"Document": 3}})"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(
      Parse(R"({"data": {"Contact": {"read": "yes"}}})"),
      StatusIs(StatusCode::kInvalidArgument, "Role: bad level for 'read' in scope 'Contact'."));
  EXPECT_THAT(Parse(R"({"data": {"Contact": {"create": "all"}}})"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(
      Parse(R"({"data": {"Contact": {"fly": "all"}}})"),
      StatusIs(StatusCode::kInvalidArgument, "Role: unknown action 'fly' in scope 'Contact'."));
  EXPECT_THAT(Parse(R"({"data": []})"),
              StatusIs(StatusCode::kInvalidArgument, "Role: data must be an object."));
  EXPECT_THAT(Parse(R"({"fieldData": {"Contact": {"nope": {"read": "no"}}}})"),
              StatusIs(StatusCode::kInvalidArgument, "Role: unknown field 'Contact.nope'."));
  EXPECT_THAT(Parse(R"({"fieldData": {"Contact": {"title": {"read": "all"}}}})"),
              StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Parse(R"({"assignmentPermission": "own"})"),
              StatusIs(StatusCode::kInvalidArgument, "Role: bad value of assignmentPermission."));
  EXPECT_THAT(Parse(R"({"massUpdatePermission": "all"})"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(Parse(R"({"massUpdatePermission": "not-set", "data": null})"), IsOk());
}

TEST_F(AccessTableTest, FieldLimitsTakeTheMostPermissiveRoleThatSetsOne) {
  const auto table = Merge({R"({"fieldData": {"Contact": {"title": {"read": "no"},
                                                           "phoneNumber": {"edit": "no"},
                                                           "description": {"read": "no"}}}})",
                            R"({"fieldData": {"Contact": {"description": {"read": "yes"}}}})",
                            R"({"data": {"Contact": {"read": "all"}}})"});
  EXPECT_FALSE(table->FieldReadable("Contact", "title"));
  EXPECT_FALSE(table->FieldEditable("Contact", "title"));  // not readable: not editable either
  EXPECT_TRUE(table->FieldReadable("Contact", "phoneNumber"));
  EXPECT_FALSE(table->FieldEditable("Contact", "phoneNumber"));
  EXPECT_TRUE(table->FieldReadable("Contact", "description"));
  EXPECT_TRUE(table->FieldReadable("Contact", "lastName"));
  EXPECT_TRUE(table->HasFieldLimits("Contact"));
  EXPECT_FALSE(table->HasFieldLimits("Account"));
}

TEST_F(AccessTableTest, AppUserJsonListsOnlyScopesWithAccess) {
  const auto table = Merge({R"({"data": {"Contact": {"create": "yes", "read": "team"},
                                          "Webhook": true},
                                 "fieldData": {"Contact": {"title": {"read": "no"}}},
                                 "massUpdatePermission": "yes"})"});
  const json::object acl = table->ToAppUserJson(*metadata_);
  const json::object& scopes = acl.at("table").as_object();
  EXPECT_EQ(json::serialize(scopes.at("Contact")),
            R"({"create":"yes","read":"team","edit":"no","delete":"no","stream":"no"})");
  EXPECT_EQ(scopes.at("Webhook"), json::value(true));
  EXPECT_FALSE(scopes.contains("Account"));
  EXPECT_FALSE(scopes.contains("Role"));
  EXPECT_EQ(json::serialize(acl.at("fieldTable")),
            R"({"Contact":{"title":{"read":"no","edit":"no"}}})");
  EXPECT_EQ(acl.at("massUpdatePermission"), json::value("yes"));
  EXPECT_EQ(acl.at("assignmentPermission"), json::value("no"));
}

TEST_F(AccessTableTest, RowConditionsNameTheOwnerAndTheTeams) {
  const auto& contact = metadata_->Entity("Contact");
  const auto table = Merge({}, {"t2", "t1"});
  EXPECT_EQ(RowCondition(contact, Level::kAll, *table).sql, "");
  EXPECT_EQ(RowCondition(contact, Level::kNo, *table).sql, "1 = 0");
  // One record: its owner column; a scan: the owner's rows through the column's index.
  const query::SqlFragment own = RowCondition(contact, Level::kOwn, *table, RowScope::kOneRow);
  EXPECT_EQ(own.sql, "t.\"assigned_user_id\" = ?");
  EXPECT_EQ(RowCondition(contact, Level::kOwn, *table).sql,
            "t.\"id\" IN (SELECT o.\"id\" FROM \"contact\" o WHERE o.\"assigned_user_id\" = ? AND "
            "o.\"deleted\" = 0)");
  const query::SqlFragment team = RowCondition(contact, Level::kTeam, *table, RowScope::kOneRow);
  EXPECT_THAT(team.sql, ::testing::HasSubstr(" OR EXISTS (SELECT 1 FROM \"entity_team\" a"));
  EXPECT_EQ(team.params.size(), 4u);  // the user, the entity type, two teams
  // Without teams, team reaches what own does.
  EXPECT_EQ(RowCondition(contact, Level::kTeam, *Merge({}), RowScope::kOneRow).sql, own.sql);
  EXPECT_EQ(RowCondition(metadata_->Entity("User"), Level::kOwn, *table).sql, "t.\"id\" = ?");
  EXPECT_EQ(RowCondition(metadata_->Entity("Team"), Level::kTeam, *table).sql,
            "t.\"id\" IN (?, ?)");
  EXPECT_EQ(RowCondition(metadata_->Entity("Webhook"), Level::kOwn, *table, RowScope::kOneRow).sql,
            "t.\"created_by_id\" = ?");
}

}  // namespace
}  // namespace crm::acl
