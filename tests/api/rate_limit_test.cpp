// Rate limits over the wire (docs/api.md, "Rate limits"), against servers started with small
// budgets so that a 429 comes after a few requests and no test waits: the X-RateLimit-* and
// RateLimit-Policy / RateLimit fields on successes and on errors after authentication, the 429
// with the contract's body and Retry-After, search and bulk budgets on top of the default one, a
// user's own budget (N/UNIT and unlimited, for API keys and Basic), --rate-limit off, and failed
// authentication limited per client address (the peer's, or behind --trusted-proxy the forwarded
// one).
#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_util.hpp"

namespace crm::apitest {
namespace {

using ::testing::HasSubstr;

// 20 requests an hour, of which 3 searches and 2 bulk operations; 4 failed logins a minute.
const std::vector<std::string> kSmallLimits = {
    "--rate-limit", "default=20/h,bulk=2/h,search=3/h,auth-failures=4/m"};

long long NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A fresh API user (its own budgets) on `env`'s server, with `extra` options for the CLI.
ApiClient NewApiUser(const ServerEnv& env, const std::string& name,
                     std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"api-user", "create", "--name", name};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto created = env.server->Cli(args);
  EXPECT_EQ(created.exit_code, 0) << created.err;
  Credentials credentials;
  credentials.mode = AuthMode::kApiKey;
  credentials.api_key = StringAt(ParseJson(created.out), "apiKey");
  return ApiClient(env.server->base_url(), credentials);
}

class RateLimitTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { env_ = StartServerEnv(kSmallLimits).release(); }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(env_, nullptr); }

  static inline ServerEnv* env_ = nullptr;
};

TEST_F(RateLimitTest, EveryAuthenticatedAnswerCarriesTheBudget) {
  ApiClient client = NewApiUser(*env_, "headers");
  const long long before = NowSeconds();
  const HttpResponse first = client.Get("/Contact?maxSize=1");
  ASSERT_HTTP_STATUS(first, 200);
  EXPECT_EQ(first.Header("X-RateLimit-Limit"), "20");
  EXPECT_EQ(first.Header("X-RateLimit-Remaining"), "19");
  // The first request leaves the window an hour later, to within the window's one-minute slot
  // (Unix seconds, as the seed shows).
  const long long reset = std::stoll(first.Header("X-RateLimit-Reset"));
  EXPECT_GE(reset, before + 3540);
  EXPECT_LE(reset, NowSeconds() + 3601);
  EXPECT_EQ(first.Header("RateLimit-Policy"), "\"default\";q=20;w=3600");
  EXPECT_THAT(first.Header("RateLimit"), ::testing::StartsWith("\"default\";r=19;t="));
  const long long t =
      std::stoll(first.Header("RateLimit").substr(first.Header("RateLimit").find("t=") + 2));
  EXPECT_GE(t, 3540);
  EXPECT_LE(t, 3600);

  // Errors after authentication count and say so too: an unknown record, an unknown route, a 403.
  const HttpResponse missing = client.Get("/Contact/00000000000000000");
  EXPECT_TRUE(IsApiError(missing, 404));
  EXPECT_EQ(missing.Header("X-RateLimit-Remaining"), "18");
  const HttpResponse no_route = client.Get("/NoSuchThing");
  EXPECT_TRUE(IsApiError(no_route, 404));
  EXPECT_EQ(no_route.Header("X-RateLimit-Remaining"), "17");
  const HttpResponse forbidden = client.Post("/User", json::object{{"userName", "x"}});
  EXPECT_TRUE(IsApiError(forbidden, 403));
  EXPECT_EQ(forbidden.Header("X-RateLimit-Remaining"), "16");

  // Unauthenticated answers have no budget to report.
  HttpClient anonymous(env_->server->base_url());
  const HttpResponse unauthorized = anonymous.Get("/api/v1/Contact");
  EXPECT_HTTP_STATUS(unauthorized, 401);
  EXPECT_EQ(unauthorized.Header("X-RateLimit-Limit"), "");
}

