#include "crm/service/record_writer.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "crm/common/ids.hpp"
#include "crm/common/json.hpp"
#include "crm/common/strings.hpp"
#include "crm/query/projection.hpp"
#include "crm/query/sql.hpp"
#include "crm/service/access_rules.hpp"
#include "crm/service/business_rules.hpp"
#include "crm/service/record_sql.hpp"
#include "crm/store/schema.hpp"
#include "crm/webhook/outbox.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;
using metadata::AttributeDef;
using metadata::AttributeKind;
using metadata::EntityDef;
using metadata::FieldDef;
using metadata::FieldType;
using metadata::LinkDef;
using metadata::ValueType;
using query::QuoteIdentifier;
using query::SqlValue;

constexpr std::size_t kMaxDuplicatesReported = 5;
constexpr char kEmailTable[] = "entity_email_address";
constexpr char kPhoneTable[] = "entity_phone_number";

SqlValue ToSqlValue(ValueType type, const json::value& value) {
  if (value.is_null()) return nullptr;
  switch (type) {
    case ValueType::kBool:
      return static_cast<std::int64_t>(value.is_bool() && value.get_bool() ? 1 : 0);
    case ValueType::kInt:
      if (value.is_int64()) return value.get_int64();
      return static_cast<std::int64_t>(value.to_number<double>());
    case ValueType::kFloat:
      return value.to_number<double>();
    case ValueType::kStringArray:
    case ValueType::kJson:
      return SerializeJson(value);
    default:
      if (value.is_string()) return std::string(value.get_string());
      return SerializeJson(value);
  }
}

bool SameValue(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  return a == b;
}

// Stored attributes written by INSERT/UPDATE, other than id, deleted and version_number.
bool IsWritableColumn(const AttributeDef& attribute) {
  return attribute.stored() && attribute.name != "id" && attribute.name != "deleted" &&
         attribute.name != "versionNumber";
}

std::string DigitsOf(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c >= '0' && c <= '9') out.push_back(c);
  }
  return out;
}

// Replaces the email or phone lookup rows of record `id` with those of `items` (its
// emailAddressData or phoneNumberData), one row per distinct address.
Status WriteLookupRows(store::Connection& conn, const std::string& entity_type,
                       const std::string& id, bool email, const json::array& items) {
  const char* table = email ? kEmailTable : kPhoneTable;
  const char* value_column = email ? "lower" : "numeric";
  const char* key = email ? "emailAddress" : "phoneNumber";
  const std::array<SqlValue, 2> owner = {entity_type, id};
  CRM_RETURN_IF_ERROR(conn.Execute(std::string("DELETE FROM ") + table +
                                       " WHERE \"entity_type\" = ? AND \"entity_id\" = ?",
                                   owner)
                          .TakeStatus());
  std::set<std::string> written;
  for (const auto& item : items) {
    const auto& o = item.get_object();
    const std::string value =
        email ? std::string(o.at("lower").get_string()) : DigitsOf(o.at(key).get_string());
    if (value.empty() || !written.insert(value).second) continue;
    const std::array<SqlValue, 4> row = {
        entity_type, id, value, static_cast<std::int64_t>(o.at("primary").get_bool() ? 1 : 0)};
    CRM_RETURN_IF_ERROR(conn.Execute(std::string("INSERT INTO ") + table +
                                         " (\"entity_type\", \"entity_id\", \"" + value_column +
                                         "\", \"is_primary\") VALUES (?, ?, ?, ?)",
                                     row)
                            .TakeStatus());
  }
  return {};
}

}  // namespace

