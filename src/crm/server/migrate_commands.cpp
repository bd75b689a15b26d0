#include "crm/server/migrate_commands.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <vector>

#include "crm/query/sql.hpp"
#include "crm/store/open_database.hpp"
#include "crm/store/postgres/postgres_database.hpp"
#include "crm/store/schema.hpp"

#include <CLI/CLI.hpp>

namespace crm::server {
namespace {

using query::Dialect;
using query::QuoteIdentifier;
using query::SqlValue;

// The crmd_meta row that marks an unfinished copy; its value names the source.
constexpr char kUnfinishedKey[] = "migrate_data_unfinished";
constexpr char kDatabaseFile[] = "crmd.db";
constexpr char kSecretKeyFile[] = "secret.key";

// One side of the copy: a PostgreSQL URL, or a data directory whose crmd.db is the SQLite file.
struct Location {
  std::string url;
  std::filesystem::path dir;

  bool postgres() const { return !url.empty(); }
  std::string Describe() const {
    return postgres() ? store::DescribeLocation(url, {}) : (dir / kDatabaseFile).string();
  }
};

Location ParseLocation(const std::string& text) {
  Location location;
  if (store::IsPostgresUrl(text)) {
    location.url = text;
  } else {
    location.dir = text;
  }
  return location;
}

Result<std::unique_ptr<store::Database>> Open(const Location& location) {
  store::SqliteOptions sqlite;
  if (!location.postgres()) sqlite.path = (location.dir / kDatabaseFile).string();
  return store::OpenDatabase(location.url, sqlite);
}

// How a column's values are read from the source and bound on the target.
enum class Kind { kInt, kDouble, kText };

struct ColumnInfo {
  std::string name;
  Kind kind = Kind::kText;
  bool serial = false;  // PostgreSQL: its default draws from a sequence (BIGSERIAL)
};

Kind KindOf(std::string type) {
  for (char& c : type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (type.find("INT") != std::string::npos) return Kind::kInt;
  if (type.find("REAL") != std::string::npos || type.find("DOUBLE") != std::string::npos) {
    return Kind::kDouble;
  }
  return Kind::kText;
}

// The table's columns as the database's catalog has them (none when the table does not exist).
Result<std::vector<ColumnInfo>> ColumnsOf(store::Connection& conn, const std::string& table) {
  std::vector<ColumnInfo> columns;
  const SqlValue name = table;
  const bool postgres = conn.dialect() == Dialect::kPostgres;
  const std::string sql =
      postgres ? "SELECT column_name, data_type, COALESCE(column_default, '') FROM "
                 "information_schema.columns WHERE table_schema = current_schema() AND "
                 "table_name = ? ORDER BY ordinal_position"
               : "SELECT name, type, '' FROM pragma_table_info(?) ORDER BY cid";
  CRM_RETURN_IF_ERROR(conn.Query(sql, std::span(&name, 1), [&](const store::Row& row) {
    columns.push_back(ColumnInfo{std::string(row.Text(0)), KindOf(std::string(row.Text(1))),
                                 row.Text(2).starts_with("nextval(")});
    return true;
  }));
  return columns;
}

// The tables of the schema metadata describes, in creation order, read from the CREATE TABLE
// statements themselves: the schema has no other list, and this one cannot fall behind it.
std::vector<std::string> SchemaTables(const metadata::Metadata& metadata, Dialect dialect) {
  constexpr std::string_view kCreate = "CREATE TABLE IF NOT EXISTS ";
  std::vector<std::string> tables;
  for (const std::string& statement : store::SchemaStatements(metadata, dialect)) {
    if (!statement.starts_with(kCreate)) continue;
    std::string_view rest = std::string_view(statement).substr(kCreate.size());
    std::string name;
    if (rest.starts_with('"')) {
      for (std::size_t i = 1; i < rest.size(); ++i) {
        if (rest[i] != '"') {
          name += rest[i];
        } else if (i + 1 < rest.size() && rest[i + 1] == '"') {
          name += '"';
          ++i;
        } else {
          break;
        }
      }
    } else {
      name = std::string(rest.substr(0, rest.find(' ')));
    }
    tables.push_back(std::move(name));
  }
  return tables;
}

Result<bool> HasRows(store::Connection& conn, const std::string& table) {
  bool any = false;
  CRM_RETURN_IF_ERROR(conn.Query("SELECT 1 FROM " + QuoteIdentifier(table) + " LIMIT 1", {},
                                 [&](const store::Row&) {
                                   any = true;
                                   return false;
                                 }));
  return any;
}

// The source named in the database's unfinished-copy mark, or "" without one.
Result<std::string> UnfinishedMark(store::Connection& conn) {
  std::string source;
  const SqlValue key = std::string(kUnfinishedKey);
  CRM_RETURN_IF_ERROR(
      conn.Query(std::string("SELECT \"value\" FROM ") + store::kMetaTable + " WHERE \"key\" = ?",
                 std::span(&key, 1), [&](const store::Row& row) {
                   source = row.IsNull(0) ? "?" : std::string(row.Text(0));
                   return false;
                 }));
  return source;
}

Result<std::string> ReadFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::Unavailable("cannot read " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Copies the key that sealed the source's secrets into a directory target, so that the target's
// `crmd serve --data DIR` opens them. A different key already there is only replaced with
// --replace: the secrets it sealed would be lost. `check_only`: only says whether it would refuse.
Status CopySecretKey(const std::filesystem::path& key, const Location& to, bool replace,
                     bool check_only) {
  if (key.empty() || to.postgres()) return {};
  std::error_code ec;
  if (!std::filesystem::exists(key, ec)) return {};
  const std::filesystem::path target = to.dir / kSecretKeyFile;
  if (std::filesystem::exists(target, ec)) {
    CRM_ASSIGN_OR_RETURN(const std::string mine, ReadFile(key));
    CRM_ASSIGN_OR_RETURN(const std::string theirs, ReadFile(target));
    if (mine == theirs) return {};
    if (!replace) {
      return Status::FailedPrecondition(target.string() +
                                        " holds another key; --replace overwrites it");
    }
  }
  if (check_only) return {};
  std::filesystem::create_directories(to.dir, ec);
  std::filesystem::copy_file(key, target, std::filesystem::copy_options::overwrite_existing, ec);
  if (!ec) {
    std::filesystem::permissions(
        target, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  }
  if (ec) return Status::Unavailable("cannot copy " + key.string() + ": " + ec.message());
  return {};
}

class Migration {
 public:
  Migration(const MigrateDataCommand& command, const metadata::Metadata& metadata,
            store::Database& source, store::Database& target)
      : command_(command), metadata_(metadata), source_(source), target_(target) {}

  // Creates the schema on the target, refuses a target with rows (unless --replace: then empties
  // it), runs `before_marking` (checks that may refuse the copy), and marks it unfinished, all in
  // one transaction.
  Status Prepare(const std::string& source_name, const std::function<Status()>& before_marking) {
    return target_.WriteAndWait([&](store::Connection& conn) -> Status {
      CRM_RETURN_IF_ERROR(store::MigrateSchema(conn, metadata_));
      tables_ = SchemaTables(metadata_, conn.dialect());
      CRM_ASSIGN_OR_RETURN(const std::string unfinished, UnfinishedMark(conn));
      for (const std::string& table : tables_) {
        CRM_ASSIGN_OR_RETURN(const bool has_rows, HasRows(conn, table));
        if (!has_rows) continue;
        if (!command_.replace) {
          return Status::FailedPrecondition(unfinished.empty()
                                                ? "the target is not empty (table " + table +
                                                      " has rows); --replace empties it"
                                                : "the target holds an unfinished copy from " +
                                                      unfinished + "; --replace starts it again");
        }
        CRM_RETURN_IF_ERROR(conn.Execute("DELETE FROM " + QuoteIdentifier(table)));
      }
      CRM_RETURN_IF_ERROR(before_marking());
      const std::vector<SqlValue> mark = {std::string(kUnfinishedKey), source_name};
      CRM_RETURN_IF_ERROR(conn.Execute(
          std::string("INSERT INTO ") + store::kMetaTable + " (\"key\", \"value\") VALUES (?, ?)",
          mark));
      return {};
    });
  }

  // Copies every table; prints "TABLE ROWS" per table.
  Status CopyTables() {
    CRM_ASSIGN_OR_RETURN(store::Connection * source, source_.ReadConnection());
    CRM_ASSIGN_OR_RETURN(const std::string source_mark, UnfinishedMark(*source));
    if (!source_mark.empty()) {
      return Status::FailedPrecondition("the source is itself an unfinished copy from " +
                                        source_mark);
    }
    for (const std::string& table : tables_) {
      CRM_RETURN_IF_ERROR(CopyTable(*source, table));
    }
    return {};
  }

  // Moves the target's sequences past the copied keys and removes the mark, in one transaction:
  // from its commit on the target is whole.
  Status Finish() {
    return target_.WriteAndWait([&](store::Connection& conn) -> Status {
      for (const auto& [table, column] : serial_columns_) {
        const std::vector<SqlValue> params = {QuoteIdentifier(table), column};
        CRM_RETURN_IF_ERROR(conn.Query("SELECT setval(pg_get_serial_sequence(?, ?), COALESCE(MAX(" +
                                           QuoteIdentifier(column) + "), 0) + 1, false) FROM " +
                                           QuoteIdentifier(table),
                                       params, [](const store::Row&) { return false; }));
      }
      const SqlValue key = std::string(kUnfinishedKey);
      CRM_RETURN_IF_ERROR(conn.Execute(
          std::string("DELETE FROM ") + store::kMetaTable + " WHERE \"key\" = ?", {&key, 1}));
      return {};
    });
  }

  std::int64_t total() const { return total_; }

 private:
  Status CopyTable(store::Connection& source, const std::string& table) {
    std::vector<ColumnInfo> target_columns;
    CRM_RETURN_IF_ERROR(target_.WriteAndWait([&](store::Connection& conn) -> Status {
      CRM_ASSIGN_OR_RETURN(target_columns, ColumnsOf(conn, table));
      return {};
    }));
    CRM_ASSIGN_OR_RETURN(const std::vector<ColumnInfo> source_columns, ColumnsOf(source, table));
    if (source_columns.empty()) {
      std::cout << table << " 0 (not in the source)\n";
      return {};
    }
    // Columns the source has and the target lacks are metadata's past (the schema never drops
    // one): they are left behind, and said so.
    std::vector<ColumnInfo> columns;
    for (const ColumnInfo& column : target_columns) {
      for (const ColumnInfo& theirs : source_columns) {
        if (theirs.name == column.name) columns.push_back(column);
      }
      if (column.serial) serial_columns_.emplace_back(table, column.name);
    }
    for (const ColumnInfo& theirs : source_columns) {
      bool kept = false;
      for (const ColumnInfo& column : columns) kept = kept || column.name == theirs.name;
      if (!kept) std::cerr << "crmd: " << table << "." << theirs.name << " is not copied\n";
    }
    std::string names;
    std::string marks = "(";
    for (const ColumnInfo& column : columns) {
      if (!names.empty()) {
        names += ", ";
        marks += ", ";
      }
      names += QuoteIdentifier(column.name);
      marks += "?";
    }
    marks += ")";
    const std::string select = "SELECT " + names + " FROM " + QuoteIdentifier(table);
    // Several rows per INSERT: one statement per row cost a round trip per row on PostgreSQL
    // (about 3,000 rows/s). The bound stays under both backends' parameter limits (SQLite 32766,
    // PostgreSQL 65535).
    constexpr std::size_t kMaxParameters = 30000;
    const std::size_t rows_per_insert =
        std::clamp<std::size_t>(kMaxParameters / columns.size(), 1, 500);
    const auto insert_of = [&](std::size_t count) {
      std::string sql = "INSERT INTO " + QuoteIdentifier(table) + " (" + names + ") VALUES ";
      for (std::size_t i = 0; i < count; ++i) sql += (i == 0 ? "" : ", ") + marks;
      return sql;
    };
    const std::string full_insert = insert_of(rows_per_insert);

    std::vector<std::vector<SqlValue>> batch;
    std::int64_t rows = 0;
    Status written;
    const auto flush = [&]() -> Status {
      if (batch.empty()) return {};
      Status status = target_.WriteAndWait([&](store::Connection& conn) -> Status {
        std::vector<SqlValue> params;
        for (std::size_t at = 0; at < batch.size(); at += rows_per_insert) {
          const std::size_t count = std::min(rows_per_insert, batch.size() - at);
          params.clear();
          for (std::size_t i = at; i < at + count; ++i) {
            params.insert(params.end(), batch[i].begin(), batch[i].end());
          }
          CRM_RETURN_IF_ERROR(
              conn.Execute(count == rows_per_insert ? full_insert : insert_of(count), params));
        }
        return {};
      });
      batch.clear();
      return status;
    };
    CRM_RETURN_IF_ERROR(source.Query(select, {}, [&](const store::Row& row) {
      std::vector<SqlValue> values;
      values.reserve(columns.size());
      for (std::size_t i = 0; i < columns.size(); ++i) {
        const int at = static_cast<int>(i);
        if (row.IsNull(at)) {
          values.emplace_back(nullptr);
        } else if (columns[i].kind == Kind::kInt) {
          values.emplace_back(row.Int(at));
        } else if (columns[i].kind == Kind::kDouble) {
          values.emplace_back(row.Double(at));
        } else {
          values.emplace_back(std::string(row.Text(at)));
        }
      }
      batch.push_back(std::move(values));
      ++rows;
      if (static_cast<std::int64_t>(batch.size()) >= command_.batch_rows) written = flush();
      return written.ok();
    }));
    CRM_RETURN_IF_ERROR(written);
    CRM_RETURN_IF_ERROR(flush());
    std::cout << table << " " << rows << std::endl;
    total_ += rows;
    return {};
  }

  const MigrateDataCommand& command_;
  const metadata::Metadata& metadata_;
  store::Database& source_;
  store::Database& target_;
  std::vector<std::string> tables_;
  std::vector<std::pair<std::string, std::string>> serial_columns_;
  std::int64_t total_ = 0;
};

Status Migrate(const MigrateDataCommand& command) {
  const Location from = ParseLocation(command.from);
  const Location to = ParseLocation(command.to);
  std::error_code ec;
  if (!from.postgres() && !std::filesystem::exists(from.dir / kDatabaseFile, ec)) {
    return Status::NotFound("no database at " + from.Describe());
  }
  if (from.postgres() ? from.url == to.url
                      : !to.postgres() && std::filesystem::equivalent(from.dir, to.dir, ec)) {
    return Status::InvalidArgument("--from and --to name the same database");
  }
  CRM_ASSIGN_OR_RETURN(auto metadata, metadata::Metadata::LoadDefault(command.metadata_dir));
  CRM_ASSIGN_OR_RETURN(auto source, Open(from));
  if (!to.postgres()) std::filesystem::create_directories(to.dir, ec);
  CRM_ASSIGN_OR_RETURN(auto target, Open(to));
  const std::filesystem::path key = !command.secret_key_file.empty()
                                        ? std::filesystem::path(command.secret_key_file)
                                    : from.postgres() ? std::filesystem::path()
                                                      : from.dir / kSecretKeyFile;
  Migration migration(command, *metadata, *source, *target);
  CRM_RETURN_IF_ERROR(migration.Prepare(
      from.Describe(), [&] { return CopySecretKey(key, to, command.replace, true); }));
  CRM_RETURN_IF_ERROR(CopySecretKey(key, to, command.replace, false));
  CRM_RETURN_IF_ERROR(migration.CopyTables());
  CRM_RETURN_IF_ERROR(migration.Finish());
  source->Shutdown();
  target->Shutdown();
  std::cout << "copied " << migration.total() << " rows from " << from.Describe() << " to "
            << to.Describe() << std::endl;
  if (to.postgres() && !key.empty()) {
    std::cerr << "crmd: sealed secrets (HMAC and webhook secrets) open only with " << key.string()
              << ": give every server on the target that key (--data DIR holding secret.key, or "
                 "--secret-key-file)\n";
  }
  return {};
}

}  // namespace

bool MigrateDataCommand::chosen() const { return command != nullptr && command->parsed(); }

void AddMigrateDataCommand(CLI::App& app, MigrateDataCommand& command) {
  command.command = app.add_subcommand(
      "migrate-data",
      "Copy a whole database to another one (SQLite data directory or PostgreSQL URL)");
  command.command
      ->add_option("--from", command.from, "Source: a data directory or postgres://... URL")
      ->required();
  command.command->add_option("--to", command.to, "Target: a data directory or postgres://... URL")
      ->required();
  command.command->add_flag("--replace", command.replace,
                            "Empty a target that holds rows (or an unfinished copy) first");
  command.command
      ->add_option("--secret-key-file", command.secret_key_file,
                   "The key that sealed the source's secrets, copied into a directory target "
                   "(default: FROM/secret.key)")
      ->envname("CRMD_SECRET_KEY_FILE");
  command.command->add_option("--batch-rows", command.batch_rows, "Rows per target transaction")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1000000}))
      ->capture_default_str();
  command.command
      ->add_option("--metadata", command.metadata_dir,
                   "Directory whose entityDefs/*.json extend or override the shipped metadata")
      ->envname("CRMD_METADATA");
}

int RunMigrateDataCommand(const MigrateDataCommand& command) {
  if (Status status = Migrate(command); !status.ok()) {
    std::cerr << "crmd: migrate-data: " << status.message() << "\n";
    return 1;
  }
  return 0;
}

Status RefuseUnfinishedMigration(store::Database& db) {
  CRM_ASSIGN_OR_RETURN(store::Connection * conn, db.ReadConnection());
  CRM_ASSIGN_OR_RETURN(const std::string source, UnfinishedMark(*conn));
  if (source.empty()) return {};
  return Status::FailedPrecondition("this database is an unfinished crmd migrate-data copy from " +
                                    source + ": run crmd migrate-data --replace again");
}

}  // namespace crm::server
