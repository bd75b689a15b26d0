// A property test of roles: random roles, teams, users and records, then every read, list,
// total, related list, update, delete and mass update of every user is compared with an
// in-memory model of EspoCRM's rules written here from docs/espocrm-wire.md section 7 (not from
// the code under test): nothing a user may not read is returned or counted, nothing it may not
// change is changed.
#include <algorithm>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/acl/access_loader.hpp"
#include "crm/service/mass_actions.hpp"
#include "crm/service/record_service.hpp"
#include "crm/service/relation_service.hpp"

#include "testing/status_matchers.hpp"
#include "unit/acl/acl_test_base.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;

// Levels in the model: 0 no, 1 own, 2 team, 3 all.
constexpr const char* kLevelNames[] = {"no", "own", "team", "all"};

struct ModelRole {
  std::optional<int> read, edit, remove;  // unset: the role says nothing
  std::optional<bool> create;
  std::optional<bool> phone_read;  // fieldData Contact.phoneNumber.read
  bool mass_update = false;
};

struct ModelUser {
  std::string id;
  std::set<int> roles;  // held directly
  std::set<int> teams;
};

struct ModelContact {
  std::string id;
  int assigned = -1;  // user index, -1 none
  std::set<int> teams;
  int account = -1;
  bool starts_with_a = false;
};

class AclPropertyTest : public AclTestBase<::testing::TestWithParam<unsigned>> {
 protected:
  void SetUp() override {
    AclTestBase::SetUp();
    relations_ = std::make_unique<RelationService>(*records_);
    mass_ = std::make_unique<MassActions>(*records_);
  }

  static json::array Ids(const std::vector<std::string>& all, const std::set<int>& chosen) {
    json::array ids;
    for (const int i : chosen) ids.emplace_back(all[static_cast<std::size_t>(i)]);
    return ids;
  }

  // The user's roles: its own and its teams'.
  std::vector<const ModelRole*> RolesOf(const ModelUser& user) const {
    std::set<int> held = user.roles;
    for (const int team : user.teams) {
      held.insert(team_roles_[static_cast<std::size_t>(team)].begin(),
                  team_roles_[static_cast<std::size_t>(team)].end());
    }
    std::vector<const ModelRole*> out;
    for (const int r : held) out.push_back(&roles_[static_cast<std::size_t>(r)]);
    return out;
  }
  static int Level(const std::vector<const ModelRole*>& roles,
                   std::optional<int> ModelRole::*action) {
    int level = 0;
    for (const ModelRole* role : roles) level = std::max(level, (role->*action).value_or(0));
    return level;
  }
  bool Reaches(int level, int user, const ModelContact& contact) const {
    const bool own = contact.assigned == user;
    if (level == 3) return true;
    if (level == 1) return own;
    if (level == 2) {
      const auto& mine = users_[static_cast<std::size_t>(user)].teams;
      return own || std::any_of(contact.teams.begin(), contact.teams.end(),
                                [&](int t) { return mine.count(t) != 0; });
    }
    return false;
  }

