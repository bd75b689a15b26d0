#include "crm/service/record_reader.hpp"

#include <array>

#include "crm/common/json.hpp"
#include "crm/common/strings.hpp"
#include "crm/common/time.hpp"
#include "crm/query/projection.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;
using metadata::AttributeDef;
using metadata::AttributeKind;
using metadata::EntityDef;
using metadata::LinkDef;
using metadata::ValueType;

json::value ParseStoredJson(std::string_view text) {
  auto parsed = ParseJson(text);
  return parsed.ok() ? std::move(parsed).value() : json::value();
}

json::value ColumnValue(const AttributeDef& attribute, const store::Row& row, int column) {
  const bool null = row.IsNull(column);
  switch (attribute.type) {
    case ValueType::kInt:
      return null ? json::value() : json::value(row.Int(column));
    case ValueType::kFloat:
      return null ? json::value() : JsonNumber(row.Double(column));
    case ValueType::kBool:
      return null ? json::value() : json::value(row.Int(column) != 0);
    case ValueType::kStringArray:
      return null ? json::value(json::array()) : ParseStoredJson(row.Text(column));
    case ValueType::kJson: {
      const bool list_data = attribute.kind == AttributeKind::kEmailData ||
                             attribute.kind == AttributeKind::kPhoneData;
      if (null) return list_data ? json::value(json::array()) : json::value();
      return ParseStoredJson(row.Text(column));
    }
    default:
      return null ? json::value() : json::value(json::string_view(row.Text(column)));
  }
}

bool IsComputedOnly(const AttributeDef& attribute) { return !query::IsSqlAttribute(attribute); }

// The row version (ETag) read beside the attributes of a single record.
std::span<const std::string> VersionColumn() {
  static const std::string kVersion[] = {"t.\"version_number\""};
  return kVersion;
}

}  // namespace

RecordReader::RecordReader(const metadata::Metadata& metadata) : metadata_(metadata) {
  const auth::Principal admin{"", "", "", auth::UserType::kAdmin};
  const auth::Principal user{"", "", "", auth::UserType::kRegular};
  plans_.resize(metadata.entities().size());
  for (std::size_t e = 0; e < metadata.entities().size(); ++e) {
    const EntityDef& entity = metadata.entities()[e];
    EntityPlans& plans = plans_[e];
    for (int admin_flag = 0; admin_flag < 2; ++admin_flag) {
      plans.full[admin_flag] =
          Attributes(entity, AttributeSet::kFull, admin_flag == 1 ? admin : user);
      plans.by_id[admin_flag] =
          query::BuildProjection(metadata, entity, plans.full[admin_flag], VersionColumn());
      plans.by_id_sql[admin_flag] =
          plans.by_id[admin_flag].select_from + " WHERE t.\"id\" = ? AND t.\"deleted\" = 0";
    }
    for (const auto& link : entity.links) {
      if (link.type == metadata::LinkType::kHasMany) linked_sql_.emplace(&link, LinkedSql(link));
    }
  }
}

std::vector<int> RecordReader::Attributes(const EntityDef& entity, AttributeSet set,
                                          const auth::Principal& principal) const {
  std::vector<int> out;
  for (int i = 0; i < static_cast<int>(entity.attributes.size()); ++i) {
    const AttributeDef& a = entity.attributes[static_cast<std::size_t>(i)];
    if (a.internal || (a.sensitive && !principal.is_admin())) continue;
    if (set == AttributeSet::kList) {
      switch (a.kind) {
        case AttributeKind::kLinkMultipleIds:
        case AttributeKind::kLinkMultipleNames:
        case AttributeKind::kLinkMultipleColumns:
        case AttributeKind::kEmailData:
        case AttributeKind::kPhoneData:
        case AttributeKind::kDuration:
          continue;
        default:
          break;
      }
    }
    out.push_back(i);
  }
  return out;
}

