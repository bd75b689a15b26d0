#include "crm/metadata/metadata.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.hpp"

namespace crm::metadata {
namespace {

using ::crm::testing::StatusIs;
using ::testing::HasSubstr;

std::shared_ptr<const Metadata> Shipped() {
  auto metadata = Metadata::Load(ShippedEntityDefs());
  EXPECT_TRUE(metadata.ok()) << metadata.status().ToString();
  return metadata.ok() ? *metadata : nullptr;
}

std::vector<std::string> AttributeNames(const EntityDef& entity) {
  std::vector<std::string> names;
  for (const auto& a : entity.attributes) names.push_back(a.name);
  return names;
}

TEST(Metadata, ShipsTheCrmEntities) {
  const auto metadata = Shipped();
  ASSERT_NE(metadata, nullptr);
  for (const char* name : {"Contact", "Lead", "Account", "Opportunity", "Call", "Meeting", "Task",
                           "Case", "User", "Team"}) {
    EXPECT_NE(metadata->FindEntity(name), nullptr) << name;
  }
  EXPECT_EQ(metadata->FindEntity("contact"), metadata->FindEntity("Contact"));
  EXPECT_EQ(metadata->FindEntity("NoSuchEntity"), nullptr);
  EXPECT_EQ(metadata->FindEntity("CONTACT"), nullptr);
}

TEST(Metadata, ContactExpandsFieldsToWireAttributes) {
  const auto metadata = Shipped();
  const EntityDef& contact = metadata->Entity("Contact");
  const auto names = AttributeNames(contact);
  EXPECT_THAT(names, ::testing::IsSupersetOf({"id",
                                              "name",
                                              "deleted",
                                              "firstName",
                                              "lastName",
                                              "emailAddress",
                                              "emailAddressData",
                                              "emailAddressIsOptedOut",
                                              "phoneNumberData",
                                              "addressCity",
                                              "addressPostalCode",
                                              "accountId",
                                              "accountName",
                                              "accountsIds",
                                              "accountsNames",
                                              "accountsColumns",
                                              "accountType",
                                              "createdById",
                                              "createdByName",
                                              "teamsIds",
                                              "teamsNames"}));
  // EspoCRM's order: id, name, deleted first.
  EXPECT_EQ(names[0], "id");
  EXPECT_EQ(names[1], "name");
  EXPECT_EQ(names[2], "deleted");
  EXPECT_TRUE(contact.person);
  EXPECT_EQ(contact.FindAttribute("addressPostalCode")->max_length, 40);
  EXPECT_EQ(contact.FindAttribute("accountName")->kind, AttributeKind::kLinkName);
  EXPECT_TRUE(contact.FindAttribute("accountName")->read_only);
  EXPECT_EQ(contact.FindAttribute("accountId")->column, "account_id");
  EXPECT_EQ(contact.FindAttribute("versionNumber"), nullptr);
  EXPECT_NE(metadata->Entity("Account").FindAttribute("versionNumber"), nullptr);
}

TEST(Metadata, ManyToManyLinksResolveJoinTables) {
  const auto metadata = Shipped();
  const LinkDef* accounts = metadata->Entity("Contact").FindLink("accounts");
  ASSERT_NE(accounts, nullptr);
  EXPECT_TRUE(accounts->many_to_many());
  EXPECT_EQ(accounts->join_table, "account_contact");
  EXPECT_EQ(accounts->near_key_column, "contact_id");
  EXPECT_EQ(accounts->far_key_column, "account_id");
  const LinkDef* teams = metadata->Entity("Lead").FindLink("teams");
  ASSERT_NE(teams, nullptr);
  ASSERT_EQ(teams->conditions.size(), 1u);
  EXPECT_EQ(teams->conditions[0].first, "entity_type");
  EXPECT_EQ(teams->conditions[0].second, "Lead");
}

TEST(Metadata, InternalFieldsAreHiddenFromClients) {
  const auto metadata = Shipped();
  const auto& fields = metadata->client_json().at("entityDefs").at("User").at("fields").as_object();
  EXPECT_FALSE(fields.contains("password"));
  EXPECT_FALSE(fields.contains("apiKeyHash"));
  EXPECT_TRUE(fields.contains("userName"));
  EXPECT_TRUE(metadata->client_json().at("scopes").as_object().contains("Contact"));
}

TEST(Metadata, LaterSourcesMergeOverEarlierOnes) {
  auto sources = ShippedEntityDefs();
  sources.push_back(
      {"Contact", R"({"fields": {"nickname": {"type": "varchar", "maxLength": 30}}})"});
  auto metadata = Metadata::Load(sources);
  ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();
  const EntityDef& contact = (*metadata)->Entity("Contact");
  ASSERT_NE(contact.FindAttribute("nickname"), nullptr);
  EXPECT_EQ(contact.FindAttribute("nickname")->max_length, 30);
  EXPECT_NE(contact.FindAttribute("lastName"), nullptr);
}

TEST(Metadata, StageProbabilitiesComeFromMetadataAndCanBeOverridden) {
  using Map = std::vector<std::pair<std::string, std::int64_t>>;
  auto shipped = Metadata::Load(ShippedEntityDefs());
  ASSERT_TRUE(shipped.ok()) << shipped.status().ToString();
  EXPECT_EQ((*shipped)->Entity("Opportunity").FindField("stage")->probability_map,
            (Map{{"Prospecting", 10},
                 {"Qualification", 20},
                 {"Proposal", 50},
                 {"Negotiation", 80},
                 {"Closed Won", 100},
                 {"Closed Lost", 0}}));
  auto sources = ShippedEntityDefs();
  sources.push_back(
      {"Opportunity", R"({"fields": {"stage": {"probabilityMap": {"Proposal": 60}}}})"});
  auto overridden = Metadata::Load(sources);
  ASSERT_TRUE(overridden.ok()) << overridden.status().ToString();
  const Map& map = (*overridden)->Entity("Opportunity").FindField("stage")->probability_map;
  ASSERT_EQ(map.size(), 6u);
  EXPECT_EQ(map[2], (std::pair<std::string, std::int64_t>{"Proposal", 60}));
}

// A field of a feature crmd has not built expands to the attributes of its type, none stored, all
// read-only and of kind kEmpty; it needs no link, not even for a link or linkMultiple type.
TEST(Metadata, NotBuiltFieldsExpandToEmptyReadOnlyAttributes) {
  auto sources = ShippedEntityDefs();
  sources.push_back({"Widget", R"({"fields": {"name": {"type": "varchar"},
      "createdAt": {"type": "datetime"},
      "followers": {"type": "linkMultiple", "notBuilt": "stream"},
      "campaign": {"type": "link", "notBuilt": "campaigns"},
      "isFollowed": {"type": "bool", "notBuilt": "stream", "inLists": false}}})"});
  const auto metadata = Metadata::Load(sources);
  ASSERT_TRUE(metadata.ok()) << metadata.status().ToString();
  const EntityDef& widget = (*metadata)->Entity("Widget");
  for (const char* name :
       {"followersIds", "followersNames", "campaignId", "campaignName", "isFollowed"}) {
    const AttributeDef* attribute = widget.FindAttribute(name);
    ASSERT_NE(attribute, nullptr) << name;
    EXPECT_EQ(attribute->kind, AttributeKind::kEmpty) << name;
    EXPECT_FALSE(attribute->stored()) << name;
    EXPECT_TRUE(attribute->read_only) << name;
  }
  EXPECT_EQ(widget.FindAttribute("isFollowed")->type, ValueType::kBool);
  EXPECT_FALSE(widget.FindAttribute("isFollowed")->in_lists);
  EXPECT_TRUE(widget.FindAttribute("campaignId")->in_lists);
  EXPECT_EQ(widget.FindField("campaign")->not_built, "campaigns");
}

TEST(Metadata, MandatoryListAttributesMustExist) {
  const auto metadata = Shipped();
  EXPECT_THAT(metadata->Entity("Contact").mandatory_attributes,
              ::testing::ElementsAre("accountId", "accountName", "accountIsInactive"));
  auto sources = ShippedEntityDefs();
  sources.push_back({"Widget", R"({"fields": {"name": {"type": "varchar"},
      "createdAt": {"type": "datetime"}}, "collection": {"mandatoryAttributes": ["nope"]}})"});
  EXPECT_THAT(Metadata::Load(sources).status(),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("mandatoryAttributes names unknown attribute nope")));
}

