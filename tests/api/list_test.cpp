// Lists over the API on a server holding a known set of 25 contacts: {"total", "list"}, maxSize
// (default 20, limit 200), offset, orderBy/order, select (with the seed's `email` alias),
// X-No-Total
// (-1 = more, -2 = no more), list item shape against capture 26, and a few basic where filters (the
// bracket form, the seed's JSON-string form, searchParams, and a bad where type). Where filters are
// covered in depth elsewhere.
#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_util.hpp"

namespace crm::apitest {
namespace {

constexpr int kContacts = 25;

std::string LastName(int i) {
  std::string number = std::to_string(i);
  if (number.size() < 2) number.insert(0, "0");
  return "Lister" + number;
}

class ListApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = StartServerEnv().release();
    if (env_ == nullptr) return;
    ApiClient api = env_->Client(AuthMode::kApiKey);
    for (int i = 0; i < kContacts; ++i) {
      const HttpResponse r = api.Post(
          "/Contact", json::object{{"firstName", i % 2 == 0 ? "Even" : "Odd"},
                                   {"lastName", LastName(i)},
                                   {"emailAddress", "lister" + std::to_string(i) + "@list.example"},
                                   {"description", "contact number " + std::to_string(i)}});
      EXPECT_HTTP_STATUS(r, 200);
    }
  }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(env_, nullptr); }

  static ApiClient Api() { return env_->Client(AuthMode::kApiKey); }

  static json::value List(const std::string& query, const Headers& headers = {}) {
    const HttpResponse r = Api().Get("/Contact" + query, headers);
    EXPECT_HTTP_STATUS(r, 200);
    EXPECT_EQ(r.Header("Content-Type"), "application/json");
    return r.status == 200 ? r.Json() : json::value(json::object());
  }
  static std::int64_t Total(const json::value& body) {
    const auto* total = body.is_object() ? body.as_object().if_contains("total") : nullptr;
    return total != nullptr && total->is_int64() ? total->as_int64() : -100;
  }
  static std::size_t Size(const json::value& body) {
    const auto* list = body.is_object() ? body.as_object().if_contains("list") : nullptr;
    return list != nullptr && list->is_array() ? list->as_array().size() : 0;
  }
  static std::vector<std::string> LastNames(const json::value& body) {
    std::vector<std::string> names;
    for (const auto& item : AsArray(AsObject(body).at("list")))
      names.push_back(StringAt(item, "lastName"));
    return names;
  }

  static ServerEnv* env_;
};
ServerEnv* ListApiTest::env_ = nullptr;

TEST_F(ListApiTest, ListHasTotalAndDefaultPageOfTwenty) {
  const json::value body = List("");
  const json::object& o = AsObject(body);
  ASSERT_EQ(o.size(), 2U) << json::serialize(body).substr(0, 200);
  EXPECT_TRUE(o.contains("total"));
  EXPECT_TRUE(o.contains("list"));
  EXPECT_EQ(Total(body), kContacts);
  EXPECT_EQ(Size(body), 20U);
}

TEST_F(ListApiTest, MaxSizeAndOffsetPage) {
  EXPECT_EQ(Size(List("?maxSize=5")), 5U);
  EXPECT_EQ(Size(List("?maxSize=200")), static_cast<std::size_t>(kContacts));
  const json::value last_page = List("?maxSize=10&offset=20");
  EXPECT_EQ(Size(last_page), 5U);
  EXPECT_EQ(Total(last_page), kContacts);
  EXPECT_EQ(Size(List("?offset=24")), 1U);
  EXPECT_EQ(Size(List("?offset=100")), 0U);
  // The console counts a list this way, apart from its pages (docs/console.md, "Performance").
  const json::value count_only = List("?maxSize=0");
  EXPECT_EQ(Size(count_only), 0U);
  EXPECT_EQ(Total(count_only), kContacts);
  // Pages do not overlap and cover everything.
  std::vector<std::string> all;
  for (int offset = 0; offset < kContacts; offset += 7) {
    const auto ids = ListIds(List("?orderBy=lastName&maxSize=7&offset=" + std::to_string(offset)));
    all.insert(all.end(), ids.begin(), ids.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::unique(all.begin(), all.end()), all.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kContacts));
}

TEST_F(ListApiTest, OrderByAndOrder) {
  std::vector<std::string> expected;
  for (int i = 0; i < kContacts; ++i) expected.push_back(LastName(i));
  EXPECT_EQ(LastNames(List("?orderBy=lastName&order=asc&maxSize=200")), expected);
  std::reverse(expected.begin(), expected.end());
  EXPECT_EQ(LastNames(List("?orderBy=lastName&order=desc&maxSize=200")), expected);
  EXPECT_EQ(LastNames(List("?orderBy=lastName&order=DESC&maxSize=3")),
            std::vector<std::string>(expected.begin(), expected.begin() + 3));
}

