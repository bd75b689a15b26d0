// PostgreSQL for tests. `make test` runs the suite inside scripts/pg-test-cluster.sh, which starts
// a throw-away cluster and names it in CRMD_TEST_POSTGRES_URL; a test given no URL skips its
// PostgreSQL cases. PostgresSchema gives each test a schema of its own in that cluster, so tests
// running at once never see each other's tables.
//
// Thread-safety: one owner.
#ifndef CRM_TESTING_POSTGRES_SCHEMA_HPP_
#define CRM_TESTING_POSTGRES_SCHEMA_HPP_

#include <string>

namespace crm::testing {

// CRMD_TEST_POSTGRES_URL, or empty.
std::string PostgresTestUrl();

class PostgresSchema {
 public:
  // Creates a schema with a new name in the cluster at `base_url` (a test failure if it cannot).
  explicit PostgresSchema(std::string base_url);
  // Drops the schema with everything in it.
  ~PostgresSchema();
  PostgresSchema(const PostgresSchema&) = delete;
  PostgresSchema& operator=(const PostgresSchema&) = delete;

  const std::string& name() const { return name_; }
  // `base_url` with the schema as the connection's search path: tables are created and found in it.
  const std::string& url() const { return url_; }

 private:
  std::string base_url_;
  std::string name_;
  std::string url_;
};

}  // namespace crm::testing

#endif  // CRM_TESTING_POSTGRES_SCHEMA_HPP_
