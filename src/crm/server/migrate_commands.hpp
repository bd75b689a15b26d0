// `crmd migrate-data --from URL|DIR --to URL|DIR`: copies a whole database from one backend to
// another (a SQLite data directory or a PostgreSQL URL on either side). The target's schema is made
// from metadata first; the tables copied are the schema's own (store::SchemaStatements), so a table
// that metadata gains is copied without a change here. Rows go over in batches, each batch in one
// transaction of the target. While the copy runs the target carries a mark (a crmd_meta row) that
// makes `crmd serve` and every other command refuse it: an interrupted copy is never served as if
// it were whole, and is redone with --replace.
//
// Thread-safety: called once from RunCli on the main thread.
#ifndef CRM_SERVER_MIGRATE_COMMANDS_HPP_
#define CRM_SERVER_MIGRATE_COMMANDS_HPP_

#include <cstdint>
#include <string>

#include "crm/common/status.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/store/database.hpp"

namespace CLI {
class App;
}

namespace crm::server {

struct MigrateDataCommand {
  CLI::App* command = nullptr;
  std::string from;  // a postgres:// URL or a data directory (its crmd.db)
  std::string to;
  std::string metadata_dir;
  // The key that sealed the source's secrets; default FROM/secret.key when FROM is a directory.
  std::string secret_key_file;
  // Empty a target that holds rows (or an interrupted copy) instead of refusing it.
  bool replace = false;
  std::int64_t batch_rows = 1000;

  bool chosen() const;
};

void AddMigrateDataCommand(CLI::App& app, MigrateDataCommand& command);
// Prints one line per table with its row count; 0 on success, 1 on failure, 2 on bad usage.
int RunMigrateDataCommand(const MigrateDataCommand& command);

// kFailedPrecondition when the database is the target of a migrate-data that has not finished.
// Every command that opens a database calls it after the schema migration.
Status RefuseUnfinishedMigration(store::Database& db);

}  // namespace crm::server

#endif  // CRM_SERVER_MIGRATE_COMMANDS_HPP_
