#include "crm/auth/crypto.hpp"

#include <gtest/gtest.h>

namespace crm::auth {
namespace {

class CryptoTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitCrypto().ok()); }
};

TEST_F(CryptoTest, PasswordHashesVerifyOnlyTheirPassword) {
  auto hash = HashPassword("correct horse");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(hash->starts_with("$argon2id$"));
  EXPECT_TRUE(VerifyPassword("correct horse", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse ", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse", ""));
  EXPECT_FALSE(VerifyPassword("correct horse", "not a hash"));
}

TEST_F(CryptoTest, UnknownUserHashCostsWhatARealHashCosts) {
  auto real = HashPassword("correct horse");
  ASSERT_TRUE(real.ok());
  EXPECT_TRUE(HasCurrentCost(*real));
  EXPECT_TRUE(HasCurrentCost(UnknownUserHash()));
  EXPECT_FALSE(HasCurrentCost("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"));
  EXPECT_FALSE(VerifyPassword("", UnknownUserHash()));
  EXPECT_FALSE(VerifyPassword("admin", UnknownUserHash()));
}

TEST_F(CryptoTest, HmacMatchesRfc4231TestCase2) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_F(CryptoTest, HexEncodesEveryByteInLowercase) {
  EXPECT_EQ(HexEncode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(HexEncode(""), "");
}

TEST_F(CryptoTest, Sha256OfEmptyString) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_F(CryptoTest, Base64RoundTripsAndRejectsGarbage) {
  const std::string bytes("\x00\x01\xfe\xff:abc", 7);
  const std::string encoded = Base64Encode(bytes);
  EXPECT_EQ(Base64Encode("admin:AdminPass123!"), "YWRtaW46QWRtaW5QYXNzMTIzIQ==");
  ASSERT_TRUE(Base64Decode(encoded));
  EXPECT_EQ(*Base64Decode(encoded), bytes);
  EXPECT_FALSE(Base64Decode("***"));
}

TEST_F(CryptoTest, RandomSecretsAreHexOfTheRightLength) {
  const std::string a = RandomHex(16);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, RandomHex(16));
  EXPECT_EQ(RandomPassword(20).size(), 20u);
}

TEST_F(CryptoTest, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

}  // namespace
}  // namespace crm::auth
