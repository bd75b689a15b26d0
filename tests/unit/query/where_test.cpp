// Unit tests of query::CompileWhere and CompileFilters for what the golden files cannot hold well:
// the size limits, metadata-defined filters, and concurrent use. Per-type SQL is in
// tests/golden/where/.
#include "crm/query/where.hpp"

#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include "crm/query/internal/where_ast.hpp"
#include "crm/query/internal/where_compiler.hpp"
#include "crm/query/internal/where_parser.hpp"

#include "testing/status_matchers.hpp"

namespace crm::query {
namespace {

namespace json = boost::json;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class WhereTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = metadata::Metadata::LoadDefault("");
    ASSERT_THAT(loaded, IsOk());
    metadata_ = new std::shared_ptr<const metadata::Metadata>(*loaded);
  }
  static void TearDownTestSuite() {
    delete metadata_;
    metadata_ = nullptr;
  }

  static FilterContext Context(std::string_view entity, Dialect dialect = Dialect::kSqlite) {
    const metadata::Metadata& metadata = **metadata_;
    return FilterContext{metadata, metadata.Entity(entity), dialect,
                         *ParseDateTime("2024-03-15 10:30:00"), "user0000000000001"};
  }

  static json::array Where(std::string_view text) { return json::parse(text).as_array(); }

  static json::object Equals(std::string value) {
    return json::object{{"type", "equals"}, {"attribute", "lastName"}, {"value", std::move(value)}};
  }

  static std::shared_ptr<const metadata::Metadata>* metadata_;
};

std::shared_ptr<const metadata::Metadata>* WhereTest::metadata_ = nullptr;

TEST_F(WhereTest, EmptyWhereCompilesToNothing) {
  const auto compiled = CompileWhere(json::array(), Context("Contact"));
  ASSERT_THAT(compiled, IsOk());
  EXPECT_EQ(compiled->sql, "");
  EXPECT_TRUE(compiled->params.empty());
}

TEST_F(WhereTest, NoFiltersCompileToNothing) {
  const auto compiled = CompileFilters(SearchParams{}, Context("Contact"));
  ASSERT_THAT(compiled, IsOk());
  EXPECT_EQ(compiled->sql, "");
}

TEST_F(WhereTest, TopLevelOrIsParenthesisedForTheCaller) {
  const auto compiled = CompileWhere(
      Where(
          R"([{"type":"or","value":[{"type":"isNull","attribute":"title"},{"type":"isNull","attribute":"lastName"}]}])"),
      Context("Contact"));
  ASSERT_THAT(compiled, IsOk());
  EXPECT_EQ(compiled->sql, "(t.\"title\" IS NULL OR t.\"last_name\" IS NULL)");
}

TEST_F(WhereTest, AtMostMaxItems) {
  json::array where;
  for (int i = 0; i < kMaxWhereItems; ++i) where.push_back(Equals("x"));
  EXPECT_THAT(CompileWhere(where, Context("Contact")), IsOk());
  where.push_back(Equals("x"));
  EXPECT_THAT(CompileWhere(where, Context("Contact")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("Too many where items")));
}

TEST_F(WhereTest, NestedItemsCountTowardsTheItemLimit) {
  json::array children;
  for (int i = 0; i < kMaxWhereItems; ++i) children.push_back(Equals("x"));
  const json::array where{json::object{{"type", "or"}, {"value", children}}};
  EXPECT_THAT(CompileWhere(where, Context("Contact")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("Too many where items")));
}

TEST_F(WhereTest, AtMostMaxValuesInOneItem) {
  json::array values;
  for (int i = 0; i < kMaxWhereValues; ++i) values.emplace_back("v" + std::to_string(i));
  json::array where{json::object{{"type", "in"}, {"attribute", "lastName"}, {"value", values}}};
  const auto compiled = CompileWhere(where, Context("Contact"));
  ASSERT_THAT(compiled, IsOk());
  EXPECT_EQ(compiled->params.size(), static_cast<std::size_t>(kMaxWhereValues));
  values.emplace_back("one more");
  where = json::array{json::object{{"type", "in"}, {"attribute", "lastName"}, {"value", values}}};
  EXPECT_THAT(
      CompileWhere(where, Context("Contact")),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("Too many values in where item 'in'")));
}

