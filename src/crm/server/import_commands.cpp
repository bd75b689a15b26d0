#include "crm/server/import_commands.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <vector>

#include <boost/json/parse.hpp>

#include "crm/acl/access_loader.hpp"
#include "crm/auth/principal.hpp"
#include "crm/common/csv.hpp"
#include "crm/common/strings.hpp"
#include "crm/common/time.hpp"
#include "crm/query/search_params.hpp"
#include "crm/service/record_export.hpp"
#include "crm/service/record_import.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

namespace crm::server {
namespace {

namespace json = boost::json;
using service::ImportOutcome;
using service::ImportRow;
using Clock = std::chrono::steady_clock;

// Batches handed to the writer ahead of the one being read, so reading and writing overlap.
constexpr int kBatchesInFlight = 2;
// Duplicates are listed line by line up to this many; a re-run after an interruption skips every
// row already imported, and a million lines of "duplicate" would hide the failures.
constexpr std::size_t kDuplicatesListed = 20;

int Fail(const Status& status) {
  std::cerr << "crmd: " << status.message() << "\n";
  return 1;
}

// The user an import or export acts as: its type and roles, as a request of that user would have.
Result<auth::Principal> PrincipalOf(store::Database& db, const metadata::Metadata& metadata,
                                    const std::string& user_name) {
  if (user_name.empty()) return auth::Principal::System();
  CRM_ASSIGN_OR_RETURN(store::Connection * conn, db.ReadConnection());
  const std::array<query::SqlValue, 1> params = {user_name};
  auth::Principal principal;
  bool found = false;
  bool active = false;
  CRM_RETURN_IF_ERROR(conn->Query(
      "SELECT \"id\", \"user_name\", \"type\", \"is_active\", "
      "NULLIF(TRIM(COALESCE(\"first_name\", '') || ' ' || COALESCE(\"last_name\", '')), '') "
      "FROM \"user\" WHERE \"user_name\" = ? AND \"deleted\" = 0 LIMIT 1",
      params, [&](const store::Row& row) {
        found = true;
        principal.id = row.Text(0);
        principal.user_name = row.Text(1);
        principal.type = auth::ParseUserType(row.Text(2));
        active = row.Int(3) != 0;
        principal.name = row.IsNull(4) ? principal.user_name : std::string(row.Text(4));
        return false;
      }));
  if (!found) return Status::NotFound("No user '" + user_name + "'.");
  if (!active) return Status::PermissionDenied("User '" + user_name + "' is not active.");
  if (!principal.is_admin()) {
    CRM_ASSIGN_OR_RETURN(principal.access, acl::LoadAccess(*conn, metadata, principal.id));
  }
  return principal;
}

// Rows of the file, a batch at a time; rows that do not even parse are failures of their own.
class RowSource {
 public:
  virtual ~RowSource() = default;
  // Appends up to `count` rows to `rows` and unparsable ones to `failures`; false at the end.
  virtual Result<bool> Read(std::size_t count, std::vector<ImportRow>& rows,
                            std::vector<ImportOutcome>& failures) = 0;
};

class CsvSource final : public RowSource {
 public:
  CsvSource(std::istream& in, const metadata::EntityDef& entity, std::int64_t skip_lines)
      : reader_(in), entity_(entity), skip_lines_(skip_lines) {}

  Status ReadHeader() {
    auto more = reader_.Next(header_);
    if (!more.ok()) return Status::InvalidArgument("line 1: " + more.status().message());
    if (!*more) return Status::InvalidArgument("The file is empty.");
    return service::RecordImporter::CheckCsvHeader(entity_, header_);
  }

  Result<bool> Read(std::size_t count, std::vector<ImportRow>& rows,
                    std::vector<ImportOutcome>& failures) override {
    while (rows.size() < count) {
      auto more = reader_.Next(cells_);
      const std::int64_t line = reader_.record_line();
      if (!more.ok()) {
        if (line > skip_lines_) failures.push_back(Failed(line, more.status().message()));
        continue;
      }
      if (!*more) return false;
      if (line <= skip_lines_) continue;
      if (cells_.size() == 1 && cells_[0].empty()) continue;  // a blank line
      auto record = service::RecordImporter::RecordFromCsv(entity_, header_, cells_);
      if (!record.ok()) {
        failures.push_back(Failed(line, record.status().message()));
        continue;
      }
      rows.push_back({line, std::move(record).value()});
    }
    return true;
  }

  static ImportOutcome Failed(std::int64_t line, std::string reason) {
    return {line, ImportOutcome::Kind::kFailed, std::move(reason)};
  }

