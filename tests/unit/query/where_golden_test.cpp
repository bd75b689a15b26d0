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
// file cannot hold SQL that SQLite rejects. With a PostgreSQL cluster (CRMD_TEST_POSTGRES_URL, set
// by `make test`) every case also runs on both databases filled with the same rows, and
// PostgreSQL's SQL must select exactly the rows SQLite's selects. With CRMD_GOLDEN_UPDATE=1 the
// test rewrites the outcomes from the current code instead of checking them (review the diff before
// committing it).
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
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
#include "crm/store/postgres/postgres_database.hpp"
#include "crm/store/schema.hpp"
#include "crm/store/sqlite/sqlite_database.hpp"

#include "testing/postgres_schema.hpp"
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

// Values for the rows both databases are filled with, taken from the golden cases' own parameters
// (so that their conditions select some rows and leave others) plus a spread of dates around `now`.
struct ValuePools {
  std::vector<std::string> texts;
  std::vector<std::string> ids;  // 17-character ids the cases name (the user's, records')
  std::vector<std::string> dates;
  std::vector<std::string> date_times;
  std::vector<std::int64_t> ints = {0, 1, 5, 10, 100};
  std::vector<double> doubles = {0.5, 10.0, 99.99};

  void Add(const SqlValue& value) {
    if (const auto* i = std::get_if<std::int64_t>(&value)) {
      ints.push_back(*i);
      ints.push_back(*i + 1);
    } else if (const auto* d = std::get_if<double>(&value)) {
      doubles.push_back(*d);
    } else if (const auto* text = std::get_if<std::string>(&value)) {
      AddText(*text);
    }
  }

  void AddText(std::string text) {
    const bool digits_at = text.size() >= 10 && text[4] == '-' && text[7] == '-';
    if (digits_at && text.size() == 10) {
      dates.push_back(text);
      return;
    }
    if (digits_at && text.size() == 19) {
      date_times.push_back(text);
      return;
    }
    if (text.size() == 17 && std::all_of(text.begin(), text.end(), ::isalnum)) ids.push_back(text);
    // A LIKE pattern: the text it looks for, and that text inside a longer one.
    std::erase(text, '%');
    texts.push_back(text);
    texts.push_back("x" + text + "Y");
  }

  void Finish() {
    for (int day = -400; day <= 400; day += 9) {
      const auto stamp =
          *ParseDateTime(kDefaultNow) + std::chrono::days(day) + std::chrono::minutes(day * 37);
      const std::string text = FormatDateTime(stamp);
      date_times.push_back(text);
      dates.push_back(text.substr(0, 10));
    }
    texts.insert(texts.end(), {"", "Alpha", "beta", "a@example.com", "+15551234"});
    for (auto* pool : {&texts, &ids, &dates, &date_times}) {
      std::sort(pool->begin(), pool->end());
      pool->erase(std::unique(pool->begin(), pool->end()), pool->end());
    }
  }
};

template <typename T>
const T& Pick(const std::vector<T>& pool, std::size_t h) {
  return pool[h % pool.size()];
}

constexpr std::size_t kRowsPerEntity = 30;

std::vector<std::string> RowIds(const metadata::EntityDef& entity, const ValuePools& pools) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < kRowsPerEntity; ++i) {
    ids.push_back(i < pools.ids.size()
                      ? pools.ids[i]
                      : entity.name + std::string(3 - std::to_string(i).size(), '0') +
                            std::to_string(i));
  }
  return ids;
}