Status RecordWriter::CheckLinkTargets(const EntityDef& entity, const RecordInput& input) {
  for (const auto& [index, value] : input.values) {
    const AttributeDef& attribute = entity.attributes[static_cast<std::size_t>(index)];
    if (attribute.field < 0 || !value.is_string()) continue;
    const FieldDef& field = entity.FieldOf(attribute);
    if (field.type == FieldType::kLink && attribute.name == field.name + "Id") {
      const EntityDef& other = metadata_.Entity(entity.FindLink(field.name)->entity);
      CRM_ASSIGN_OR_RETURN(const bool found,
                           RecordExists(conn_, other, std::string(value.get_string())));
      if (!found) return ValidationFailure(entity, field.name, "valid");
    }
    if (field.type == FieldType::kLinkParent && attribute.name == field.name + "Id") {
      const auto* type = input.Find(entity, field.name + "Type");
      if (type == nullptr || !type->is_string())
        return ValidationFailure(entity, field.name, "valid");
      const EntityDef* other = metadata_.FindEntity(type->get_string());
      if (other == nullptr) return ValidationFailure(entity, field.name, "valid");
      CRM_ASSIGN_OR_RETURN(const bool found,
                           RecordExists(conn_, *other, std::string(value.get_string())));
      if (!found) return ValidationFailure(entity, field.name, "valid");
    }
  }
  for (const auto& set : input.link_sets) {
    if (!set.ids || set.ids->empty()) continue;
    const FieldDef& field = entity.fields[static_cast<std::size_t>(set.field)];
    const EntityDef& other = metadata_.Entity(entity.FindLink(field.name)->entity);
    std::vector<SqlValue> params(set.ids->begin(), set.ids->end());
    std::int64_t count = 0;
    CRM_RETURN_IF_ERROR(conn_.Query("SELECT COUNT(*) FROM " + QuoteIdentifier(other.table) +
                                        " WHERE \"id\" IN (" + Placeholders(params.size()) +
                                        ") AND \"deleted\" = 0",
                                    params, [&](const store::Row& row) {
                                      count = row.Int(0);
                                      return false;
                                    }));
    if (count != static_cast<std::int64_t>(set.ids->size()))
      return ValidationFailure(entity, field.name, "valid");
  }
  return {};
}

Status RecordWriter::CheckDuplicates(const EntityDef& entity, const RecordInput& input) {
  CRM_ASSIGN_OR_RETURN(auto found, FindDuplicates(entity, input));
  if (found.empty()) return {};
  json::array duplicates;
  for (auto& record : found) duplicates.push_back(std::move(record));
  return Status::Conflict("duplicate")
      .WithDetails(json::object{{"duplicates", std::move(duplicates)}});
}

query::SqlFragment RecordWriter::DuplicateQuery(const EntityDef& entity, const RecordInput& input) {
  query::SqlFragment query;
  std::vector<std::string> conditions;
  std::vector<SqlValue> params;
  for (const auto& field_name : entity.duplicate_check_fields) {
    if (field_name == "name") {
      if (entity.person) {
        const auto* first = input.Find(entity, "firstName");
        const auto* last = input.Find(entity, "lastName");
        if (last == nullptr || !last->is_string()) continue;
        conditions.push_back(
            "(LOWER(COALESCE(t.\"first_name\", '')) = LOWER(?) AND LOWER(COALESCE(t.\"last_name\", "
            "'')) = LOWER(?))");
        params.emplace_back(
            first != nullptr && first->is_string() ? std::string(first->get_string()) : "");
        params.emplace_back(std::string(last->get_string()));
      } else if (const auto* name = input.Find(entity, "name");
                 name != nullptr && name->is_string()) {
        conditions.push_back("LOWER(t.\"name\") = LOWER(?)");
        params.emplace_back(std::string(name->get_string()));
      }
    } else if (const FieldDef* field = entity.FindField(field_name);
               field != nullptr && field->type == FieldType::kEmail) {
      // The addresses the record will have: its normalised list when written, else what the body
      // says.
      std::vector<std::string> lowers;
      if (const auto* data = input.Find(entity, field_name + "Data");
          data != nullptr && data->is_array()) {
        for (const auto& item : data->get_array())
          lowers.emplace_back(item.get_object().at("lower").get_string());
      } else {
        for (const auto& intent : input.contact_data) {
          if (&entity.fields[static_cast<std::size_t>(intent.field)] != field) continue;
          if (intent.data) {
            for (const auto& item : *intent.data)
              lowers.emplace_back(item.get_object().at("lower").get_string());
          } else if (intent.primary && intent.primary->is_string()) {
            lowers.push_back(ToLowerAscii(intent.primary->get_string()));
          }
        }
      }
      if (lowers.empty()) continue;
      params.emplace_back(entity.name);
      params.insert(params.end(), lowers.begin(), lowers.end());
      conditions.push_back(std::string("t.\"id\" IN (SELECT \"entity_id\" FROM ") + kEmailTable +
                           " WHERE \"entity_type\" = ? AND \"lower\" IN (" +
                           Placeholders(lowers.size()) + "))");
    }
  }
  if (conditions.empty()) return query;
  // One SELECT per condition, UNION-ed: each uses its own index (the expression index on the names,
  // the lookup table's index on addresses). With OR in one WHERE, SQLite scans the whole table.
  std::string sql = "SELECT id FROM (";
  for (std::size_t i = 0; i < conditions.size(); ++i) {
    if (i != 0) sql += " UNION ";
    sql += "SELECT t.\"id\" AS id FROM " + QuoteIdentifier(entity.table) +
           " t WHERE t.\"deleted\" = 0 AND " + conditions[i];
  }
  sql += ") d ORDER BY id LIMIT " + std::to_string(kMaxDuplicatesReported);
  query.sql = std::move(sql);
  query.params = std::move(params);
  return query;
}

