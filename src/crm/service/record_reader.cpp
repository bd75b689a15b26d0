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

// Fills a linkMultiple field's attributes present in `record` ({f}Ids, {f}Names, {f}Columns) from
// its link-set column: [[id, name, relation columns...], ...].
void FillLinkSet(const EntityDef& entity, const metadata::FieldDef& field, std::string_view text,
                 json::object& record) {
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
  if (auto* slot = record.if_contains(field.name + "Ids")) *slot = std::move(ids);
  if (auto* slot = record.if_contains(field.name + "Names")) *slot = std::move(names);
  if (auto* slot = record.if_contains(field.name + "Columns")) *slot = std::move(columns);
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

void NullFlagsWithoutValue(const EntityDef& entity, const std::vector<int>& attributes,
                           json::object& record) {
  for (const int index : attributes) {
    const AttributeDef& attribute = entity.attributes[static_cast<std::size_t>(index)];
    if (!IsContactFlag(entity, attribute)) continue;
    const auto* main = record.if_contains(entity.FieldOf(attribute).name);
    if (main != nullptr && main->is_null()) record[attribute.name] = nullptr;
  }
}

bool IsComputedOnly(const AttributeDef& attribute) {
  return attribute.kind == AttributeKind::kDuration;
}

// duration: the seconds between dateStart and dateEnd of the same record.
void FillDuration(const EntityDef& entity, const std::vector<int>& attributes,
                  json::object& record) {
  for (const int index : attributes) {
    const AttributeDef& attribute = entity.attributes[static_cast<std::size_t>(index)];
    if (attribute.kind != AttributeKind::kDuration) continue;
    const auto* start = record.if_contains("dateStart");
    const auto* end = record.if_contains("dateEnd");
    if (start == nullptr || end == nullptr || !start->is_string() || !end->is_string()) continue;
    const auto s = ParseDateTime(start->get_string());
    const auto e = ParseDateTime(end->get_string());
    if (s && e) record[attribute.name] = (*e - *s).count();
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
  for (int set = 0; set < kPreparedSets && projection == nullptr; ++set) {
    if (&attributes == &plans.attributes[set] || attributes == plans.attributes[set]) {
      projection = &plans.by_id[set];
      sql = plans.by_id_sql[set];
    }
  }
  if (projection == nullptr) {
    built = query::BuildProjection(metadata_, entity, dialect_, attributes, VersionColumn());
    built_sql = built->select_from + " WHERE t.\"id\" = ? AND t.\"deleted\" = 0";
    projection = &*built;
    sql = built_sql;
  }
  const std::array<query::SqlValue, 1> params = {std::string(id)};
  std::vector<json::object> rows;
  std::int64_t version = 0;
  CRM_RETURN_IF_ERROR(ReadRows(
      conn, entity, sql, params, *projection, attributes, rows,
      [&version](const store::Row& row, int first, json::object&) { version = row.Int(first); }));
  if (rows.empty()) return std::optional<StoredRecord>();
  return std::optional<StoredRecord>(StoredRecord{std::move(rows.front()), version});
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

Status RecordReader::ReadRows(store::Connection& conn, const EntityDef& entity,
                              std::string_view sql, std::span<const query::SqlValue> params,
                              const query::Projection& projection,
                              const std::vector<int>& attributes, std::vector<json::object>& out,
                              const ExtraColumns& extra) const {
  bool has_duration = false;
  bool has_contact_flags = false;
  for (const int index : attributes) {
    const AttributeDef& attribute = entity.attributes[static_cast<std::size_t>(index)];
    has_duration |= IsComputedOnly(attribute);
    has_contact_flags |= IsContactFlag(entity, attribute);
  }
  const std::vector<int>& columns = projection.columns;
  return conn.Query(sql, params, [&](const store::Row& row) {
    json::object record;
    record.reserve(attributes.size());
    std::size_t column = 0;
    // `attributes` and `columns` are both in wire order; attributes filled afterwards get a
    // placeholder now so that the key keeps its place.
    for (const int index : attributes) {
      const AttributeDef& attribute = entity.attributes[static_cast<std::size_t>(index)];
      if (column < columns.size() && columns[column] == index) {
        record.emplace(attribute.name, ColumnValue(attribute, row, static_cast<int>(column)));
        ++column;
      } else {
        record.emplace(attribute.name, Placeholder(attribute));
      }
    }
    int link_column = static_cast<int>(columns.size());
    for (const int field : projection.link_sets) {
      FillLinkSet(entity, entity.fields[static_cast<std::size_t>(field)], row.Text(link_column),
                  record);
      ++link_column;
    }
    if (has_duration) FillDuration(entity, attributes, record);
    if (has_contact_flags) NullFlagsWithoutValue(entity, attributes, record);
    if (extra) extra(row, projection.extra_start(), record);
    out.push_back(std::move(record));
    return true;
  });
}

}  // namespace crm::service
