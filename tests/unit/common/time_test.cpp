#include "crm/common/time.hpp"

#include <gtest/gtest.h>

namespace crm {
namespace {

TEST(FormatDateTime, PrintsUtcWithSeconds) {
  const auto t = ParseDateTime("2024-01-15 10:00:59");
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatDateTime(*t), "2024-01-15 10:00:59");
  EXPECT_EQ(FormatDate(*t), "2024-01-15");
}

TEST(ParseDateTime, AcceptsMinutePrecisionAndNormalises) {
  const auto t = ParseDateTime("2024-01-15 10:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatDateTime(*t), "2024-01-15 10:00:00");
}

TEST(ParseDateTime, RejectsIsoFormsAndImpossibleDates) {
  EXPECT_FALSE(ParseDateTime("2024-01-15T10:00:00Z"));
  EXPECT_FALSE(ParseDateTime("2024-01-15T10:00:00"));
  EXPECT_FALSE(ParseDateTime("2024-02-30 10:00:00"));
  EXPECT_FALSE(ParseDateTime("2024-01-15 24:00:00"));
  EXPECT_FALSE(ParseDateTime("2024-01-15 10:60:00"));
  EXPECT_FALSE(ParseDateTime("2024-1-15 10:00:00"));
  EXPECT_FALSE(ParseDateTime("2024-01-15 23:59:60"));
  EXPECT_FALSE(ParseDateTime(""));
}

TEST(ParseDateTime, TakesOnlyTheExactShapes) {
  // The date library would read each of these; EspoCRM's wire format has fixed widths.
  EXPECT_FALSE(ParseDateTime("+024-01-15 10:00:00"));
  EXPECT_FALSE(ParseDateTime("2024-01-15  1:00:00"));
  EXPECT_FALSE(ParseDateTime("2024-01-15 10:00:0"));
  EXPECT_FALSE(ParseDateTime("2024-01-15 10:00:000"));
  EXPECT_FALSE(ParseDateTime("2024-01-15 10:00 "));
  EXPECT_FALSE(ParseDate("-024-01-15"));
  EXPECT_FALSE(ParseDate(" 2024-1-15"));
  EXPECT_FALSE(ParseDate("2024-01-1 "));
}

TEST(ParseDateTime, HandlesDatesFarFromNow) {
  // Beyond what a nanosecond time point holds (1678..2262); found by the where-parser fuzzer.
  const auto late = ParseDateTime("9999-12-31 23:59:59");
  ASSERT_TRUE(late);
  EXPECT_EQ(FormatDateTime(*late), "9999-12-31 23:59:59");
  const auto early = ParseDateTime("0001-01-01 00:00:00");
  ASSERT_TRUE(early);
  EXPECT_EQ(FormatDateTime(*early), "0001-01-01 00:00:00");
  EXPECT_TRUE(ParseDate("9999-12-31"));
}

TEST(ParseDate, ChecksTheCalendar) {
  EXPECT_TRUE(ParseDate("2024-02-29"));
  EXPECT_FALSE(ParseDate("2023-02-29"));
  EXPECT_FALSE(ParseDate("2024-13-01"));
  EXPECT_FALSE(ParseDate("2024-12-31 00:00:00"));
  EXPECT_FALSE(ParseDate("31/12/2024"));
}

TEST(FormatDate, PrintsCalendarDays) {
  EXPECT_EQ(FormatDate(*ParseDate("0001-01-01")), "0001-01-01");
  EXPECT_EQ(FormatDate(*ParseDate("9999-12-31")), "9999-12-31");
}

TEST(FakeClock, MovesOnlyWhenAdvanced) {
  FakeClock clock(*ParseDateTime("2024-01-15 10:00:00"));
  EXPECT_EQ(FormatDateTime(clock.Now()), "2024-01-15 10:00:00");
  clock.Advance(std::chrono::hours(25));
  EXPECT_EQ(FormatDateTime(clock.Now()), "2024-01-16 11:00:00");
}

}  // namespace
}  // namespace crm