TEST_F(WhereTest, AtMostMaxTotalValues) {
  json::array values;
  for (int i = 0; i < kMaxWhereValues; ++i) values.emplace_back("v");
  json::array where;
  const auto items = internal::kMaxWhereTotalValues / static_cast<std::size_t>(kMaxWhereValues);
  for (std::size_t i = 0; i < items; ++i) {
    where.push_back(json::object{{"type", "in"}, {"attribute", "lastName"}, {"value", values}});
  }
  EXPECT_THAT(CompileWhere(where, Context("Contact")), IsOk());
  where.push_back(Equals("x"));
  EXPECT_THAT(CompileWhere(where, Context("Contact")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("Too many values in where")));
}

TEST_F(WhereTest, AtMostMaxValueBytes) {
  EXPECT_THAT(
      CompileWhere(json::array{Equals(std::string(kMaxWhereValueBytes, 'x'))}, Context("Contact")),
      IsOk());
  EXPECT_THAT(CompileWhere(json::array{Equals(std::string(kMaxWhereValueBytes + 1, 'x'))},
                           Context("Contact")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("too long")));
}

TEST_F(WhereTest, AtMostMaxDepth) {
  const auto nest = [](int levels) {
    json::value item = json::object{{"type", "isNull"}, {"attribute", "title"}};
    for (int i = 0; i < levels; ++i)
      item = json::object{{"type", "and"}, {"value", json::array{item}}};
    return json::array{item};
  };
  EXPECT_THAT(CompileWhere(nest(kMaxWhereDepth - 1), Context("Contact")), IsOk());
  EXPECT_THAT(CompileWhere(nest(kMaxWhereDepth), Context("Contact")),
              StatusIs(StatusCode::kInvalidArgument, "Where is nested too deeply."));
  // Far deeper trees are refused as quickly, without recursing through them.
  EXPECT_THAT(CompileWhere(nest(1000), Context("Contact")),
              StatusIs(StatusCode::kInvalidArgument, "Where is nested too deeply."));
}

TEST_F(WhereTest, EchoedNamesAreCutAndSafeInAHeader) {
  const std::string name = "bad\r\nX-Injected: 1" + std::string(5000, 'q');
  const auto result =
      CompileWhere(json::array{json::object{{"type", "equals"}, {"attribute", "x"}, {name, 1}}},
                   Context("Contact"));
  EXPECT_THAT(result,
              StatusIs(StatusCode::kInvalidArgument,
                       "Unknown parameter 'bad??X-Injected: 1" + std::string(82, 'q') + "...'."));
}

TEST_F(WhereTest, NamesAreCutAtACharacterBoundary) {
  EXPECT_EQ(internal::QuoteName(std::string(99, 'a') + "\xC3\xA9z"),
            "'" + std::string(99, 'a') + "...'");
  EXPECT_EQ(internal::QuoteName("\xC3\xA9"), "'\xC3\xA9'");
}

TEST_F(WhereTest, EveryPlaceholderHasAParameter) {
  const auto compiled = CompileWhere(Where(R"([
      {"type":"linkedWithAll","attribute":"teams","value":["a","b"]},
      {"type":"notIn","attribute":"emailAddress","value":["A@x","b@x"]},
      {"type":"currentFiscalQuarter","attribute":"createdAt"}])"),
                                     Context("Contact"));
  ASSERT_THAT(compiled, IsOk());
  EXPECT_EQ(static_cast<std::size_t>(std::count(compiled->sql.begin(), compiled->sql.end(), '?')),
            compiled->params.size());
}

