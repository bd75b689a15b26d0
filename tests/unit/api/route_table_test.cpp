#include "crm/api/route_table.hpp"

#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/api/middleware.hpp"
#include "crm/api/query_string.hpp"
#include "crm/api/routes.hpp"
#include "crm/metadata/metadata.hpp"

#include "testing/test_server.hpp"

namespace crm::api {
namespace {

using ::testing::HasSubstr;

class FakeRequest final : public http::Request {
 public:
  FakeRequest(http::Method method, std::string target)
      : method_(method), target_(std::move(target)) {}
  http::Method method() const override { return method_; }
  std::string_view method_name() const override { return http::MethodName(method_); }
  std::string_view target() const override { return target_; }
  std::string_view Header(std::string_view) const override { return {}; }
  const std::string& body() const override { return body_; }
  std::string_view remote_address() const override { return "127.0.0.1"; }

 private:
  http::Method method_;
  std::string target_;
  std::string body_;
};

// Keeps the one answer an exchange gives.
class CapturingSink final : public http::internal::ResponseSink {
 public:
  void Deliver(http::Response response) override { response_ = std::move(response); }
  void DeliverBuilt(std::function<http::Response()> build) override { response_ = build(); }
  void Abandon() override {}
  const std::optional<http::Response>& response() const { return response_; }

 private:
  std::optional<http::Response> response_;
};

std::string HeaderOf(const http::Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

class RouteTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = metadata::Metadata::LoadDefault("");
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    metadata_ = *loaded;
  }

  // Matches `path` (under the API base) against the API's table.
  ExchangePtr Match(http::Method method, const std::string& path) {
    request_ = std::make_unique<FakeRequest>(method, path);
    sink_ = std::make_shared<CapturingSink>();
    auto segments = DecodePathSegments(path);
    EXPECT_TRUE(segments.ok());
    auto exchange =
        std::make_shared<Exchange>(*request_, http::Responder(sink_), std::move(segments).value());
    table_.Match(*metadata_, *exchange);
    return exchange;
  }

