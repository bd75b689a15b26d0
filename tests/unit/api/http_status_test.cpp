#include "crm/api/http_status.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

namespace crm::api {
namespace {

std::string HeaderOf(const http::Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

TEST(ToHttpStatus, MapsEveryCode) {
  EXPECT_EQ(ToHttpStatus(StatusCode::kOk), 200);
  EXPECT_EQ(ToHttpStatus(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(ToHttpStatus(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(ToHttpStatus(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(ToHttpStatus(StatusCode::kNotFound), 404);
  EXPECT_EQ(ToHttpStatus(StatusCode::kConflict), 409);
  EXPECT_EQ(ToHttpStatus(StatusCode::kFailedPrecondition), 412);
  EXPECT_EQ(ToHttpStatus(StatusCode::kPayloadTooLarge), 413);
  EXPECT_EQ(ToHttpStatus(StatusCode::kResourceExhausted), 429);
  EXPECT_EQ(ToHttpStatus(StatusCode::kUnavailable), 503);
  EXPECT_EQ(ToHttpStatus(StatusCode::kInternal), 500);
  EXPECT_EQ(ToHttpStatus(StatusCode::kCancelled), 499);
}

TEST(ErrorResponse, HasTheSeedBodyReasonHeaderAndDetails) {
  const Status status = Status::InvalidArgument("Field 'emailAddress' is not valid\nsecond line")
                            .WithDetails(boost::json::object{{"messageTranslation", "x"}});
  const http::Response response = ErrorResponse(status);
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(HeaderOf(response, "Content-Type"), "application/json");
  EXPECT_EQ(HeaderOf(response, "X-Status-Reason"), "Field 'emailAddress' is not valid second line");
  const auto body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.at("error").at("status").as_int64(), 400);
  EXPECT_EQ(body.at("error").at("message").as_string(), "Bad Request");
  EXPECT_EQ(body.at("error").at("description").as_string(),
            "Field 'emailAddress' is not valid\nsecond line");
  EXPECT_EQ(body.at("messageTranslation").as_string(), "x");
}

// The probe's GET /api/v1/Contact/%ff%fe: a message that echoes bytes which are not UTF-8 made the
// body invalid JSON. Boost.JSON's parser rejects invalid UTF-8, so parsing is the check.
TEST(ErrorResponse, BodyIsValidUtf8WhenTheMessageEchoesInvalidBytes) {
  const Status status =
      Status::NotFound("Record \xff\xfe not found: caf\xc3\xa9 \xe2\x82 \xc0\xaf end")
          .WithDetails(
              boost::json::object{{"field", "\xff"}, {"list", boost::json::array{"\xfe"}}});
  const http::Response response = ErrorResponse(status);
  boost::json::error_code ec;
  const boost::json::value parsed = boost::json::parse(response.body, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(parsed.at("error").at("description").as_string(),
            "Record \uFFFD\uFFFD not found: caf\u00e9 \uFFFD\uFFFD \uFFFD\uFFFD end");
  EXPECT_EQ(parsed.at("field").as_string(), "\uFFFD");
  EXPECT_EQ(parsed.at("list").at(0).as_string(), "\uFFFD");
  for (const char c : HeaderOf(response, "X-Status-Reason")) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7f) << static_cast<int>(static_cast<unsigned char>(c));
  }
}

TEST(ProtocolErrorResponse, BodyIsValidUtf8) {
  const http::Response response = ProtocolErrorResponse(400, "bad \xff");
  boost::json::error_code ec;
  boost::json::parse(response.body, ec);
  EXPECT_FALSE(ec) << ec.message();
}

TEST(ProtocolErrorResponse, UsesTheSameShape) {
  const http::Response response = ProtocolErrorResponse(413, "Request body exceeds 16 bytes.");
  EXPECT_EQ(response.status, 413);
  const auto body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.at("error").at("message").as_string(), "Payload Too Large");
}

}  // namespace
}  // namespace crm::api
