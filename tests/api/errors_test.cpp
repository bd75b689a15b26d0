// Bad input gets the right 4xx, never a 500, and every error has the contract's shape: Content-Type
// application/json, X-Status-Reason, body {"error": {"status", "message", "description"}} plus
// messageTranslation for validation failures. Covers validation (required, unknown attribute, wrong
// type, enum options, maxLength, pattern, min/max, email, date and datetime formats), malformed and
// scalar JSON bodies, unknown entities and paths, wrong methods (405 with Allow), oversized bodies
// (413), long targets (414), malformed ids, missing records, list parameter errors, malformed
// concurrency headers, users and teams being admin-only for writes, a batch of odd requests, each
// with its status, and SQL injection attempts through every input that reaches a query.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_util.hpp"

namespace crm::apitest {
namespace {

class ErrorsApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The injection test sends hostile credentials on purpose; the failed-authentication limit
    // would answer the requests after them 429 instead of showing what each one does.
    env_ = StartServerEnv({"--rate-limit", "auth-failures=100000/m"}).release();
    if (env_ == nullptr) return;
    const HttpResponse r =
        env_->Client(AuthMode::kApiKey)
            .Post("/Contact", json::object{{"firstName", "Err"}, {"lastName", "Target"}});
    EXPECT_HTTP_STATUS(r, 200);
    contact_id_ = new std::string(StringAt(r.Json(), "id"));
  }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
    delete contact_id_;
    contact_id_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(env_, nullptr); }

  static ApiClient Api() { return env_->Client(AuthMode::kApiKey); }
  static std::string ContactTarget() { return "/Contact/" + *contact_id_; }

  static ServerEnv* env_;
  static std::string* contact_id_;
};
ServerEnv* ErrorsApiTest::env_ = nullptr;
std::string* ErrorsApiTest::contact_id_ = nullptr;

// --- Validation -------------------------------------------------------------------------------

TEST_F(ErrorsApiTest, MissingRequiredFieldIs400) {
  // Capture 13, with the contract's body.
  const HttpResponse r = Api().Post("/Contact", json::object{{"firstName", "NoLastName"}});
  EXPECT_TRUE(IsValidationError(r, "Contact", "lastName", "required"));
  EXPECT_EQ(r.Header("X-Status-Reason"),
            "Field validation failure; entityType: Contact, field: lastName, type: required.");
  const json::object& body = AsObject(r.Json());
  EXPECT_EQ(body.at("messageTranslation"),
            json::parse(R"({"label":"validationFailure","scope":null,)"
                        R"("data":{"field":"lastName","type":"required"}})"));
  EXPECT_EQ(AsObject(body.at("error")).at("status"), json::value(400));
}

TEST_F(ErrorsApiTest, RequiredFieldsOfEveryEntity) {
  struct Case {
    std::string entity;
    json::object body;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"Account", {{"website", "https://nameless.example"}}, "name"},
      {"Opportunity", {{"name", "No amount"}, {"closeDate", "2024-01-01"}}, "amount"},
      {"Opportunity", {{"name", "No close date"}, {"amount", 5}}, "closeDate"},
      {"Call", {{"name", "No start"}}, "dateStart"},
      {"Meeting", {{"name", "No start"}}, "dateStart"},
      {"Task", {{"description", "no name"}}, "name"},
      {"Case", {{"description", "no name"}}, "name"},
  };
  for (const auto& c : cases) {
    EXPECT_TRUE(
        IsValidationError(Api().Post("/" + c.entity, c.body), c.entity, c.field, "required"))
        << c.entity;
  }
}

TEST_F(ErrorsApiTest, EmptyAndNullRequiredValuesAre400) {
  EXPECT_TRUE(IsValidationError(Api().Post("/Contact", json::object{{"lastName", ""}}), "Contact",
                                "lastName", "required"));
  EXPECT_TRUE(IsValidationError(Api().Post("/Contact", json::object{{"lastName", nullptr}}),
                                "Contact", "lastName", "required"));
  // On update too; the record keeps its value.
  EXPECT_TRUE(IsValidationError(Api().Patch(ContactTarget(), json::object{{"lastName", nullptr}}),
                                "Contact", "lastName", "required"));
  EXPECT_TRUE(IsValidationError(Api().Put(ContactTarget(), json::object{{"lastName", ""}}),
                                "Contact", "lastName", "required"));
  EXPECT_EQ(StringAt(Api().Get(ContactTarget()).Json(), "lastName"), "Target");
}

TEST_F(ErrorsApiTest, EmptyBodyCreateIsValidationFailure) {
  EXPECT_TRUE(
      IsValidationError(Api().Raw("POST", "/Contact", "", {{"Content-Type", "application/json"}}),
                        "Contact", "lastName", "required"));
}

TEST_F(ErrorsApiTest, UnknownAttributeIs400) {
  const HttpResponse r =
      Api().Post("/Contact", json::object{{"lastName", "Unknown"}, {"favouriteColour", "blue"}});
  EXPECT_TRUE(IsApiError(r, 400));
  EXPECT_NE(r.Header("X-Status-Reason").find("favouriteColour"), std::string::npos) << Describe(r);
  EXPECT_TRUE(
      IsApiError(Api().Patch(ContactTarget(), json::object{{"favouriteColour", "red"}}), 400));
}