Result<std::vector<json::object>> RecordWriter::FindDuplicates(const EntityDef& entity,
                                                               const RecordInput& input) const {
  std::vector<json::object> out;
  const query::SqlFragment query = DuplicateQuery(entity, input);
  if (query.sql.empty()) return out;
  std::vector<std::string> ids;
  CRM_RETURN_IF_ERROR(conn_.Query(query, [&](const store::Row& row) {
    ids.emplace_back(row.Text(0));
    return true;
  }));
  for (const auto& id : ids) {
    CRM_ASSIGN_OR_RETURN(auto record, ReadBack(entity, id));
    out.push_back(std::move(record.record));
  }
  return out;
}

Status RecordWriter::WriteContactData(const EntityDef& entity, const std::string& id,
                                      RecordInput& input, const json::object* current) {
  for (const auto& intent : input.contact_data) {
    const FieldDef& field = entity.fields[static_cast<std::size_t>(intent.field)];
    const bool email = field.type == FieldType::kEmail;
    const char* key = email ? "emailAddress" : "phoneNumber";
    json::array items;
    if (intent.data) {
      items = *intent.data;
    } else if (current != nullptr) {
      if (const auto* stored = current->if_contains(field.name + "Data");
          stored != nullptr && stored->is_array()) {
        items = stored->get_array();
      }
    }
    if (!intent.data && intent.primary) {
      const auto primary_at = std::find_if(items.begin(), items.end(), [](const json::value& item) {
        return item.get_object().at("primary").get_bool();
      });
      if (intent.primary->is_null()) {
        if (primary_at != items.end()) items.erase(primary_at);
        if (!items.empty()) items.front().as_object()["primary"] = true;
      } else {
        const std::string address(intent.primary->get_string());
        const std::string lower = ToLowerAscii(address);
        const auto same = std::find_if(items.begin(), items.end(), [&](const json::value& item) {
          return ToLowerAscii(item.get_object().at(key).get_string()) == lower;
        });
        if (same != items.end()) {
          for (auto& item : items) item.as_object()["primary"] = false;
          same->as_object()["primary"] = true;
        } else if (primary_at != items.end()) {
          json::object& item = primary_at->as_object();
          item[key] = address;
          if (email) item["lower"] = lower;
          item["optOut"] = false;
          item["invalid"] = false;
        } else {
          json::object item;
          item[key] = address;
          if (email) {
            item["lower"] = lower;
          } else {
            item["type"] = field.default_type.empty() ? "Mobile" : field.default_type;
          }
          item["primary"] = true;
          item["optOut"] = false;
          item["invalid"] = false;
          items.push_back(std::move(item));
        }
        std::stable_partition(items.begin(), items.end(), [](const json::value& item) {
          return item.get_object().at("primary").get_bool();
        });
      }
    }
    if (!items.empty()) {
      json::object& primary = items.front().as_object();
      if (intent.opted_out) primary["optOut"] = *intent.opted_out;
      if (intent.invalid) primary["invalid"] = *intent.invalid;
    }
    // Lookup rows let filters and the duplicate check find a record by any of its addresses. A
    // client that sends the stored addresses back (a sync job sending whole records) changes none:
    // rewriting them would cost two random pages of large indexes per address, and the flags it
    // sends back read null without an address where the row holds false.
    const json::value* stored =
        current != nullptr ? current->if_contains(field.name + "Data") : nullptr;
    const bool unchanged =
        current != nullptr &&
        (stored != nullptr && stored->is_array() ? stored->get_array() == items : items.empty());
    if (unchanged) {
      for (const std::string& attribute :
           {field.name, field.name + "IsOptedOut", field.name + "IsInvalid", field.name + "Data"}) {
        const json::value* value = current->if_contains(attribute);
        input.Set(entity, attribute, value != nullptr ? *value : json::value());
      }
      continue;
    }
    const json::object* primary = items.empty() ? nullptr : &items.front().as_object();
    input.Set(entity, field.name, primary != nullptr ? primary->at(key) : json::value());
    input.Set(entity, field.name + "IsOptedOut",
              primary != nullptr ? primary->at("optOut") : json::value(false));
    input.Set(entity, field.name + "IsInvalid",
              primary != nullptr ? primary->at("invalid") : json::value(false));
    CRM_RETURN_IF_ERROR(WriteLookupRows(conn_, entity.name, id, email, items));
    input.Set(entity, field.name + "Data",
              items.empty() ? json::value() : json::value(std::move(items)));
  }
  return {};
}

