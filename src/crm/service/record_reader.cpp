#include "crm/service/record_reader.hpp"

#include <array>

#include "crm/common/json.hpp"
#include "crm/common/strings.hpp"
#include "crm/common/time.hpp"
#include "crm/query/projection.hpp"
#include "crm/service/access_rules.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;
using metadata::AttributeDef;

// Whether the principal's roles hide or freeze some field of `entity` (admins: never).
bool HasFieldLimits(const auth::Principal& principal, const metadata::EntityDef& entity) {
  return !principal.is_admin() && principal.access && principal.access->HasFieldLimits(entity.name);
}
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

// A relation column value from a link set's JSON (booleans arrive as 0/1), typed as declared.
json::value RelationValue(const metadata::RelationColumn& column, const json::value& raw) {
  if (raw.is_null()) return column.type == ValueType::kBool ? json::value(false) : json::value();
  if (column.type == ValueType::kBool)
    return raw.is_int64() ? json::value(raw.get_int64() != 0) : raw;
  return raw;
}

// Where each attribute sits in a record of a given attribute list, and which attributes are
// filled in after the columns: worked out once per read, not per row.
struct RowShape {
  struct LinkSet {
    int field = -1;  // index into EntityDef::fields
    int ids = -1;    // positions of {f}Ids, {f}Names, {f}Columns; -1 when not in the record
    int names = -1;
    int columns = -1;
  };
  std::vector<LinkSet> link_sets;  // parallel to Projection::link_sets
  std::vector<int> durations;      // positions of duration attributes
  int date_start = -1;
  int date_end = -1;
  // (position of an email/phone flag, position of its field's main attribute)
  std::vector<std::pair<int, int>> contact_flags;
};

// Fills a linkMultiple field's attributes present in the record ({f}Ids, {f}Names, {f}Columns)
// from its link-set column: [[id, name, relation columns...], ...].
void FillLinkSet(const EntityDef& entity, const RowShape::LinkSet& slots, std::string_view text,
                 std::vector<json::value>& values) {
  const metadata::FieldDef& field = entity.fields[static_cast<std::size_t>(slots.field)];
  const LinkDef& link = *entity.FindLink(field.name);
  json::array ids;
  json::object names;
  json::object columns;
  const json::value parsed = ParseStoredJson(text);
  if (parsed.is_array()) {
    for (const auto& item : parsed.get_array()) {
      const auto* row = item.if_array();
      if (row == nullptr || row->empty() || !(*row)[0].is_string()) continue;
      const json::string& id = (*row)[0].get_string();
      ids.push_back(id);
      names[id] = row->size() > 1 && (*row)[1].is_string() ? (*row)[1] : json::value("");
      if (!field.columns.empty()) {
        json::object relation;
        for (std::size_t i = 0; i < link.additional_columns.size(); ++i) {
          const json::value raw = i + 2 < row->size() ? (*row)[i + 2] : json::value();
          relation[link.additional_columns[i].name] =
              RelationValue(link.additional_columns[i], raw);
        }
        columns[id] = std::move(relation);
      }
    }
  }
  const auto slot = [&values](int position) -> json::value& {
    return values[static_cast<std::size_t>(position)];
  };
  if (slots.ids >= 0) slot(slots.ids) = std::move(ids);
  if (slots.names >= 0) slot(slots.names) = std::move(names);
  if (slots.columns >= 0) slot(slots.columns) = std::move(columns);
}

// The value of an attribute no column holds until it is filled in: a not-built feature's empty
// value (EspoCRM's false, [] and {}), null otherwise.
json::value Placeholder(const AttributeDef& attribute) {
  if (attribute.kind != AttributeKind::kEmpty) return nullptr;
  switch (attribute.type) {
    case ValueType::kBool:
      return false;
    case ValueType::kIdArray:
    case ValueType::kStringArray:
      return json::array();
    case ValueType::kObject:
      return json::object();
    default:
      return nullptr;
  }
}

// An email address's or phone number's opt-out and invalid flags: EspoCRM has them null when there
// is no address or number.
bool IsContactFlag(const EntityDef& entity, const AttributeDef& attribute) {
  if (attribute.field < 0 || attribute.type != ValueType::kBool) return false;
  const auto& field = entity.FieldOf(attribute);
  return field.type == metadata::FieldType::kEmail || field.type == metadata::FieldType::kPhone;
}

bool IsComputedOnly(const AttributeDef& attribute) {
  return attribute.kind == AttributeKind::kDuration;
}