 private:
  CsvReader reader_;
  const metadata::EntityDef& entity_;
  const std::int64_t skip_lines_;
  std::vector<std::string> header_;
  std::vector<std::string> cells_;
};

class JsonLinesSource final : public RowSource {
 public:
  JsonLinesSource(std::istream& in, std::int64_t skip_lines) : in_(in), skip_lines_(skip_lines) {}

  Result<bool> Read(std::size_t count, std::vector<ImportRow>& rows,
                    std::vector<ImportOutcome>& failures) override {
    while (rows.size() < count) {
      if (!std::getline(in_, text_)) return false;
      ++line_;
      if (line_ <= skip_lines_) continue;
      if (!text_.empty() && text_.back() == '\r') text_.pop_back();
      if (TrimAscii(text_).empty()) continue;
      boost::system::error_code ec;
      json::value value = json::parse(text_, ec);
      if (ec || !value.is_object()) {
        failures.push_back(
            CsvSource::Failed(line_, ec ? "not JSON: " + ec.message() : "not a JSON object"));
        continue;
      }
      rows.push_back({line_, std::move(value.get_object())});
    }
    return true;
  }

 private:
  std::istream& in_;
  const std::int64_t skip_lines_;
  std::int64_t line_ = 0;
  std::string text_;
};

// What the batches came to, filled on the writer thread as each batch commits.
struct Tally {
  std::mutex mu;
  std::condition_variable changed;
  int in_flight = 0;
  std::int64_t created = 0;
  std::int64_t duplicates = 0;
  std::int64_t rows_done = 0;
  std::int64_t committed_line = 0;  // every row up to here is committed or reported
  std::vector<ImportOutcome> failures;
  std::vector<ImportOutcome> duplicate_rows;
  std::optional<Status> error;  // a batch that failed whole stops the import
};

std::string Duration(double seconds) {
  const auto total = static_cast<std::int64_t>(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof text, "%lld:%02lld", static_cast<long long>(total / 60),
                static_cast<long long>(total % 60));
  return text;
}

// The terminal's progress line: share of the file read, rows done, rate and time left.
void DrawBar(double fraction, std::int64_t rows, double seconds) {
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth);
  const double rate = seconds > 0 ? static_cast<double>(rows) / seconds : 0;
  const double left = fraction > 0 ? seconds * (1 - fraction) / fraction : 0;
  std::fprintf(stderr, "\r[%s%s] %3d%% %lld rows %.0f/s ETA %s ",
               std::string(static_cast<std::size_t>(filled), '#').c_str(),
               std::string(static_cast<std::size_t>(kWidth - filled), ' ').c_str(),
               static_cast<int>(fraction * 100), static_cast<long long>(rows), rate,
               Duration(left).c_str());
  std::fflush(stderr);
}

std::string FormatOf(const ImportCommand& command) {
  if (!command.format.empty()) return command.format;
  const std::string ext = std::filesystem::path(command.file).extension().string();
  return ext == ".jsonl" || ext == ".ndjson" ? "jsonl" : "csv";
}

int RunImport(const ImportCommand& command, service::RecordService& records,
              const metadata::EntityDef& entity, const auth::Principal& principal) {
  std::ifstream in(command.file, std::ios::binary);
  if (!in) return Fail(Status::NotFound("Cannot open " + command.file + "."));
  std::error_code size_error;
  const auto file_size = std::filesystem::file_size(command.file, size_error);

  std::unique_ptr<RowSource> source;
  const std::string format = FormatOf(command);
  if (format == "csv") {
    auto csv = std::make_unique<CsvSource>(in, entity, command.skip_lines);
    if (Status s = csv->ReadHeader(); !s.ok()) return Fail(s);
    source = std::move(csv);
  } else if (format == "jsonl") {
    source = std::make_unique<JsonLinesSource>(in, command.skip_lines);
  } else {
    return Fail(Status::InvalidArgument("--format must be csv or jsonl."));
  }
  const bool bar = command.progress == "bar" || (command.progress == "auto" && isatty(2) != 0);
  const bool lines = command.progress == "lines";

  service::RecordImporter importer(records);
  service::ImportOptions options;
  options.dry_run = command.dry_run;
  options.allow_duplicates = command.allow_duplicates;
  Tally tally;
  const auto start = Clock::now();
  auto last_draw = start;
  for (bool more = true; more;) {
    std::vector<ImportRow> rows;
    std::vector<ImportOutcome> failures;
    auto read = source->Read(static_cast<std::size_t>(command.batch), rows, failures);
    if (!read.ok()) return Fail(read.status());
    more = *read;
    const std::int64_t last_line =
        std::max(rows.empty() ? 0 : rows.back().line, failures.empty() ? 0 : failures.back().line);
    std::unique_lock lock(tally.mu);
    tally.changed.wait(lock, [&] { return tally.in_flight < kBatchesInFlight || tally.error; });
    if (tally.error) break;
    tally.failures.insert(tally.failures.end(), failures.begin(), failures.end());
    tally.rows_done += static_cast<std::int64_t>(failures.size());
    if (rows.empty()) {
      tally.committed_line = std::max(tally.committed_line, last_line);
      continue;
    }
    ++tally.in_flight;
    lock.unlock();
    importer.ImportBatch(principal, entity, std::move(rows), options,
                         [&tally, last_line, lines](Result<std::vector<ImportOutcome>> outcomes) {
                           std::lock_guard guard(tally.mu);
                           --tally.in_flight;
                           tally.changed.notify_all();
                           if (!outcomes.ok()) {
                             if (!tally.error) tally.error = outcomes.status();
                             return;
                           }
                           for (auto& outcome : *outcomes) {
                             ++tally.rows_done;
                             if (outcome.kind == ImportOutcome::Kind::kCreated) {
                               ++tally.created;
                             } else if (outcome.kind == ImportOutcome::Kind::kDuplicate) {
                               ++tally.duplicates;
                               if (tally.duplicate_rows.size() < kDuplicatesListed)
                                 tally.duplicate_rows.push_back(std::move(outcome));
                             } else {
                               tally.failures.push_back(std::move(outcome));
                             }
                           }
                           tally.committed_line = std::max(tally.committed_line, last_line);
                           if (lines) {
                             std::fprintf(stderr, "committed through line %lld: %lld created\n",
                                          static_cast<long long>(tally.committed_line),
                                          static_cast<long long>(tally.created));
                           }
                         });
    if (bar && Clock::now() - last_draw > std::chrono::milliseconds(200)) {
      last_draw = Clock::now();
      const auto position = in.tellg();
      const double fraction = size_error || file_size == 0 || position < 0
                                  ? 0
                                  : static_cast<double>(static_cast<std::streamoff>(position)) /
                                        static_cast<double>(file_size);
      std::lock_guard guard(tally.mu);
      DrawBar(fraction, tally.rows_done,
              std::chrono::duration<double>(Clock::now() - start).count());
    }
  }
  std::unique_lock lock(tally.mu);
  tally.changed.wait(lock, [&] { return tally.in_flight == 0; });
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (bar) {
    DrawBar(1, tally.rows_done, seconds);
    std::fputc('\n', stderr);
  }
  std::sort(tally.failures.begin(), tally.failures.end(),
            [](const auto& a, const auto& b) { return a.line < b.line; });
  for (const auto& failure : tally.failures) {
    std::cout << "line " << failure.line << ": failed: " << failure.reason << "\n";
  }
  for (const auto& duplicate : tally.duplicate_rows) {
    std::cout << "line " << duplicate.line << ": skipped: " << duplicate.reason << "\n";
  }
  if (tally.duplicates > static_cast<std::int64_t>(tally.duplicate_rows.size())) {
    std::cout << "(" << tally.duplicates - static_cast<std::int64_t>(tally.duplicate_rows.size())
              << " more duplicates not listed)\n";
  }
  std::cout << (command.dry_run ? "dry run, nothing written: " : "") << tally.created
            << (command.dry_run ? " would be created, " : " created, ") << tally.duplicates
            << " skipped as duplicates, " << tally.failures.size() << " failed, in "
            << static_cast<std::int64_t>(seconds * 1000) << " ms\n";
  std::cout.flush();
  if (tally.error) {
    std::cerr << "crmd: import stopped: " << tally.error->message() << "\n"
              << "crmd: rows through line " << tally.committed_line
              << " are committed; resume with --skip-lines " << tally.committed_line << "\n";
    return 1;
  }
  return tally.failures.empty() ? 0 : 3;
}

int RunExport(const ImportCommand& command, service::RecordService& records,
              const metadata::EntityDef& entity, const auth::Principal& principal) {
  auto format = service::ParseExportFormat(command.format.empty() ? "csv" : command.format);
  if (!format.ok()) return Fail(format.status());
  boost::system::error_code ec;
  const json::value where = json::parse(command.where, ec);
  if (ec || !where.is_array())
    return Fail(Status::InvalidArgument("--where must be a JSON array."));
  json::object search{{"where", where}};
  if (!command.select.empty()) search["select"] = command.select;
  if (!command.order_by.empty()) {
    search["orderBy"] = command.order_by;
    search["order"] = command.desc ? "desc" : "asc";
  }
  auto params = query::DecodeSearchParamsJson(search);
  if (!params.ok()) return Fail(params.status());
  service::ExportCursor cursor(records, principal, entity, std::move(params).value(), *format);
  std::ofstream file;
  if (!command.file.empty() && command.file != "-") {
    file.open(command.file, std::ios::binary);
    if (!file) return Fail(Status::Unavailable("Cannot write " + command.file + "."));
  }
  std::ostream& out = file.is_open() ? static_cast<std::ostream&>(file) : std::cout;
  std::string piece;
  for (;;) {
    auto more = cursor.Next(piece);
    if (!more.ok()) return Fail(more.status());
    if (!*more) break;
    out.write(piece.data(), static_cast<std::streamsize>(piece.size()));
  }
  out.flush();
  return out ? 0 : Fail(Status::Unavailable("Writing the export failed."));
}

}  // namespace

