#include "crm/query/search_params.hpp"

#include <string>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "crm/api/query_string.hpp"
#include "crm/query/php_params.hpp"

#include "testing/status_matchers.hpp"

namespace crm::query {
namespace {

namespace json = boost::json;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;

Result<SearchParams> FromQuery(std::string_view query) {
  CRM_ASSIGN_OR_RETURN(const auto params, api::DecodeQueryString(query));
  return DecodeSearchParams(params);
}

Result<SearchParams> FromJson(std::string_view text) {
  return DecodeSearchParamsJson(json::parse(text).as_object());
}

std::string WhereJson(const SearchParams& params) { return json::serialize(params.where); }

std::string Json(std::string_view text) { return json::serialize(json::parse(text)); }

// --- The captured requests of real EspoCRM clients (docs/captures) ---

TEST(SearchParams, Capture19EncodedBracketsWithPaging) {
  const auto params = FromQuery(
      "select=id%2CfirstName%2ClastName%2CaccountId%2CaccountName%2CemailAddress%2CcreatedAt&"
      "maxSize=2&"
      "offset=0&orderBy=createdAt&order=desc&where%5B0%5D%5Btype%5D=equals&where%5B0%5D%"
      "5Battribute%5D="
      "lastName&where%5B0%5D%5Bvalue%5D=Wire");
  ASSERT_THAT(params, IsOk());
  EXPECT_THAT(params->select, Optional(ElementsAre("id", "firstName", "lastName", "accountId",
                                                   "accountName", "emailAddress", "createdAt")));
  EXPECT_EQ(params->max_size, 2);
  EXPECT_EQ(params->offset, 0);
  EXPECT_EQ(params->order_by, "createdAt");
  EXPECT_EQ(params->order_desc, true);
  EXPECT_EQ(WhereJson(*params),
            Json(R"([{"type":"equals","attribute":"lastName","value":"Wire"}])"));
  EXPECT_FALSE(params->quick_search);
}

TEST(SearchParams, Capture20RawBrackets) {
  const auto params = FromQuery(
      "select=id,name,accountId&maxSize=20&where[0][type]=equals&where[0][attribute]=firstName&"
      "where[0][value]=John");
  ASSERT_THAT(params, IsOk());
  EXPECT_THAT(params->select, Optional(ElementsAre("id", "name", "accountId")));
  EXPECT_EQ(params->max_size, 20);
  EXPECT_EQ(params->offset, std::nullopt);
  EXPECT_EQ(params->order_desc, std::nullopt);
  EXPECT_EQ(WhereJson(*params),
            Json(R"([{"type":"equals","attribute":"firstName","value":"John"}])"));
}

TEST(SearchParams, Capture21ValueList) {
  const auto params = FromQuery(
      "select=id%2Cname&where%5B0%5D%5Btype%5D=in&where%5B0%5D%5Battribute%5D=firstName&"
      "where%5B0%5D%5Bvalue%5D%5B%5D=John&where%5B0%5D%5Bvalue%5D%5B%5D=Jane");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(WhereJson(*params),
            Json(R"([{"type":"in","attribute":"firstName","value":["John","Jane"]}])"));
}

TEST(SearchParams, Capture22TwoItems) {
  const auto params = FromQuery(
      "select=id%2Cname&where%5B0%5D%5Btype%5D=startsWith&where%5B0%5D%5Battribute%5D=lastName&"
      "where%5B0%5D%5Bvalue%5D=Wi&where%5B1%5D%5Btype%5D=isNotNull&where%5B1%5D%5Battribute%5D="
      "accountId");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(WhereJson(*params), Json(R"([{"type":"startsWith","attribute":"lastName","value":"Wi"},
                                         {"type":"isNotNull","attribute":"accountId"}])"));
}

TEST(SearchParams, Capture23NestedOr) {
  const auto params = FromQuery(
      "select=id%2Cname&where%5B0%5D%5Btype%5D=or&where%5B0%5D%5Bvalue%5D%5B0%5D%5Btype%5D=equals&"
      "where%5B0%5D%5Bvalue%5D%5B0%5D%5Battribute%5D=firstName&where%5B0%5D%5Bvalue%5D%5B0%5D%"
      "5Bvalue%5D="
      "Jane&where%5B0%5D%5Bvalue%5D%5B1%5D%5Btype%5D=contains&where%5B0%5D%5Bvalue%5D%5B1%5D%"
      "5Battribute%"
      "5D=title&where%5B0%5D%5Bvalue%5D%5B1%5D%5Bvalue%5D=CT");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(WhereJson(*params), Json(R"([{"type":"or","value":[
      {"type":"equals","attribute":"firstName","value":"Jane"},
      {"type":"contains","attribute":"title","value":"CT"}]}])"));
}