// As in EspoCRM on MySQL (and in SQLite), empty values come first in ascending order and last in
// descending; PostgreSQL's own default is the opposite.
TEST_F(ListApiTest, EmptyValuesSortFirstAscendingAndLastDescending) {
  ApiClient api = Api();
  for (const char* website : {"b.example", "", "a.example"}) {
    json::object account{{"name", std::string("NullOrder ") + website}};
    account["website"] = *website != '\0' ? json::value(website) : json::value(nullptr);
    ASSERT_HTTP_STATUS(api.Post("/Account", account), 200);
  }
  const auto websites = [&](const std::string& order) {
    const HttpResponse r =
        api.Get("/Account?orderBy=website&order=" + order +
                "&where[0][type]=startsWith&where[0][attribute]=name&where[0][value]=NullOrder");
    EXPECT_HTTP_STATUS(r, 200);
    std::vector<std::string> out;
    for (const auto& item : AsArray(AsObject(r.Json()).at("list"))) {
      // AsObject returns a copy: keep it while its member is read.
      const json::object row = AsObject(item);
      const json::value& website = row.at("website");
      out.push_back(website.is_null() ? "null" : std::string(website.as_string()));
    }
    return out;
  };
  EXPECT_EQ(websites("asc"), (std::vector<std::string>{"null", "a.example", "b.example"}));
  EXPECT_EQ(websites("desc"), (std::vector<std::string>{"b.example", "a.example", "null"}));
}

TEST_F(ListApiTest, DefaultOrderIsNewestFirst) {
  const json::value body = List("?maxSize=200");
  std::vector<std::string> created;
  for (const auto& item : AsArray(AsObject(body).at("list")))
    created.push_back(StringAt(item, "createdAt"));
  EXPECT_TRUE(std::is_sorted(created.rbegin(), created.rend()))
      << json::serialize(body).substr(0, 500);
}

TEST_F(ListApiTest, SelectLimitsAttributes) {
  // The seed's own example: select=firstName,lastName,email&maxSize=50.
  const json::value body = List("?select=firstName,lastName,email&maxSize=50");
  EXPECT_EQ(Size(body), static_cast<std::size_t>(kContacts));
  for (const auto& item : AsArray(AsObject(body).at("list"))) {
    const json::object& o = AsObject(item);
    EXPECT_TRUE(IsRecordId(StringAt(item, "id")));
    EXPECT_TRUE(o.contains("firstName"));
    EXPECT_TRUE(o.contains("lastName"));
    EXPECT_TRUE(StringAt(item, "emailAddress").ends_with("@list.example")) << json::serialize(item);
    EXPECT_FALSE(o.contains("description")) << json::serialize(item);
    EXPECT_FALSE(o.contains("addressCity")) << json::serialize(item);
  }
}

TEST_F(ListApiTest, ListItemsHaveTheCapturedAttributes) {
  // Capture 26: list items carry the record's storable attributes and link names.
  const json::value body = List("?maxSize=1");
  ASSERT_EQ(Size(body), 1U);
  const json::value item = AsArray(AsObject(body).at("list"))[0];
  for (const char* key : {"id",
                          "name",
                          "deleted",
                          "salutationName",
                          "firstName",
                          "lastName",
                          "title",
                          "description",
                          "emailAddress",
                          "phoneNumber",
                          "doNotCall",
                          "addressStreet",
                          "addressCity",
                          "addressState",
                          "addressCountry",
                          "addressPostalCode",
                          "createdAt",
                          "modifiedAt",
                          "middleName",
                          "accountId",
                          "accountName",
                          "createdById",
                          "createdByName",
                          "modifiedById",
                          "modifiedByName",
                          "assignedUserId",
                          "assignedUserName"}) {
    EXPECT_TRUE(AsObject(item).contains(key)) << key << " missing in " << json::serialize(item);
  }
  EXPECT_EQ(StringAt(item, "createdById"), env_->api_user.user_id);
  EXPECT_TRUE(StringAt(item, "description").starts_with("contact number "));
}