bool ImportCommand::chosen() const {
  return (import != nullptr && import->parsed()) ||
         (export_records != nullptr && export_records->parsed());
}

void AddImportCommands(CLI::App& app, ImportCommand& command,
                       const std::function<void(CLI::App&)>& add_store_options) {
  auto* import = app.add_subcommand(
      "import", "Create records from a CSV (header row = attribute names) or JSON-lines file");
  import->add_option("entity", command.entity, "Entity type, e.g. Contact")->required();
  import->add_option("file", command.file, "FILE.csv or FILE.jsonl")->required();
  import->add_option("--format", command.format, "csv or jsonl (default: by the file's extension)")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  import->add_option("--as", command.as_user, "Act as this user (default: the system user)");
  import->add_option("--batch", command.batch, "Rows per write transaction")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  import->add_option("--skip-lines", command.skip_lines,
                     "Skip the rows that start on the file's first N lines (resume)");
  import->add_flag("--dry-run", command.dry_run, "Check every row, write nothing");
  import->add_flag("--allow-duplicates", command.allow_duplicates,
                   "Create rows the duplicate rule matches instead of skipping them");
  import
      ->add_option("--progress", command.progress,
                   "auto (a bar when stderr is a terminal), bar, lines (one per committed batch) "
                   "or none")
      ->check(CLI::IsMember({"auto", "bar", "lines", "none"}))
      ->capture_default_str();
  import->add_option("--cache-mib", command.cache_mib, "SQLite page cache per connection, MiB")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  import
      ->add_option("--mmap-mib", command.mmap_mib,
                   "Read up to this many MiB of the database through a memory map (0: off)")
      ->check(CLI::Range(0, 1 << 20))
      ->capture_default_str();
  add_store_options(*import);
  command.import = import;

  auto* exporter = app.add_subcommand(
      "export", "Print the records of an entity as CSV or JSON lines (as GET .../action/export)");
  exporter->add_option("entity", command.entity, "Entity type, e.g. Contact")->required();
  exporter->add_option("--output,-o", command.file, "File to write (default: stdout)");
  exporter->add_option("--format", command.format, "csv (default) or jsonl")
      ->check(CLI::IsMember({"csv", "jsonl"}));
  exporter->add_option("--where", command.where, "A where filter as a JSON array");
  exporter->add_option("--select", command.select, "Comma-separated attributes");
  exporter->add_option("--order-by", command.order_by, "Attribute to order by (default: id)");
  exporter->add_flag("--desc", command.desc, "Descending order");
  exporter->add_option("--as", command.as_user, "Act as this user (default: the system user)");
  add_store_options(*exporter);
  command.export_records = exporter;
}

int RunImportCommand(const ImportCommand& command,
                     std::shared_ptr<const metadata::Metadata> metadata, store::Database& db,
                     const auth::SecretBox* secrets) {
  const metadata::EntityDef* entity = metadata->FindEntity(command.entity);
  if (entity == nullptr) {
    return Fail(Status::NotFound("Entity type '" + command.entity + "' does not exist."));
  }
  auto principal = PrincipalOf(db, *metadata, command.as_user);
  if (!principal.ok()) return Fail(principal.status());
  service::RecordService records(metadata, db, SystemClock::Instance(), secrets);
  if (command.import->parsed()) return RunImport(command, records, *entity, *principal);
  return RunExport(command, records, *entity, *principal);
}

}  // namespace crm::server
