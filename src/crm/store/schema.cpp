#include "crm/store/schema.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "crm/common/strings.hpp"
#include "crm/query/sql.hpp"
#include "crm/query/where.hpp"

namespace crm::store {
namespace {

using metadata::AttributeDef;
using metadata::EntityDef;
using metadata::ValueType;
using query::Dialect;
using query::QuoteIdentifier;

std::string ColumnType(ValueType type, Dialect dialect) {
  switch (type) {
    case ValueType::kInt:
    case ValueType::kBool:
      return dialect == Dialect::kPostgres ? "BIGINT" : "INTEGER";
    case ValueType::kFloat:
      return dialect == Dialect::kPostgres ? "DOUBLE PRECISION" : "REAL";
    default:
      return "TEXT";
  }
}

std::string ColumnDefinition(const AttributeDef& attribute, Dialect dialect) {
  std::string out = QuoteIdentifier(attribute.column) + " " + ColumnType(attribute.type, dialect);
  if (attribute.type == ValueType::kBool) out += " NOT NULL DEFAULT 0";
  return out;
}

// Columns of an entity table in declaration order (id, deleted and version_number first).
std::vector<std::pair<std::string, std::string>> EntityColumns(const EntityDef& entity,
                                                               Dialect dialect) {
  std::vector<std::pair<std::string, std::string>> columns;
  columns.emplace_back("id", "\"id\" TEXT NOT NULL PRIMARY KEY");
  columns.emplace_back("deleted", "\"deleted\" INTEGER NOT NULL DEFAULT 0");
  columns.emplace_back("version_number", "\"version_number\" INTEGER NOT NULL DEFAULT 1");
  for (const auto& attribute : entity.attributes) {
    if (!attribute.stored() || attribute.column == "id" || attribute.column == "deleted" ||
        attribute.column == "version_number") {
      continue;
    }
    columns.emplace_back(attribute.column, ColumnDefinition(attribute, dialect));
  }
  return columns;
}

std::string IndexName(std::string_view table, std::string_view name) {
  return "idx_" + std::string(table) + "_" + std::string(name);
}

// On PostgreSQL the columns are ordered NULLS FIRST, as lists order them (query::OrderDirection),
// so that an index gives a list's order in either direction.
std::string CreateIndex(std::string_view table, std::string_view name,
                        const std::vector<std::string>& columns, bool unique, bool live_rows_only,
                        Dialect dialect) {
  std::string sql = unique ? "CREATE UNIQUE INDEX IF NOT EXISTS " : "CREATE INDEX IF NOT EXISTS ";
  sql += QuoteIdentifier(IndexName(table, name)) + " ON " + QuoteIdentifier(table) + " (";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i != 0) sql += ", ";
    sql += QuoteIdentifier(columns[i]);
    if (dialect == Dialect::kPostgres) sql += " NULLS FIRST";
  }
  // Partial indexes leave soft-deleted rows out: smaller, and a unique value can be reused after
  // delete. Non-unique ones also end with (id, deleted): every query says deleted = 0, and with the
  // column in the index SQLite answers a COUNT from the index alone (a partial index's condition
  // does not make the column available to it); id, which the index holds anyway, is named before it
  // so that the index order is still (columns..., id), the order lists use to break ties. A unique
  // index keeps its columns alone, or it would no longer be unique.
  if (live_rows_only && !unique) sql += ", \"id\", \"deleted\"";
  sql += ")";
  if (live_rows_only) sql += " WHERE \"deleted\" = 0";
  return sql;
}