RowShape ShapeOf(const EntityDef& entity, const query::Projection& projection,
                 const std::vector<int>& attributes) {
  std::vector<int> position(entity.attributes.size(), -1);
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    position[static_cast<std::size_t>(attributes[i])] = static_cast<int>(i);
  }
  const auto position_of = [&](std::string_view name) {
    const int index = entity.AttributeIndex(name);
    return index < 0 ? -1 : position[static_cast<std::size_t>(index)];
  };
  RowShape shape;
  for (const int field : projection.link_sets) {
    const std::string& name = entity.fields[static_cast<std::size_t>(field)].name;
    shape.link_sets.push_back({field, position_of(name + "Ids"), position_of(name + "Names"),
                               position_of(name + "Columns")});
  }
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    const AttributeDef& attribute = entity.attributes[static_cast<std::size_t>(attributes[i])];
    if (IsComputedOnly(attribute)) shape.durations.push_back(static_cast<int>(i));
    if (IsContactFlag(entity, attribute)) {
      const int main = position_of(entity.FieldOf(attribute).name);
      if (main >= 0) shape.contact_flags.emplace_back(static_cast<int>(i), main);
    }
  }
  if (!shape.durations.empty()) {
    shape.date_start = position_of("dateStart");
    shape.date_end = position_of("dateEnd");
  }
  return shape;
}

// duration: the seconds between dateStart and dateEnd of the same record.
void FillDuration(const RowShape& shape, std::vector<json::value>& values) {
  if (shape.date_start < 0 || shape.date_end < 0) return;
  const json::value& start = values[static_cast<std::size_t>(shape.date_start)];
  const json::value& end = values[static_cast<std::size_t>(shape.date_end)];
  if (!start.is_string() || !end.is_string()) return;
  const auto s = ParseDateTime(start.get_string());
  const auto e = ParseDateTime(end.get_string());
  if (!s || !e) return;
  for (const int position : shape.durations) {
    values[static_cast<std::size_t>(position)] = (*e - *s).count();
  }
}

// The row version (ETag) read beside the attributes of a single record.
std::span<const std::string> VersionColumn() {
  static const std::string kVersion[] = {"t.\"version_number\""};
  return kVersion;
}

}  // namespace

RecordReader::RecordReader(const metadata::Metadata& metadata, query::Dialect dialect)
    : metadata_(metadata), dialect_(dialect) {
  const auth::Principal admin{"", "", "", auth::UserType::kAdmin};
  const auth::Principal user{"", "", "", auth::UserType::kRegular};
  plans_.resize(metadata.entities().size());
  for (std::size_t e = 0; e < metadata.entities().size(); ++e) {
    const EntityDef& entity = metadata.entities()[e];
    EntityPlans& plans = plans_[e];
    plans.attributes[kFullForUsers] = Attributes(entity, AttributeSet::kFull, user);
    plans.attributes[kFullForAdmins] = Attributes(entity, AttributeSet::kFull, admin);
    for (int i = 0; i < static_cast<int>(entity.attributes.size()); ++i) {
      const AttributeDef& attribute = entity.attributes[static_cast<std::size_t>(i)];
      if (attribute.stored() && !attribute.internal) plans.attributes[kStored].push_back(i);
    }
    for (int set = 0; set < kPreparedSets; ++set) {
      plans.by_id[set] =
          query::BuildProjection(metadata, entity, dialect, plans.attributes[set], VersionColumn());
      plans.by_id_sql[set] =
          plans.by_id[set].select_from + " WHERE t.\"id\" = ? AND t.\"deleted\" = 0";
    }
    for (const AttributeDef& attribute : entity.attributes) {
      std::string key;
      AppendJsonString(attribute.name, key);
      key.push_back(':');
      plans.json_keys.push_back(std::move(key));
    }
  }
}

