// Golden tests of the where pipeline, written as data (DuckDB's sqllogictest idea): every file in
// tests/golden/where/*.json is an object
//
//   {"description": "...", "entity": "Contact",          <- default entity of its cases
//    "cases": [ {case}, ... ]}
//
// and each case has a "name", exactly one input, optional context, and the expected outcome:
//
//   input:    "where": [...]                 -> query::CompileWhere
//             "query": "where[0][type]=..."  -> api::DecodeQueryString (the server's own decoder of
//                                               raw query strings), DecodeSearchParams and
//                                               CompileFilters
//             "searchParams": {...}          -> DecodeSearchParamsJson + CompileFilters
//   context:  "entity", "now" (default 2024-03-15 10:30:00 UTC), "timeZone" (default UTC),
//             "fiscalYearShift", "userId" (default "user0000000000001"), "allowSensitive"
//   outcome:  "sqlite": {"sql": "...", "params": [...]}  and, only where PostgreSQL's text differs,
//             "postgres": {...}; or "error": "<substring of the 400 message>".
//
// Every SQLite result is also run against a schema built from the shipped metadata, so a golden
// file cannot hold SQL that SQLite rejects. With CRMD_GOLDEN_UPDATE=1 the test rewrites the
// outcomes from the current code instead of checking them (review the diff before committing it).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include "crm/api/query_string.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/query/search_params.hpp"
#include "crm/query/where.hpp"
#include "crm/store/schema.hpp"
#include "crm/store/sqlite/sqlite_database.hpp"

#include "testing/status_matchers.hpp"
#include "testing/temp_dir.hpp"
#include "testing/test_server.hpp"

namespace crm::query {
namespace {

namespace json = boost::json;

constexpr std::string_view kDefaultNow = "2024-03-15 10:30:00";
constexpr std::string_view kDefaultUser = "user0000000000001";

std::filesystem::path GoldenDir() {
  return std::filesystem::path(testing::SourceDir()) / "tests" / "golden" / "where";
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

json::value ToJson(const SqlValue& value) {
  return std::visit(
      [](const auto& v) -> json::value {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::nullptr_t>) {
          return nullptr;
        } else {
          return json::value(v);
        }
      },
      value);
}

json::object ToJson(const SqlFragment& fragment) {
  json::array params;
  for (const SqlValue& value : fragment.params) params.push_back(ToJson(value));
  return json::object{{"sql", fragment.sql}, {"params", std::move(params)}};
}

std::string StringOr(const json::object& object, std::string_view key, std::string_view fallback) {
  if (const json::value* value = object.if_contains(key); value != nullptr && value->is_string()) {
    return std::string(value->get_string());
  }
  return std::string(fallback);
}

// Runs the case's input in `dialect`.
Result<SqlFragment> RunCase(const json::object& golden_case, const metadata::Metadata& metadata,
                            const metadata::EntityDef& entity, Dialect dialect) {
  const std::string now_text = StringOr(golden_case, "now", kDefaultNow);
  const std::string time_zone = StringOr(golden_case, "timeZone", "UTC");
  const std::string user_id = StringOr(golden_case, "userId", kDefaultUser);
  const auto now = ParseDateTime(now_text);
  if (!now) return Status::Internal("bad 'now' in golden case: " + now_text);
  FilterContext context{metadata, entity, dialect, *now, user_id, time_zone};
  if (const json::value* shift = golden_case.if_contains("fiscalYearShift")) {
    context.fiscal_year_shift = static_cast<int>(shift->to_number<std::int64_t>());
  }
  if (const json::value* sensitive = golden_case.if_contains("allowSensitive")) {
    context.allow_sensitive = sensitive->as_bool();
  }
  if (const json::value* where = golden_case.if_contains("where")) {
    return CompileWhere(where->as_array(), context);
  }
  if (const json::value* query = golden_case.if_contains("query")) {
    CRM_ASSIGN_OR_RETURN(const auto params, api::DecodeQueryString(query->as_string()));
    CRM_ASSIGN_OR_RETURN(const SearchParams search, DecodeSearchParams(params));
    return CompileFilters(search, context);
  }
  if (const json::value* search_params = golden_case.if_contains("searchParams")) {
    CRM_ASSIGN_OR_RETURN(const SearchParams search,
                         DecodeSearchParamsJson(search_params->as_object()));
    return CompileFilters(search, context);
  }
  return Status::Internal("golden case has no where, query or searchParams");
}

// Pretty-prints a golden file as the repository keeps it: one line per top-level key, one per case.
std::string Format(const json::object& file) {
  std::string out = "{\n";
  std::size_t remaining = file.size();
  for (const auto& [key, value] : file) {
    out += "  " + json::serialize(json::value(key)) + ": ";
    if (key == "cases") {
      out += "[\n";
      const json::array& cases = value.as_array();
      for (std::size_t i = 0; i < cases.size(); ++i) {
        out += "    " + json::serialize(cases[i]) + (i + 1 < cases.size() ? ",\n" : "\n");
      }
      out += "  ]";
    } else {
      out += json::serialize(value);
    }
    out += --remaining > 0 ? ",\n" : "\n";
  }
  return out + "}\n";
}

class GoldenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = metadata::Metadata::LoadDefault("");
    ASSERT_THAT(loaded, testing::IsOk());
    metadata_ = *loaded;
    auto database = store::SqliteDatabase::Open({.path = dir_.File("golden.db")});
    ASSERT_THAT(database, testing::IsOk());
    database_ = std::move(*database);
    ASSERT_THAT(database_->WriteAndWait([&](store::Connection& conn) {
      return store::MigrateSchema(conn, *metadata_);
    }),
                testing::IsOk());
  }