// Creates the index `create_sql` (a CREATE ... INDEX IF NOT EXISTS statement) names, replacing an
// index of that name whose definition differs (a database made by an older crmd).
Status EnsureIndex(Connection& conn, const std::string& name, const std::string& create_sql) {
  if (conn.dialect() == Dialect::kSqlite) {
    std::string existing;
    const query::SqlValue key = name;
    CRM_RETURN_IF_ERROR(
        conn.Query("SELECT \"sql\" FROM sqlite_master WHERE \"type\" = 'index' AND \"name\" = ?",
                   std::span(&key, 1), [&](const Row& row) {
                     existing = row.Text(0);
                     return false;
                   }));
    std::string wanted = create_sql;
    const std::string kIfNotExists = "IF NOT EXISTS ";
    wanted.erase(wanted.find(kIfNotExists), kIfNotExists.size());
    if (!existing.empty() && existing != wanted) {
      CRM_RETURN_IF_ERROR(conn.ExecuteScript("DROP INDEX " + QuoteIdentifier(name)));
    }
  }
  if (conn.dialect() == Dialect::kPostgres) {
    // PostgreSQL keeps no definition text to compare (pg_get_indexdef is normalised); each index
    // carries the statement that made it as its comment instead.
    std::string wanted = create_sql;
    const std::string kIfNotExists = "IF NOT EXISTS ";
    wanted.erase(wanted.find(kIfNotExists), kIfNotExists.size());
    bool found = false;
    std::string existing;
    const query::SqlValue key = name;
    CRM_RETURN_IF_ERROR(conn.Query(
        "SELECT COALESCE(obj_description(c.\"oid\", 'pg_class'), '') FROM pg_class c JOIN "
        "pg_namespace n ON n.\"oid\" = c.\"relnamespace\" WHERE c.\"relkind\" = 'i' AND "
        "c.\"relname\" = ? AND n.\"nspname\" = current_schema()",
        std::span(&key, 1), [&](const Row& row) {
          found = true;
          existing = row.Text(0);
          return false;
        }));
    if (found && existing == wanted) return {};
    if (found) CRM_RETURN_IF_ERROR(conn.ExecuteScript("DROP INDEX " + QuoteIdentifier(name)));
    std::string comment;
    for (const char c : wanted) comment += c == '\'' ? std::string("''") : std::string(1, c);
    return conn.ExecuteScript(wanted + "; COMMENT ON INDEX " + QuoteIdentifier(name) + " IS '" +
                              comment + "'");
  }
  return conn.ExecuteScript(create_sql);
}

struct JoinTable {
  std::vector<std::string> keys;  // the two key columns, sorted
  std::vector<std::string> condition_columns;
  std::vector<std::pair<std::string, ValueType>> extra_columns;
};

std::map<std::string, JoinTable> JoinTables(const metadata::Metadata& metadata) {
  std::map<std::string, JoinTable> tables;
  for (const auto& entity : metadata.entities()) {
    for (const auto& link : entity.links) {
      if (!link.many_to_many()) continue;
      JoinTable& table = tables[link.join_table];
      if (!table.keys.empty()) continue;
      table.keys = {link.near_key_column, link.far_key_column};
      std::sort(table.keys.begin(), table.keys.end());
      for (const auto& [column, value] : link.conditions) table.condition_columns.push_back(column);
      for (const auto& column : link.additional_columns) {
        table.extra_columns.emplace_back(column.column, column.type);
      }
    }
  }
  return tables;
}

}  // namespace