  std::shared_ptr<const metadata::Metadata> metadata_;
  RouteTable table_ = ApiRouteTable();
  std::unique_ptr<FakeRequest> request_;
  std::shared_ptr<CapturingSink> sink_;
};

TEST_F(RouteTableTest, BindsEntityAndParameters) {
  auto read = Match(http::Method::kGet, "/Contact/abc123");
  ASSERT_NE(read->route(), nullptr);
  EXPECT_EQ(read->route()->pattern, "/{entityType}/{id}");
  ASSERT_NE(read->entity(), nullptr);
  EXPECT_EQ(read->entity()->name, "Contact");
  EXPECT_EQ(read->Param("id"), "abc123");
  EXPECT_EQ(read->Param("link"), "");

  auto unlink = Match(http::Method::kDelete, "/account/a1/contacts/c1");
  ASSERT_NE(unlink->route(), nullptr);
  EXPECT_EQ(unlink->route()->pattern, "/{entityType}/{id}/{link}/{relatedId}");
  EXPECT_EQ(unlink->entity()->name, "Account");
  EXPECT_EQ(unlink->Param("link"), "contacts");
  EXPECT_EQ(unlink->Param("relatedId"), "c1");
}

TEST_F(RouteTableTest, LiteralsOwnTheirPlace) {
  auto mass = Match(http::Method::kPost, "/Contact/action/massCreate");
  ASSERT_NE(mass->route(), nullptr);
  EXPECT_EQ(mass->route()->pattern, "/{entityType}/action/massCreate");
  EXPECT_EQ(mass->route()->rate_category, RateCategory::kBulk);

  // "action" is never a record id, so an unknown action is no related list of record "action".
  auto unknown_action = Match(http::Method::kGet, "/Contact/action/nothing");
  EXPECT_EQ(unknown_action->route(), nullptr);
  EXPECT_EQ(unknown_action->routing_error().status, 404);

  auto convert = Match(http::Method::kPost, "/Lead/action/convert");
  ASSERT_NE(convert->route(), nullptr);
  EXPECT_EQ(convert->route()->pattern, "/Lead/action/convert");
  auto seed_convert = Match(http::Method::kPost, "/lead/l1/convert");
  ASSERT_NE(seed_convert->route(), nullptr);
  EXPECT_EQ(seed_convert->route()->pattern, "/Lead/{id}/convert");
  EXPECT_EQ(seed_convert->Param("id"), "l1");

  auto history = Match(http::Method::kGet, "/Account/a1/history");
  ASSERT_NE(history->route(), nullptr);
  EXPECT_EQ(history->route()->pattern, "/{entityType}/{id}/history");
}

TEST_F(RouteTableTest, HeadIsTheGetRoute) {
  auto head = Match(http::Method::kHead, "/Contact/c1");
  ASSERT_NE(head->route(), nullptr);
  EXPECT_EQ(head->route()->method, http::Method::kGet);
  EXPECT_EQ(head->route()->pattern, "/{entityType}/{id}");
  // No GET row, no HEAD either.
  auto mass = Match(http::Method::kHead, "/Contact/action/massCreate");
  EXPECT_EQ(mass->route(), nullptr);
  EXPECT_EQ(mass->routing_error().status, 405);
}

TEST_F(RouteTableTest, WrongMethodIs405WithTheMethodsOfThePath) {
  auto collection = Match(http::Method::kPatch, "/Contact");
  EXPECT_EQ(collection->route(), nullptr);
  EXPECT_EQ(collection->routing_error().status, 405);
  EXPECT_EQ(HeaderOf(collection->routing_error(), "Allow"), "GET, POST");

  auto record = Match(http::Method::kPost, "/Contact/c1");
  EXPECT_EQ(HeaderOf(record->routing_error(), "Allow"), "GET, PUT, PATCH, DELETE");

  auto mass_update = Match(http::Method::kGet, "/Contact/action/massUpdate");
  EXPECT_EQ(HeaderOf(mass_update->routing_error(), "Allow"), "PUT, POST");

  auto root = Match(http::Method::kPost, "");
  EXPECT_EQ(HeaderOf(root->routing_error(), "Allow"), "GET");
}

TEST_F(RouteTableTest, UnknownControllerIsNamed) {
  auto unknown = Match(http::Method::kGet, "/noSuchEntity/x");
  EXPECT_EQ(unknown->route(), nullptr);
  EXPECT_EQ(unknown->routing_error().status, 404);
  EXPECT_THAT(unknown->routing_error().body,
              HasSubstr("Controller 'NoSuchEntity' does not exist."));

  auto too_deep = Match(http::Method::kGet, "/Contact/a/b/c/d");
  EXPECT_EQ(too_deep->routing_error().status, 404);
  EXPECT_THAT(too_deep->routing_error().body, HasSubstr("No such route."));
  auto app = Match(http::Method::kGet, "/App/nothing");
  EXPECT_THAT(app->routing_error().body, HasSubstr("No such route."));
}

std::string_view AccessName(Access access) {
  switch (access) {
    case Access::kPublic:
      return "public";
    case Access::kAuthenticated:
      return "user";
    case Access::kAdmin:
      return "admin";
  }
  return "";
}

std::string_view CategoryName(RateCategory category) {
  switch (category) {
    case RateCategory::kStandard:
      return "standard";
    case RateCategory::kList:
      return "list";
    case RateCategory::kBulk:
      return "bulk";
  }
  return "";
}

TEST_F(RouteTableTest, EveryRouteIsInTheApiReference) {
  std::ifstream file(testing::SourceDir() + "/docs/api.md");
  ASSERT_TRUE(file) << "docs/api.md not found";
  const std::string docs((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  for (const Route& route : table_.routes()) {
    const std::string row = "| " + std::string(http::MethodName(route.method)) + " | `" +
                            route.pattern + "` | " + std::string(AccessName(route.access)) + " | " +
                            std::string(CategoryName(route.rate_category)) + " | " + route.summary +
                            " |";
    EXPECT_THAT(docs, HasSubstr(row)) << "docs/api.md's route table lacks the row\n" << row;
  }
}

TEST_F(RouteTableTest, EveryRouteHasASummaryAndAUniqueMethodAndPattern) {
  const auto& routes = table_.routes();
  ASSERT_FALSE(routes.empty());
  for (std::size_t i = 0; i < routes.size(); ++i) {
    EXPECT_FALSE(routes[i].summary.empty()) << routes[i].pattern;
    for (std::size_t j = i + 1; j < routes.size(); ++j) {
      EXPECT_FALSE(routes[i].method == routes[j].method && routes[i].pattern == routes[j].pattern)
          << http::MethodName(routes[i].method) << " " << routes[i].pattern;
    }
  }
}

// The chain: a step can answer, and the access step keeps non-admins from admin routes.
class ChainTest : public RouteTableTest {
 protected:
  static void Handled(const ApiContext&, const ExchangePtr& exchange) {
    exchange->Reply(http::Response{200, {}, "handled"});
  }

  // A chain of the access step alone, whose dispatch answers "handled".
  MiddlewareChain AccessChain() {
    std::vector<std::unique_ptr<Middleware>> steps;
    steps.push_back(std::make_unique<AccessCheckStep>());
    return MiddlewareChain(std::move(steps), [](const ExchangePtr& exchange) {
      exchange->Reply(http::Response{200, {}, "handled"});
    });
  }
};

TEST_F(ChainTest, AdminRoutesRefuseOthers) {
  table_ = RouteTable();
  table_.Add({http::Method::kGet, "/Secret", Access::kAdmin, RateCategory::kStandard, Body::kNone,
              Answer::kObject, "Admins only.", Handled});
  const MiddlewareChain chain = AccessChain();

  auto as_api_user = Match(http::Method::kGet, "/Secret");
  as_api_user->SetAuth({auth::Principal{"u1", "app", "App", auth::UserType::kApi}, {}});
  chain.Run(as_api_user);
  ASSERT_TRUE(sink_->response().has_value());
  EXPECT_EQ(sink_->response()->status, 403);

  auto as_admin = Match(http::Method::kGet, "/Secret");
  as_admin->SetAuth({auth::Principal{"a1", "admin", "Admin", auth::UserType::kAdmin}, {}});
  chain.Run(as_admin);
  ASSERT_TRUE(sink_->response().has_value());
  EXPECT_EQ(sink_->response()->body, "handled");
}

TEST_F(ChainTest, UnmatchedPathsGetTheirRoutingErrorAfterTheSteps) {
  const MiddlewareChain chain = AccessChain();
  auto exchange = Match(http::Method::kGet, "/NoSuchThing");
  exchange->AddResponseHeader("X-Step", "seen");
  chain.Run(exchange);
  ASSERT_TRUE(sink_->response().has_value());
  EXPECT_EQ(sink_->response()->status, 404);
  EXPECT_EQ(HeaderOf(*sink_->response(), "X-Step"), "seen");
}

}  // namespace
}  // namespace crm::api