  // The compiled SQL must be valid SQLite over the real schema.
  void ExpectRunsOnSqlite(const metadata::EntityDef& entity, const SqlFragment& fragment,
                          const std::string& where) {
    if (fragment.sql.empty()) return;
    auto conn = database_->ReadConnection();
    ASSERT_THAT(conn, testing::IsOk());
    const std::string sql = "SELECT t.\"id\" FROM " + QuoteIdentifier(entity.table) +
                            " t WHERE t.\"deleted\" = 0 AND (" + fragment.sql + ")";
    EXPECT_THAT((*conn)->Query(sql, fragment.params, [](const store::Row&) { return true; }),
                testing::IsOk())
        << where << "\n  SQL: " << sql;
  }

  testing::TempDir dir_;
  std::shared_ptr<const metadata::Metadata> metadata_;
  std::unique_ptr<store::SqliteDatabase> database_;
};

TEST_F(GoldenTest, EveryCaseMatches) {
  const bool update = std::getenv("CRMD_GOLDEN_UPDATE") != nullptr;
  std::vector<std::filesystem::path> files;
  std::error_code dir_error;
  for (const auto& entry : std::filesystem::directory_iterator(GoldenDir(), dir_error)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_FALSE(files.empty()) << "no golden files in " << GoldenDir();

  std::size_t checked = 0;
  for (const auto& path : files) {
    boost::system::error_code ec;
    json::value parsed = json::parse(ReadFile(path), ec);
    ASSERT_FALSE(ec) << path << ": " << ec.message();
    json::object& file = parsed.as_object();
    const std::string default_entity = StringOr(file, "entity", "Contact");
    for (json::value& item : file["cases"].as_array()) {
      json::object& golden_case = item.as_object();
      const std::string where =
          path.filename().string() + " / " + StringOr(golden_case, "name", "?");
      const metadata::EntityDef* entity =
          metadata_->FindEntity(StringOr(golden_case, "entity", default_entity));
      ASSERT_NE(entity, nullptr) << where;
      const auto sqlite = RunCase(golden_case, *metadata_, *entity, Dialect::kSqlite);
      const auto postgres = RunCase(golden_case, *metadata_, *entity, Dialect::kPostgres);
      ++checked;

      if (update) {
        golden_case.erase("sqlite");
        golden_case.erase("postgres");
        golden_case.erase("error");
        if (sqlite.ok()) {
          golden_case["sqlite"] = ToJson(*sqlite);
          if (ToJson(*postgres) != ToJson(*sqlite)) golden_case["postgres"] = ToJson(*postgres);
        } else {
          golden_case["error"] = sqlite.status().message();
        }
        continue;
      }

      if (const json::value* error = golden_case.if_contains("error")) {
        EXPECT_THAT(sqlite,
                    testing::StatusIs(StatusCode::kInvalidArgument,
                                      ::testing::HasSubstr(std::string(error->as_string()))))
            << where;
        EXPECT_THAT(postgres, testing::StatusIs(StatusCode::kInvalidArgument)) << where;
        continue;
      }
      ASSERT_THAT(sqlite, testing::IsOk()) << where;
      ASSERT_THAT(postgres, testing::IsOk()) << where;
      EXPECT_EQ(json::serialize(ToJson(*sqlite)), json::serialize(golden_case.at("sqlite")))
          << where;
      const json::value* expected_postgres = golden_case.if_contains("postgres");
      EXPECT_EQ(json::serialize(ToJson(*postgres)),
                json::serialize(expected_postgres != nullptr ? *expected_postgres
                                                             : golden_case.at("sqlite")))
          << where << " (postgres)";
      ExpectRunsOnSqlite(*entity, *sqlite, where);
    }
    if (update) std::ofstream(path, std::ios::binary | std::ios::trunc) << Format(file);
  }
  // Guards against a directory that silently lost its cases.
  EXPECT_GE(checked, 200u);
  std::printf("checked %zu golden where cases in %zu files\n", checked, files.size());
}

}  // namespace
}  // namespace crm::query