Result<std::optional<RecordReader::StoredRecord>> RecordReader::ReadById(
    store::Connection& conn, const EntityDef& entity, std::string_view id,
    const std::vector<int>& attributes) const {
  // Full records use the projection prepared at construction; other attribute sets (updates read
  // the stored attributes) are built here.
  const EntityPlans& plans = PlansOf(entity);
  std::optional<query::Projection> built;
  std::string built_sql;
  const query::Projection* projection = nullptr;
  std::string_view sql;
  for (int admin = 0; admin < 2 && projection == nullptr; ++admin) {
    if (&attributes == &plans.full[admin] || attributes == plans.full[admin]) {
      projection = &plans.by_id[admin];
      sql = plans.by_id_sql[admin];
    }
  }
  if (projection == nullptr) {
    built = query::BuildProjection(metadata_, entity, attributes, VersionColumn());
    built_sql = built->select_from + " WHERE t.\"id\" = ? AND t.\"deleted\" = 0";
    projection = &*built;
    sql = built_sql;
  }
  const std::array<query::SqlValue, 1> params = {std::string(id)};
  std::vector<json::object> rows;
  std::int64_t version = 0;
  CRM_RETURN_IF_ERROR(ReadRows(
      conn, entity, sql, params, projection->columns, attributes, rows,
      [&version](const store::Row& row, int first, json::object&) { version = row.Int(first); }));
  if (rows.empty()) return std::optional<StoredRecord>();
  return std::optional<StoredRecord>(StoredRecord{std::move(rows.front()), version});
}

const std::vector<int>& RecordReader::FullAttributes(const EntityDef& entity,
                                                     const auth::Principal& principal) const {
  return PlansOf(entity).full[principal.is_admin() ? 1 : 0];
}

const RecordReader::EntityPlans& RecordReader::PlansOf(const EntityDef& entity) const {
  // EntityDefs live in Metadata::entities(); plans_ is parallel to it.
  return plans_[static_cast<std::size_t>(&entity - metadata_.entities().data())];
}

Status RecordReader::ReadRows(store::Connection& conn, const EntityDef& entity,
                              const query::SqlFragment& select, const std::vector<int>& columns,
                              const std::vector<int>& attributes, std::vector<json::object>& out,
                              const ExtraColumns& extra) const {
  return ReadRows(conn, entity, select.sql, select.params, columns, attributes, out, extra);
}

Status RecordReader::ReadRows(store::Connection& conn, const EntityDef& entity,
                              std::string_view sql, std::span<const query::SqlValue> params,
                              const std::vector<int>& columns, const std::vector<int>& attributes,
                              std::vector<json::object>& out, const ExtraColumns& extra) const {
  bool has_computed = false;
  for (const int index : attributes) {
    has_computed |= IsComputedOnly(entity.attributes[static_cast<std::size_t>(index)]);
  }
  const std::size_t first = out.size();
  CRM_RETURN_IF_ERROR(conn.Query(sql, params, [&](const store::Row& row) {
    json::object record;
    record.reserve(attributes.size());
    std::size_t column = 0;
    // `attributes` and `columns` are both in wire order; computed attributes get a placeholder now
    // so that the key keeps its place.
    for (const int index : attributes) {
      const AttributeDef& attribute = entity.attributes[static_cast<std::size_t>(index)];
      if (column < columns.size() && columns[column] == index) {
        record.emplace(attribute.name, ColumnValue(attribute, row, static_cast<int>(column)));
        ++column;
      } else {
        record.emplace(attribute.name, nullptr);
      }
    }
    if (extra) extra(row, static_cast<int>(columns.size()), record);
    out.push_back(std::move(record));
    return true;
  }));
  if (has_computed) {
    for (std::size_t i = first; i < out.size(); ++i) {
      CRM_RETURN_IF_ERROR(FillComputed(conn, entity, attributes, out[i]));
    }
  }
  return {};
}