TEST(SearchParams, Capture24SearchParamsJson) {
  const auto params = FromQuery(
      "searchParams=%7B%22select%22%3A%20%5B%22id%22%2C%20%22name%22%2C%20%22emailAddress%22%5D%2C%"
      "20%22"
      "maxSize%22%3A%205%2C%20%22orderBy%22%3A%20%22name%22%2C%20%22order%22%3A%20%22asc%22%2C%20%"
      "22where"
      "%22%3A%20%5B%7B%22type%22%3A%20%22equals%22%2C%20%22attribute%22%3A%20%22lastName%22%2C%20%"
      "22value"
      "%22%3A%20%22Wire%22%7D%5D%7D");
  ASSERT_THAT(params, IsOk());
  EXPECT_THAT(params->select, Optional(ElementsAre("id", "name", "emailAddress")));
  EXPECT_EQ(params->max_size, 5);
  EXPECT_EQ(params->order_by, "name");
  EXPECT_EQ(params->order_desc, false);
  EXPECT_EQ(WhereJson(*params),
            Json(R"([{"type":"equals","attribute":"lastName","value":"Wire"}])"));
}

TEST(SearchParams, Capture25QuickSearch) {
  const auto params = FromQuery("q=John&select=id,name");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->text_filter, "John");
  EXPECT_TRUE(params->quick_search);
}

TEST(SearchParams, Capture29BadTypeIsLeftToTheWhereCompiler) {
  const auto params =
      FromQuery("where[0][type]=bogus&where[0][attribute]=lastName&where[0][value]=x");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(WhereJson(*params), Json(R"([{"type":"bogus","attribute":"lastName","value":"x"}])"));
}

// --- Bracket form ---

TEST(SearchParams, NoParametersMeansNothing) {
  const auto params = FromQuery("");
  ASSERT_THAT(params, IsOk());
  EXPECT_TRUE(params->where.empty());
  EXPECT_EQ(params->select, std::nullopt);
  EXPECT_EQ(params->max_size, std::nullopt);
  EXPECT_EQ(params->text_filter, std::nullopt);
  EXPECT_EQ(params->primary_filter, std::nullopt);
  EXPECT_TRUE(params->bool_filters.empty());
}

TEST(SearchParams, UnrelatedParametersAreIgnoredEvenWhenMalformed) {
  std::vector<std::pair<std::string, std::string>> pairs(5000, {"junk[][][]", "x"});
  pairs.emplace_back("maxSize", "7");
  const auto params = DecodeSearchParams(pairs);
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->max_size, 7);
}

TEST(SearchParams, SelectIsTrimmedAndRefusesEmptyNames) {
  const auto params = FromQuery("select=+id+,name");
  ASSERT_THAT(params, IsOk());
  EXPECT_THAT(params->select, Optional(ElementsAre("id", "name")));
  for (const char* query : {"select=id,,name", "select=id,", "select=,,,", "select=+,id"}) {
    EXPECT_THAT(FromQuery(query),
                StatusIs(StatusCode::kInvalidArgument, "An item of select is empty."))
        << query;
  }
}

TEST(SearchParams, EmptySelectIsAbsent) {
  const auto params = FromQuery("select=");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->select, std::nullopt);
}

