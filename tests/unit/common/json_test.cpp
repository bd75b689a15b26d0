#include "crm/common/json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <gtest/gtest.h>

#include "testing/status_matchers.hpp"

namespace crm {
namespace {

using ::crm::testing::StatusIs;

TEST(SerializeJson, PrintsNumbersConventionally) {
  boost::json::object o;
  o["integral"] = JsonNumber(50000.0);
  o["fraction"] = JsonNumber(1234.56);
  o["small"] = JsonNumber(0.1);
  o["text"] = "a/b";
  EXPECT_EQ(SerializeJson(o), R"({"integral":50000,"fraction":1234.56,"small":0.1,"text":"a/b"})");
}

TEST(SerializeJson, NestedDoublesUseShortestForm) {
  const boost::json::value v = boost::json::array{1.5, boost::json::object{{"x", 2.25}}, "s"};
  EXPECT_EQ(SerializeJson(v), R"([1.5,{"x":2.25},"s"])");
}

TEST(ParseJson, RejectsMalformedAndTooDeepDocuments) {
  EXPECT_THAT(ParseJson("{\"a\": "), StatusIs(StatusCode::kInvalidArgument));
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  EXPECT_THAT(ParseJson(deep), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_TRUE(ParseJson("{\"a\": [1, 2]}").ok());
}

TEST(JsonNumber, KeepsLargeOrFractionalValuesAsDoubles) {
  EXPECT_TRUE(JsonNumber(3.0).is_int64());
  EXPECT_TRUE(JsonNumber(3.5).is_double());
  EXPECT_TRUE(JsonNumber(1e300).is_double());
}

}  // namespace
}  // namespace crm