TEST_F(RateLimitTest, TheDefaultBudgetEndsInA429WithRetryAfter) {
  ApiClient client = NewApiUser(*env_, "exhausted");
  for (int i = 0; i < 20; ++i) ASSERT_HTTP_STATUS(client.Get("/Contact?maxSize=1"), 200) << i;
  const HttpResponse refused = client.Get("/Contact?maxSize=1");
  EXPECT_TRUE(IsApiError(refused, 429));
  EXPECT_THAT(refused.Header("X-Status-Reason"), HasSubstr("20 requests per hour"));
  const long long retry_after = std::stoll(refused.Header("Retry-After"));
  EXPECT_GT(retry_after, 3500);
  EXPECT_LE(retry_after, 3600);
  EXPECT_EQ(refused.Header("X-RateLimit-Remaining"), "0");
  EXPECT_THAT(refused.Header("RateLimit"), HasSubstr("\"default\";r=0;"));
  // Writes are refused too, and nothing is written.
  const HttpResponse write = client.Post("/Contact", json::object{{"lastName", "Refused"}});
  EXPECT_TRUE(IsApiError(write, 429));
  const HttpResponse found = env_->Admin().Get(
      "/Contact?where[0][type]=equals&where[0][attribute]=lastName"
      "&where[0][value]=Refused");
  EXPECT_EQ(found.Json().at("total").as_int64(), 0);
  // Another user's budget is its own.
  EXPECT_HTTP_STATUS(NewApiUser(*env_, "neighbour").Get("/Contact?maxSize=1"), 200);
}

// GET /api/v1/ is the load balancers' health check (docs/deployment.md): anonymous checks every
// few seconds would otherwise use up the one budget all anonymous requests share, and the nodes
// would be taken out of service with 429s.
TEST_F(RateLimitTest, TheHealthCheckIsNeverLimited) {
  HttpClient anonymous(env_->server->base_url());
  for (int i = 0; i < 30; ++i) ASSERT_HTTP_STATUS(anonymous.Get("/api/v1/"), 200) << i;
}

TEST_F(RateLimitTest, SearchesDrawFromTheSearchBudgetAndTheDefaultOne) {
  ApiClient client = NewApiUser(*env_, "searcher");
  const HttpResponse where =
      client.Get("/Contact?where[0][type]=isNotNull&where[0][attribute]=lastName");
  ASSERT_HTTP_STATUS(where, 200);
  EXPECT_EQ(where.Header("RateLimit-Policy"), "\"search\";q=3;w=3600, \"default\";q=20;w=3600");
  EXPECT_EQ(where.Header("X-RateLimit-Limit"), "3");
  EXPECT_EQ(where.Header("X-RateLimit-Remaining"), "2");
  ASSERT_HTTP_STATUS(client.Get("/Contact?textFilter=smith"), 200);
  ASSERT_HTTP_STATUS(client.Get("/Account?q=acme"), 200);
  const HttpResponse refused = client.Get("/Contact?textFilter=jones");
  EXPECT_TRUE(IsApiError(refused, 429));
  EXPECT_THAT(refused.Header("X-Status-Reason"), HasSubstr("policy \"search\""));
  // A plain list is no search; the refused search cost the default budget nothing (3 + this one).
  const HttpResponse plain = client.Get("/Contact?maxSize=1&orderBy=lastName");
  ASSERT_HTTP_STATUS(plain, 200);
  EXPECT_EQ(plain.Header("RateLimit-Policy"), "\"default\";q=20;w=3600");
  EXPECT_EQ(plain.Header("X-RateLimit-Remaining"), "16");
  // searchParams (EspoCRM's JSON form) filters too.
  EXPECT_TRUE(IsApiError(client.Get("/Contact?searchParams=" +
                                    Enc(R"({"where":[{"type":"isNotNull","attribute":"id"}]})")),
                         429));
}