Result<bool> RecordWriter::WriteLinkSets(const EntityDef& entity, const std::string& id,
                                         const RecordInput& input) {
  bool changed = false;
  for (const auto& set : input.link_sets) {
    const FieldDef& field = entity.fields[static_cast<std::size_t>(set.field)];
    const LinkDef& link = *entity.FindLink(field.name);
    if (!link.many_to_many() && !set.ids) continue;
    CRM_ASSIGN_OR_RETURN(const bool set_changed, link.many_to_many()
                                                     ? WriteJoinRows(link, id, set)
                                                     : WriteForeignKeys(link, id, *set.ids));
    changed |= set_changed;
  }
  return changed;
}

Result<bool> RecordWriter::WriteForeignKeys(const LinkDef& link, const std::string& id,
                                            const std::vector<std::string>& ids) {
  const EntityDef& other = metadata_.Entity(link.entity);
  const std::string fk = QuoteIdentifier(ToSnakeCase(link.foreign + "Id"));
  std::vector<SqlValue> keep = {id};
  keep.insert(keep.end(), ids.begin(), ids.end());
  const std::string in = ids.empty() ? "" : " AND \"id\" NOT IN (" + Placeholders(ids.size()) + ")";
  CRM_ASSIGN_OR_RETURN(const std::int64_t released,
                       conn_.Execute("UPDATE " + QuoteIdentifier(other.table) + " SET " + fk +
                                         " = NULL WHERE " + fk + " = ?" + in,
                                     keep));
  bool changed = released > 0;
  for (const auto& other_id : ids) {
    const std::array<SqlValue, 3> params = {id, other_id, id};
    CRM_ASSIGN_OR_RETURN(
        const std::int64_t taken,
        conn_.Execute("UPDATE " + QuoteIdentifier(other.table) + " SET " + fk +
                          " = ? WHERE \"id\" = ? AND " + fk + " IS DISTINCT FROM ?",
                      params));
    changed |= taken > 0;
  }
  return changed;
}