TEST_F(ErrorsApiTest, WrongTypeIs400) {
  EXPECT_TRUE(
      IsApiError(Api().Post("/Contact", json::object{{"lastName", json::object{{"a", 1}}}}), 400));
  EXPECT_TRUE(
      IsApiError(Api().Post("/Contact", json::object{{"lastName", json::array{1, 2}}}), 400));
  EXPECT_TRUE(IsApiError(
      Api().Post("/Opportunity",
                 json::object{{"name", "Typed"}, {"amount", "lots"}, {"closeDate", "2024-01-01"}}),
      400));
  EXPECT_TRUE(IsApiError(
      Api().Post("/Contact", json::object{{"lastName", "Typed"}, {"doNotCall", json::object()}}),
      400));
  EXPECT_TRUE(IsApiError(Api().Post("/Meeting", json::object{{"name", "Typed"},
                                                             {"dateStart", "2024-01-01 10:00:00"},
                                                             {"contactsIds", "not-an-array"}}),
                         400));
  EXPECT_TRUE(IsApiError(
      Api().Post("/Contact", json::object{{"lastName", "Typed"}, {"emailAddress", 42}}), 400));
}

TEST_F(ErrorsApiTest, EnumValueNotInOptionsIs400) {
  EXPECT_TRUE(IsValidationError(
      Api().Post("/Contact", json::object{{"lastName", "Enum"}, {"salutationName", "Sir"}}),
      "Contact", "salutationName"));
  EXPECT_TRUE(IsValidationError(
      Api().Post("/Lead", json::object{{"lastName", "Enum"}, {"status", "Active"}}), "Lead",
      "status"));
  EXPECT_TRUE(IsValidationError(Api().Post("/Opportunity", json::object{{"name", "Enum"},
                                                                        {"amount", 1},
                                                                        {"closeDate", "2024-01-01"},
                                                                        {"stage", "Won"}}),
                                "Opportunity", "stage"));
  EXPECT_TRUE(
      IsValidationError(Api().Patch(ContactTarget(), json::object{{"salutationName", "Lord"}}),
                        "Contact", "salutationName"));
  // Enum values are case-sensitive.
  EXPECT_TRUE(IsValidationError(
      Api().Post("/Account", json::object{{"name", "Enum Co"}, {"type", "customer"}}), "Account",
      "type"));
}

TEST_F(ErrorsApiTest, EmptyEnumOptionAcceptsEmptyAndNull) {
  EXPECT_HTTP_STATUS(Api().Post("/Account", json::object{{"name", "Typeless Co"}, {"type", ""}}),
                     200);
  EXPECT_HTTP_STATUS(
      Api().Post("/Account", json::object{{"name", "Nulltype Co"}, {"type", nullptr}}), 200);
}

TEST_F(ErrorsApiTest, MaxLengthIs400) {
  EXPECT_TRUE(IsValidationError(
      Api().Post("/Contact",
                 json::object{{"firstName", std::string(101, 'a')}, {"lastName", "Long"}}),
      "Contact", "firstName", "maxLength"));
  EXPECT_HTTP_STATUS(Api().Post("/Contact", json::object{{"firstName", std::string(100, 'a')},
                                                         {"lastName", "Long"}}),
                     200);
  EXPECT_TRUE(
      IsValidationError(Api().Post("/Account", json::object{{"name", std::string(250, 'n')}}),
                        "Account", "name", "maxLength"));
  EXPECT_TRUE(IsValidationError(
      Api().Post("/Account", json::object{{"name", "Long postcode"},
                                          {"billingAddressPostalCode", std::string(41, '1')}}),
      "Account", "billingAddressPostalCode", "maxLength"));
}

TEST_F(ErrorsApiTest, BadCharactersInNamesAre400) {
  EXPECT_TRUE(
      IsValidationError(Api().Post("/Account", json::object{{"name", "<script>alert(1)</script>"}}),
                        "Account", "name", "pattern"));
  EXPECT_TRUE(IsValidationError(Api().Post("/Contact", json::object{{"lastName", "a=b"}}),
                                "Contact", "lastName", "pattern"));
}

TEST_F(ErrorsApiTest, NumberOutOfRangeIs400) {
  const json::object base{{"name", "Range"}, {"amount", 1}, {"closeDate", "2024-01-01"}};
  json::object high = base;
  high["probability"] = 101;
  EXPECT_TRUE(
      IsValidationError(Api().Post("/Opportunity", high), "Opportunity", "probability", "max"));
  json::object low = base;
  low["probability"] = -1;
  EXPECT_TRUE(
      IsValidationError(Api().Post("/Opportunity", low), "Opportunity", "probability", "min"));
  json::object negative = base;
  negative["amount"] = -5;
  EXPECT_TRUE(
      IsValidationError(Api().Post("/Opportunity", negative), "Opportunity", "amount", "min"));
}