// The same rows on either database: every entity's table, the email and phone lookup tables and
// the join tables of many-to-many links. Portable SQL only (ON CONFLICT DO NOTHING is both's: a
// row that would repeat a unique value is left out on both).
Status FillDatabase(store::Connection& conn, const metadata::Metadata& metadata,
                    const ValuePools& pools) {
  std::map<std::string, std::vector<std::string>> ids;
  for (const auto& entity : metadata.entities()) ids[entity.name] = RowIds(entity, pools);
  std::vector<std::string> all_ids;
  for (const auto& [name, list] : ids) all_ids.insert(all_ids.end(), list.begin(), list.end());
  std::vector<std::string> entity_names;
  for (const auto& entity : metadata.entities()) entity_names.push_back(entity.name);
  for (const auto& entity : metadata.entities()) {
    std::string columns = "\"id\", \"deleted\"";
    std::vector<const metadata::AttributeDef*> attributes;
    for (const auto& attribute : entity.attributes) {
      if (!attribute.stored() || attribute.column == "id" || attribute.column == "deleted" ||
          attribute.column == "version_number") {
        continue;
      }
      attributes.push_back(&attribute);
      columns += ", " + QuoteIdentifier(attribute.column);
    }
    std::string placeholders = "?, ?";
    for (std::size_t c = 0; c < attributes.size(); ++c) placeholders += ", ?";
    const std::string sql = "INSERT INTO " + QuoteIdentifier(entity.table) + " (" + columns +
                            ") VALUES (" + placeholders + ") ON CONFLICT DO NOTHING";
    for (std::size_t i = 0; i < kRowsPerEntity; ++i) {
      std::vector<SqlValue> row = {ids[entity.name][i], std::int64_t{i % 11 == 5 ? 1 : 0}};
      for (std::size_t c = 0; c < attributes.size(); ++c) {
        const metadata::AttributeDef& attribute = *attributes[c];
        const std::size_t h = i * 31 + c * 17 + i * c;
        using metadata::ValueType;
        if (attribute.type == ValueType::kBool) {
          row.emplace_back(std::int64_t((h / 3) % 2));
          continue;
        }
        if (h % 7 == 3) {
          row.emplace_back(nullptr);
          continue;
        }
        const std::string& column = attribute.column;
        switch (attribute.type) {
          case ValueType::kInt:
            row.emplace_back(Pick(pools.ints, h));
            break;
          case ValueType::kFloat:
            row.emplace_back(h % 2 == 0 ? Pick(pools.doubles, h)
                                        : static_cast<double>(Pick(pools.ints, h)));
            break;
          case ValueType::kDate:
            row.emplace_back(Pick(pools.dates, h));
            break;
          case ValueType::kDateTime:
            row.emplace_back(Pick(pools.date_times, h));
            break;
          case ValueType::kStringArray:
          case ValueType::kIdArray:
          case ValueType::kJson: {
            json::array values;
            for (std::size_t k = 0; k < h % 3; ++k) values.emplace_back(Pick(pools.texts, h + k));
            row.emplace_back(json::serialize(values));
            break;
          }
          default:
            if (column.ends_with("_id")) {
              row.emplace_back(Pick(all_ids, h));
            } else if (column.ends_with("_type")) {
              row.emplace_back(Pick(entity_names, h));
            } else {
              row.emplace_back(Pick(pools.texts, h));
            }
        }
      }
      CRM_RETURN_IF_ERROR(conn.Execute(sql, row).TakeStatus());
      // Lookup rows: an address (and a second one for some records), a phone number.
      for (std::size_t k = 0; k < 1 + i % 2; ++k) {
        std::string address = Pick(pools.texts, i * 13 + k);
        std::transform(address.begin(), address.end(), address.begin(), ::tolower);
        const std::vector<SqlValue> email = {entity.name, ids[entity.name][i], address,
                                             std::int64_t{k == 0 ? 1 : 0}};
        CRM_RETURN_IF_ERROR(
            conn.Execute(std::string("INSERT INTO ") + store::kEmailTable +
                             " (\"entity_type\", \"entity_id\", \"lower\", \"is_primary\") VALUES "
                             "(?, ?, ?, ?) ON CONFLICT DO NOTHING",
                         email)
                .TakeStatus());
        const std::vector<SqlValue> phone = {entity.name, ids[entity.name][i],
                                             Pick(pools.texts, i * 5 + k), std::int64_t{k == 0}};
        CRM_RETURN_IF_ERROR(
            conn.Execute(std::string("INSERT INTO ") + store::kPhoneTable +
                             " (\"entity_type\", \"entity_id\", \"numeric\", \"is_primary\") "
                             "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                         phone)
                .TakeStatus());
      }
    }
  }
  for (const auto& entity : metadata.entities()) {
    for (const auto& link : entity.links) {
      if (!link.many_to_many() || ids.count(link.entity) == 0) continue;
      std::string columns =
          QuoteIdentifier(link.near_key_column) + ", " + QuoteIdentifier(link.far_key_column);
      std::string placeholders = "?, ?";
      for (const auto& [column, value] : link.conditions) {
        columns += ", " + QuoteIdentifier(column);
        placeholders += ", ?";
      }
      const std::string sql = "INSERT INTO " + QuoteIdentifier(link.join_table) + " (" + columns +
                              ") VALUES (" + placeholders + ") ON CONFLICT DO NOTHING";
      const auto& near = ids[entity.name];
      const auto& far = ids[link.entity];
      for (std::size_t i = 0; i < kRowsPerEntity; ++i) {
        for (std::size_t k = 0; k < 1 + i % 3; ++k) {
          if (i % 4 == 3) continue;
          std::vector<SqlValue> row = {near[i], far[(i * 7 + k * 5 + 1) % far.size()]};
          for (const auto& [column, value] : link.conditions) row.emplace_back(value);
          CRM_RETURN_IF_ERROR(conn.Execute(sql, row).TakeStatus());
        }
      }
    }
  }
  return {};
}

// The ids of the live rows of `entity` that `fragment` selects, sorted.
Result<std::vector<std::string>> SelectIds(store::Connection& conn,
                                           const metadata::EntityDef& entity,
                                           const SqlFragment& fragment) {
  std::string sql =
      "SELECT t.\"id\" FROM " + QuoteIdentifier(entity.table) + " t WHERE t.\"deleted\" = 0";
  if (!fragment.sql.empty()) sql += " AND (" + fragment.sql + ")";
  sql += " ORDER BY t.\"id\"";
  std::vector<std::string> ids;
  CRM_RETURN_IF_ERROR(conn.Query(sql, fragment.params, [&](const store::Row& row) {
    ids.emplace_back(row.Text(0));
    return true;
  }));
  return ids;
}

// Every golden file, parsed, in name order.
std::vector<std::pair<std::string, json::value>> GoldenFiles() {
  std::vector<std::filesystem::path> paths;
  std::error_code dir_error;
  for (const auto& entry : std::filesystem::directory_iterator(GoldenDir(), dir_error)) {
    if (entry.path().extension() == ".json") paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::pair<std::string, json::value>> files;
  for (const auto& path : paths) {
    boost::system::error_code ec;
    json::value parsed = json::parse(ReadFile(path), ec);
    EXPECT_FALSE(ec) << path << ": " << ec.message();
    if (!ec) files.emplace_back(path.filename().string(), std::move(parsed));
  }
  return files;
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

// The PostgreSQL text of every case selects the rows the SQLite text selects, on the same data.
TEST_F(GoldenTest, PostgresSelectsTheRowsSqliteSelects) {
  if (testing::PostgresTestUrl().empty()) {
    GTEST_SKIP() << "CRMD_TEST_POSTGRES_URL is not set (make test sets it)";
  }
  struct Compiled {
    std::string where;
    const metadata::EntityDef* entity;
    SqlFragment sqlite;
    SqlFragment postgres;
  };
  std::vector<Compiled> cases;
  ValuePools pools;
  for (const auto& [name, parsed] : GoldenFiles()) {
    const json::object& file = parsed.as_object();
    const std::string default_entity = StringOr(file, "entity", "Contact");
    for (const json::value& item : file.at("cases").as_array()) {
      const json::object& golden_case = item.as_object();
      if (golden_case.contains("error")) continue;
      const metadata::EntityDef* entity =
          metadata_->FindEntity(StringOr(golden_case, "entity", default_entity));
      ASSERT_NE(entity, nullptr);
      auto sqlite = RunCase(golden_case, *metadata_, *entity, Dialect::kSqlite);
      auto postgres = RunCase(golden_case, *metadata_, *entity, Dialect::kPostgres);
      ASSERT_THAT(sqlite, testing::IsOk());
      ASSERT_THAT(postgres, testing::IsOk());
      for (const SqlValue& value : sqlite->params) pools.Add(value);
      cases.push_back({name + " / " + StringOr(golden_case, "name", "?"), entity,
                       std::move(*sqlite), std::move(*postgres)});
    }
  }
  pools.Finish();

  testing::PostgresSchema schema(testing::PostgresTestUrl());
  auto opened = store::PostgresDatabase::Open({.url = schema.url()});
  ASSERT_THAT(opened, testing::IsOk());
  std::unique_ptr<store::PostgresDatabase> postgres = std::move(*opened);
  for (store::Database* db : {static_cast<store::Database*>(database_.get()),
                              static_cast<store::Database*>(postgres.get())}) {
    ASSERT_THAT(db->WriteAndWait([&](store::Connection& conn) -> Status {
      CRM_RETURN_IF_ERROR(store::MigrateSchema(conn, *metadata_));
      return FillDatabase(conn, *metadata_, pools);
    }),
                testing::IsOk());
  }
  auto sqlite_conn = database_->ReadConnection();
  auto postgres_conn = postgres->ReadConnection();
  ASSERT_THAT(sqlite_conn, testing::IsOk());
  ASSERT_THAT(postgres_conn, testing::IsOk());

  std::size_t selecting = 0;  // cases that select some rows but not all
  for (const Compiled& c : cases) {
    const auto all = SelectIds(**sqlite_conn, *c.entity, SqlFragment{});
    const auto from_sqlite = SelectIds(**sqlite_conn, *c.entity, c.sqlite);
    const auto from_postgres = SelectIds(**postgres_conn, *c.entity, c.postgres);
    ASSERT_THAT(all, testing::IsOk());
    ASSERT_THAT(from_sqlite, testing::IsOk()) << c.where;
    ASSERT_THAT(from_postgres, testing::IsOk()) << c.where << "\n  SQL: " << c.postgres.sql;
    EXPECT_EQ(*from_postgres, *from_sqlite)
        << c.where << "\n  SQLite: " << c.sqlite.sql << "\n  PostgreSQL: " << c.postgres.sql;
    if (!from_sqlite->empty() && from_sqlite->size() < all->size()) ++selecting;
  }
  // The data must make most cases tell rows apart, or equal results would prove little.
  EXPECT_GE(selecting * 2, cases.size());
  std::printf("%zu golden cases ran on PostgreSQL and SQLite; %zu selected some rows but not all\n",
              cases.size(), selecting);
}

}  // namespace
}  // namespace crm::query