namespace {

// The value of relation column `column` for related record `other_id`: the one `set` gives
// (`given`), else the column's default.
SqlValue RelationColumnValue(const LinkSetInput& set, const std::string& other_id,
                             const metadata::RelationColumn& column, bool& given) {
  given = false;
  if (set.columns) {
    if (const auto* row = set.columns->if_contains(other_id); row != nullptr) {
      if (const auto* v = row->get_object().if_contains(column.name); v != nullptr) {
        given = true;
        return ToSqlValue(column.type, *v);
      }
    }
  }
  return ToSqlValue(column.type, column.default_value);
}

}  // namespace

Result<bool> RecordWriter::WriteJoinRows(const LinkDef& link, const std::string& id,
                                         const LinkSetInput& set) {
  // Bring the join rows of this record to the requested set.
  std::string scope = " WHERE " + QuoteIdentifier(link.near_key_column) + " = ?";
  std::vector<SqlValue> scope_params = {id};
  for (const auto& [column, value] : link.conditions) {
    scope += " AND " + QuoteIdentifier(column) + " = ?";
    scope_params.emplace_back(value);
  }
  std::set<std::string> existing;
  CRM_RETURN_IF_ERROR(conn_.Query("SELECT " + QuoteIdentifier(link.far_key_column) + " FROM " +
                                      QuoteIdentifier(link.join_table) + scope,
                                  scope_params, [&](const store::Row& row) {
                                    existing.emplace(row.Text(0));
                                    return true;
                                  }));
  const std::vector<std::string> desired =
      set.ids ? *set.ids : std::vector<std::string>(existing.begin(), existing.end());
  const std::set<std::string> desired_set(desired.begin(), desired.end());
  bool changed = false;
  for (const auto& old_id : existing) {
    if (desired_set.count(old_id) != 0) continue;
    std::vector<SqlValue> params = scope_params;
    params.emplace_back(old_id);
    CRM_RETURN_IF_ERROR(conn_
                            .Execute("DELETE FROM " + QuoteIdentifier(link.join_table) + scope +
                                         " AND " + QuoteIdentifier(link.far_key_column) + " = ?",
                                     params)
                            .TakeStatus());
    changed = true;
  }
  for (const auto& other_id : desired) {
    if (existing.count(other_id) == 0) {
      std::string columns =
          QuoteIdentifier(link.near_key_column) + ", " + QuoteIdentifier(link.far_key_column);
      std::vector<SqlValue> params = {id, other_id};
      for (const auto& [column, value] : link.conditions) {
        columns += ", " + QuoteIdentifier(column);
        params.emplace_back(value);
      }
      for (const auto& column : link.additional_columns) {
        bool given = false;
        columns += ", " + QuoteIdentifier(column.column);
        params.push_back(RelationColumnValue(set, other_id, column, given));
      }
      CRM_RETURN_IF_ERROR(conn_
                              .Execute("INSERT INTO " + QuoteIdentifier(link.join_table) + " (" +
                                           columns + ") VALUES (" + Placeholders(params.size()) +
                                           ")",
                                       params)
                              .TakeStatus());
      changed = true;
      continue;
    }
    for (const auto& column : link.additional_columns) {
      bool given = false;
      SqlValue value = RelationColumnValue(set, other_id, column, given);
      if (!given) continue;
      std::vector<SqlValue> params = {value};
      params.insert(params.end(), scope_params.begin(), scope_params.end());
      params.emplace_back(other_id);
      params.push_back(value);
      CRM_ASSIGN_OR_RETURN(
          const std::int64_t updated,
          conn_.Execute("UPDATE " + QuoteIdentifier(link.join_table) + " SET " +
                            QuoteIdentifier(column.column) + " = ?" + scope + " AND " +
                            QuoteIdentifier(link.far_key_column) + " = ? AND " +
                            QuoteIdentifier(column.column) + " IS DISTINCT FROM ?",
                        params));
      changed |= updated > 0;
    }
  }
  return changed;
}

