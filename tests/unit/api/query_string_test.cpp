#include "crm/api/query_string.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.hpp"

namespace crm::api {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(DecodeQueryString, DecodesPercentAndPlus) {
  auto pairs = DecodeQueryString("select=id%2Cname&q=John+Doe&empty=&flag");
  ASSERT_THAT(pairs, IsOk());
  EXPECT_EQ(*pairs, (Pairs{{"select", "id,name"}, {"q", "John Doe"}, {"empty", ""}, {"flag", ""}}));
}

TEST(DecodeQueryString, AcceptsRawAndEncodedBrackets) {
  auto raw = DecodeQueryString("where[0][type]=equals&where[0][value][]=a b");
  ASSERT_THAT(raw, IsOk());
  EXPECT_EQ(*raw, (Pairs{{"where[0][type]", "equals"}, {"where[0][value][]", "a b"}}));
  auto encoded = DecodeQueryString("where%5B0%5D%5Btype%5D=equals");
  ASSERT_THAT(encoded, IsOk());
  EXPECT_EQ(*encoded, (Pairs{{"where[0][type]", "equals"}}));
}

TEST(DecodeQueryString, KeepsCharactersAQueryMayNotHold) {
  // Sent unencoded by real clients: braces and quotes of JSON, '|', '#', non-ASCII, controls.
  auto pairs = DecodeQueryString("q={\"a\":1}|^`<>\\#\t\xc3\xa9&path=/a?b");
  ASSERT_THAT(pairs, IsOk());
  EXPECT_EQ(*pairs, (Pairs{{"q", "{\"a\":1}|^`<>\\#\t\xc3\xa9"}, {"path", "/a?b"}}));
}

TEST(DecodeQueryString, RejectsBrokenPercentEncoding) {
  EXPECT_THAT(DecodeQueryString("a=%zz"), StatusIs(StatusCode::kInvalidArgument));
}

TEST(DecodePathSegments, SplitsAndDecodes) {
  auto segments = DecodePathSegments("/Contact/abc%20d//x");
  ASSERT_THAT(segments, IsOk());
  EXPECT_EQ(*segments, (std::vector<std::string>{"Contact", "abc d", "x"}));
  EXPECT_THAT(DecodePathSegments("/Contact/%G1"), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace crm::api