TEST(SearchParams, AttributeSelectWinsOverSelect) {
  const auto params = FromQuery("select=id&attributeSelect=name,title");
  ASSERT_THAT(params, IsOk());
  EXPECT_THAT(params->select, Optional(ElementsAre("name", "title")));
}

TEST(SearchParams, SelectAsBracketList) {
  const auto params = FromQuery("select[]=id&select[]=name");
  ASSERT_THAT(params, IsOk());
  EXPECT_THAT(params->select, Optional(ElementsAre("id", "name")));
}

TEST(SearchParams, SelectListMustHoldStrings) {
  EXPECT_THAT(
      FromQuery("select[0][x]=id"),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("select must be a list of strings")));
}

TEST(SearchParams, SortByIsAnAliasOfOrderBy) {
  auto params = FromQuery("sortBy=name");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->order_by, "name");
  params = FromQuery("sortBy=name&orderBy=createdAt");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->order_by, "createdAt");
}

TEST(SearchParams, OrderByMustBeAString) {
  EXPECT_THAT(FromQuery("orderBy[]=name"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("orderBy")));
}

TEST(SearchParams, OrderIsCaseInsensitive) {
  auto params = FromQuery("order=DESC");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->order_desc, true);
  params = FromQuery("order=Asc");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->order_desc, false);
  params = FromQuery("order=");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->order_desc, std::nullopt);
}

TEST(SearchParams, BadOrderIsRejected) {
  EXPECT_THAT(FromQuery("order=up"), StatusIs(StatusCode::kInvalidArgument, "order value is bad."));
  EXPECT_THAT(FromQuery("order[]=asc"),
              StatusIs(StatusCode::kInvalidArgument, "order value is bad."));
}

TEST(SearchParams, LegacyAscFlag) {
  auto params = FromQuery("asc=true");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->order_desc, false);
  params = FromQuery("asc=false");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->order_desc, true);
  params = FromQuery("asc=true&order=desc");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->order_desc, true);
  EXPECT_THAT(FromQuery("asc=maybe"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("asc")));
}

TEST(SearchParams, OffsetAndMaxSize) {
  auto params = FromQuery("offset=40&maxSize=0020");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->offset, 40);
  EXPECT_EQ(params->max_size, 20);
  // Values above the 200 limit are the caller's to refuse.
  params = FromQuery("maxSize=5000");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->max_size, 5000);
}

TEST(SearchParams, EmptyMaxSizeIsAbsent) {
  const auto params = FromQuery("maxSize=&offset=+");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->max_size, std::nullopt);
  EXPECT_EQ(params->offset, std::nullopt);
}

TEST(SearchParams, NonIntegerMaxSizeIsRejected) {
  for (const char* query : {"maxSize=abc", "maxSize=1.5", "maxSize=-1", "maxSize=1e3",
                            "maxSize[]=1", "maxSize=99999999999999999999"}) {
    EXPECT_THAT(FromQuery(query), StatusIs(StatusCode::kInvalidArgument, HasSubstr("maxSize")))
        << query;
  }
}

TEST(SearchParams, NegativeOffsetIsRejected) {
  EXPECT_THAT(FromQuery("offset=-5"),
              StatusIs(StatusCode::kInvalidArgument, "offset must be a non-negative integer."));
}

TEST(SearchParams, QIsTrimmedAndMarksAQuickSearch) {
  const auto params = FromQuery("q=+John++");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->text_filter, "John");
  EXPECT_TRUE(params->quick_search);
}

TEST(SearchParams, BlankQIsNoSearch) {
  const auto params = FromQuery("q=+++");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->text_filter, std::nullopt);
  EXPECT_FALSE(params->quick_search);
}

TEST(SearchParams, TextFilterWinsOverQ) {
  const auto params = FromQuery("q=John&textFilter=Jane");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->text_filter, "Jane");
  EXPECT_TRUE(params->quick_search);
}