TEST_F(ErrorsApiTest, InvalidEmailIs400) {
  for (const char* email : {"not-an-email", "a@", "@example.com", "two@@example.com"}) {
    EXPECT_TRUE(IsValidationError(
        Api().Post("/Contact", json::object{{"lastName", "Mail"}, {"emailAddress", email}}),
        "Contact", "emailAddress"))
        << email;
  }
  EXPECT_TRUE(IsValidationError(
      Api().Post("/Lead",
                 json::parse(R"({"lastName":"Mail","emailAddressData":[{"emailAddress":"bad"}]})")
                     .as_object()),
      "Lead", "emailAddress"));
}

TEST_F(ErrorsApiTest, IsoDatetimeIs400) {
  for (const char* value :
       {"2024-01-15T10:00:00Z", "2024-01-15T10:00:00", "2024-01-15 10:00:00+02:00",
        "15/01/2024 10:00", "2024-13-01 10:00:00", "2024-01-15 25:00:00", "tomorrow"}) {
    EXPECT_TRUE(
        IsValidationError(Api().Post("/Call", json::object{{"name", "Iso"}, {"dateStart", value}}),
                          "Call", "dateStart", "valid"))
        << value;
  }
}

TEST_F(ErrorsApiTest, BadDateIs400) {
  for (const char* value :
       {"2024/12/31", "31-12-2024", "2024-12-31 10:00:00", "2024-02-30", "2024-12"}) {
    EXPECT_TRUE(IsValidationError(
        Api().Post("/Opportunity",
                   json::object{{"name", "Date"}, {"amount", 1}, {"closeDate", value}}),
        "Opportunity", "closeDate", "valid"))
        << value;
  }
}

TEST_F(ErrorsApiTest, LinkToMissingRecordIs4xx) {
  const HttpResponse r = Api().Post(
      "/Contact", json::object{{"lastName", "Orphan"}, {"accountId", "00000000000000000"}});
  EXPECT_GE(r.status, 400) << Describe(r);
  EXPECT_LT(r.status, 500) << Describe(r);
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
}

TEST_F(ErrorsApiTest, PhoneNumberValidation) {
  EXPECT_TRUE(IsValidationError(
      Api().Post("/Contact", json::object{{"lastName", "Phone"}, {"phoneNumber", "abc!!!<>"}}),
      "Contact", "phoneNumber"));
  // The type must be one of the field's typeList.
  EXPECT_TRUE(IsValidationError(
      Api().Post("/Contact", json::parse(R"({"lastName":"Pager","phoneNumberData":)"
                                         R"([{"phoneNumber":"+1 555 0100","type":"Pager"}]})")
                                 .as_object()),
      "Contact", "phoneNumber"));
}

TEST_F(ErrorsApiTest, MoreThanTenEmailAddressesIs400) {
  json::array data;
  for (int i = 0; i < 11; ++i) {
    data.push_back(json::object{{"emailAddress", "many" + std::to_string(i) + "@x.example"}});
  }
  EXPECT_TRUE(IsValidationError(
      Api().Post("/Contact", json::object{{"lastName", "Many mails"}, {"emailAddressData", data}}),
      "Contact", "emailAddress", "maxCount"));
}

TEST_F(ErrorsApiTest, OtherEnumsAndMinimums) {
  EXPECT_TRUE(
      IsValidationError(Api().Post("/Call", json::object{{"name", "Dir"},
                                                         {"dateStart", "2024-01-01 10:00:00"},
                                                         {"direction", "Sideways"}}),
                        "Call", "direction"));
  EXPECT_TRUE(IsValidationError(
      Api().Post("/Lead", json::object{{"lastName", "Amount"}, {"opportunityAmount", -1}}), "Lead",
      "opportunityAmount", "min"));
  EXPECT_TRUE(IsValidationError(
      Api().Post("/Task", json::object{{"name", "Prio"}, {"priority", "Whenever"}}), "Task",
      "priority"));
}

TEST_F(ErrorsApiTest, CurrencyOutsideCurrencyListIs400) {
  // espocrm-wire.md 8: currencyList defaults to ["USD"]; an invalid code is 400 validCurrency.
  // GET /App/user shows crmd's settings.currencyList.
  const HttpResponse app_user = Api().Get("/App/user");
  ASSERT_HTTP_STATUS(app_user, 200);
  ASSERT_EQ(AsObject(AsObject(app_user.Json()).at("settings")).at("currencyList"),
            json::array({"USD"}));
  EXPECT_TRUE(
      IsValidationError(Api().Post("/Opportunity", json::object{{"name", "Euro deal"},
                                                                {"amount", 5},
                                                                {"amountCurrency", "EUR"},
                                                                {"closeDate", "2024-01-01"}}),
                        "Opportunity", "amount", "validCurrency"));
}

TEST_F(ErrorsApiTest, ApiUserCannotChangeUsersOrTeams) {
  const std::string self = "/User/" + env_->api_user.user_id;
  EXPECT_TRUE(
      IsApiError(Api().Patch(self, json::object{{"title", "Boss"}}), 403, "No edit access."));
  EXPECT_TRUE(IsApiError(Api().Delete(self), 403, "No delete access."));
  EXPECT_TRUE(
      IsApiError(Api().Post("/Team", json::object{{"name", "Rogue"}}), 403, "No create access."));
}

TEST_F(ErrorsApiTest, DuplicateUserNameIs409) {
  EXPECT_TRUE(IsApiError(
      env_->Admin().Post("/User", json::object{{"userName", "admin"}, {"lastName", "Again"}}),
      409));
}

