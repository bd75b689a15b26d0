#include "crm/metadata/settings.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.hpp"

namespace crm::metadata {
namespace {

using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(Settings, ShippedFileParses) {
  // ShippedSettings() aborts on a broken file; this is where a broken one shows.
  auto settings = ParseSettings(ShippedSettingsJson());
  ASSERT_THAT(settings, IsOk());
  EXPECT_THAT(settings->currency_list, ElementsAre("USD"));
  EXPECT_EQ(settings->default_currency, "USD");
  EXPECT_EQ(ShippedSettings().currency_list, settings->currency_list);
}

TEST(Settings, KeepsTheListAsWrittenBesideItsDefault) {
  // As EspoCRM's settings: the list's order is the administrator's, the default is its own key.
  auto settings =
      ParseSettings(R"({"currencyList": ["USD", "EUR", "GBP"], "defaultCurrency": "EUR"})");
  ASSERT_THAT(settings, IsOk());
  EXPECT_THAT(settings->currency_list, ElementsAre("USD", "EUR", "GBP"));
  EXPECT_EQ(settings->default_currency, "EUR");
}

TEST(Settings, RejectsMalformedSettings) {
  const auto bad = [](const char* json) { return ParseSettings(json).status(); };
  EXPECT_THAT(bad("not json"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("invalid JSON")));
  EXPECT_THAT(bad(R"({"currencyList": [], "defaultCurrency": "USD"})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("non-empty array")));
  EXPECT_THAT(bad(R"({"currencyList": [1], "defaultCurrency": "USD"})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("hold strings")));
  EXPECT_THAT(bad(R"({"currencyList": ["USD"]})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("defaultCurrency must be")));
  EXPECT_THAT(bad(R"({"currencyList": ["USD"], "defaultCurrency": "EUR"})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("in currencyList")));
}

}  // namespace
}  // namespace crm::metadata