Status RecordReader::FillComputed(store::Connection& conn, const EntityDef& entity,
                                  const std::vector<int>& attributes, json::object& record) const {
  const auto* id_value = record.if_contains("id");
  if (id_value == nullptr || !id_value->is_string()) return {};
  const std::string id(id_value->get_string());
  for (const int index : attributes) {
    const AttributeDef& attribute = entity.attributes[static_cast<std::size_t>(index)];
    if (!IsComputedOnly(attribute)) continue;
    const auto& field = entity.FieldOf(attribute);
    switch (attribute.kind) {
      case AttributeKind::kLinkMultipleIds: {
        // Ids, names and columns come from one query; fill all three together.
        CRM_ASSIGN_OR_RETURN(auto linked, ReadLinked(conn, *entity.FindLink(field.name), id));
        json::array ids;
        json::object names;
        json::object columns;
        for (auto& item : linked) {
          ids.emplace_back(item.id);
          names[item.id] = item.name;
          if (!field.columns.empty()) columns[item.id] = std::move(item.columns);
        }
        record[attribute.name] = std::move(ids);
        if (auto* names_slot = record.if_contains(field.name + "Names"))
          *names_slot = std::move(names);
        if (auto* columns_slot = record.if_contains(field.name + "Columns"))
          *columns_slot = std::move(columns);
        break;
      }
      case AttributeKind::kLinkMultipleNames:
      case AttributeKind::kLinkMultipleColumns: {
        // Asked for without the ids (select=teamsNames): read them on their own.
        if (record.contains(field.name + "Ids")) break;
        CRM_ASSIGN_OR_RETURN(auto linked, ReadLinked(conn, *entity.FindLink(field.name), id));
        json::object values;
        for (auto& item : linked) {
          if (attribute.kind == AttributeKind::kLinkMultipleNames) {
            values[item.id] = item.name;
          } else {
            values[item.id] = std::move(item.columns);
          }
        }
        record[attribute.name] = std::move(values);
        break;
      }
      case AttributeKind::kDuration: {
        const auto* start = record.if_contains("dateStart");
        const auto* end = record.if_contains("dateEnd");
        if (start != nullptr && end != nullptr && start->is_string() && end->is_string()) {
          const auto s = ParseDateTime(start->get_string());
          const auto e = ParseDateTime(end->get_string());
          if (s && e) {
            record[attribute.name] =
                std::chrono::duration_cast<std::chrono::seconds>(*e - *s).count();
          }
        }
        break;
      }
      default:
        break;
    }
  }
  return {};
}

std::string RecordReader::LinkedSql(const LinkDef& link) const {
  const EntityDef& other = metadata_.Entity(link.entity);
  std::string sql = "SELECT o.\"id\", " + query::NameExpression(other, "o");
  if (link.many_to_many()) {
    for (const auto& column : link.additional_columns)
      sql += ", j." + query::QuoteIdentifier(column.column);
    sql += " FROM " + query::QuoteIdentifier(link.join_table) + " j JOIN " +
           query::QuoteIdentifier(other.table) + " o ON o.\"id\" = j." +
           query::QuoteIdentifier(link.far_key_column) + " AND o.\"deleted\" = 0 WHERE j." +
           query::QuoteIdentifier(link.near_key_column) + " = ?";
    for (const auto& [column, value] : link.conditions)
      sql += " AND j." + query::QuoteIdentifier(column) + " = ?";
  } else {
    sql += " FROM " + query::QuoteIdentifier(other.table) + " o WHERE o." +
           query::QuoteIdentifier(ToSnakeCase(link.foreign + "Id")) + " = ? AND o.\"deleted\" = 0";
  }
  return sql + " ORDER BY o.\"id\"";
}

Result<std::vector<RecordReader::LinkedRecord>> RecordReader::ReadLinked(
    store::Connection& conn, const LinkDef& link, std::string_view id) const {
  const auto cached = linked_sql_.find(&link);
  const std::string built = cached != linked_sql_.end() ? std::string() : LinkedSql(link);
  const std::string_view sql =
      cached != linked_sql_.end() ? std::string_view(cached->second) : built;
  std::vector<query::SqlValue> params = {std::string(id)};
  for (const auto& [column, value] : link.conditions) params.emplace_back(value);
  std::vector<LinkedRecord> out;
  CRM_RETURN_IF_ERROR(conn.Query(sql, params, [&](const store::Row& row) {
    LinkedRecord item;
    item.id = row.Text(0);
    item.name = row.IsNull(1) ? std::string() : std::string(row.Text(1));
    int column = 2;
    for (const auto& relation_column : link.additional_columns) {
      json::value value;
      if (!row.IsNull(column)) {
        if (relation_column.type == ValueType::kBool) {
          value = row.Int(column) != 0;
        } else if (relation_column.type == ValueType::kInt) {
          value = row.Int(column);
        } else {
          value = json::string_view(row.Text(column));
        }
      } else if (relation_column.type == ValueType::kBool) {
        value = false;
      }
      item.columns[relation_column.name] = std::move(value);
      ++column;
    }
    out.push_back(std::move(item));
    return true;
  }));
  return out;
}

}  // namespace crm::service