// --- Malformed requests -----------------------------------------------------------------------

TEST_F(ErrorsApiTest, MalformedJsonIs400) {
  // Capture 14 shows EspoCRM's 500; the contract says 400.
  for (const char* body :
       {"{\"firstName\": ", "{'lastName': 'x'}", "{\"lastName\": \"x\",}", "nope"}) {
    EXPECT_TRUE(IsApiError(
        Api().Raw("POST", "/Contact", body, {{"Content-Type", "application/json"}}), 400))
        << body;
  }
  EXPECT_TRUE(IsApiError(
      Api().Raw("PUT", ContactTarget(), "{\"title\":", {{"Content-Type", "application/json"}}),
      400));
  EXPECT_TRUE(IsApiError(Api().Raw("PATCH", ContactTarget(), "{\"title\": \"x\"} trailing",
                                   {{"Content-Type", "application/json"}}),
                         400));
}

TEST_F(ErrorsApiTest, JsonScalarBodyIs400) {
  for (const char* body : {"5", "\"text\"", "true", "null"}) {
    EXPECT_TRUE(
        IsApiError(Api().Raw("POST", "/Contact", body, {{"Content-Type", "application/json"}}), 400,
                   "Body is not a JSON object."))
        << body;
  }
  EXPECT_TRUE(
      IsApiError(Api().Raw("PUT", ContactTarget(), "42", {{"Content-Type", "application/json"}}),
                 400, "Body is not a JSON object."));
}

TEST_F(ErrorsApiTest, JsonArrayBodyOfARecordIs400) {
  const Headers json_type = {{"Content-Type", "application/json"}};
  const std::string reason =
      "Body is not a JSON object; a record's attributes are one object (massCreate takes a list).";
  EXPECT_TRUE(IsApiError(Api().Raw("POST", "/Contact", R"([{"lastName":"Array"}])", json_type), 400,
                         reason));
  EXPECT_TRUE(IsApiError(Api().Raw("PATCH", ContactTarget(), "[]", json_type), 400, reason));
  EXPECT_TRUE(IsApiError(Api().Raw("PUT", ContactTarget(), " [1]", json_type), 400, reason));
}

TEST_F(ErrorsApiTest, UnknownEntityIs404) {
  // Capture 57.
  EXPECT_TRUE(
      IsApiError(Api().Get("/NoSuchEntity"), 404, "Controller 'NoSuchEntity' does not exist."));
  EXPECT_TRUE(IsApiError(Api().Get("/NoSuchEntity/" + *contact_id_), 404,
                         "Controller 'NoSuchEntity' does not exist."));
  EXPECT_TRUE(IsApiError(Api().Post("/NoSuchEntity", json::object{{"name", "x"}}), 404,
                         "Controller 'NoSuchEntity' does not exist."));
  EXPECT_TRUE(
      IsApiError(Api().Get("/noSuchEntity"), 404, "Controller 'NoSuchEntity' does not exist."));
}

TEST_F(ErrorsApiTest, UnknownLinkIs404) {
  // Capture 39.
  EXPECT_TRUE(IsApiError(Api().Get(ContactTarget() + "/nosuchlink"), 404));
}

TEST_F(ErrorsApiTest, PathOutsideApiIs404) {
  HttpClient http(env_->server->base_url());
  const HttpResponse r = http.Get("/nothing/here", {{"X-Api-Key", env_->api_user.api_key}});
  EXPECT_TRUE(IsApiError(r, 404));
}

TEST_F(ErrorsApiTest, HeadAnswersAsGetWithoutABody) {
  const HttpResponse get = Api().Get(ContactTarget());
  ASSERT_HTTP_STATUS(get, 200);
  const HttpResponse head = Api().Raw("HEAD", ContactTarget(), "");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.Header("Content-Length"), std::to_string(get.body.size()));
  EXPECT_EQ(head.Header("ETag"), get.Header("ETag"));
  EXPECT_EQ(Api().Raw("HEAD", "/Contact?maxSize=1", "").status, 200);
  // A path without a GET route has no HEAD either.
  EXPECT_EQ(Api().Raw("HEAD", "/Contact/action/massCreate", "").status, 405);
}

TEST_F(ErrorsApiTest, WrongMethodIs405WithAllow) {
  const HttpResponse collection =
      Api().Raw("PATCH", "/Contact", "{}", {{"Content-Type", "application/json"}});
  EXPECT_TRUE(IsApiError(collection, 405));
  EXPECT_EQ(collection.Header("Allow"), "GET, POST");
  EXPECT_TRUE(IsApiError(Api().Delete("/Contact"), 405));
  EXPECT_TRUE(
      IsApiError(Api().Raw("PUT", "/Contact", "{}", {{"Content-Type", "application/json"}}), 405));

  const HttpResponse record = Api().Post(ContactTarget(), json::object{{"title", "x"}});
  EXPECT_TRUE(IsApiError(record, 405));
  EXPECT_THAT(record.Header("Allow"),
              ::testing::AllOf(::testing::HasSubstr("GET"), ::testing::HasSubstr("PUT"),
                               ::testing::HasSubstr("PATCH"), ::testing::HasSubstr("DELETE")));

  const HttpResponse metadata =
      Api().Raw("PUT", "/Metadata", "{}", {{"Content-Type", "application/json"}});
  EXPECT_TRUE(IsApiError(metadata, 405));
  EXPECT_EQ(metadata.Header("Allow"), "GET");
  const HttpResponse app_user =
      Api().Raw("POST", "/App/user", "{}", {{"Content-Type", "application/json"}});
  EXPECT_TRUE(IsApiError(app_user, 405));
  EXPECT_EQ(app_user.Header("Allow"), "GET");
}

