// What an admin does to API users beside their records (docs/api.md, "Users and teams" and "Rate
// limits"): a new key through POST /UserSecurity/apiKey/generate, in force from the next request,
// and a user's budgets read through GET /User/{id}/rateLimit without spending them. Both are
// refused to anyone but an admin.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/api_test_util.hpp"

namespace crm::apitest {
namespace {

ApiClient KeyClient(const ServerEnv& env, const testing::ApiCredentials& user) {
  Credentials credentials;
  credentials.mode = AuthMode::kApiKey;
  credentials.user_id = user.user_id;
  credentials.api_key = user.api_key;
  return ApiClient(env.server->base_url(), credentials);
}

ApiClient HmacClient(const ServerEnv& env, const std::string& api_key, const std::string& secret) {
  Credentials credentials;
  credentials.mode = AuthMode::kHmacSeed;
  credentials.api_key = api_key;
  credentials.secret_key = secret;
  return ApiClient(env.server->base_url(), credentials);
}

// The budget named `policy` in a rateLimit answer.
json::object BudgetOf(const json::value& answer, std::string_view policy) {
  for (const auto& budget : AsArray(AsObject(answer).at("budgets"))) {
    if (StringAt(budget, "policy") == policy) return AsObject(budget);
  }
  ADD_FAILURE() << "no budget " << policy << " in " << json::serialize(answer);
  return {};
}

class UserSecurityTest : public SharedServerTest {};

TEST_F(UserSecurityTest, GenerateApiKeyReplacesTheKeyAtOnce) {
  const testing::ApiCredentials user = env_->server->CreateApiUser("console-rotating");
  ApiClient old_client = KeyClient(*env_, user);
  // Twice, so that the server remembers the key's lookup.
  ASSERT_HTTP_STATUS(old_client.Get("/Contact?maxSize=1"), 200);
  ASSERT_HTTP_STATUS(old_client.Get("/Contact?maxSize=1"), 200);

  const HttpResponse rotated =
      env_->Admin().Post("/UserSecurity/apiKey/generate", json::object{{"id", user.user_id}});
  ASSERT_HTTP_STATUS(rotated, 200);
  const json::value answer = rotated.Json();
  EXPECT_EQ(StringAt(answer, "id"), user.user_id);
  EXPECT_EQ(StringAt(answer, "userName"), "console-rotating");
  const std::string new_key = StringAt(answer, "apiKey");
  EXPECT_EQ(new_key.size(), 32u);
  EXPECT_NE(new_key, user.api_key);
  EXPECT_FALSE(AsObject(answer).contains("secretKey"));

  EXPECT_TRUE(IsApiError(old_client.Get("/Contact?maxSize=1"), 401));
  testing::ApiCredentials renewed = user;
  renewed.api_key = new_key;
  EXPECT_HTTP_STATUS(KeyClient(*env_, renewed).Get("/Contact?maxSize=1"), 200);
  // Reads of the user still show no key.
  EXPECT_EQ(env_->Admin().Get("/User/" + user.user_id).body.find(new_key), std::string::npos);
}

TEST_F(UserSecurityTest, GenerateApiKeyGivesAnHmacUserANewSecret) {
  const testing::ApiCredentials user = env_->server->CreateApiUser("console-hmac", "hmac");
  ASSERT_HTTP_STATUS(HmacClient(*env_, user.api_key, user.secret_key).Get("/Contact?maxSize=1"),
                     200);
  const HttpResponse rotated =
      env_->Admin().Post("/UserSecurity/apiKey/generate", json::object{{"id", user.user_id}});
  ASSERT_HTTP_STATUS(rotated, 200);
  const std::string key = StringAt(rotated.Json(), "apiKey");
  const std::string secret = StringAt(rotated.Json(), "secretKey");
  ASSERT_FALSE(secret.empty());
  EXPECT_NE(secret, user.secret_key);
  EXPECT_HTTP_STATUS(HmacClient(*env_, key, secret).Get("/Contact?maxSize=1"), 200);
  // The new key signed with the old secret fails.
  EXPECT_TRUE(IsApiError(HmacClient(*env_, key, user.secret_key).Get("/Contact?maxSize=1"), 401));
}

TEST_F(UserSecurityTest, GenerateApiKeyIsForAdminsAndApiUsersOnly) {
  const testing::ApiCredentials target = env_->server->CreateApiUser("console-target");
  // An API user may not rotate anyone's key, not even its own.
  EXPECT_TRUE(IsApiError(
      Api().Post("/UserSecurity/apiKey/generate", json::object{{"id", target.user_id}}), 403));
  EXPECT_TRUE(IsApiError(
      Api().Post("/UserSecurity/apiKey/generate", json::object{{"id", env_->api_user.user_id}}),
      403));
  EXPECT_HTTP_STATUS(KeyClient(*env_, target).Get("/Contact?maxSize=1"), 200);

  ApiClient admin = env_->Admin();
  EXPECT_TRUE(IsApiError(
      admin.Post("/UserSecurity/apiKey/generate", json::object{{"id", env_->admin_id}}), 403));
  EXPECT_TRUE(IsApiError(
      admin.Post("/UserSecurity/apiKey/generate", json::object{{"id", "00000000000000000"}}), 404));
  EXPECT_TRUE(IsApiError(admin.Post("/UserSecurity/apiKey/generate", json::object{}), 400));
}

TEST_F(UserSecurityTest, RateLimitStateIsReadWithoutCountingARequest) {
  const testing::ApiCredentials user = env_->server->CreateApiUser("console-budget");
  ApiClient admin = env_->Admin();
  const std::string path = "/User/" + user.user_id + "/rateLimit";

  const HttpResponse fresh = admin.Get(path);
  ASSERT_HTTP_STATUS(fresh, 200);
  EXPECT_EQ(StringAt(fresh.Json(), "userId"), user.user_id);
  EXPECT_TRUE(AsObject(fresh.Json()).at("enabled").as_bool());
  EXPECT_FALSE(AsObject(fresh.Json()).at("unlimited").as_bool());
  const json::object untouched = BudgetOf(fresh.Json(), "default");
  EXPECT_EQ(untouched.at("limit").to_number<long long>(), 1000);
  EXPECT_EQ(untouched.at("windowSeconds").to_number<long long>(), 3600);
  EXPECT_EQ(untouched.at("remaining").to_number<long long>(), 1000);
  EXPECT_EQ(BudgetOf(fresh.Json(), "search").at("limit").to_number<long long>(), 500);
  EXPECT_EQ(BudgetOf(fresh.Json(), "bulk").at("limit").to_number<long long>(), 100);

  ApiClient client = KeyClient(*env_, user);
  HttpResponse last;
  for (int i = 0; i < 3; ++i) last = client.Get("/Contact?maxSize=1");
  ASSERT_HTTP_STATUS(last, 200);
  // Read twice: the first read did not spend anything of the user's.
  for (int i = 0; i < 2; ++i) {
    const HttpResponse state = admin.Get(path);
    ASSERT_HTTP_STATUS(state, 200);
    const json::object budget = BudgetOf(state.Json(), "default");
    EXPECT_EQ(budget.at("remaining").to_number<long long>(), 997);
    EXPECT_EQ(std::to_string(budget.at("remaining").to_number<long long>()),
              last.Header("X-RateLimit-Remaining"));
    EXPECT_EQ(std::to_string(budget.at("resetAt").to_number<long long>()),
              last.Header("X-RateLimit-Reset"));
    EXPECT_GT(budget.at("resetIn").to_number<long long>(), 3500);
    EXPECT_EQ(BudgetOf(state.Json(), "search").at("remaining").to_number<long long>(), 500);
  }
}

TEST_F(UserSecurityTest, RateLimitStateShowsAUsersOwnBudget) {
  const auto own = env_->server->Cli(
      {"api-user", "create", "--name", "console-own-budget", "--rate-limit", "50/m"});
  ASSERT_EQ(own.exit_code, 0) << own.err;
  const HttpResponse state =
      env_->Admin().Get("/User/" + StringAt(ParseJson(own.out), "id") + "/rateLimit");
  ASSERT_HTTP_STATUS(state, 200);
  EXPECT_EQ(BudgetOf(state.Json(), "default").at("limit").to_number<long long>(), 50);
  EXPECT_EQ(BudgetOf(state.Json(), "default").at("windowSeconds").to_number<long long>(), 60);

  const auto unlimited = env_->server->Cli(
      {"api-user", "create", "--name", "console-unlimited", "--rate-limit", "unlimited"});
  ASSERT_EQ(unlimited.exit_code, 0) << unlimited.err;
  const HttpResponse none =
      env_->Admin().Get("/User/" + StringAt(ParseJson(unlimited.out), "id") + "/rateLimit");
  ASSERT_HTTP_STATUS(none, 200);
  EXPECT_TRUE(AsObject(none.Json()).at("unlimited").as_bool());
  EXPECT_TRUE(AsArray(AsObject(none.Json()).at("budgets")).empty());
}

TEST_F(UserSecurityTest, RateLimitStateIsForAdminsOnly) {
  EXPECT_TRUE(IsApiError(Api().Get("/User/" + env_->api_user.user_id + "/rateLimit"), 403));
  EXPECT_TRUE(IsApiError(env_->Admin().Get("/User/00000000000000000/rateLimit"), 404));
}

}  // namespace
}  // namespace crm::apitest