TEST_F(WhereTest, ValuesNeverReachTheSqlText) {
  const std::string evil = "x' OR 1=1; DROP TABLE contact; --";
  for (const char* type : {"equals", "like", "contains", "in", "linkedWith", "greaterThan"}) {
    json::object item{{"type", type},
                      {"attribute", std::string(type) == "linkedWith" ? "accounts" : "lastName"}};
    item["value"] = std::string(type) == "in" ? json::value(json::array{evil}) : json::value(evil);
    const auto compiled = CompileWhere(json::array{item}, Context("Contact"));
    ASSERT_THAT(compiled, IsOk()) << type;
    EXPECT_EQ(compiled->sql.find("DROP"), std::string::npos) << compiled->sql;
  }
}

TEST_F(WhereTest, FiltersOfEveryKindAreAndedWithBoolFiltersOred) {
  SearchParams params;
  params.where = Where(R"([{"type":"isNotNull","attribute":"type"}])");
  params.primary_filter = "customers";
  params.bool_filters = {"onlyMy", "onlyMy"};
  const auto compiled = CompileFilters(params, Context("Account"));
  ASSERT_THAT(compiled, IsOk());
  EXPECT_EQ(compiled->sql,
            "t.\"type\" IS NOT NULL AND t.\"type\" = ? AND (t.\"assigned_user_id\" = ? OR "
            "t.\"assigned_user_id\" = ?)");
}

TEST_F(WhereTest, PrimaryFilterAllIsNoCondition) {
  SearchParams params;
  params.primary_filter = "all";
  const auto compiled = CompileFilters(params, Context("Contact"));
  ASSERT_THAT(compiled, IsOk());
  EXPECT_EQ(compiled->sql, "");
}

TEST_F(WhereTest, ConstantsFold) {
  using internal::BoundNode;
  BoundNode leaf;
  leaf.kind = BoundNode::Kind::kIsNull;
  leaf.expr = "x";
  BoundNode no;
  no.kind = BoundNode::Kind::kFalse;
  BoundNode yes;
  yes.kind = BoundNode::Kind::kTrue;
  BoundNode either;
  either.kind = BoundNode::Kind::kOr;
  either.children = {no, leaf, no};
  EXPECT_EQ(internal::CompileBound(either, Dialect::kSqlite).sql, "x IS NULL");
  either.children.push_back(yes);
  EXPECT_EQ(internal::Simplify(either).kind, BoundNode::Kind::kTrue);
  BoundNode both;
  both.kind = BoundNode::Kind::kAnd;
  both.children = {leaf, no};
  EXPECT_EQ(internal::CompileBound(both, Dialect::kSqlite).sql, "1 = 0");
}

// Metadata-defined filters, on an entity made for the test.
class CustomMetadataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<metadata::EntityDefSource> sources = metadata::ShippedEntityDefs();
    sources.push_back({"Contact", R"({
        "boolFilters": {"vip": [{"type": "equals", "attribute": "title", "value": "VIP"}],
                        "onlyMy": [{"type": "isTrue", "attribute": "doNotCall"}],
                        "broken": [{"type": "equals", "attribute": "nope", "value": "x"}]},
        "primaryFilters": {"boston": [{"type": "equals", "attribute": "addressCity", "value": "Boston"}]}})"});
    sources.push_back({"Gadget", R"({
        "fields": {"name": {"type": "varchar"}, "emailAddress": {"type": "email"},
                   "tags": {"type": "multiEnum", "options": ["a", "b"]}, "rating": {"type": "float"}},
        "collection": {"orderBy": "name", "order": "asc", "textFilterFields": ["emailAddress", "rating"]}})"});
    auto loaded = metadata::Metadata::Load(sources);
    ASSERT_THAT(loaded, IsOk());
    metadata_ = *loaded;
  }

  FilterContext Context(std::string_view entity) const {
    return FilterContext{*metadata_, metadata_->Entity(entity), Dialect::kSqlite,
                         *ParseDateTime("2024-03-15 10:30:00"), "user0000000000001"};
  }

  std::shared_ptr<const metadata::Metadata> metadata_;
};