TEST_F(ErrorsApiTest, BodyOver10MiBIs413) {
  std::string body = "{\"lastName\": \"";
  body.append(10U * 1024U * 1024U, 'a');
  body += "\"}";
  const HttpResponse r =
      Api().Raw("POST", "/Contact", body, {{"Content-Type", "application/json"}});
  EXPECT_TRUE(IsApiError(r, 413));
  // The server still serves afterwards.
  EXPECT_HTTP_STATUS(Api().Get(ContactTarget()), 200);
}

TEST_F(ErrorsApiTest, TargetOver32KiBIs414) {
  const HttpResponse r = Api().Get("/Contact?textFilter=" + std::string(33 * 1024, 'a'));
  EXPECT_TRUE(IsApiError(r, 414)) << Describe(r);
  EXPECT_HTTP_STATUS(Api().Get("/Contact?textFilter=" + std::string(30 * 1024, 'a')), 200);
}

TEST_F(ErrorsApiTest, BadIdIs400) {
  for (const std::string& id : {std::string("abc!def"), std::string(100, 'a'), std::string("a%20b"),
                                std::string("%27%3B--")}) {
    EXPECT_TRUE(IsApiError(Api().Get("/Contact/" + id), 400)) << id;
    EXPECT_TRUE(IsApiError(Api().Put("/Contact/" + id, json::object{{"title", "x"}}), 400)) << id;
    EXPECT_TRUE(IsApiError(Api().Patch("/Contact/" + id, json::object{{"title", "x"}}), 400)) << id;
    EXPECT_TRUE(IsApiError(Api().Delete("/Contact/" + id), 400)) << id;
  }
  EXPECT_TRUE(IsApiError(Api().Get("/Contact/abc!def"), 400, "Bad id 'abc!def'."));
}

TEST_F(ErrorsApiTest, MissingRecordIs404) {
  // Captures 17 and 32.
  EXPECT_TRUE(IsApiError(Api().Get("/Contact/doesnotexist123"), 404,
                         "Record doesnotexist123 does not exist."));
  EXPECT_TRUE(IsApiError(Api().Put("/Contact/doesnotexist123", json::object{{"title", "x"}}), 404,
                         "Record doesnotexist123 not found."));
  EXPECT_TRUE(IsApiError(Api().Delete("/Contact/doesnotexist123"), 404,
                         "Record doesnotexist123 not found."));
  // A record of another entity is not found either.
  EXPECT_TRUE(IsApiError(Api().Get("/Lead/" + *contact_id_), 404));
}

// --- List parameters --------------------------------------------------------------------------

TEST_F(ErrorsApiTest, MaxSizeOver200Is400) {
  // Capture 27 shows EspoCRM's 403; the contract says 400 with the same reason.
  EXPECT_TRUE(IsApiError(Api().Get("/Contact?maxSize=201"), 400,
                         "Max size should not exceed 200. Use offset and limit."));
  EXPECT_TRUE(IsApiError(Api().Get("/Contact?maxSize=100000"), 400));
  EXPECT_HTTP_STATUS(Api().Get("/Contact?maxSize=200"), 200);
}

TEST_F(ErrorsApiTest, BadListParametersAre400) {
  for (const char* query :
       {"?maxSize=-1", "?offset=-5", "?maxSize=abc", "?offset=x", "?order=sideways",
        "?orderBy=noSuchField", "?select=firstName,noSuchAttribute", "?searchParams=%7Bbroken",
        "?searchParams="
        "%7B%22maxSize%22%3A%22ten%22%7D"}) {
    EXPECT_TRUE(IsApiError(Api().Get(std::string("/Contact") + query), 400)) << query;
  }
}

TEST_F(ErrorsApiTest, MalformedConcurrencyHeadersAre400) {
  EXPECT_TRUE(IsApiError(
      Api().Put(ContactTarget(), json::object{{"title", "x"}}, {{"X-Version-Number", "abc"}}),
      400));
  EXPECT_TRUE(IsApiError(
      Api().Put(ContactTarget(), json::object{{"title", "x"}}, {{"If-Match", "no-quotes"}}), 400));
}

TEST_F(ErrorsApiTest, BadQueryEncodingIs400) {
  EXPECT_TRUE(IsApiError(Api().Get("/Contact?where%ZZ=1"), 400));
}

TEST_F(ErrorsApiTest, NonAsciiReasonStaysHeaderSafe) {
  const HttpResponse r = Api().Get("/%C3%84rger");
  EXPECT_TRUE(IsApiError(r, 404));
  for (char c : r.Header("X-Status-Reason")) {
    const auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 && u < 0x7f) << Describe(r);
  }
  EXPECT_NE(r.Header("X-Status-Reason").find("rger"), std::string::npos) << Describe(r);
}

