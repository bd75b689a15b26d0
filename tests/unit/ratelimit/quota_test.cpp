#include "crm/ratelimit/quota.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.hpp"

namespace crm::ratelimit {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(QuotaTest, ParsesEveryUnit) {
  EXPECT_EQ(*ParseQuota("1000/h"), (Quota{1000, hours(1)}));
  EXPECT_EQ(*ParseQuota("10/m"), (Quota{10, minutes(1)}));
  EXPECT_EQ(*ParseQuota("5/s"), (Quota{5, seconds(1)}));
  EXPECT_EQ(*ParseQuota("100/d"), (Quota{100, hours(24)}));
  EXPECT_EQ(*ParseQuota("7/hour"), (Quota{7, hours(1)}));
  EXPECT_EQ(FormatQuota(Quota{100, hours(24)}), "100/d");
  EXPECT_EQ(FormatQuota(*ParseQuota("10/min")), "10/m");
}

TEST(QuotaTest, RefusesWhatIsNotACountPerUnit) {
  for (const char* bad :
       {"", "1000", "/h", "0/h", "-1/h", "1000/w", "10x/h", "1000/", "1e3/h", "99999999999/h"}) {
    EXPECT_THAT(ParseQuota(bad), StatusIs(StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(QuotaTest, ConfigDefaultsAreTheSeedDocuments) {
  const RateLimitConfig config;
  EXPECT_TRUE(config.enabled);
  EXPECT_EQ(config.standard, (Quota{1000, hours(1)}));
  EXPECT_EQ(config.bulk, (Quota{100, hours(1)}));
  EXPECT_EQ(config.search, (Quota{500, hours(1)}));
  EXPECT_EQ(config.auth_failures, (Quota{10, minutes(1)}));
}

TEST(QuotaTest, ConfigSetsNamedPoliciesAndKeepsTheOthers) {
  auto config = ParseRateLimitConfig("bulk=5/m, default=2000/h");
  ASSERT_THAT(config, IsOk());
  EXPECT_TRUE(config->enabled);
  EXPECT_EQ(config->standard, (Quota{2000, hours(1)}));
  EXPECT_EQ(config->bulk, (Quota{5, minutes(1)}));
  EXPECT_EQ(config->search, (Quota{500, hours(1)}));
  auto failures = ParseRateLimitConfig("auth-failures=3/m,search=1/s");
  ASSERT_THAT(failures, IsOk());
  EXPECT_EQ(failures->auth_failures, (Quota{3, minutes(1)}));
  EXPECT_EQ(failures->search, (Quota{1, seconds(1)}));
}

TEST(QuotaTest, ConfigOffTurnsEverythingOff) {
  auto config = ParseRateLimitConfig("off");
  ASSERT_THAT(config, IsOk());
  EXPECT_FALSE(config->enabled);
}

TEST(QuotaTest, ConfigRefusesUnknownPoliciesAndBadItems) {
  EXPECT_THAT(ParseRateLimitConfig("reads=10/h"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseRateLimitConfig("default"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseRateLimitConfig("default=10/h,"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseRateLimitConfig("default=ten/h"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseRateLimitConfig(""), StatusIs(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace crm::ratelimit