TEST(Metadata, RejectsBadDefinitions) {
  const auto load_with = [](const char* entity, const char* json) {
    auto sources = ShippedEntityDefs();
    sources.push_back({entity, json});
    return Metadata::Load(sources).status();
  };
  EXPECT_THAT(load_with("Widget", "{\"fields\": {\"a\": {\"type\": \"blob\"}}}"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown type 'blob'")));
  EXPECT_THAT(load_with("Widget", "{\"fields\": {\"owner\": {\"type\": \"link\"}}}"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("needs a link")));
  EXPECT_THAT(
      load_with("Widget",
                R"({"fields": {"name": {"type": "varchar"}}, "collection": {"orderBy": "name"},
                                      "links": {"x": {"type": "belongsTo", "entity": "Nope"}}})"),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown entity Nope")));
  EXPECT_THAT(
      load_with("Opportunity", R"({"fields": {"stage": {"probabilityMap": {"Proposal": 1.5}}}})"),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("probabilityMap values")));
  EXPECT_THAT(load_with("Widget", "not json"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("invalid JSON")));
  EXPECT_THAT(
      load_with("Widget", R"({"fields": {"name": {"type": "varchar"}}})"),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("orderBy names unknown field createdAt")));
  EXPECT_THAT(load_with("widget", "{\"fields\": {}}"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(
      load_with("Contact", R"({"links": {"accounts": {"midKeys": ["accountId", "contactId"]}}})"),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("does not match")));
}

}  // namespace
}  // namespace crm::metadata