std::vector<int> RecordReader::Attributes(const EntityDef& entity, AttributeSet set,
                                          const auth::Principal& principal) const {
  const bool limited = HasFieldLimits(principal, entity);
  std::vector<int> out;
  for (int i = 0; i < static_cast<int>(entity.attributes.size()); ++i) {
    const AttributeDef& a = entity.attributes[static_cast<std::size_t>(i)];
    if (a.internal || (a.sensitive && !principal.is_admin())) continue;
    if (limited && a.field >= 0 && !MayReadField(principal, entity, entity.FieldOf(a))) continue;
    if (set == AttributeSet::kList) {
      // A not-built linkMultiple stays out of lists like the built ones.
      if (!a.in_lists ||
          (a.field >= 0 && entity.FieldOf(a).type == metadata::FieldType::kLinkMultiple)) {
        continue;
      }
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

void RecordReader::QueryById(const EntityDef& entity, const std::vector<int>& attributes,
                             ByIdQuery& query) const {
  // Full records use the projection prepared at construction; other attribute sets (updates read
  // the stored attributes) are built here.
  const EntityPlans& plans = PlansOf(entity);
  for (int set = 0; set < kPreparedSets; ++set) {
    if (&attributes == &plans.attributes[set] || attributes == plans.attributes[set]) {
      query.projection = &plans.by_id[set];
      query.sql = plans.by_id_sql[set];
      return;
    }
  }
  query.built = query::BuildProjection(metadata_, entity, dialect_, attributes, VersionColumn());
  query.built_sql = query.built->select_from + " WHERE t.\"id\" = ? AND t.\"deleted\" = 0";
  query.projection = &*query.built;
  query.sql = query.built_sql;
}

Result<std::optional<RecordReader::StoredRecord>> RecordReader::ReadById(
    store::Connection& conn, const EntityDef& entity, std::string_view id,
    const std::vector<int>& attributes) const {
  ByIdQuery query;
  QueryById(entity, attributes, query);
  const std::array<query::SqlValue, 1> params = {std::string(id)};
  std::vector<json::object> rows;
  std::int64_t version = 0;
  CRM_RETURN_IF_ERROR(ReadRows(
      conn, entity, query.sql, params, *query.projection, attributes, rows,
      [&version](const store::Row& row, int first, json::object&) { version = row.Int(first); }));
  if (rows.empty()) return std::optional<StoredRecord>();
  return std::optional<StoredRecord>(StoredRecord{std::move(rows.front()), version});
}

Result<std::optional<RecordReader::StoredJson>> RecordReader::ReadByIdJson(
    store::Connection& conn, const EntityDef& entity, std::string_view id,
    const std::vector<int>& attributes) const {
  ByIdQuery query;
  QueryById(entity, attributes, query);
  const std::array<query::SqlValue, 1> params = {std::string(id)};
  std::optional<StoredJson> stored;
  const int version_column = query.projection->extra_start();
  CRM_RETURN_IF_ERROR(ShapeRows(conn, entity, query.sql, params, *query.projection, attributes,
                                [&](const store::Row& row, const RecordValues& values) {
                                  stored.emplace();
                                  AppendRecordJson(entity, attributes, values, stored->json);
                                  stored->version = row.Int(version_column);
                                  return false;
                                }));
  return stored;
}

const std::vector<int>& RecordReader::FullAttributes(const EntityDef& entity,
                                                     const auth::Principal& principal,
                                                     std::vector<int>& narrowed) const {
  if (HasFieldLimits(principal, entity)) {
    narrowed = Attributes(entity, AttributeSet::kFull, principal);
    return narrowed;
  }
  return PlansOf(entity).attributes[principal.is_admin() ? kFullForAdmins : kFullForUsers];
}

const std::vector<int>& RecordReader::StoredAttributes(const EntityDef& entity) const {
  return PlansOf(entity).attributes[kStored];
}

const RecordReader::EntityPlans& RecordReader::PlansOf(const EntityDef& entity) const {
  // EntityDefs live in Metadata::entities(); plans_ is parallel to it.
  return plans_[static_cast<std::size_t>(&entity - metadata_.entities().data())];
}

Status RecordReader::ShapeRows(store::Connection& conn, const EntityDef& entity,
                               std::string_view sql, std::span<const query::SqlValue> params,
                               const query::Projection& projection,
                               const std::vector<int>& attributes,
                               const OnRecord& on_record) const {
  const RowShape shape = ShapeOf(entity, projection, attributes);
  const std::vector<int>& columns = projection.columns;
  RecordValues values;
  values.reserve(attributes.size());
  return conn.Query(sql, params, [&](const store::Row& row) {
    values.clear();
    std::size_t column = 0;
    // `attributes` and `columns` are both in wire order; attributes filled afterwards get a
    // placeholder now so that the key keeps its place.
    for (const int index : attributes) {
      const AttributeDef& attribute = entity.attributes[static_cast<std::size_t>(index)];
      if (column < columns.size() && columns[column] == index) {
        values.push_back(ColumnValue(attribute, row, static_cast<int>(column)));
        ++column;
      } else {
        values.push_back(Placeholder(attribute));
      }
    }
    int link_column = static_cast<int>(columns.size());
    for (const auto& link_set : shape.link_sets) {
      FillLinkSet(entity, link_set, row.Text(link_column), values);
      ++link_column;
    }
    if (!shape.durations.empty()) FillDuration(shape, values);
    // Email/phone flags are null when the record has no address or number.
    for (const auto& [flag, main] : shape.contact_flags) {
      if (values[static_cast<std::size_t>(main)].is_null()) {
        values[static_cast<std::size_t>(flag)] = nullptr;
      }
    }
    return on_record(row, values);
  });
}

void RecordReader::AppendRecordJson(const EntityDef& entity, const std::vector<int>& attributes,
                                    const RecordValues& values, std::string& out) const {
  const std::vector<std::string>& keys = PlansOf(entity).json_keys;
  out.push_back('{');
  for (std::size_t i = 0; i < attributes.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += keys[static_cast<std::size_t>(attributes[i])];
    AppendJson(values[i], out);
  }
  out.push_back('}');
}

Status RecordReader::ReadRows(store::Connection& conn, const EntityDef& entity,
                              std::string_view sql, std::span<const query::SqlValue> params,
                              const query::Projection& projection,
                              const std::vector<int>& attributes, std::vector<json::object>& out,
                              const ExtraColumns& extra) const {
  return ShapeRows(conn, entity, sql, params, projection, attributes,
                   [&](const store::Row& row, RecordValues& values) {
                     json::object record;
                     record.reserve(attributes.size());
                     for (std::size_t i = 0; i < attributes.size(); ++i) {
                       record.emplace(
                           entity.attributes[static_cast<std::size_t>(attributes[i])].name,
                           std::move(values[i]));
                     }
                     if (extra) extra(row, projection.extra_start(), record);
                     out.push_back(std::move(record));
                     return true;
                   });
}

}  // namespace crm::service
