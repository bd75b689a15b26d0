#include "crm/service/record_input.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::HasSubstr;

class RecordInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto metadata = metadata::Metadata::Load(metadata::ShippedEntityDefs());
    ASSERT_THAT(metadata, IsOk());
    metadata_ = *metadata;
  }

  Result<RecordInput> Parse(std::string_view entity, std::string_view body,
                            WriteMode mode = WriteMode::kCreate) {
    return ParseRecordInput(metadata_->Entity(entity), json::parse(body).as_object(), mode);
  }

  std::string Field(const Status& status) {
    const auto* details = status.details();
    if (details == nullptr) return "";
    return std::string(details->at("messageTranslation").at("data").at("field").as_string()) + "/" +
           std::string(details->at("messageTranslation").at("data").at("type").as_string());
  }

  std::shared_ptr<const metadata::Metadata> metadata_;
};

TEST_F(RecordInputTest, RequiredFieldMissingOnCreate) {
  auto input = Parse("Contact", R"({"firstName": "NoLastName"})");
  ASSERT_THAT(
      input,
      StatusIs(StatusCode::kInvalidArgument,
               "Field validation failure; entityType: Contact, field: lastName, type: required."));
  EXPECT_EQ(Field(input.status()), "lastName/required");
}

TEST_F(RecordInputTest, RequiredFieldMayBeOmittedButNotEmptiedOnUpdate) {
  EXPECT_THAT(Parse("Contact", R"({"firstName": "A"})", WriteMode::kUpdate), IsOk());
  auto emptied = Parse("Contact", R"({"lastName": ""})", WriteMode::kUpdate);
  EXPECT_EQ(Field(emptied.status()), "lastName/required");
}

TEST_F(RecordInputTest, UnknownAndInternalAttributesAreRejected) {
  EXPECT_THAT(Parse("Contact", R"({"lastName": "X", "favouriteColour": "red"})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("favouriteColour")));
  EXPECT_THAT(Parse("User", R"({"userName": "x", "password": "secret"})"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("password")));
}

TEST_F(RecordInputTest, ReadOnlyAttributesAreIgnored) {
  auto input =
      Parse("Contact", R"({"lastName": "X", "id": "abc", "createdAt": "2020-01-01 00:00:00",
                                    "accountName": "Nope", "name": "Ignored"})");
  ASSERT_THAT(input, IsOk());
  const auto& contact = metadata_->Entity("Contact");
  EXPECT_FALSE(input->Has(contact, "id"));
  EXPECT_FALSE(input->Has(contact, "createdAt"));
  EXPECT_FALSE(input->Has(contact, "accountName"));
}

TEST_F(RecordInputTest, CoercesBracketStyleStrings) {
  auto input = Parse("Opportunity", R"({"name": "D", "amount": "1500.50", "closeDate": "2024-12-31",
                                        "probability": "75"})");
  ASSERT_THAT(input, IsOk());
  const auto& opportunity = metadata_->Entity("Opportunity");
  EXPECT_DOUBLE_EQ(input->Find(opportunity, "amount")->as_double(), 1500.5);
  EXPECT_EQ(input->Find(opportunity, "probability")->as_int64(), 75);
  // An amount without a currency gets the default one.
  EXPECT_EQ(input->Find(opportunity, "amountCurrency")->as_string(), "USD");
  // The default stage applies.
  EXPECT_EQ(input->Find(opportunity, "stage")->as_string(), "Prospecting");
  auto contact = Parse("Contact", R"({"lastName": "X", "doNotCall": "1"})");
  ASSERT_THAT(contact, IsOk());
  EXPECT_TRUE(contact->Find(metadata_->Entity("Contact"), "doNotCall")->as_bool());
}

TEST_F(RecordInputTest, TypeAndRangeViolations) {
  EXPECT_EQ(
      Field(Parse("Opportunity", R"({"name": "D", "amount": "lots", "closeDate": "2024-12-31"})")
                .status()),
      "amount/valid");
  EXPECT_EQ(Field(Parse("Opportunity", R"({"name": "D", "amount": -1, "closeDate": "2024-12-31"})")
                      .status()),
            "amount/min");
  EXPECT_EQ(
      Field(Parse("Opportunity",
                  R"({"name": "D", "amount": 1, "closeDate": "2024-12-31", "probability": 101})")
                .status()),
      "probability/max");
  EXPECT_EQ(Field(Parse("Opportunity", R"({"name": "D", "amount": 1, "closeDate": "31/12/2024"})")
                      .status()),
            "closeDate/valid");
  EXPECT_EQ(Field(Parse("Contact", R"({"lastName": ["array"]})").status()), "lastName/valid");
  EXPECT_EQ(Field(Parse("Contact", R"({"lastName": "X", "doNotCall": "maybe"})").status()),
            "doNotCall/valid");
}

