#include "crm/common/status.hpp"

#include <boost/json/object.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.hpp"

namespace crm {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;

Result<int> ParsePositive(int value) {
  if (value <= 0) return Status::InvalidArgument("not positive");
  return value;
}

Result<int> Doubled(int value) {
  CRM_ASSIGN_OR_RETURN(int parsed, ParsePositive(value));
  return parsed * 2;
}

Status Checked(int value) {
  CRM_RETURN_IF_ERROR(ParsePositive(value));
  return {};
}

TEST(Status, DefaultIsOkWithEmptyMessage) {
  const Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kOk);
  EXPECT_EQ(status.message(), "");
  EXPECT_EQ(status.details(), nullptr);
}

TEST(Status, FactoriesSetCodeAndMessage) {
  EXPECT_THAT(Status::NotFound("gone"), StatusIs(StatusCode::kNotFound, "gone"));
  EXPECT_THAT(Status::Conflict("dup"), StatusIs(StatusCode::kConflict, "dup"));
  EXPECT_EQ(Status::Internal("x").ToString(), "Internal: x");
}

TEST(Status, WithDetailsKeepsCodeAndAddsDetails) {
  const Status status =
      Status::Conflict("modified").WithDetails(boost::json::object{{"versionNumber", 3}});
  ASSERT_NE(status.details(), nullptr);
  EXPECT_EQ(status.details()->at("versionNumber").as_int64(), 3);
  EXPECT_THAT(status, StatusIs(StatusCode::kConflict, "modified"));
}

TEST(Result, PropagatesErrorsThroughMacros) {
  EXPECT_THAT(Doubled(4), IsOk());
  EXPECT_EQ(*Doubled(4), 8);
  EXPECT_THAT(Doubled(-1), StatusIs(StatusCode::kInvalidArgument, "not positive"));
  EXPECT_THAT(Checked(3), IsOk());
  EXPECT_THAT(Checked(0), StatusIs(StatusCode::kInvalidArgument));
}

TEST(Result, FromOkStatusBecomesInternalError) {
  const Result<int> result(Status::Ok());
  EXPECT_THAT(result, StatusIs(StatusCode::kInternal));
}

}  // namespace
}  // namespace crm