  void Generate(std::mt19937& rng) {
    const auto chance = [&](int percent) {
      return std::uniform_int_distribution<int>(0, 99)(rng) < percent;
    };
    const auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
    const auto maybe_level = [&]() -> std::optional<int> {
      if (chance(30)) return std::nullopt;
      return pick(4);
    };
    for (int r = 0; r < 4; ++r) {
      ModelRole role;
      role.read = maybe_level();
      role.edit = maybe_level();
      role.remove = maybe_level();
      if (!chance(30)) role.create = chance(50);
      if (chance(40)) role.phone_read = chance(40);
      role.mass_update = chance(50);
      json::object contact;
      const auto put = [&](const char* action, std::optional<int> level) {
        if (level) contact[action] = kLevelNames[*level];
      };
      put("read", role.read);
      put("edit", role.edit);
      put("delete", role.remove);
      if (role.create) contact["create"] = *role.create ? "yes" : "no";
      json::object field_data;
      if (role.phone_read) {
        field_data["Contact"] =
            json::object{{"phoneNumber", json::object{{"read", *role.phone_read ? "yes" : "no"}}}};
      }
      role_ids_.push_back(CreateAsAdmin(
          "Role", json::object{{"name", "Role " + std::to_string(r)},
                               {"data", json::object{{"Contact", contact}}},
                               {"fieldData", field_data},
                               {"massUpdatePermission", role.mass_update ? "yes" : "no"}}));
      roles_.push_back(role);
    }
    // Everyone may read accounts, so that related lists of contacts can be asked for.
    const std::string accounts_role = CreateAsAdmin(
        "Role", json::object{{"name", "Accounts"},
                             {"data", json::object{{"Account", json::object{{"read", "all"}}}}}});
    for (int t = 0; t < 3; ++t) {
      std::set<int> roles;
      if (chance(40)) roles.insert(pick(4));
      team_roles_.push_back(roles);
      team_ids_.push_back(CreateAsAdmin("Team", json::object{{"name", "Team " + std::to_string(t)},
                                                             {"rolesIds", Ids(role_ids_, roles)}}));
    }
    for (int u = 0; u < 4; ++u) {
      ModelUser user;
      for (int r = 0; r < 4; ++r) {
        if (chance(35)) user.roles.insert(r);
      }
      for (int t = 0; t < 3; ++t) {
        if (chance(40)) user.teams.insert(t);
      }
      json::array roles = Ids(role_ids_, user.roles);
      roles.emplace_back(accounts_role);
      user.id = CreateAsAdmin("User", json::object{{"userName", "user" + std::to_string(u)},
                                                   {"lastName", "User " + std::to_string(u)},
                                                   {"rolesIds", std::move(roles)},
                                                   {"teamsIds", Ids(team_ids_, user.teams)}});
      users_.push_back(user);
    }
    for (int a = 0; a < 2; ++a) {
      account_ids_.push_back(
          CreateAsAdmin("Account", json::object{{"name", "Account " + std::to_string(a)}}));
    }
    for (int c = 0; c < 24; ++c) {
      ModelContact contact;
      if (chance(75)) contact.assigned = pick(4);
      for (int t = 0; t < 3; ++t) {
        if (chance(30)) contact.teams.insert(t);
      }
      if (chance(60)) contact.account = pick(2);
      contact.starts_with_a = chance(50);
      json::object body{
          {"lastName", std::string(contact.starts_with_a ? "A" : "B") + std::to_string(c)},
          {"phoneNumber", "+1 202 555 01" + std::to_string(10 + c)},
          {"teamsIds", Ids(team_ids_, contact.teams)}};
      if (contact.assigned >= 0) {
        body["assignedUserId"] = users_[static_cast<std::size_t>(contact.assigned)].id;
      }
      if (contact.account >= 0) {
        body["accountId"] = account_ids_[static_cast<std::size_t>(contact.account)];
      }
      contact.id = CreateAsAdmin("Contact", std::move(body));
      contacts_.push_back(contact);
    }
  }

  auth::Principal PrincipalOf(const ModelUser& user) {
    auth::Principal principal{user.id, "u", "u", auth::UserType::kRegular};
    auto conn = db_->ReadConnection();
    EXPECT_THAT(conn, IsOk());
    auto access = acl::LoadAccess(**conn, *metadata_, user.id);
    EXPECT_THAT(access, IsOk());
    if (access.ok()) principal.access = *access;
    return principal;
  }

  static std::set<std::string> IdsOf(const ListResult& list) {
    std::set<std::string> ids;
    for (const auto& record : list.list) ids.emplace(record.at("id").as_string());
    return ids;
  }

  std::unique_ptr<RelationService> relations_;
  std::unique_ptr<MassActions> mass_;

  std::vector<ModelRole> roles_;
  std::vector<std::string> role_ids_;
  std::vector<std::set<int>> team_roles_;
  std::vector<std::string> team_ids_;
  std::vector<ModelUser> users_;
  std::vector<std::string> account_ids_;
  std::vector<ModelContact> contacts_;
};

