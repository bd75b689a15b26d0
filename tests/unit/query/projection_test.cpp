#include "crm/query/projection.hpp"

#include <array>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/store/schema.hpp"
#include "crm/store/sqlite/sqlite_database.hpp"

#include "testing/status_matchers.hpp"
#include "testing/temp_dir.hpp"

namespace crm::query {
namespace {

using ::crm::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::Not;

class ProjectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto metadata = metadata::Metadata::Load(metadata::ShippedEntityDefs());
    ASSERT_THAT(metadata, IsOk());
    metadata_ = std::move(metadata).value();
  }

  // The projection of Contact's teamsIds alone: one link-set column.
  Projection TeamsOfContact(Dialect dialect) const {
    const metadata::EntityDef& contact = metadata_->Entity("Contact");
    const std::array<int, 1> attributes = {contact.AttributeIndex("teamsIds")};
    return BuildProjection(*metadata_, contact, dialect, attributes);
  }

  std::shared_ptr<const metadata::Metadata> metadata_;
};

TEST_F(ProjectionTest, LinkSetsAggregateToJsonInEachDialect) {
  const Projection sqlite = TeamsOfContact(Dialect::kSqlite);
  ASSERT_EQ(sqlite.link_sets.size(), 1U);
  EXPECT_THAT(sqlite.select_from, HasSubstr("json_group_array(json_array(x.id, x.name))"));
  const Projection postgres = TeamsOfContact(Dialect::kPostgres);
  ASSERT_EQ(postgres.link_sets.size(), 1U);
  // json_agg gives NULL over no rows, where SQLite's aggregate gives [].
  EXPECT_THAT(postgres.select_from,
              HasSubstr("COALESCE(json_agg(json_build_array(x.id, x.name)), '[]'::json)"));
  EXPECT_THAT(postgres.select_from, Not(HasSubstr("json_group_array")));
}

TEST_F(ProjectionTest, SqliteLinkSetOfARecordWithoutLinksIsAnEmptyArray) {
  crm::testing::TempDir dir;
  auto db = store::SqliteDatabase::Open({dir.File("p.db")});
  ASSERT_THAT(db, IsOk());
  const metadata::Metadata& m = *metadata_;
  ASSERT_THAT((*db)->WriteAndWait([&](store::Connection& conn) -> Status {
    CRM_RETURN_IF_ERROR(store::MigrateSchema(conn, m));
    return conn.Execute("INSERT INTO \"contact\" (\"id\") VALUES ('c1')").TakeStatus();
  }),
              IsOk());
  auto conn = (*db)->ReadConnection();
  ASSERT_THAT(conn, IsOk());
  std::string teams = "not read";
  ASSERT_THAT((*conn)->Query(TeamsOfContact(Dialect::kSqlite).select_from + " WHERE t.\"id\" = ?",
                             std::array<SqlValue, 1>{std::string("c1")},
                             [&](const store::Row& row) {
                               teams = row.Text(0);
                               return false;
                             }),
              IsOk());
  EXPECT_EQ(teams, "[]");
}

}  // namespace
}  // namespace crm::query