TEST_F(ListApiTest, NoTotalHeaderGivesMinusOneOrMinusTwo) {
  // Capture 28.
  const json::value more = List("?maxSize=1&select=id", {{"X-No-Total", "true"}});
  EXPECT_EQ(Total(more), -1);
  EXPECT_EQ(Size(more), 1U);
  const json::value end = List("?maxSize=200", {{"X-No-Total", "true"}});
  EXPECT_EQ(Total(end), -2);
  EXPECT_EQ(Size(end), static_cast<std::size_t>(kContacts));
  EXPECT_EQ(Total(List("?maxSize=5&offset=20", {{"X-No-Total", "true"}})), -2);
  EXPECT_EQ(Total(List("?maxSize=5&offset=19", {{"X-No-Total", "true"}})), -1);
}

TEST_F(ListApiTest, WhereBracketFormEquals) {
  const json::value body = List(
      "?where%5B0%5D%5Btype%5D=equals&where%5B0%5D%5Battribute%5D=lastName"
      "&where%5B0%5D%5Bvalue%5D=Lister07");
  EXPECT_EQ(Total(body), 1);
  EXPECT_EQ(LastNames(body), std::vector<std::string>{"Lister07"});
  // Raw brackets, as capture 20 sends them.
  EXPECT_EQ(
      Total(List("?where[0][type]=equals&where[0][attribute]=firstName&where[0][value]=Even")), 13);
}

TEST_F(ListApiTest, WhereSeedJsonStringForm) {
  // The seed document: where=encodeURIComponent(JSON.stringify([...])) with items keyed "field".
  const std::string where = R"([{"type":"and","value":[)"
                            R"({"type":"equals","field":"firstName","value":"Odd"},)"
                            R"({"type":"greaterThan","field":"createdAt","value":"2024-01-01"}]}])";
  const json::value body = List("?maxSize=200&where=" + Enc(where));
  EXPECT_EQ(Total(body), 12);
  for (const auto& item : AsArray(AsObject(body).at("list")))
    EXPECT_EQ(StringAt(item, "firstName"), "Odd");
}

TEST_F(ListApiTest, WhereSearchParamsForm) {
  const std::string params =
      R"({"where":[{"type":"equals","attribute":"lastName","value":"Lister03"}],"select":["id","lastName"],"maxSize":5})";
  const json::value body = List("?searchParams=" + Enc(params));
  EXPECT_EQ(Total(body), 1);
  EXPECT_EQ(LastNames(body), std::vector<std::string>{"Lister03"});
}

TEST_F(ListApiTest, WhereWithUnknownTypeIs400) {
  // Capture 29.
  EXPECT_TRUE(IsApiError(
      Api().Get("/Contact?where[0][type]=bogus&where[0][attribute]=lastName&where[0][value]=x"),
      400, "Unknown where item type 'bogus'."));
  EXPECT_TRUE(IsApiError(
      Api().Get("/Contact?where=" + Enc(R"([{"type":"bogus","field":"lastName","value":"x"}])")),
      400));
}

TEST_F(ListApiTest, MalformedWhereIs400) {
  EXPECT_TRUE(IsApiError(Api().Get("/Contact?where=" + Enc("[{\"type\":")), 400));
  EXPECT_TRUE(IsApiError(Api().Get("/Contact?where=notjson"), 400));
  EXPECT_TRUE(IsApiError(
      Api().Get(
          "/Contact?where[0][type]=equals&where[0][attribute]=noSuchAttribute&where[0][value]=x"),
      400));
}

TEST_F(ListApiTest, SeedWhereExampleOnLeadsAnswers) {
  // The seed's example filter verbatim (status/createdAt) against an entity that has both fields.
  const std::string where = R"([{"type":"and","value":[)"
                            R"({"type":"equals","field":"status","value":"Active"},)"
                            R"({"type":"greaterThan","field":"createdAt","value":"2024-01-01"}]}])";
  const HttpResponse r = Api().Get("/Lead?where=" + Enc(where));
  ASSERT_HTTP_STATUS(r, 200);
  EXPECT_EQ(AsObject(r.Json()).at("total"), json::value(0));
}

TEST_F(ListApiTest, ListOfEveryEntityAnswers) {
  for (const char* entity : {"Contact", "Lead", "Account", "Opportunity", "Call", "Meeting", "Task",
                             "Case", "User", "Team"}) {
    const HttpResponse r = env_->Admin().Get(std::string("/") + entity);
    ASSERT_HTTP_STATUS(r, 200) << entity;
    EXPECT_TRUE(AsObject(r.Json()).at("total").is_int64()) << entity;
    EXPECT_TRUE(AsObject(r.Json()).at("list").is_array()) << entity;
  }
}

}  // namespace
}  // namespace crm::apitest