Status RecordWriter::EmitEvent(const EntityDef& entity, const std::string& id,
                               webhook::EventType type, const json::object& payload) {
  if (!entity.object) return {};
  const std::array<SqlValue, 6> params = {
      entity.name + "." + std::string(webhook::EventTypeWord(type)),
      entity.name,
      id,
      principal_.id,
      SerializeJson(payload),
      FormatDateTime(now_)};
  CRM_ASSIGN_OR_RETURN(const std::int64_t seq,
                       conn_.InsertReturningKey(std::string("INSERT INTO ") + store::kEventTable +
                                                    " (\"event\", \"entity_type\", \"entity_id\", "
                                                    "\"user_id\", \"payload\", \"created_at\") "
                                                    "VALUES (?, ?, ?, ?, ?, ?)",
                                                "seq", params));
  // The webhooks' deliveries go in the same transaction as the change and its event.
  return webhook::QueueDeliveries(
      conn_, {seq, &entity, type, &payload, principal_.id, id, &metadata_}, now_);
}

Status RecordWriter::CheckPreconditions(const EntityDef& entity, const std::string& id,
                                        std::int64_t version, const json::object& current,
                                        const RecordInput& input, const WriteOptions& options) {
  if (options.if_match && !options.if_match->empty() &&
      std::find(options.if_match->begin(), options.if_match->end(), version) ==
          options.if_match->end()) {
    return Status::FailedPrecondition("Record " + id + " has changed since the given ETag.");
  }
  if (!entity.optimistic_concurrency || !options.version_number ||
      *options.version_number == version)
    return {};
  // A stale version conflicts only when the request would change a stored value (EspoCRM's rule).
  json::object values;
  for (const auto& [index, value] : input.values) {
    const AttributeDef& attribute = entity.attributes[static_cast<std::size_t>(index)];
    const auto* stored = current.if_contains(attribute.name);
    if (stored != nullptr && !SameValue(*stored, value)) values[attribute.name] = *stored;
  }
  if (values.empty()) return {};
  return Status::Conflict("modified")
      .WithDetails(json::object{{"values", std::move(values)}, {"versionNumber", version}});
}

Result<RecordResult> RecordWriter::Create(const EntityDef& entity, RecordInput input,
                                          const WriteOptions& options) {
  RuleContext context{conn_, metadata_, entity,  WriteMode::kCreate, principal_, now_,
                      input, nullptr,   secrets_};
  CRM_RETURN_IF_ERROR(ApplyRulesBeforeSave(context));
  CRM_RETURN_IF_ERROR(CheckAssignment(conn_, principal_, metadata_, entity, input, nullptr));
  CRM_RETURN_IF_ERROR(CheckLinkTargets(entity, input));
  const std::string id = GenerateId();
  CRM_RETURN_IF_ERROR(WriteContactData(entity, id, input, nullptr));
  if (!options.skip_duplicate_check && !input.skip_duplicate_check) {
    CRM_RETURN_IF_ERROR(CheckDuplicates(entity, input));
  }
  const std::string now = FormatDateTime(now_);
  if (entity.HasField("createdAt")) input.Set(entity, "createdAt", json::string(now));
  if (entity.HasField("modifiedAt")) input.Set(entity, "modifiedAt", json::string(now));
  if (entity.HasField("createdBy")) input.Set(entity, "createdById", json::string(principal_.id));
  for (const auto& field : entity.fields) {
    if (field.type != FieldType::kAutoincrement) continue;
    const std::string column = QuoteIdentifier(entity.FindAttribute(field.name)->column);
    std::int64_t next = 1;
    CRM_RETURN_IF_ERROR(conn_.Query(
        "SELECT COALESCE(MAX(" + column + "), 0) + 1 FROM " + QuoteIdentifier(entity.table), {},
        [&](const store::Row& row) {
          next = row.Int(0);
          return false;
        }));
    input.Set(entity, field.name, next);
  }

  std::string columns = "\"id\", \"deleted\", \"version_number\"";
  std::vector<SqlValue> params = {id, std::int64_t{0}, std::int64_t{1}};
  for (const auto& attribute : entity.attributes) {
    if (!IsWritableColumn(attribute)) continue;
    columns += ", " + QuoteIdentifier(attribute.column);
    const json::value* value = input.Find(entity, attribute.name);
    if (value != nullptr) {
      params.push_back(ToSqlValue(attribute.type, *value));
    } else if (attribute.type == ValueType::kBool) {
      params.emplace_back(std::int64_t{0});
    } else {
      params.emplace_back(nullptr);
    }
  }
  CRM_RETURN_IF_ERROR(conn_
                          .Execute("INSERT INTO " + QuoteIdentifier(entity.table) + " (" + columns +
                                       ") VALUES (" + Placeholders(params.size()) + ")",
                                   params)
                          .TakeStatus());
  CRM_RETURN_IF_ERROR(WriteLinkSets(entity, id, input).TakeStatus());
  CRM_RETURN_IF_ERROR(ApplyRulesAfterSave(context, id));
  CRM_ASSIGN_OR_RETURN(RecordResult created, ReadBack(entity, id));
  CRM_RETURN_IF_ERROR(EmitEvent(entity, id, webhook::EventType::kCreate, created.record));
  for (auto& [key, value] : context.shown_once) created.record[key] = std::move(value);
  return created;
}