TEST_F(RecordInputTest, EnumOptionsAndEmptyOption) {
  EXPECT_EQ(Field(Parse("Lead", R"({"lastName": "X", "status": "Hot"})").status()), "status/valid");
  EXPECT_THAT(Parse("Lead", R"({"lastName": "X", "source": ""})"), IsOk());
  EXPECT_THAT(Parse("Lead", R"({"lastName": "X", "source": "Web Site"})"), IsOk());
}

TEST_F(RecordInputTest, LengthPatternAndEmail) {
  EXPECT_EQ(
      Field(
          Parse("Contact", ("{\"lastName\": \"" + std::string(101, 'x') + "\"}").c_str()).status()),
      "lastName/maxLength");
  // maxLength counts characters, not bytes.
  EXPECT_THAT(Parse("Contact", ("{\"lastName\": \"" +
                                std::string(50 * 2, 'a').replace(0, 2, "\xc3\xa9") + "\"}")
                                   .c_str()),
              IsOk());
  EXPECT_EQ(Field(Parse("Contact", R"({"lastName": "<script>"})").status()), "lastName/pattern");
  EXPECT_EQ(
      Field(Parse("Contact", R"({"lastName": "X", "emailAddress": "not-an-email"})").status()),
      "emailAddress/emailAddress");
}

TEST_F(RecordInputTest, DateTimesAreNormalised) {
  auto input = Parse("Call", R"({"name": "C", "dateStart": "2024-01-15 10:00"})");
  ASSERT_THAT(input, IsOk());
  EXPECT_EQ(input->Find(metadata_->Entity("Call"), "dateStart")->as_string(),
            "2024-01-15 10:00:00");
  EXPECT_EQ(Field(Parse("Call", R"({"name": "C", "dateStart": "2024-01-15T10:00:00Z"})").status()),
            "dateStart/valid");
}

TEST_F(RecordInputTest, EmailDataIsNormalisedWithOnePrimaryFirst) {
  auto input = Parse("Contact", R"({"lastName": "X", "emailAddressData": [
      {"emailAddress": "b@example.com", "primary": false},
      {"emailAddress": "A@Example.com", "primary": true, "optOut": true},
      {"emailAddress": "a@example.com"}]})");
  ASSERT_THAT(input, IsOk());
  ASSERT_EQ(input->contact_data.size(), 1u);
  const auto& data = *input->contact_data[0].data;
  ASSERT_EQ(data.size(), 2u);  // the case-insensitive duplicate is dropped
  EXPECT_EQ(data[0].at("emailAddress").as_string(), "A@Example.com");
  EXPECT_EQ(data[0].at("lower").as_string(), "a@example.com");
  EXPECT_TRUE(data[0].at("primary").as_bool());
  EXPECT_TRUE(data[0].at("optOut").as_bool());
  EXPECT_FALSE(data[1].at("primary").as_bool());
}

TEST_F(RecordInputTest, PhoneNumbersLoseFormattingAndTypesAreChecked) {
  auto input = Parse("Contact", R"({"lastName": "X", "phoneNumber": "+1 (202) 555-0101"})");
  ASSERT_THAT(input, IsOk());
  EXPECT_EQ(input->contact_data[0].primary->as_string(), "+12025550101");
  EXPECT_EQ(
      Field(
          Parse("Contact",
                R"({"lastName": "X", "phoneNumberData": [{"phoneNumber": "1", "type": "Pager"}]})")
              .status()),
      "phoneNumber/valid");
}

TEST_F(RecordInputTest, LinkIdsAndParentTypesAreChecked) {
  EXPECT_EQ(Field(Parse("Contact", R"({"lastName": "X", "accountId": "bad id!"})").status()),
            "account/valid");
  EXPECT_EQ(
      Field(Parse("Call", R"({"name": "C", "dateStart": "2024-01-15 10:00:00", "parentType": "Team",
                                    "parentId": "abc"})")
                .status()),
      "parent/valid");
  EXPECT_EQ(Field(Parse("Meeting",
                        R"({"name": "M", "dateStart": "2024-01-15 10:00:00", "usersIds": "x"})")
                      .status()),
            "users/valid");
}

}  // namespace
}  // namespace crm::service