TEST(SearchParams, TextFilterMustBeAString) {
  EXPECT_THAT(FromQuery("textFilter[]=x"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("textFilter")));
}

TEST(SearchParams, PrimaryFilter) {
  auto params = FromQuery("primaryFilter=open");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->primary_filter, "open");
  params = FromQuery("primaryFilter=");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->primary_filter, std::nullopt);
}

TEST(SearchParams, BoolFilterListForms) {
  auto params = FromQuery("boolFilterList[]=onlyMy&boolFilterList[]=followed");
  ASSERT_THAT(params, IsOk());
  EXPECT_THAT(params->bool_filters, ElementsAre("onlyMy", "followed"));
  params = FromQuery("boolFilterList=onlyMy");
  ASSERT_THAT(params, IsOk());
  EXPECT_THAT(params->bool_filters, ElementsAre("onlyMy"));
  params = FromQuery("boolFilterList[a]=onlyMy");
  ASSERT_THAT(params, IsOk());
  EXPECT_THAT(params->bool_filters, ElementsAre("onlyMy"));
  params = FromQuery("boolFilterList=");
  ASSERT_THAT(params, IsOk());
  EXPECT_TRUE(params->bool_filters.empty());
  EXPECT_THAT(FromQuery("boolFilterList[0][x]=onlyMy"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("boolFilterList")));
}

TEST(SearchParams, WhereGroupWinsOverWhere) {
  const auto params = FromQuery("where[0][type]=isNull&whereGroup[0][type]=isNotNull");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(WhereJson(*params), Json(R"([{"type":"isNotNull"}])"));
}

TEST(SearchParams, WhereAsAJsonStringIsTheSeedForm) {
  const auto params = FromQuery(
      "where=%5B%7B%22type%22%3A%22equals%22%2C%22field%22%3A%22lastName%22%2C%22value%22%3A%"
      "22Wire%22%7D%5D");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(WhereJson(*params), Json(R"([{"type":"equals","field":"lastName","value":"Wire"}])"));
}

TEST(SearchParams, MalformedWhereIsAlwaysRejected) {
  EXPECT_THAT(FromQuery("where=%5Bnope"),
              StatusIs(StatusCode::kInvalidArgument, "Invalid where JSON."));
  EXPECT_THAT(FromQuery("where=nope"),
              StatusIs(StatusCode::kInvalidArgument, "Invalid where JSON."));
  EXPECT_THAT(FromQuery("where=%7B%7D"),
              StatusIs(StatusCode::kInvalidArgument, "where must be an array."));
  EXPECT_THAT(FromQuery("where[type]=equals"),
              StatusIs(StatusCode::kInvalidArgument, "where must be an array."));
}

TEST(SearchParams, WhereJsonDeeperThanTheParserAllowsIsRejected) {
  std::string deep(40, '[');
  deep += std::string(40, ']');
  EXPECT_THAT(DecodeSearchParams(std::vector<std::pair<std::string, std::string>>{{"where", deep}}),
              StatusIs(StatusCode::kInvalidArgument, "Invalid where JSON."));
}

TEST(SearchParams, WhereLimitsOfTheBracketDecoderApply) {
  std::string name = "where";
  for (int i = 0; i <= kMaxPhpDepth; ++i) name += "[0]";
  EXPECT_THAT(DecodeSearchParams(std::vector<std::pair<std::string, std::string>>{{name, "x"}}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("nested too deeply")));
}

// --- searchParams (JSON) form ---

TEST(SearchParams, SearchParamsWinsOverEveryOtherParameter) {
  const auto params = FromQuery("maxSize=abc&where[0][type]=x&searchParams=%7B%22offset%22%3A3%7D");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->offset, 3);
  EXPECT_EQ(params->max_size, std::nullopt);
  EXPECT_TRUE(params->where.empty());
}

TEST(SearchParams, InvalidSearchParams) {
  for (const char* query : {"searchParams=%7Bx", "searchParams=", "searchParams=%5B%5D",
                            "searchParams=3", "searchParams[a]=1"}) {
    EXPECT_THAT(FromQuery(query),
                StatusIs(StatusCode::kInvalidArgument, "Invalid search params JSON."))
        << query;
  }
}