TEST_F(RateLimitTest, BulkOperationsDrawFromTheBulkBudget) {
  ApiClient client = NewApiUser(*env_, "bulk");
  const auto body = [](const char* name) {
    return json::object{{"list", json::array{json::object{{"lastName", name}}}}};
  };
  const HttpResponse first = client.Post("/Contact/action/massCreate", body("Bulk One"));
  ASSERT_HTTP_STATUS(first, 200);
  EXPECT_EQ(first.Header("X-RateLimit-Limit"), "2");
  EXPECT_EQ(first.Header("X-RateLimit-Remaining"), "1");
  EXPECT_THAT(first.Header("RateLimit"), ::testing::StartsWith("\"bulk\";r=1;"));
  ASSERT_HTTP_STATUS(client.Post("/Contact/action/massCreate", body("Bulk Two")), 200);
  EXPECT_TRUE(IsApiError(client.Post("/Contact/action/massCreate", body("Bulk Three")), 429));
  EXPECT_TRUE(IsApiError(client.Post("/MassAction", json::object{}), 429));
  // Single-record requests still have the rest of the default budget.
  EXPECT_HTTP_STATUS(client.Get("/Contact?maxSize=1"), 200);
}

TEST_F(RateLimitTest, AUserMayHaveItsOwnBudget) {
  ApiClient small = NewApiUser(*env_, "small", {"--rate-limit", "2/m"});
  const HttpResponse first = small.Get("/Contact?maxSize=1");
  ASSERT_HTTP_STATUS(first, 200);
  EXPECT_EQ(first.Header("RateLimit-Policy"), "\"default\";q=2;w=60");
  ASSERT_HTTP_STATUS(small.Get("/Contact?maxSize=1"), 200);
  const HttpResponse refused = small.Get("/Contact?maxSize=1");
  EXPECT_TRUE(IsApiError(refused, 429));
  EXPECT_LE(std::stoll(refused.Header("Retry-After")), 60);

  ApiClient unlimited = NewApiUser(*env_, "unlimited", {"--rate-limit", "unlimited"});
  for (int i = 0; i < 30; ++i) {
    const HttpResponse r = unlimited.Get("/Contact?textFilter=x");
    ASSERT_HTTP_STATUS(r, 200) << i;
    EXPECT_EQ(r.Header("X-RateLimit-Limit"), "");
    EXPECT_EQ(r.Header("RateLimit"), "");
  }
}

