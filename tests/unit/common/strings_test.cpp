#include "crm/common/strings.hpp"

#include <gtest/gtest.h>

namespace crm {
namespace {

TEST(ToSnakeCase, ConvertsAttributeAndEntityNames) {
  EXPECT_EQ(ToSnakeCase("billingAddressCity"), "billing_address_city");
  EXPECT_EQ(ToSnakeCase("Opportunity"), "opportunity");
  EXPECT_EQ(ToSnakeCase("accountId"), "account_id");
  EXPECT_EQ(ToSnakeCase("id"), "id");
}

TEST(Strings, CaseHelpers) {
  EXPECT_TRUE(EqualsIgnoreCaseAscii("X-Api-Key", "x-api-key"));
  EXPECT_FALSE(EqualsIgnoreCaseAscii("abc", "abd"));
  EXPECT_EQ(UpperFirst("contact"), "Contact");
  EXPECT_EQ(ToLowerAscii("John.Doe@Example.COM"), "john.doe@example.com");
  EXPECT_EQ(TrimAscii("  a b \t\n"), "a b");
}

}  // namespace
}  // namespace crm
