// `crmd import ENTITY FILE` and `crmd export ENTITY`: a CSV or JSON-lines file into records through
// the service layer's importer (service/record_import.hpp: the API's validation, duplicate rule and
// change events, one write job per batch), and records out through the export cursor
// (service/record_export.hpp), as GET /api/v1/{E}/action/export answers.
//
// Thread-safety: called once from RunCli on the main thread; import results arrive on the
// database writer thread and are handed over under a mutex.
#ifndef CRM_SERVER_IMPORT_COMMANDS_HPP_
#define CRM_SERVER_IMPORT_COMMANDS_HPP_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "crm/auth/secret_box.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/store/database.hpp"

namespace CLI {
class App;
}

namespace crm::server {

struct ImportCommand {
  CLI::App* import = nullptr;
  CLI::App* export_records = nullptr;
  std::string entity;
  std::string file;
  std::string format;   // csv | jsonl; empty: from the file's extension (import), csv (export)
  std::string as_user;  // user name; empty: the system user
  // import
  std::int64_t batch = 1000;
  std::int64_t skip_lines = 0;
  bool dry_run = false;
  bool allow_duplicates = false;
  std::string progress = "auto";  // auto (a bar on a terminal), bar, lines, none
  int cache_mib = 16;             // SQLite page cache of each connection
  int mmap_mib = 0;               // database read through a memory map, up to this much
  // export
  std::string where = "[]";
  std::string select;  // comma-separated
  std::string order_by;
  bool desc = false;

  bool chosen() const;
};

void AddImportCommands(CLI::App& app, ImportCommand& command,
                       const std::function<void(CLI::App&)>& add_store_options);
// 0 when every row was created or skipped as a duplicate, 3 when rows failed, 1 when the import
// could not run (or stopped: the rows committed until then stay).
int RunImportCommand(const ImportCommand& command,
                     std::shared_ptr<const metadata::Metadata> metadata, store::Database& db,
                     const auth::SecretBox* secrets);

}  // namespace crm::server

#endif  // CRM_SERVER_IMPORT_COMMANDS_HPP_