Result<RecordResult> RecordWriter::Update(const EntityDef& entity, const std::string& id,
                                          RecordInput input, const WriteOptions& options) {
  CRM_ASSIGN_OR_RETURN(auto stored,
                       reader_.ReadById(conn_, entity, id, reader_.StoredAttributes(entity)));
  if (!stored) return Status::NotFound("Record " + id + " not found.");
  CRM_RETURN_IF_ERROR(
      CheckPreconditions(entity, id, stored->version, stored->record, input, options));
  RuleContext context{conn_,      metadata_, entity, WriteMode::kUpdate,
                      principal_, now_,      input,  &stored->record};
  CRM_RETURN_IF_ERROR(ApplyRulesBeforeSave(context));
  CRM_RETURN_IF_ERROR(
      CheckAssignment(conn_, principal_, metadata_, entity, input, &stored->record));
  CRM_RETURN_IF_ERROR(CheckLinkTargets(entity, input));
  CRM_RETURN_IF_ERROR(WriteContactData(entity, id, input, &stored->record));

  std::string assignments;
  std::vector<SqlValue> params;
  for (const auto& [index, value] : input.values) {
    const AttributeDef& attribute = entity.attributes[static_cast<std::size_t>(index)];
    if (!IsWritableColumn(attribute)) continue;
    const auto* before = stored->record.if_contains(attribute.name);
    if (before != nullptr && SameValue(*before, value)) continue;
    assignments += QuoteIdentifier(attribute.column) + " = ?, ";
    params.push_back(ToSqlValue(attribute.type, value));
  }
  CRM_ASSIGN_OR_RETURN(const bool links_changed, WriteLinkSets(entity, id, input));
  if (!assignments.empty() || links_changed) {
    if (entity.HasField("modifiedAt")) {
      assignments += "\"modified_at\" = ?, ";
      params.emplace_back(FormatDateTime(now_));
    }
    // Set only when it changes: SQLite rewrites the index entry of every indexed column the SET
    // names, even to the value it holds, and (modified_by_id, id) puts that entry on a random leaf
    // of a large index: a page to read, log and write back for nothing.
    const auto* modified_by = stored->record.if_contains("modifiedById");
    if (entity.HasField("modifiedBy") && (modified_by == nullptr || !modified_by->is_string() ||
                                          modified_by->get_string() != principal_.id)) {
      assignments += "\"modified_by_id\" = ?, ";
      params.emplace_back(principal_.id);
    }
    params.emplace_back(id);
    CRM_RETURN_IF_ERROR(
        conn_
            .Execute("UPDATE " + QuoteIdentifier(entity.table) + " SET " + assignments +
                         "\"version_number\" = \"version_number\" + 1 WHERE \"id\" = ?",
                     params)
            .TakeStatus());
  }
  CRM_RETURN_IF_ERROR(ApplyRulesAfterSave(context, id));
  CRM_ASSIGN_OR_RETURN(RecordResult updated, ReadBack(entity, id));
  if (updated.version != stored->version) {
    // The event carries what changed (and the id), as EspoCRM's update webhooks do: every attribute
    // of each field that changed, so a changed accountId comes with its accountName.
    std::set<int> changed_fields;
    for (const auto& [key, value] : updated.record) {
      const AttributeDef* attribute = entity.FindAttribute(key);
      if (attribute == nullptr || attribute->field < 0 || !attribute->stored()) continue;
      const auto* before = stored->record.if_contains(key);
      if (before == nullptr || !SameValue(*before, value)) changed_fields.insert(attribute->field);
    }
    if (links_changed) {
      for (const auto& set : input.link_sets) changed_fields.insert(set.field);
    }
    json::object changed{{"id", id}};
    for (const auto& [key, value] : updated.record) {
      const AttributeDef* attribute = entity.FindAttribute(key);
      if (attribute == nullptr || changed_fields.count(attribute->field) == 0) continue;
      const std::string& field = entity.FieldOf(*attribute).name;
      if (field == "modifiedAt" || field == "modifiedBy") continue;
      changed[key] = value;
    }
    CRM_RETURN_IF_ERROR(EmitEvent(entity, id, webhook::EventType::kUpdate, changed));
  }
  return updated;
}