// The probe's GET /api/v1/Contact/%ff%fe echoed the two bytes into the error body, which was then
// not JSON. IsApiError parses the body (Boost.JSON rejects invalid UTF-8) and checks the header.
TEST_F(ErrorsApiTest, InvalidUtf8FromTheRequestGivesAJsonBody) {
  for (const char* target :
       {"/Contact/%ff%fe", "/%ff%fe", "/Contact?orderBy=%ff", "/Contact?select=%c0%af",
        "/Contact?where%5B0%5D%5Btype%5D=equals&where%5B0%5D%5Battribute%5D=%ff&where%5B0%5D%"
        "5Bvalue%5D=1"}) {
    const HttpResponse r = Api().Get(target);
    EXPECT_GE(r.status, 400) << target;
    EXPECT_TRUE(IsApiError(r, r.status)) << target;
  }
}

TEST_F(ErrorsApiTest, UnauthenticatedComesBeforeRouting) {
  HttpClient http(env_->server->base_url() + kApiBase);
  EXPECT_TRUE(IsApiError(http.Get("/NoSuchEntity"), 401));
  EXPECT_TRUE(IsApiError(http.Get("/Contact/abc!def"), 401));
}

// An odd but possible request and the status it must get.
struct Odd {
  std::string method;
  std::string target;
  std::string body;
  Headers headers;
  long status = 0;
};

// Odd requests around the contact at `target`: malformed paths, parameters, bodies and headers,
// extreme sizes and nesting. The records they create have names no other call uses, so that the
// duplicate check does not depend on which test ran first.
std::vector<Odd> OddRequests(const std::string& target) {
  static int calls = 0;
  const std::string suffix = "Odd" + std::to_string(++calls);
  // A contact body whose lastName is `last_name` (JSON string content, escapes allowed) + suffix.
  const auto contact = [&suffix](std::string_view last_name) {
    return R"({"lastName":")" + std::string(last_name) + suffix + R"("})";
  };
  const Headers json_type = {{"Content-Type", "application/json"}};
  std::string deep_where;
  for (int i = 0; i < 300; ++i) deep_where += R"([{"type":"and","value":)";
  deep_where += "[]";
  for (int i = 0; i < 300; ++i) deep_where += "}]";
  std::string many_attributes = R"({"lastName":"Many)" + suffix + "\"";
  for (int i = 0; i < 5000; ++i) many_attributes += ",\"a" + std::to_string(i) + "\":1";
  many_attributes += "}";
  const std::string huge_name = contact(std::string(1 << 20, 'x'));
  return {
      {"GET", "//Contact", "", {}, 200},
      {"GET", "/Contact/", "", {}, 200},
      {"GET", "/Contact//", "", {}, 200},
      {"GET", "/Contact/x/y/z/w", "", {}, 404},
      {"GET", "/Contact?", "", {}, 200},
      {"GET", "/Contact?maxSize=&offset=", "", {}, 200},
      {"GET", "/Contact?select=", "", {}, 200},
      {"GET", "/Contact?select=,,,", "", {}, 400},
      {"GET", "/Contact?select=firstName,*", "", {}, 400},
      {"GET", "/Contact?select=firstName,,lastName", "", {}, 400},
      {"GET", "/Contact?orderBy=lastName&order=", "", {}, 200},
      {"GET", "/Contact?maxSize=99999999999999999999999", "", {}, 400},
      {"GET", "/Contact?where[0][type]=equals", "", {}, 400},
      {"GET",
       "/Contact?where[0][type]=in&where[0][attribute]=lastName&where[0][value]=x",
       "",
       {},
       400},
      {"GET", "/Contact?where[0]=x", "", {}, 400},
      {"GET",
       "/Contact?where[][][][][][][][][][][][][][][][][][][][][][][][][][][][][][][]=1",
       "",
       {},
       400},
      {"GET", "/Contact?where=" + Enc(deep_where), "", {}, 400},
      {"GET", "/Contact?where=" + Enc("{}"), "", {}, 400},
      {"GET", "/Contact?searchParams=" + Enc("[]"), "", {}, 400},
      {"GET", "/Contact/" + std::string(17, '0'), "", {}, 404},
      {"GET", "/Metadata?key=.....", "", {}, 200},
      {"GET", "/Metadata?key=entityDefs.Nope.fields", "", {}, 200},
      {"GET", "/App/nothing", "", {}, 404},
      {"OPTIONS", "/Contact", "", {}, 405},
      {"POST", "/Contact", contact(R"(Plain)"), {{"Content-Type", "text/plain"}}, 200},
      {"POST", "/Contact", contact(R"(Typeless)"), {}, 200},
      {"POST", "/Contact", R"([{"lastName":"In a list"}])", json_type, 400},
      // A NUL character, which PostgreSQL's text cannot hold: 400 on both backends.
      {"POST", "/Contact", contact(R"(nul\u0000byte)"), json_type, 400},
      {"POST", "/Contact", contact(R"(\ud800)"), json_type, 400},
      {"POST", "/Contact", "\xff\xfe{}", json_type, 400},
      {"POST", "/Contact", many_attributes, json_type, 400},
      {"POST", "/Contact", huge_name, json_type, 400},
      {"POST", "/Contact",
       R"({"lastName":"Dup)" + suffix + R"(","lastName":"Dup2)" + suffix + R"("})", json_type, 200},
      {"POST", "/Meeting",
       R"({"name":"m","dateStart":"2024-01-01 10:00:00","usersIds":["0000000000000000a"]})",
       json_type, 400},
      {"POST", "/Meeting", R"({"name":"m","dateStart":"2024-01-01 10:00:00","usersIds":[1,null]})",
       json_type, 400},
      {"POST", "/Call",
       R"({"name":"c","dateStart":"2024-01-01 10:00:00","parentType":"Nope","parentId":"x"})",
       json_type, 400},
      {"POST", "/Call", R"({"name":"c","dateStart":"2024-01-01 10:00:00","duration":-100})",
       json_type, 400},
      {"POST", "/Call", R"({"name":"c","dateStart":"2024-01-01 10:00:00","duration":1e300})",
       json_type, 400},
      // Beyond a double's range (read as infinity, once stored as null): 400.
      {"POST", "/Opportunity", R"({"name":"o","amount":1e400,"closeDate":"2024-01-01"})", json_type,
       400},
      {"POST", "/Opportunity",
       R"({"name":"o","amount":)" + std::string(400, '9') + R"(,"closeDate":"2024-01-01"})",
       json_type, 400},
      {"POST", "/Contact", R"({"lastName":1e999})", json_type, 400},
      {"POST", "/Contact",
       R"({"lastName":"n","emailAddressData":[{"emailAddress":"a\u0000@b.c"}]})", json_type, 400},
      {"POST", "/Account",
       R"({"name":"Team-linked)" + suffix + R"(","teamsIds":["nonexistentteam1"]})", json_type,
       400},
      {"PUT", target, R"({"emailAddressData":"x"})", json_type, 400},
      {"PUT", target, R"({"phoneNumberData":[1,2]})", json_type, 400},
      {"PUT", target, R"({"emailAddressData":[{"primary":true}]})", json_type, 400},
      {"PUT", target, R"({"accountsColumns":{"x":{"role":1}}})", json_type, 200},
      {"PATCH", target, R"({"accountId":"abc!def"})", json_type, 400},
      {"DELETE", target + "x", "garbage", json_type, 404},
      {"GET", "/Contact", "", {{"X-No-Total", "maybe"}}, 200},
      {"GET", target, "", {{"If-Match", "\"1\""}}, 200},
      {"PUT",
       target,
       R"({"title":"x"})",
       {{"Content-Type", "application/json"}, {"X-Version-Number", "99999999999999999999"}},
       400},
  };
}