TEST_P(AclPropertyTest, EveryEndpointAgreesWithTheModel) {
  std::mt19937 rng(GetParam());
  Generate(rng);
  ASSERT_FALSE(HasFailure());
  const auto& contact_entity = metadata_->Entity("Contact");
  for (std::size_t u = 0; u < users_.size(); ++u) {
    SCOPED_TRACE("seed " + std::to_string(GetParam()) + ", user " + std::to_string(u));
    const int user = static_cast<int>(u);
    const auth::Principal principal = PrincipalOf(users_[u]);
    const auto roles = RolesOf(users_[u]);
    const int read = Level(roles, &ModelRole::read);
    const int edit = Level(roles, &ModelRole::edit);
    const int remove = Level(roles, &ModelRole::remove);
    bool phone_readable = true;
    bool phone_set = false;
    bool mass_update = false;
    for (const ModelRole* role : roles) {
      if (role->phone_read) {
        phone_readable = phone_set ? (phone_readable || *role->phone_read) : *role->phone_read;
        phone_set = true;
      }
      mass_update = mass_update || role->mass_update;
    }

    std::set<std::string> readable;
    std::set<std::string> readable_a;
    for (const auto& contact : contacts_) {
      if (!Reaches(read, user, contact)) continue;
      readable.insert(contact.id);
      if (contact.starts_with_a) readable_a.insert(contact.id);
    }

    // Lists and their totals.
    query::SearchParams all;
    all.max_size = 200;
    auto list = records_->List(principal, contact_entity, all, {});
    query::SearchParams only_a = all;
    only_a.where = json::parse(R"([{"type": "startsWith", "attribute": "lastName",
                                    "value": "A"}])")
                       .as_array();
    auto list_a = records_->List(principal, contact_entity, only_a, {});
    if (read == 0) {
      EXPECT_THAT(list, StatusIs(StatusCode::kPermissionDenied));
      EXPECT_THAT(list_a, StatusIs(StatusCode::kPermissionDenied));
    } else {
      ASSERT_THAT(list, IsOk());
      EXPECT_EQ(IdsOf(*list), readable);
      EXPECT_EQ(list->total, static_cast<std::int64_t>(readable.size()));
      ASSERT_THAT(list_a, IsOk());
      EXPECT_EQ(IdsOf(*list_a), readable_a);
      EXPECT_EQ(list_a->total, static_cast<std::int64_t>(readable_a.size()));
      for (const auto& record : list->list) {
        EXPECT_EQ(record.contains("phoneNumber"), phone_readable);
      }
      query::SearchParams by_phone = all;
      by_phone.where =
          json::parse(R"([{"type": "isNotNull", "attribute": "phoneNumber"}])").as_array();
      EXPECT_EQ(records_->List(principal, contact_entity, by_phone, {}).ok(), phone_readable);
    }

    // Related lists: an account's contacts, counted in the query too.
    for (std::size_t a = 0; a < account_ids_.size(); ++a) {
      auto related = relations_->ListRelated(principal, metadata_->Entity("Account"),
                                             account_ids_[a], "contacts", all, {});
      if (read == 0) {
        EXPECT_THAT(related, StatusIs(StatusCode::kPermissionDenied));
        continue;
      }
      ASSERT_THAT(related, IsOk());
      std::set<std::string> expected;
      for (const auto& contact : contacts_) {
        if (contact.account == static_cast<int>(a) && readable.count(contact.id) != 0) {
          expected.insert(contact.id);
        }
      }
      EXPECT_EQ(IdsOf(*related), expected);
      EXPECT_EQ(related->total, static_cast<std::int64_t>(expected.size()));
    }

    // Reads, updates and deletes of every record.
    for (const auto& contact : contacts_) {
      auto one = records_->Read(principal, contact_entity, contact.id);
      if (readable.count(contact.id) != 0) {
        ASSERT_THAT(one, IsOk());
        EXPECT_EQ(one->record.contains("phoneNumber"), phone_readable);
      } else {
        EXPECT_THAT(one, StatusIs(StatusCode::kPermissionDenied));
      }
      std::promise<Result<RecordResult>> updated;
      records_->Update(principal, contact_entity, contact.id,
                       json::object{{"description", "seen by " + std::to_string(u)}}, {},
                       [&](Result<RecordResult> r) { updated.set_value(std::move(r)); });
      const auto update = updated.get_future().get();
      if (Reaches(edit, user, contact)) {
        EXPECT_THAT(update, IsOk());
      } else {
        EXPECT_THAT(update, StatusIs(StatusCode::kPermissionDenied));
      }
      if (!Reaches(remove, user, contact)) {
        std::promise<Result<bool>> deleted;
        records_->Delete(principal, contact_entity, contact.id, {},
                         [&](Result<bool> r) { deleted.set_value(std::move(r)); });
        EXPECT_THAT(deleted.get_future().get(), StatusIs(StatusCode::kPermissionDenied));
      }
    }

    // A mass update by a search reaches exactly the records the user may edit.
    std::promise<Result<MassResult>> massed;
    MassSelection everything;
    everything.search = query::SearchParams();
    mass_->Update(principal, contact_entity, everything, json::object{{"title", "Mass"}},
                  [&](Result<MassResult> r) { massed.set_value(std::move(r)); });
    const auto mass = massed.get_future().get();
    if (edit == 0 || !mass_update) {
      EXPECT_THAT(mass, StatusIs(StatusCode::kPermissionDenied));
    } else {
      ASSERT_THAT(mass, IsOk());
      std::set<std::string> expected;
      for (const auto& contact : contacts_) {
        if (Reaches(edit, user, contact)) expected.insert(contact.id);
      }
      EXPECT_EQ(std::set<std::string>(mass->ids.begin(), mass->ids.end()), expected);
    }
  }
  // Nothing was deleted: every denied delete left its record in place.
  query::SearchParams all;
  all.max_size = 200;
  auto remaining = records_->List(admin_, contact_entity, all, {});
  ASSERT_THAT(remaining, IsOk());
  EXPECT_EQ(remaining->total, static_cast<std::int64_t>(contacts_.size()));
}

INSTANTIATE_TEST_SUITE_P(Seeds, AclPropertyTest, ::testing::Range(1u, 13u));

}  // namespace
}  // namespace crm::service