Status RecordWriter::Delete(const EntityDef& entity, const std::string& id,
                            const WriteOptions& options) {
  if (options.if_match && !options.if_match->empty()) {
    std::optional<std::int64_t> version;
    const std::array<SqlValue, 1> key = {id};
    CRM_RETURN_IF_ERROR(conn_.Query("SELECT \"version_number\" FROM " +
                                        QuoteIdentifier(entity.table) +
                                        " WHERE \"id\" = ? AND \"deleted\" = 0",
                                    key, [&](const store::Row& row) {
                                      version = row.Int(0);
                                      return false;
                                    }));
    if (version && std::find(options.if_match->begin(), options.if_match->end(), *version) ==
                       options.if_match->end()) {
      return Status::FailedPrecondition("Record " + id + " has changed since the given ETag.");
    }
  }
  std::string assignments = "\"deleted\" = 1, \"version_number\" = \"version_number\" + 1";
  std::vector<SqlValue> params;
  if (entity.HasField("modifiedAt")) {
    assignments += ", \"modified_at\" = ?";
    params.emplace_back(FormatDateTime(now_));
  }
  if (entity.HasField("modifiedBy")) {
    assignments += ", \"modified_by_id\" = ?";
    params.emplace_back(principal_.id);
  }
  params.emplace_back(id);
  CRM_ASSIGN_OR_RETURN(const std::int64_t changed,
                       conn_.Execute("UPDATE " + QuoteIdentifier(entity.table) + " SET " +
                                         assignments + " WHERE \"id\" = ? AND \"deleted\" = 0",
                                     params));
  if (changed == 0) return Status::NotFound("Record " + id + " not found.");
  CRM_RETURN_IF_ERROR(EmitEvent(entity, id, webhook::EventType::kDelete, json::object{{"id", id}}));
  // A deleted record no longer counts as a duplicate or matches an address filter.
  const std::array<SqlValue, 2> owner = {entity.name, id};
  for (const char* table : {kEmailTable, kPhoneTable}) {
    CRM_RETURN_IF_ERROR(conn_
                            .Execute(std::string("DELETE FROM ") + table +
                                         " WHERE \"entity_type\" = ? AND \"entity_id\" = ?",
                                     owner)
                            .TakeStatus());
  }
  return {};
}

Result<RecordResult> RecordWriter::ReadBack(const EntityDef& entity, const std::string& id) const {
  std::vector<int> narrowed;
  CRM_ASSIGN_OR_RETURN(
      auto stored,
      reader_.ReadById(conn_, entity, id, reader_.FullAttributes(entity, principal_, narrowed)));
  if (!stored) return Status::NotFound("Record " + id + " not found.");
  return RecordResult{std::move(stored->record), stored->version};
}

}  // namespace crm::service
