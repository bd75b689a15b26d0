#include "testing/postgres_schema.hpp"

#include <atomic>
#include <cstdlib>
#include <random>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <unistd.h>

namespace crm::testing {
namespace {

void IgnoreNotice(void*, const char*) {}  // "drop cascades to table ..."

void Run(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  PQsetNoticeProcessor(conn, &IgnoreNotice, nullptr);
  if (PQstatus(conn) != CONNECTION_OK) {
    ADD_FAILURE() << "cannot connect to the test cluster: " << PQerrorMessage(conn);
  } else {
    PGresult* result = PQexec(conn, sql.c_str());
    if (PQresultStatus(result) != PGRES_COMMAND_OK) {
      ADD_FAILURE() << sql << ": " << PQresultErrorMessage(result);
    }
    PQclear(result);
  }
  PQfinish(conn);
}

}  // namespace

std::string PostgresTestUrl() {
  const char* url = std::getenv("CRMD_TEST_POSTGRES_URL");
  return url != nullptr ? url : "";
}

PostgresSchema::PostgresSchema(std::string base_url) : base_url_(std::move(base_url)) {
  static std::atomic<int> counter{0};
  std::random_device random;
  name_ = "t" + std::to_string(getpid()) + "_" + std::to_string(++counter) + "_" +
          std::to_string(random() % 100000);
  Run(base_url_, "CREATE SCHEMA " + name_);
  // libpq's `options` parameter: -c search_path=NAME, URL-encoded.
  url_ = base_url_ + (base_url_.find('?') == std::string::npos ? "?" : "&") +
         "options=-csearch_path%3D" + name_;
}

PostgresSchema::~PostgresSchema() { Run(base_url_, "DROP SCHEMA " + name_ + " CASCADE"); }

}  // namespace crm::testing