TEST_F(RateLimitTest, PasswordUsersAreLimitedPerUser) {
  const auto created =
      env_->server->Cli({"user", "create", "--username", "jane", "--password", "Jane-Pass-1",
                         "--rate-limit", "1/h", "--role", "Full access"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  HttpClient jane(env_->server->base_url());
  const Headers basic = {{"Authorization", BasicAuthorization("jane", "Jane-Pass-1")}};
  ASSERT_HTTP_STATUS(jane.Get("/api/v1/Contact?maxSize=1", basic), 200);
  EXPECT_TRUE(IsApiError(jane.Get("/api/v1/Contact?maxSize=1", basic), 429));
  // The admin, on the same address, is not.
  EXPECT_HTTP_STATUS(env_->Admin().Get("/Contact?maxSize=1"), 200);
}

TEST_F(RateLimitTest, TheCliRefusesABadBudget) {
  for (const char* bad : {"1000", "ten/h", "5/week", "0/h"}) {
    const auto created =
        env_->server->Cli({"api-user", "create", "--name", "bad-budget", "--rate-limit", bad});
    EXPECT_EQ(created.exit_code, 2) << bad;
    EXPECT_THAT(created.err, HasSubstr("--rate-limit")) << bad;
  }
  const auto serve =
      crm::testing::RunCommand(crm::testing::CrmdBinary(), {"serve", "--rate-limit", "reads=5/h"});
  EXPECT_EQ(serve.exit_code, 2);
  EXPECT_THAT(serve.err, HasSubstr("unknown rate-limit policy"));
}

// Failed authentication blocks the address for every credentialed request: its own server, since
// the block would hold up the other tests, which share 127.0.0.1.
TEST(RateLimitAuthFailureTest, FailedAuthenticationIsLimitedPerAddress) {
  auto env = StartServerEnv(kSmallLimits);
  ASSERT_NE(env, nullptr);
  HttpClient http(env->server->base_url());
  // Requests without credentials guess nothing and are not counted.
  for (int i = 0; i < 10; ++i) EXPECT_HTTP_STATUS(http.Get("/api/v1/Contact"), 401);
  for (int i = 0; i < 2; ++i) {
    EXPECT_HTTP_STATUS(http.Get("/api/v1/Contact", {{"X-Api-Key", "wrong-key"}}), 401);
    EXPECT_HTTP_STATUS(
        http.Get("/api/v1/Contact", {{"Authorization", BasicAuthorization("admin", "wrong")}}),
        401);
  }
  const HttpResponse refused = http.Get("/api/v1/Contact", {{"X-Api-Key", "another-guess"}});
  EXPECT_TRUE(IsApiError(refused, 429));
  EXPECT_THAT(refused.Header("X-Status-Reason"), HasSubstr("failed authentication"));
  const long long retry_after = std::stoll(refused.Header("Retry-After"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 60);
  EXPECT_EQ(refused.Header("RateLimit-Policy"), "\"auth-failures\";q=4;w=60");
  // While blocked, even the right key is not checked, so a guess that would succeed looks the
  // same as one that would not.
  EXPECT_TRUE(IsApiError(env->Client(AuthMode::kApiKey).Get("/Contact?maxSize=1"), 429));
  // A client cannot escape by naming another address: without --trusted-proxy, X-Forwarded-For
  // is not read.
  EXPECT_TRUE(IsApiError(
      http.Get("/api/v1/Contact", {{"X-Api-Key", "guess"}, {"X-Forwarded-For", "10.9.9.9"}}), 429));
  // Public routes need no credentials and stay open.
  EXPECT_HTTP_STATUS(http.Get("/api/v1/"), 200);
}

// Behind a trusted reverse proxy the failures count for the client the proxy names, so one
// client's guessing does not lock out the others.
TEST(RateLimitAuthFailureTest, BehindATrustedProxyTheForwardedClientIsCounted) {
  std::vector<std::string> args = kSmallLimits;
  args.insert(args.end(), {"--trusted-proxy", "127.0.0.1"});
  auto env = StartServerEnv(args);
  ASSERT_NE(env, nullptr);
  HttpClient http(env->server->base_url());
  // The client may send its own X-Forwarded-For; the proxy appends the address it saw, and only
  // that last entry is believed.
  const Headers guesser = {{"X-Api-Key", "guess"}, {"X-Forwarded-For", "10.0.0.2, 10.0.0.1"}};
  for (int i = 0; i < 4; ++i) EXPECT_HTTP_STATUS(http.Get("/api/v1/Contact", guesser), 401);
  EXPECT_TRUE(IsApiError(http.Get("/api/v1/Contact", guesser), 429));
  Headers other = AuthHeaders(env->For(AuthMode::kApiKey), "GET", "/Contact");
  other.emplace_back("X-Forwarded-For", "10.0.0.2");
  EXPECT_HTTP_STATUS(http.Get("/api/v1/Contact?maxSize=1", other), 200);
  // The proxy's own requests (no X-Forwarded-For) are its own address's.
  EXPECT_HTTP_STATUS(env->Client(AuthMode::kApiKey).Get("/Contact?maxSize=1"), 200);
}

TEST(RateLimitOffTest, OffMeansNoLimitsAndNoFields) {
  auto env = StartServerEnv({"--rate-limit", "off"});
  ASSERT_NE(env, nullptr);
  HttpClient http(env->server->base_url());
  for (int i = 0; i < 15; ++i) {
    EXPECT_HTTP_STATUS(http.Get("/api/v1/Contact", {{"X-Api-Key", "wrong-key"}}), 401);
  }
  const HttpResponse ok = env->Client(AuthMode::kApiKey).Get("/Contact?maxSize=1");
  EXPECT_HTTP_STATUS(ok, 200);
  EXPECT_EQ(ok.Header("X-RateLimit-Limit"), "");
  EXPECT_EQ(ok.Header("RateLimit-Policy"), "");
}

}  // namespace
}  // namespace crm::apitest