// Each odd request gets its own status, never a 500, and a JSON body; errors have the contract's
// shape.
TEST_F(ErrorsApiTest, OddRequestsGetTheirStatus) {
  for (const auto& o : OddRequests(ContactTarget())) {
    const HttpResponse r = Api().Raw(o.method, o.target, o.body, o.headers);
    const std::string what = o.method + " " + o.target.substr(0, 120) + " " + o.body.substr(0, 120);
    EXPECT_EQ(r.status, o.status) << what << ": " << Describe(r);
    EXPECT_EQ(r.Header("Content-Type"), "application/json") << what << ": " << Describe(r);
    if (r.status >= 400) {
      EXPECT_TRUE(IsApiError(r, r.status)) << what;
    }
  }
}

// After all the odd requests, aimed at a contact of its own, the server still answers and the
// contact is intact.
TEST_F(ErrorsApiTest, ServerSurvivesTheOddRequests) {
  const HttpResponse created =
      Api().Post("/Contact", json::object{{"firstName", "Survivor"}, {"lastName", "Target"}});
  ASSERT_HTTP_STATUS(created, 200);
  const std::string target = "/Contact/" + StringAt(created.Json(), "id");
  for (const auto& o : OddRequests(target)) {
    const HttpResponse r = Api().Raw(o.method, o.target, o.body, o.headers);
    ASSERT_NE(r.status, 0) << "no answer to " << o.method << " " << o.target.substr(0, 120);
  }
  const HttpResponse r = Api().Get(target);
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_EQ(StringAt(r.Json(), "name"), "Survivor Target");
  EXPECT_HTTP_STATUS(Api().Get("/Contact?maxSize=1"), 200);
}

// --- Injection --------------------------------------------------------------------------------