std::vector<std::string> SchemaStatements(const metadata::Metadata& metadata, Dialect dialect) {
  std::vector<std::string> statements;
  const std::string table_suffix = dialect == Dialect::kSqlite ? " WITHOUT ROWID" : "";
  statements.push_back(std::string("CREATE TABLE IF NOT EXISTS ") + kMetaTable +
                       " (\"key\" TEXT NOT NULL PRIMARY KEY, \"value\" TEXT)" + table_suffix);
  for (const auto& entity : metadata.entities()) {
    std::string sql = "CREATE TABLE IF NOT EXISTS " + QuoteIdentifier(entity.table) + " (";
    bool first = true;
    for (const auto& [name, definition] : EntityColumns(entity, dialect)) {
      if (!first) sql += ", ";
      first = false;
      sql += definition;
    }
    sql += ")" + table_suffix;
    statements.push_back(std::move(sql));
  }
  for (const auto& [name, table] : JoinTables(metadata)) {
    std::string sql = "CREATE TABLE IF NOT EXISTS " + QuoteIdentifier(name) + " (";
    std::vector<std::string> key_columns = table.keys;
    key_columns.insert(key_columns.end(), table.condition_columns.begin(),
                       table.condition_columns.end());
    for (const auto& column : key_columns) sql += QuoteIdentifier(column) + " TEXT NOT NULL, ";
    for (const auto& [column, type] : table.extra_columns) {
      sql += QuoteIdentifier(column) + " " + ColumnType(type, dialect) + ", ";
    }
    sql += "PRIMARY KEY (";
    for (std::size_t i = 0; i < key_columns.size(); ++i) {
      if (i != 0) sql += ", ";
      sql += QuoteIdentifier(key_columns[i]);
    }
    sql += "))" + table_suffix;
    statements.push_back(std::move(sql));
    std::vector<std::string> reverse = {table.keys[1], table.keys[0]};
    reverse.insert(reverse.end(), table.condition_columns.begin(), table.condition_columns.end());
    statements.push_back(CreateIndex(name, table.keys[1], reverse, false, false, dialect));
  }
  statements.push_back(
      std::string("CREATE TABLE IF NOT EXISTS ") + kEmailTable +
      " (\"entity_type\" TEXT NOT NULL, \"entity_id\" TEXT NOT NULL, \"lower\" TEXT NOT NULL, "
      "\"is_primary\" INTEGER NOT NULL DEFAULT 0, "
      "PRIMARY KEY (\"entity_type\", \"entity_id\", \"lower\"))" +
      table_suffix);
  statements.push_back(
      CreateIndex(kEmailTable, "lower", {"entity_type", "lower"}, false, false, dialect));
  statements.push_back(
      std::string("CREATE TABLE IF NOT EXISTS ") + kPhoneTable +
      " (\"entity_type\" TEXT NOT NULL, \"entity_id\" TEXT NOT NULL, \"numeric\" TEXT NOT NULL, "
      "\"is_primary\" INTEGER NOT NULL DEFAULT 0, "
      "PRIMARY KEY (\"entity_type\", \"entity_id\", \"numeric\"))" +
      table_suffix);
  statements.push_back(
      CreateIndex(kPhoneTable, "numeric", {"entity_type", "numeric"}, false, false, dialect));
  statements.push_back(std::string("CREATE TABLE IF NOT EXISTS ") + kAuthTokenTable +
                       " (\"token_hash\" TEXT NOT NULL PRIMARY KEY, \"user_id\" TEXT NOT NULL, "
                       "\"created_at\" TEXT NOT NULL, \"last_access_at\" TEXT NOT NULL)" +
                       table_suffix);
  statements.push_back(CreateIndex(kAuthTokenTable, "user_id", {"user_id"}, false, false, dialect));
  statements.push_back(std::string("CREATE TABLE IF NOT EXISTS ") + kUserRateLimitTable +
                       " (\"user_id\" TEXT NOT NULL PRIMARY KEY, \"requests\" INTEGER, "
                       "\"window_seconds\" INTEGER NOT NULL)" +
                       table_suffix);
  statements.push_back(std::string("CREATE TABLE IF NOT EXISTS ") + kEventTable + " (\"seq\" " +
                       (dialect == Dialect::kPostgres ? "BIGSERIAL" : "INTEGER") +
                       " PRIMARY KEY, \"event\" TEXT NOT NULL, \"entity_type\" TEXT NOT NULL, "
                       "\"entity_id\" TEXT NOT NULL, \"user_id\" TEXT, \"payload\" TEXT NOT NULL, "
                       "\"created_at\" TEXT NOT NULL)");
  const std::string delivery = kWebhookDeliveryTable;
  statements.push_back("CREATE TABLE IF NOT EXISTS " + delivery + " (\"seq\" " +
                       (dialect == Dialect::kPostgres ? "BIGSERIAL" : "INTEGER") +
                       " PRIMARY KEY, \"id\" TEXT NOT NULL UNIQUE, \"webhook_id\" TEXT NOT NULL, "
                       "\"event_seq\" BIGINT, \"event\" TEXT NOT NULL, \"payload\" TEXT, "
                       "\"status\" TEXT NOT NULL, \"attempts\" INTEGER NOT NULL DEFAULT 0, "
                       "\"next_attempt_at\" BIGINT NOT NULL, \"queued_at\" BIGINT NOT NULL, "
                       "\"last_attempt_at\" BIGINT, \"delivered_at\" BIGINT, "
                       "\"created_at\" BIGINT NOT NULL, \"last_status\" INTEGER, \"error\" TEXT)");
  // The worker's questions: which webhooks have pending deliveries, and each one's oldest; the
  // delivery log (newest first); the pruning of old delivered rows.
  statements.push_back("CREATE INDEX IF NOT EXISTS \"" + delivery + "_pending\" ON " + delivery +
                       " (\"webhook_id\", \"seq\") WHERE \"status\" = 'pending'");
  statements.push_back("CREATE INDEX IF NOT EXISTS \"" + delivery + "_log\" ON " + delivery +
                       " (\"webhook_id\", \"seq\")");
  statements.push_back("CREATE INDEX IF NOT EXISTS \"" + delivery + "_delivered\" ON " + delivery +
                       " (\"delivered_at\") WHERE \"status\" = 'delivered'");
  // Pruning old events keeps those a delivery still refers to.
  statements.push_back("CREATE INDEX IF NOT EXISTS \"" + delivery + "_event\" ON " + delivery +
                       " (\"event_seq\")");
  statements.push_back(std::string("CREATE INDEX IF NOT EXISTS \"") + kEventTable +
                       "_created\" ON " + kEventTable + " (\"created_at\")");
  return statements;
}