TEST_F(CustomMetadataTest, BoolFiltersFromMetadataAreOred) {
  SearchParams params;
  params.bool_filters = {"vip", "onlyMy"};
  const auto compiled = CompileFilters(params, Context("Contact"));
  ASSERT_THAT(compiled, IsOk());
  // Metadata's onlyMy replaces the built-in one.
  EXPECT_EQ(compiled->sql, "(t.\"title\" = ? OR t.\"do_not_call\" = ?)");
  ASSERT_EQ(compiled->params.size(), 2u);
}

TEST_F(CustomMetadataTest, BrokenMetadataFilterIsStillA400) {
  SearchParams params;
  params.bool_filters = {"broken"};
  EXPECT_THAT(CompileFilters(params, Context("Contact")),
              StatusIs(StatusCode::kInvalidArgument, "Not existing attribute 'nope' in where."));
}

TEST_F(CustomMetadataTest, PrimaryFilterFromAnOverride) {
  SearchParams params;
  params.primary_filter = "boston";
  const auto compiled = CompileFilters(params, Context("Contact"));
  ASSERT_THAT(compiled, IsOk());
  EXPECT_EQ(compiled->sql, "t.\"address_city\" = ?");
}

TEST_F(CustomMetadataTest, TextFilterThatNoFieldCanMatchNeverHolds) {
  SearchParams params;
  params.text_filter = "a b";  // a space rules out email fields, and it is no number
  const auto compiled = CompileFilters(params, Context("Gadget"));
  ASSERT_THAT(compiled, IsOk());
  EXPECT_EQ(compiled->sql, "1 = 0");
}

TEST_F(CustomMetadataTest, MultiEnumTakesArrayTypes) {
  const auto compiled = CompileWhere(
      json::parse(R"([{"type":"arrayAllOf","attribute":"tags","value":["a","b"]}])").as_array(),
      Context("Gadget"));
  ASSERT_THAT(compiled, IsOk());
  EXPECT_EQ(compiled->sql,
            "(SELECT COUNT(DISTINCT a.value) FROM json_each(t.\"tags\") AS a WHERE a.value IN (?, "
            "?)) = ?");
}

TEST_F(CustomMetadataTest, OnlyMyNeedsAnOwner) {
  SearchParams params;
  params.bool_filters = {"onlyMy"};
  EXPECT_THAT(CompileFilters(params, Context("Gadget")),
              StatusIs(StatusCode::kInvalidArgument, "No bool filter 'onlyMy' for 'Gadget'."));
}

// Time zones load lazily inside the date library; first use from several threads at once must be
// safe (run under -DCRM_SANITIZE=thread to check).
TEST_F(WhereTest, CompilesConcurrently) {
  const std::vector<std::string> zones = {"Europe/Berlin", "America/New_York", "Asia/Tokyo",
                                          "Australia/Sydney"};
  std::vector<std::thread> threads;
  std::vector<std::string> results(zones.size());
  for (std::size_t i = 0; i < zones.size(); ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < 50; ++n) {
        json::array where{json::object{{"type", "today"},
                                       {"attribute", "createdAt"},
                                       {"timeZone", zones[i]},
                                       {"dateTime", true}}};
        const auto compiled = CompileWhere(where, Context("Contact"));
        if (compiled.ok()) results[i] = std::get<std::string>(compiled->params[0]);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_THAT(results, ElementsAre("2024-03-14 23:00:00", "2024-03-15 04:00:00",
                                   "2024-03-14 15:00:00", "2024-03-14 13:00:00"));
}

}  // namespace
}  // namespace crm::query