TEST(SearchParamsJson, AllKeys) {
  const auto params =
      FromJson(R"({"select":["id","name"],"where":[{"type":"isNull","attribute":"title"}],
      "maxSize":10,"offset":20,"orderBy":"name","order":"DESC","primaryFilter":"open",
      "boolFilterList":["onlyMy"],"textFilter":"Acme"})");
  ASSERT_THAT(params, IsOk());
  EXPECT_THAT(params->select, Optional(ElementsAre("id", "name")));
  EXPECT_EQ(WhereJson(*params), Json(R"([{"type":"isNull","attribute":"title"}])"));
  EXPECT_EQ(params->max_size, 10);
  EXPECT_EQ(params->offset, 20);
  EXPECT_EQ(params->order_by, "name");
  EXPECT_EQ(params->order_desc, true);
  EXPECT_EQ(params->primary_filter, "open");
  EXPECT_THAT(params->bool_filters, ElementsAre("onlyMy"));
  EXPECT_EQ(params->text_filter, "Acme");
  EXPECT_FALSE(params->quick_search);
}

TEST(SearchParamsJson, NullsAreAbsent) {
  const auto params = FromJson(
      R"({"select":null,"where":null,"maxSize":null,"offset":null,"orderBy":null,"order":null,
          "primaryFilter":null,"boolFilterList":null,"textFilter":null,"q":null})");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->select, std::nullopt);
  EXPECT_TRUE(params->where.empty());
  EXPECT_EQ(params->max_size, std::nullopt);
}

TEST(SearchParamsJson, MaxSizeMustBeAJsonInteger) {
  for (const char* text : {R"({"maxSize":"5"})", R"({"maxSize":5.0})", R"({"maxSize":true})",
                           R"({"maxSize":18446744073709551615})"}) {
    EXPECT_THAT(FromJson(text), StatusIs(StatusCode::kInvalidArgument, "maxSize must be integer."))
        << text;
  }
  EXPECT_THAT(FromJson(R"({"maxSize":-1})"),
              StatusIs(StatusCode::kInvalidArgument, "maxSize must be a non-negative integer."));
  EXPECT_THAT(FromJson(R"({"offset":"3"})"),
              StatusIs(StatusCode::kInvalidArgument, "offset must be integer."));
}

TEST(SearchParamsJson, SelectAsACommaList) {
  const auto params = FromJson(R"({"select":"id,name"})");
  ASSERT_THAT(params, IsOk());
  EXPECT_THAT(params->select, Optional(ElementsAre("id", "name")));
  EXPECT_THAT(FromJson(R"({"select":[1]})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("select")));
}

TEST(SearchParamsJson, WhereMustBeAnArray) {
  EXPECT_THAT(FromJson(R"({"where":{"type":"isNull"}})"),
              StatusIs(StatusCode::kInvalidArgument, "where must be an array."));
  EXPECT_THAT(FromJson(R"({"where":5})"),
              StatusIs(StatusCode::kInvalidArgument, "where must be an array."));
}

TEST(SearchParamsJson, QTrimmedAndQuick) {
  const auto params = FromJson(R"({"q":"  Big "})");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->text_filter, "Big");
  EXPECT_TRUE(params->quick_search);
}

TEST(SearchParamsJson, BadOrder) {
  EXPECT_THAT(FromJson(R"({"order":1})"),
              StatusIs(StatusCode::kInvalidArgument, "order value is bad."));
}

TEST(SearchParamsJson, MassActionBodyKeysAreIgnored) {
  const auto params = FromJson(
      R"({"entityType":"Contact","ids":["a"],"where":[{"type":"equals","attribute":"lastName","value":"Wire"}]})");
  ASSERT_THAT(params, IsOk());
  EXPECT_EQ(params->where.size(), 1u);
}

}  // namespace
}  // namespace crm::query
