#include "crm/query/php_params.hpp"

#include <string>
#include <utility>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "crm/api/query_string.hpp"

#include "testing/status_matchers.hpp"

namespace crm::query {
namespace {

namespace json = boost::json;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::HasSubstr;

// Decodes a raw query string and returns the result as compact JSON text.
std::string Decode(std::string_view query) {
  const auto params = api::DecodeQueryString(query);
  EXPECT_THAT(params, IsOk());
  if (!params.ok()) return std::string();
  const auto decoded = DecodePhpParams(*params);
  EXPECT_THAT(decoded, IsOk());
  return decoded.ok() ? json::serialize(*decoded) : std::string();
}

std::string Json(std::string_view text) { return json::serialize(json::parse(text)); }

TEST(PhpParams, PlainScalars) { EXPECT_EQ(Decode("a=1&b=x+y"), Json(R"({"a":"1","b":"x y"})")); }

TEST(PhpParams, LaterScalarReplacesEarlier) { EXPECT_EQ(Decode("a=1&a=2"), Json(R"({"a":"2"})")); }

TEST(PhpParams, EmptyBracketsAppend) {
  EXPECT_EQ(Decode("a[]=x&a[]=y&a[]="), Json(R"({"a":["x","y",""]})"));
}

TEST(PhpParams, IndexedObjectsInAList) {
  EXPECT_EQ(Decode("w[0][type]=in&w[0][value][]=a&w[0][value][]=b&w[1][type]=isNull"),
            Json(R"({"w":[{"type":"in","value":["a","b"]},{"type":"isNull"}]})"));
}

TEST(PhpParams, IntegerKeysKeepTheirFirstSeenOrder) {
  EXPECT_EQ(Decode("w[1][t]=a&w[0][t]=b&w[1][u]=c"),
            Json(R"({"w":[{"t":"a","u":"c"},{"t":"b"}]})"));
}

TEST(PhpParams, AppendContinuesAfterTheLargestIntegerKey) {
  EXPECT_EQ(Decode("a[5]=x&a[]=y&a[2]=z&a[]=w"), Json(R"({"a":["x","y","z","w"]})"));
}

TEST(PhpParams, EachEmptyBracketStartsANewElement) {
  EXPECT_EQ(Decode("a[][b]=1&a[][b]=2"), Json(R"({"a":[{"b":"1"},{"b":"2"}]})"));
}

TEST(PhpParams, StringKeysMakeAnObject) {
  EXPECT_EQ(Decode("a[x]=1&a[y][z]=2"), Json(R"({"a":{"x":"1","y":{"z":"2"}}})"));
}

TEST(PhpParams, MixedKeysMakeAnObject) {
  EXPECT_EQ(Decode("a[0]=1&a[k]=2"), Json(R"({"a":{"0":"1","k":"2"}})"));
}

TEST(PhpParams, OnlyCanonicalIntegersAreIntegerKeys) {
  EXPECT_EQ(Decode("a[01]=x&a[-0]=y&a[1.5]=z"), Json(R"({"a":{"01":"x","-0":"y","1.5":"z"}})"));
  EXPECT_EQ(Decode("a[-3]=x&a[7]=y"), Json(R"({"a":["x","y"]})"));
  EXPECT_EQ(Decode("a[99999999999999999999]=x"), Json(R"({"a":{"99999999999999999999":"x"}})"));
}

TEST(PhpParams, IndexedPairReplacesAScalar) {
  EXPECT_EQ(Decode("a=1&a[]=2"), Json(R"({"a":["2"]})"));
  EXPECT_EQ(Decode("a[x]=1&a[x][y]=2"), Json(R"({"a":{"x":{"y":"2"}}})"));
}

TEST(PhpParams, ScalarReplacesAnArray) { EXPECT_EQ(Decode("a[]=1&a=2"), Json(R"({"a":"2"})")); }

TEST(PhpParams, BaseNameSpacesAndDotsBecomeUnderscores) {
  EXPECT_EQ(Decode("a.b=1&c+d[x.y]=2&++e=3"), Json(R"({"a_b":"1","c_d":{"x.y":"2"},"e":"3"})"));
}

TEST(PhpParams, UnterminatedBracketStaysInTheBaseName) {
  EXPECT_EQ(Decode("a[b=1"), Json(R"({"a_b":"1"})"));
  EXPECT_EQ(Decode("a[b.c[d=1"), Json(R"({"a_b_c_d":"1"})"));
}

TEST(PhpParams, UnterminatedDeeperBracketIsDropped) {
  EXPECT_EQ(Decode("a[b][c=1"), Json(R"({"a":{"b":"1"}})"));
}

TEST(PhpParams, TextAfterTheLastBracketIsIgnored) {
  EXPECT_EQ(Decode("a[b]xyz=1&c[d]e[f]=2"), Json(R"({"a":{"b":"1"},"c":{"d":"2"}})"));
}

TEST(PhpParams, OneWhitespaceInBracketsAppends) {
  EXPECT_EQ(Decode("a[+]=1&a[%09]=2"), Json(R"({"a":["1","2"]})"));
  EXPECT_EQ(Decode("a[++]=1"), Json(R"({"a":{"  ":"1"}})"));
}

TEST(PhpParams, EmptyBaseNameIsSkipped) { EXPECT_EQ(Decode("=1&[a]=2&b=3"), Json(R"({"b":"3"})")); }

TEST(PhpParams, NameWithoutValue) { EXPECT_EQ(Decode("a&b[]"), Json(R"({"a":"","b":[""]})")); }

TEST(PhpParams, ValuesAreBytesAsGiven) {
  EXPECT_EQ(Decode("a=%C3%A9%00z"),
            json::serialize(json::object{{"a", std::string("\xC3\xA9\0z", 4)}}));
}

TEST(PhpParams, RejectsTooManyParameters) {
  std::vector<std::pair<std::string, std::string>> params(kMaxPhpParams + 1, {"a[]", "x"});
  EXPECT_THAT(DecodePhpParams(params),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("Too many")));
  params.pop_back();
  EXPECT_THAT(DecodePhpParams(params), IsOk());
}

TEST(PhpParams, RejectsLongNames) {
  const std::vector<std::pair<std::string, std::string>> params = {
      {"a[" + std::string(kMaxPhpNameBytes, 'x') + "]", "1"}};
  EXPECT_THAT(DecodePhpParams(params),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("too long")));
}

TEST(PhpParams, RejectsLongValuesNamingTheParameter) {
  const std::vector<std::pair<std::string, std::string>> params = {
      {"where[0]", std::string(kMaxPhpValueBytes + 1, 'x')}};
  EXPECT_THAT(DecodePhpParams(params),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'where' is too long")));
}

TEST(PhpParams, RejectsDeepNesting) {
  std::string name = "a";
  for (int i = 0; i < kMaxPhpDepth; ++i) name += "[0]";
  std::vector<std::pair<std::string, std::string>> params = {{name, "1"}};
  EXPECT_THAT(DecodePhpParams(params), IsOk());
  params[0].first += "[0]";
  EXPECT_THAT(DecodePhpParams(params),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'a' is nested too deeply")));
}

TEST(PhpParams, EmptyInputIsAnEmptyObject) { EXPECT_EQ(Decode(""), "{}"); }

}  // namespace
}  // namespace crm::query