// SQL injection attempts through every input that reaches a query: where (attribute, type and
// value, bracket and JSON forms), orderBy and order, select, text and primary filters, ids in paths
// and bodies, entity names and headers. A name (attribute, entity, filter, id) that could carry SQL
// is refused with a 4xx; a value (a where value, a text filter) is bound as a parameter, so the
// list answers 200 and matches nothing. Nothing is executed: the canary contact keeps its name,
// and the number of contacts, accounts and users is what it was.
TEST_F(ErrorsApiTest, InjectionAttemptsAreRefusedAndExecuteNothing) {
  ApiClient api = Api();
  const HttpResponse canary =
      api.Post("/Contact", json::object{{"firstName", "Canary"}, {"lastName", "Injection"}});
  ASSERT_HTTP_STATUS(canary, 200);
  const std::string canary_id = StringAt(canary.Json(), "id");
  const auto totals = [] {
    std::vector<json::value> out;
    for (const char* entity : {"/Contact?maxSize=1", "/Account?maxSize=1", "/User?maxSize=1"}) {
      const HttpResponse r = env_->Admin().Get(entity);
      EXPECT_HTTP_STATUS(r, 200) << entity;
      out.push_back(r.status == 200 ? AsObject(r.Json()).at("total") : json::value());
    }
    return out;
  };
  const std::vector<json::value> before = totals();

  const std::vector<std::string> payloads = {"'; DROP TABLE contact;--",
                                             "\" OR 1=1 --",
                                             "x') OR ('1'='1",
                                             "1; DELETE FROM contact",
                                             "lastName; UPDATE contact SET first_name='pwned'",
                                             "(SELECT password FROM user)"};
  const auto where = [](const std::string& type, const std::string& attribute,
                        const std::string& value) {
    return "where%5B0%5D%5Btype%5D=" + Enc(type) +
           "&where%5B0%5D%5Battribute%5D=" + Enc(attribute) +
           "&where%5B0%5D%5Bvalue%5D=" + Enc(value);
  };
  const auto json_where = [](const std::string& type, const std::string& attribute) {
    return "where=" + Enc(json::serialize(json::array{
                          json::object{{"type", type}, {"attribute", attribute}, {"value", "x"}}}));
  };
  for (const std::string& p : payloads) {
    SCOPED_TRACE(p);
    // Names: refused.
    const std::vector<std::string> refused_lists = {
        where("equals", p, "x"),     where("equals", "lastName" + p, "x"),
        where(p, "lastName", "x"),   json_where("equals", p),
        json_where(p, "lastName"),   "orderBy=" + Enc(p),
        "orderBy=lastName" + Enc(p), "orderBy=lastName&order=" + Enc(p),
        "select=" + Enc(p),          "select=id," + Enc(p),
        "primaryFilter=" + Enc(p),   "boolFilterList%5B%5D=" + Enc(p),
    };
    for (const std::string& query : refused_lists) {
      const HttpResponse r = api.Get("/Contact?" + query);
      EXPECT_GE(r.status, 400) << query << ": " << Describe(r);
      EXPECT_LT(r.status, 500) << query << ": " << Describe(r);
    }
    // Values: bound, so they match nothing.
    for (const std::string& query :
         {where("equals", "lastName", p), where("contains", "lastName", p),
          "where%5B0%5D%5Btype%5D=in&where%5B0%5D%5Battribute%5D=lastName&where%5B0%5D%5Bvalue%5D%"
          "5B%"
          "5D=" +
              Enc(p),
          "textFilter=" + Enc(p), "q=" + Enc(p)}) {
      const HttpResponse r = api.Get("/Contact?" + query);
      ASSERT_HTTP_STATUS(r, 200) << query;
      EXPECT_THAT(ListIds(r.Json()), ::testing::IsEmpty()) << query;
    }
    // Ids in paths and bodies, entity names.
    for (const HttpResponse& r :
         {api.Get("/Contact/" + Enc(p)),
          api.Put("/Contact/" + Enc(p), json::object{{"title", "x"}}),
          api.Delete("/Contact/" + Enc(p)), api.Get("/" + Enc(p)), api.Get("/Contact" + Enc(p)),
          api.Get("/" + Enc(p) + "/" + canary_id),
          api.Post("/Contact/action/massUpdate",
                   json::object{{"ids", json::array{json::value(p)}},
                                {"data", json::object{{"firstName", "pwned"}}}}),
          api.Post("/Contact/action/massDelete",
                   json::object{{"ids", json::array{json::value(p)}}}),
          api.Post("/Contact", json::object{{"lastName", "x"}, {p, "y"}})}) {
      EXPECT_GE(r.status, 400) << Describe(r);
      EXPECT_LT(r.status, 500) << Describe(r);
    }
    // Headers: credentials and concurrency values.
    HttpClient http(env_->server->base_url() + kApiBase);
    EXPECT_TRUE(IsApiError(http.Get("/Contact", {{"X-Api-Key", p}}), 401));
    EXPECT_TRUE(IsApiError(
        http.Get("/Contact", {{"Authorization", BasicAuthorization("admin" + p, p)}}), 401));
    EXPECT_TRUE(IsApiError(
        api.Put("/Contact/" + canary_id, json::object{{"title", "x"}}, {{"X-Version-Number", p}}),
        400));
    const HttpResponse if_match =
        api.Put("/Contact/" + canary_id, json::object{{"title", "x"}}, {{"If-Match", p}});
    EXPECT_GE(if_match.status, 400) << Describe(if_match);
    EXPECT_LT(if_match.status, 500) << Describe(if_match);
  }

  EXPECT_EQ(totals(), before);
  const HttpResponse after = api.Get("/Contact/" + canary_id);
  ASSERT_HTTP_STATUS(after, 200);
  EXPECT_EQ(after.Json(), canary.Json()) << "the canary was changed";
}

}  // namespace
}  // namespace crm::apitest
