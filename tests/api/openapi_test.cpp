// The OpenAPI description: served at GET /api/v1/OpenApi and printed by `crmd openapi`, it is
// valid by @apidevtools/swagger-parser (tests/clients/validate_openapi.js), covers every route of
// the route table for every entity, and follows the metadata, including a --metadata directory.
// The API reference page at /api-docs/ serves Swagger UI from the binary itself.
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/api/route_table.hpp"
#include "crm/api/routes.hpp"

#include "api/api_test_util.hpp"
#include "testing/temp_dir.hpp"
#include "testing/test_server.hpp"

namespace crm::apitest {
namespace {

using testing::CommandResult;
using ::testing::Contains;
using ::testing::HasSubstr;
using testing::RunCommand;
using testing::SourceDir;
using testing::TempDir;

// Runs the validator on `document`; its output when it fails.
::testing::AssertionResult Validates(const std::string& document) {
  TempDir dir;
  {
    std::ofstream file(dir.File("openapi.json"));
    file << document;
  }
  const std::string node = FindProgram("node");
  if (node.empty()) return ::testing::AssertionFailure() << "node is not on PATH";
  const CommandResult result = RunCommand(
      node, {SourceDir() + "/tests/clients/validate_openapi.js", dir.File("openapi.json")});
  if (result.exit_code != 0) {
    return ::testing::AssertionFailure() << "validator: " << result.out << result.err;
  }
  return ::testing::AssertionSuccess() << result.out;
}

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

// The entities the shipped metadata has (as docs/api.md lists them).
const std::vector<std::string> kEntities = {"Contact", "Lead", "Account", "Opportunity", "Call",
                                            "Meeting", "Task", "Case",    "User",        "Team"};

class OpenApiTest : public SharedServerTest {};

TEST_F(OpenApiTest, ServedDocumentIsValid) {
  const HttpResponse response = Api().Get("/OpenApi");
  ASSERT_HTTP_STATUS(response, 200);
  EXPECT_EQ(response.Header("Content-Type"), "application/json");
  EXPECT_EQ(StringAt(response.Json(), "openapi"), "3.1.0");
  EXPECT_TRUE(Validates(response.body));
}

TEST_F(OpenApiTest, NeedsCredentials) {
  HttpClient http(env_->server->base_url());
  EXPECT_TRUE(IsApiError(http.Get(std::string(kApiBase) + "/OpenApi"), 401));
}

TEST_F(OpenApiTest, CoversEveryRouteForEveryEntity) {
  const json::object document = AsObject(Api().Get("/OpenApi").Json());
  const json::object paths = AsObject(document.at("paths"));
  const api::RouteTable table = api::ApiRouteTable();
  for (const api::Route& route : table.routes()) {
    const std::string method = Lower(http::MethodName(route.method));
    const bool per_entity = route.pattern.find("{entityType}") != std::string::npos;
    const std::vector<std::string> entities = per_entity ? kEntities : std::vector<std::string>{""};
    for (const std::string& entity : entities) {
      std::string path = route.pattern;
      if (per_entity) path.replace(path.find("{entityType}"), 12, entity);
      ASSERT_TRUE(paths.contains(path)) << path;
      EXPECT_TRUE(AsObject(paths.at(path)).contains(method)) << method << " " << path;
    }
  }
}

TEST_F(OpenApiTest, AuthenticatedOperationsDescribeTheirRateLimits) {
  const json::object document = AsObject(Api().Get("/OpenApi").Json());
  const json::object paths = AsObject(document.at("paths"));
  const json::object responses =
      AsObject(AsObject(AsObject(AsObject(paths.at("/Contact/{id}")).at("get")).at("responses")));
  EXPECT_TRUE(responses.contains("429"));
  const json::object headers = AsObject(AsObject(responses.at("200")).at("headers"));
  for (const char* name : {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
                           "RateLimit-Policy", "RateLimit"}) {
    EXPECT_TRUE(headers.contains(name)) << name;
  }
  // The public root has no budget.
  const json::object root = AsObject(AsObject(AsObject(paths.at("/")).at("get")).at("responses"));
  EXPECT_FALSE(root.contains("429"));
  EXPECT_FALSE(AsObject(root.at("200")).contains("headers"));
}

TEST_F(OpenApiTest, SchemasFollowTheMetadata) {
  const json::object document = AsObject(Api().Get("/OpenApi").Json());
  const json::object schemas = AsObject(AsObject(document.at("components")).at("schemas"));
  const json::object contact = AsObject(AsObject(schemas.at("Contact")).at("properties"));
  for (const char* attribute : {"id", "firstName", "lastName", "name", "emailAddress", "accountId",
                                "accountName", "addressCity", "createdAt"}) {
    EXPECT_TRUE(contact.contains(attribute)) << attribute;
  }
  EXPECT_EQ(AsObject(contact.at("createdAt")).at("readOnly"), json::value(true));
  // Read-only attributes are not input.
  const json::object input = AsObject(AsObject(schemas.at("ContactInput")).at("properties"));
  EXPECT_FALSE(input.contains("createdAt"));
  EXPECT_TRUE(input.contains("lastName"));
  // A create must carry what the metadata requires (Contact: lastName).
  const json::array create = AsArray(AsObject(schemas.at("ContactCreate")).at("allOf"));
  ASSERT_EQ(create.size(), 2u);
  EXPECT_THAT(AsArray(AsObject(create[1]).at("required")), Contains(json::value("lastName")));
  // Enums carry their options; the {link} parameter takes exactly the entity's links.
  const json::object stage =
      AsObject(AsObject(AsObject(schemas.at("Opportunity")).at("properties")).at("stage"));
  EXPECT_THAT(AsArray(stage.at("enum")), Contains(json::value("Closed Won")));
  const json::object related =
      AsObject(AsObject(AsObject(document.at("paths")).at("/Account/{id}/{link}")).at("get"));
  bool found = false;
  for (const auto& parameter : AsArray(related.at("parameters"))) {
    if (StringAt(parameter, "name") != "link") continue;
    found = true;
    EXPECT_THAT(AsArray(AsObject(AsObject(parameter).at("schema")).at("enum")),
                Contains(json::value("contacts")));
  }
  EXPECT_TRUE(found);
}

TEST_F(OpenApiTest, ReferencePageIsServedFromTheBinary) {
  EXPECT_THAT(env_->server->banner(),
              HasSubstr("API reference: " + env_->server->base_url() + "/api-docs/"));
  HttpClient http(env_->server->base_url());
  const HttpResponse moved = http.Get("/api-docs");
  EXPECT_EQ(moved.status, 301);
  EXPECT_EQ(moved.Header("Location"), "/api-docs/");

  const HttpResponse page = http.Get("/api-docs/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_THAT(page.body, HasSubstr("swagger-ui-bundle.js"));
  EXPECT_THAT(page.Header("Content-Security-Policy"), HasSubstr("frame-ancestors 'none'"));
  EXPECT_EQ(page.Header("X-Content-Type-Options"), "nosniff");
  // The page renders this server's document.
  const HttpResponse script = http.Get("/api-docs/reference.js");
  ASSERT_EQ(script.status, 200);
  EXPECT_THAT(script.body, HasSubstr("'/api/v1/OpenApi'"));
  const HttpResponse bundle = http.Get("/api-docs/swagger-ui-bundle.js");
  ASSERT_EQ(bundle.status, 200);
  EXPECT_EQ(bundle.Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_THAT(bundle.body, HasSubstr("SwaggerUIBundle"));
  EXPECT_EQ(http.Get("/api-docs/swagger-ui.css").Header("Content-Type"), "text/css; charset=utf-8");

  EXPECT_TRUE(IsApiError(http.Get("/api-docs/nothing.js"), 404));
  EXPECT_TRUE(IsApiError(http.Get("/elsewhere"), 404));
  const HttpResponse post = http.Request("POST", "/api-docs/", "{}");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.Header("Allow"), "GET, HEAD");
}

TEST(OpenApiCommandTest, PrintsTheDocumentWithCustomMetadata) {
  TempDir metadata;
  std::filesystem::create_directories(metadata.path() / "entityDefs");
  {
    std::ofstream project(metadata.path() / "entityDefs" / "Project.json");
    project << R"({"fields": {
        "name": {"type": "varchar", "required": true, "maxLength": 100},
        "phase": {"type": "enum", "options": ["Plan", "Build", "Run"], "default": "Plan"},
        "createdAt": {"type": "datetime", "readOnly": true}},
      "links": {}})";
    std::ofstream contact(metadata.path() / "entityDefs" / "Contact.json");
    contact << R"({"fields": {"nickname": {"type": "varchar", "maxLength": 30}}})";
  }
  const CommandResult result =
      RunCommand(testing::CrmdBinary(), {"openapi", "--metadata", metadata.path().string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(Validates(result.out));
  const json::object document = AsObject(ParseJson(result.out));
  const json::object paths = AsObject(document.at("paths"));
  EXPECT_TRUE(paths.contains("/Project/{id}"));
  const json::object schemas = AsObject(AsObject(document.at("components")).at("schemas"));
  const json::object phase =
      AsObject(AsObject(AsObject(schemas.at("Project")).at("properties")).at("phase"));
  EXPECT_EQ(phase.at("enum"), json::array({"Plan", "Build", "Run", nullptr}));
  const json::object nickname =
      AsObject(AsObject(AsObject(schemas.at("ContactInput")).at("properties")).at("nickname"));
  EXPECT_EQ(nickname.at("maxLength"), json::value(30));
}

}  // namespace
}  // namespace crm::apitest