Status MigrateSchema(Connection& conn, const metadata::Metadata& metadata) {
  const Dialect dialect = conn.dialect();
  for (const auto& statement : SchemaStatements(metadata, dialect)) {
    CRM_RETURN_IF_ERROR(conn.ExecuteScript(statement));
  }
  // Columns that metadata gained after the table was created.
  for (const auto& entity : metadata.entities()) {
    std::set<std::string> existing;
    const std::string sql =
        dialect == Dialect::kSqlite
            ? "SELECT name FROM pragma_table_info(?)"
            : "SELECT column_name FROM information_schema.columns WHERE table_schema = "
              "current_schema() AND table_name = ?";
    const query::SqlValue table = entity.table;
    CRM_RETURN_IF_ERROR(conn.Query(sql, std::span(&table, 1), [&](const Row& row) {
      existing.emplace(row.Text(0));
      return true;
    }));
    for (const auto& [name, definition] : EntityColumns(entity, dialect)) {
      if (existing.count(name) == 0) {
        CRM_RETURN_IF_ERROR(conn.ExecuteScript("ALTER TABLE " + QuoteIdentifier(entity.table) +
                                               " ADD COLUMN " + definition));
      }
    }
    for (const auto& index : entity.indexes) {
      CRM_RETURN_IF_ERROR(EnsureIndex(
          conn, IndexName(entity.table, index.name),
          CreateIndex(entity.table, index.name, index.columns, index.unique, true, dialect)));
    }
    // The indexed form of the text filter (query::TextFilterIndexes); PostgreSQL keeps its test of
    // each row.
    if (dialect == Dialect::kSqlite) {
      for (const auto& index : query::TextFilterIndexes(entity)) {
        const std::string name = IndexName(entity.table, index.name);
        CRM_RETURN_IF_ERROR(EnsureIndex(conn, name,
                                        "CREATE INDEX IF NOT EXISTS " + QuoteIdentifier(name) +
                                            " ON " + QuoteIdentifier(entity.table) + " (" +
                                            index.columns +
                                            ", \"id\", \"deleted\") WHERE \"deleted\" = 0"));
      }
    }
    // The duplicate check on create compares names case-insensitively (service/record_writer.cpp);
    // these expression indexes must match its expressions exactly to be used.
    const bool checks_name =
        std::find(entity.duplicate_check_fields.begin(), entity.duplicate_check_fields.end(),
                  "name") != entity.duplicate_check_fields.end();
    if (checks_name) {
      const std::string columns =
          entity.person ? "LOWER(COALESCE(\"first_name\", '')), LOWER(COALESCE(\"last_name\", ''))"
                        : "LOWER(\"name\")";
      CRM_RETURN_IF_ERROR(conn.ExecuteScript(
          "CREATE INDEX IF NOT EXISTS " +
          QuoteIdentifier(IndexName(entity.table, "duplicate_name")) + " ON " +
          QuoteIdentifier(entity.table) + " (" + columns + ") WHERE \"deleted\" = 0"));
    }
    // Every belongsTo/belongsToParent foreign key is indexed: related lists and name joins use
    // them.
    for (const auto& link : entity.links) {
      std::vector<std::string> columns;
      if (link.type == metadata::LinkType::kBelongsTo) {
        columns = {ToSnakeCase(link.name + "Id")};
      } else if (link.type == metadata::LinkType::kBelongsToParent) {
        columns = {ToSnakeCase(link.name + "Id"), ToSnakeCase(link.name + "Type")};
      } else {
        continue;
      }
      CRM_RETURN_IF_ERROR(
          EnsureIndex(conn, IndexName(entity.table, columns[0]),
                      CreateIndex(entity.table, columns[0], columns, false, true, dialect)));
    }
  }
  return {};
}

}  // namespace crm::store
