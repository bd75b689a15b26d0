#include "crm/metadata/metadata.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <boost/json/parse.hpp>

#include "crm/common/strings.hpp"

namespace crm::metadata {
namespace {

namespace json = boost::json;

constexpr std::array<std::pair<std::string_view, FieldType>, 27> kFieldTypeNames = {{
    {"varchar", FieldType::kVarchar},
    {"text", FieldType::kText},
    {"url", FieldType::kUrl},
    {"enum", FieldType::kEnum},
    {"multiEnum", FieldType::kMultiEnum},
    {"array", FieldType::kArray},
    {"bool", FieldType::kBool},
    {"int", FieldType::kInt},
    {"autoincrement", FieldType::kAutoincrement},
    {"float", FieldType::kFloat},
    {"currency", FieldType::kCurrency},
    {"date", FieldType::kDate},
    {"datetime", FieldType::kDatetime},
    {"datetimeOptional", FieldType::kDatetimeOptional},
    {"personName", FieldType::kPersonName},
    {"address", FieldType::kAddress},
    {"email", FieldType::kEmail},
    {"phone", FieldType::kPhone},
    {"link", FieldType::kLink},
    {"linkOne", FieldType::kLinkOne},
    {"linkParent", FieldType::kLinkParent},
    {"linkMultiple", FieldType::kLinkMultiple},
    {"foreign", FieldType::kForeign},
    {"jsonObject", FieldType::kJsonObject},
    {"jsonArray", FieldType::kJsonArray},
    {"duration", FieldType::kDuration},
    {"password", FieldType::kPassword},
}};

// Default maxLength of varchar-like fields without one, as in EspoCRM.
constexpr int kDefaultVarcharMaxLength = 255;

Status Bad(const std::string& entity, const std::string& what) {
  return Status::InvalidArgument("metadata " + entity + ": " + what);
}

void MergeInto(json::object& base, const json::object& overlay) {
  for (const auto& [key, value] : overlay) {
    auto* existing = base.if_contains(key);
    if (existing != nullptr && existing->is_object() && value.is_object()) {
      MergeInto(existing->as_object(), value.as_object());
    } else {
      base[key] = value;
    }
  }
}

std::string StringOr(const json::object& o, std::string_view key, std::string fallback = {}) {
  if (const auto* v = o.if_contains(key); v != nullptr && v->is_string()) {
    return std::string(v->get_string());
  }
  return fallback;
}

bool BoolOr(const json::object& o, std::string_view key, bool fallback = false) {
  if (const auto* v = o.if_contains(key); v != nullptr && v->is_bool()) return v->get_bool();
  return fallback;
}

std::optional<double> NumberOf(const json::object& o, std::string_view key) {
  if (const auto* v = o.if_contains(key); v != nullptr && v->is_number()) {
    return v->to_number<double>();
  }
  return std::nullopt;
}

Result<std::vector<std::string>> StringList(const std::string& entity, const json::object& o,
                                            std::string_view key) {
  std::vector<std::string> out;
  const auto* v = o.if_contains(key);
  if (v == nullptr) return out;
  if (!v->is_array()) return Bad(entity, std::string(key) + " must be an array");
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) return Bad(entity, std::string(key) + " must hold strings");
    out.emplace_back(item.get_string());
  }
  return out;
}

Result<std::optional<int>> IntOf(const std::string& entity, const json::object& o,
                                 std::string_view key) {
  const auto number = NumberOf(o, key);
  if (!number) return std::optional<int>();
  if (*number < 0 || *number > 1e9) return Bad(entity, std::string(key) + " out of range");
  return std::optional<int>(static_cast<int>(*number));
}

class EntityBuilder {
 public:
  EntityBuilder(std::string name, const json::object& def) : def_(def) {
    entity_.name = std::move(name);
    entity_.table = ToSnakeCase(entity_.name);
  }

  Result<EntityDef> Build() {
    CRM_RETURN_IF_ERROR(ParseLinks());
    CRM_RETURN_IF_ERROR(ParseFields());
    BuildAttributes();
    CRM_RETURN_IF_ERROR(ParseCollection());
    CRM_RETURN_IF_ERROR(ParseIndexes());
    CRM_RETURN_IF_ERROR(ParseFilters("primaryFilters", entity_.primary_filters));
    CRM_RETURN_IF_ERROR(ParseFilters("boolFilters", entity_.bool_filters));
    return std::move(entity_);
  }

 private:
  Status ParseLinks() {
    const auto* links = def_.if_contains("links");
    if (links == nullptr) return {};
    if (!links->is_object()) return Bad(entity_.name, "links must be an object");
    for (const auto& [key, value] : links->get_object()) {
      if (!value.is_object())
        return Bad(entity_.name, "link " + std::string(key) + " must be an object");
      const auto& o = value.get_object();
      LinkDef link;
      link.name = std::string(key);
      const std::string type = StringOr(o, "type");
      if (type == "belongsTo") {
        link.type = LinkType::kBelongsTo;
      } else if (type == "hasMany") {
        link.type = LinkType::kHasMany;
      } else if (type == "hasOne") {
        link.type = LinkType::kHasOne;
      } else if (type == "hasChildren") {
        link.type = LinkType::kHasChildren;
      } else if (type == "belongsToParent") {
        link.type = LinkType::kBelongsToParent;
      } else {
        return Bad(entity_.name, "link " + link.name + " has unknown type '" + type + "'");
      }
      link.entity = StringOr(o, "entity");
      link.foreign = StringOr(o, "foreign");
      if (link.entity.empty() && link.type != LinkType::kBelongsToParent) {
        return Bad(entity_.name, "link " + link.name + " needs an entity");
      }
      link.relation_name = StringOr(o, "relationName");
      if (link.many_to_many()) {
        if (link.type != LinkType::kHasMany) {
          return Bad(entity_.name, "link " + link.name + ": relationName needs type hasMany");
        }
        CRM_ASSIGN_OR_RETURN(auto mid_keys, StringList(entity_.name, o, "midKeys"));
        if (mid_keys.size() != 2) {
          return Bad(entity_.name, "link " + link.name + " needs two midKeys");
        }
        link.join_table = ToSnakeCase(link.relation_name);
        link.near_key_column = ToSnakeCase(mid_keys[0]);
        link.far_key_column = ToSnakeCase(mid_keys[1]);
        if (const auto* conditions = o.if_contains("conditions")) {
          if (!conditions->is_object()) return Bad(entity_.name, "conditions must be an object");
          for (const auto& [ckey, cvalue] : conditions->get_object()) {
            if (!cvalue.is_string()) return Bad(entity_.name, "condition values must be strings");
            link.conditions.emplace_back(ToSnakeCase(ckey), std::string(cvalue.get_string()));
          }
        }
        if (const auto* columns = o.if_contains("additionalColumns")) {
          if (!columns->is_object())
            return Bad(entity_.name, "additionalColumns must be an object");
          for (const auto& [ckey, cvalue] : columns->get_object()) {
            if (!cvalue.is_object())
              return Bad(entity_.name, "additional column must be an object");
            const auto& co = cvalue.get_object();
            RelationColumn column;
            column.name = std::string(ckey);
            column.column = ToSnakeCase(ckey);
            const std::string ctype = StringOr(co, "type", "varchar");
            if (ctype == "bool") {
              column.type = ValueType::kBool;
            } else if (ctype == "int") {
              column.type = ValueType::kInt;
            } else if (ctype != "varchar" && ctype != "enum") {
              return Bad(entity_.name, "additional column type '" + ctype + "' is not supported");
            }
            CRM_ASSIGN_OR_RETURN(column.options, StringList(entity_.name, co, "options"));
            CRM_ASSIGN_OR_RETURN(column.max_length, IntOf(entity_.name, co, "maxLength"));
            if (const auto* d = co.if_contains("default")) column.default_value = *d;
            link.additional_columns.push_back(std::move(column));
          }
        }
      }
      entity_.link_index[link.name] = static_cast<int>(entity_.links.size());
      entity_.links.push_back(std::move(link));
    }
    return {};
  }

  Status ParseFields() {
    const auto* fields = def_.if_contains("fields");
    if (fields == nullptr || !fields->is_object())
      return Bad(entity_.name, "fields must be an object");
    for (const auto& [key, value] : fields->get_object()) {
      if (!value.is_object())
        return Bad(entity_.name, "field " + std::string(key) + " must be an object");
      const auto& o = value.get_object();
      FieldDef field;
      field.name = std::string(key);
      const std::string type = StringOr(o, "type");
      const auto parsed = ParseFieldType(type);
      if (!parsed)
        return Bad(entity_.name, "field " + field.name + " has unknown type '" + type + "'");
      field.type = *parsed;
      field.required = BoolOr(o, "required");
      field.read_only = BoolOr(o, "readOnly");
      field.read_only_after_create = BoolOr(o, "readOnlyAfterCreate");
      field.not_storable = BoolOr(o, "notStorable");
      field.internal = BoolOr(o, "internal") || field.type == FieldType::kPassword;
      field.sensitive = BoolOr(o, "sensitive");
      const std::string pattern = StringOr(o, "pattern");
      if (!pattern.empty() && pattern != "$noBadCharacters") {
        return Bad(entity_.name,
                   "field " + field.name + ": only the $noBadCharacters pattern is supported");
      }
      field.no_bad_characters = pattern == "$noBadCharacters";
      CRM_ASSIGN_OR_RETURN(field.max_length, IntOf(entity_.name, o, "maxLength"));
      field.min = NumberOf(o, "min");
      field.max = NumberOf(o, "max");
      CRM_ASSIGN_OR_RETURN(field.options, StringList(entity_.name, o, "options"));
      if (const auto* d = o.if_contains("default")) field.default_value = *d;
      CRM_ASSIGN_OR_RETURN(field.type_list, StringList(entity_.name, o, "typeList"));
      field.default_type = StringOr(o, "defaultType");
      field.foreign_link = StringOr(o, "link");
      field.foreign_field = StringOr(o, "field");
      CRM_ASSIGN_OR_RETURN(field.entity_list, StringList(entity_.name, o, "entityList"));
      if (const auto* columns = o.if_contains("columns")) {
        if (!columns->is_object()) return Bad(entity_.name, "columns must be an object");
        for (const auto& [ckey, cvalue] : columns->get_object()) {
          if (!cvalue.is_string()) return Bad(entity_.name, "columns values must be strings");
          field.columns.emplace_back(std::string(ckey), std::string(cvalue.get_string()));
        }
      }
      if (const auto* map = o.if_contains("probabilityMap")) {
        if (!map->is_object()) return Bad(entity_.name, "probabilityMap must be an object");
        for (const auto& [option, probability] : map->get_object()) {
          if (!probability.is_int64() || probability.get_int64() < 0 ||
              probability.get_int64() > 100) {
            return Bad(entity_.name, "probabilityMap values must be integers from 0 to 100");
          }
          field.probability_map.emplace_back(std::string(option), probability.get_int64());
        }
      }
      if ((field.type == FieldType::kVarchar || field.type == FieldType::kUrl) &&
          !field.max_length) {
        field.max_length = kDefaultVarcharMaxLength;
      }
      CRM_RETURN_IF_ERROR(CheckFieldLink(field));
      if (field.type == FieldType::kPersonName) {
        if (field.name != "name")
          return Bad(entity_.name, "a personName field must be called name");
        entity_.person = true;
      }
      entity_.field_index[field.name] = static_cast<int>(entity_.fields.size());
      entity_.fields.push_back(std::move(field));
    }
    return {};
  }

  Status CheckFieldLink(const FieldDef& field) const {
    const auto link_of = [&](LinkType type) -> Status {
      const LinkDef* link = entity_.FindLink(field.name);
      if (link == nullptr || link->type != type) {
        return Bad(entity_.name,
                   "field " + field.name + " needs a link of the same name and matching type");
      }
      return {};
    };
    switch (field.type) {
      case FieldType::kLink:
        return link_of(LinkType::kBelongsTo);
      case FieldType::kLinkOne:
        return link_of(LinkType::kHasOne);
      case FieldType::kLinkParent:
        return link_of(LinkType::kBelongsToParent);
      case FieldType::kLinkMultiple:
        return link_of(LinkType::kHasMany);
      case FieldType::kForeign: {
        const LinkDef* link = entity_.FindLink(field.foreign_link);
        if (link == nullptr || link->type != LinkType::kBelongsTo || field.foreign_field.empty()) {
          return Bad(entity_.name,
                     "foreign field " + field.name + " needs a belongsTo link and a field");
        }
        return {};
      }
      default:
        return {};
    }
  }

  int AddAttribute(AttributeDef attribute) {
    const int index = static_cast<int>(entity_.attributes.size());
    entity_.attribute_index[attribute.name] = index;
    entity_.attributes.push_back(std::move(attribute));
    return index;
  }

  // Adds an attribute owned by `field_index` and records it on the field.
  void Add(int field_index, std::string name, ValueType type, AttributeKind kind, bool stored,
           bool read_only) {
    FieldDef& field = entity_.fields[static_cast<std::size_t>(field_index)];
    AttributeDef attribute;
    attribute.column = stored ? ToSnakeCase(name) : std::string();
    attribute.name = std::move(name);
    attribute.type = type;
    attribute.kind = kind;
    attribute.field = field_index;
    attribute.read_only = read_only || field.read_only;
    attribute.internal = field.internal;
    attribute.sensitive = field.sensitive;
    attribute.no_bad_characters = field.no_bad_characters;
    if (type == ValueType::kString && kind == AttributeKind::kColumn) {
      attribute.max_length = field.max_length;
    }
    field.attributes.push_back(AddAttribute(std::move(attribute)));
  }

  void AddFieldAttributes(int index) {
    const FieldDef& field = entity_.fields[static_cast<std::size_t>(index)];
    const std::string f = field.name;
    const bool stored = !field.not_storable;
    switch (field.type) {
      case FieldType::kVarchar:
      case FieldType::kText:
      case FieldType::kUrl:
      case FieldType::kEnum:
        if (stored) Add(index, f, ValueType::kString, AttributeKind::kColumn, true, false);
        break;
      case FieldType::kMultiEnum:
      case FieldType::kArray:
        if (stored) Add(index, f, ValueType::kStringArray, AttributeKind::kColumn, true, false);
        break;
      case FieldType::kBool:
        if (stored) Add(index, f, ValueType::kBool, AttributeKind::kColumn, true, false);
        break;
      case FieldType::kInt:
        if (stored) Add(index, f, ValueType::kInt, AttributeKind::kColumn, true, false);
        break;
      case FieldType::kAutoincrement:
        Add(index, f, ValueType::kInt, AttributeKind::kColumn, true, true);
        break;
      case FieldType::kFloat:
        if (stored) Add(index, f, ValueType::kFloat, AttributeKind::kColumn, true, false);
        break;
      case FieldType::kCurrency:
        Add(index, f, ValueType::kFloat, AttributeKind::kColumn, true, false);
        Add(index, f + "Currency", ValueType::kString, AttributeKind::kColumn, true, false);
        Add(index, f + "Converted", ValueType::kFloat, AttributeKind::kCurrencyConverted, false,
            true);
        break;
      case FieldType::kDate:
        Add(index, f, ValueType::kDate, AttributeKind::kColumn, true, false);
        break;
      case FieldType::kDatetime:
        Add(index, f, ValueType::kDateTime, AttributeKind::kColumn, true, false);
        break;
      case FieldType::kDatetimeOptional:
        Add(index, f, ValueType::kDateTime, AttributeKind::kColumn, true, false);
        Add(index, f + "Date", ValueType::kDate, AttributeKind::kColumn, true, false);
        break;
      case FieldType::kPersonName:
        Add(index, f, ValueType::kString, AttributeKind::kPersonName, false, true);
        break;
      case FieldType::kAddress: {
        static constexpr std::array<std::pair<std::string_view, int>, 5> kParts = {
            {{"Street", 255}, {"City", 100}, {"State", 100}, {"Country", 100}, {"PostalCode", 40}}};
        for (const auto& [suffix, max_length] : kParts) {
          Add(index, f + std::string(suffix), ValueType::kString, AttributeKind::kColumn, true,
              false);
          entity_.attributes.back().max_length = max_length;
          entity_.attributes.back().no_bad_characters = true;
        }
        break;
      }
      case FieldType::kEmail:
        Add(index, f, ValueType::kString, AttributeKind::kColumn, true, false);
        entity_.attributes.back().max_length = 255;
        Add(index, f + "Data", ValueType::kJson, AttributeKind::kEmailData, true, false);
        Add(index, f + "IsOptedOut", ValueType::kBool, AttributeKind::kColumn, true, false);
        Add(index, f + "IsInvalid", ValueType::kBool, AttributeKind::kColumn, true, false);
        break;
      case FieldType::kPhone:
        Add(index, f, ValueType::kString, AttributeKind::kColumn, true, false);
        entity_.attributes.back().max_length = 36;
        Add(index, f + "Data", ValueType::kJson, AttributeKind::kPhoneData, true, false);
        Add(index, f + "IsOptedOut", ValueType::kBool, AttributeKind::kColumn, true, false);
        Add(index, f + "IsInvalid", ValueType::kBool, AttributeKind::kColumn, true, false);
        break;
      case FieldType::kLink:
        Add(index, f + "Id", ValueType::kString, AttributeKind::kColumn, true, false);
        entity_.attributes.back().max_length.reset();
        Add(index, f + "Name", ValueType::kString, AttributeKind::kLinkName, false, true);
        break;
      case FieldType::kLinkOne:
        Add(index, f + "Id", ValueType::kString, AttributeKind::kLinkOneId, false, true);
        Add(index, f + "Name", ValueType::kString, AttributeKind::kLinkOneName, false, true);
        break;
      case FieldType::kLinkParent:
        Add(index, f + "Id", ValueType::kString, AttributeKind::kColumn, true, false);
        entity_.attributes.back().max_length.reset();
        Add(index, f + "Type", ValueType::kString, AttributeKind::kColumn, true, false);
        entity_.attributes.back().max_length.reset();
        Add(index, f + "Name", ValueType::kString, AttributeKind::kParentName, false, true);
        break;
      case FieldType::kLinkMultiple:
        Add(index, f + "Ids", ValueType::kIdArray, AttributeKind::kLinkMultipleIds, false, false);
        Add(index, f + "Names", ValueType::kObject, AttributeKind::kLinkMultipleNames, false, true);
        if (!field.columns.empty()) {
          Add(index, f + "Columns", ValueType::kObject, AttributeKind::kLinkMultipleColumns, false,
              false);
        }
        break;
      case FieldType::kForeign:
        Add(index, f, ValueType::kString, AttributeKind::kForeign, false, true);
        break;
      case FieldType::kJsonObject:
      case FieldType::kJsonArray:
        Add(index, f, ValueType::kJson, AttributeKind::kColumn, true, false);
        break;
      case FieldType::kDuration:
        Add(index, f, ValueType::kInt, AttributeKind::kDuration, false, false);
        break;
      case FieldType::kPassword:
        Add(index, f, ValueType::kString, AttributeKind::kColumn, true, true);
        break;
    }
  }

  // Wire order as in EspoCRM records: id, name, deleted, the other fields, versionNumber.
  void BuildAttributes() {
    AttributeDef id;
    id.name = "id";
    id.column = "id";
    id.read_only = true;
    AddAttribute(std::move(id));
    const int name_index =
        entity_.FindField("name") != nullptr ? entity_.field_index.at("name") : -1;
    if (name_index >= 0) AddFieldAttributes(name_index);
    AttributeDef deleted;
    deleted.name = "deleted";
    deleted.column = "deleted";
    deleted.type = ValueType::kBool;
    deleted.read_only = true;
    AddAttribute(std::move(deleted));
    for (int i = 0; i < static_cast<int>(entity_.fields.size()); ++i) {
      if (i != name_index) AddFieldAttributes(i);
    }
  }

  Status ParseCollection() {
    if (const auto* collection = def_.if_contains("collection"); collection != nullptr) {
      if (!collection->is_object()) return Bad(entity_.name, "collection must be an object");
      const auto& o = collection->get_object();
      entity_.order_by = StringOr(o, "orderBy", entity_.order_by);
      entity_.order_desc = StringOr(o, "order", "desc") == "desc";
      CRM_ASSIGN_OR_RETURN(entity_.text_filter_fields,
                           StringList(entity_.name, o, "textFilterFields"));
    }
    if (entity_.text_filter_fields.empty() && entity_.FindField("name") != nullptr) {
      entity_.text_filter_fields.push_back("name");
    }
    if (entity_.FindField(entity_.order_by) == nullptr &&
        entity_.FindAttribute(entity_.order_by) == nullptr) {
      return Bad(entity_.name, "collection.orderBy names unknown field " + entity_.order_by);
    }
    for (const auto& f : entity_.text_filter_fields) {
      if (entity_.FindField(f) == nullptr)
        return Bad(entity_.name, "textFilterFields names unknown field " + f);
    }
    CRM_ASSIGN_OR_RETURN(entity_.duplicate_check_fields,
                         StringList(entity_.name, def_, "duplicateCheckFieldList"));
    entity_.optimistic_concurrency = BoolOr(def_, "optimisticConcurrencyControl");
    entity_.stream = BoolOr(def_, "stream");
    if (entity_.optimistic_concurrency) {
      AttributeDef version;
      version.name = "versionNumber";
      version.column = "version_number";
      version.type = ValueType::kInt;
      version.read_only = true;
      AddAttribute(std::move(version));
    }
    return {};
  }

  Status ParseIndexes() {
    const auto* indexes = def_.if_contains("indexes");
    if (indexes == nullptr) return {};
    if (!indexes->is_object()) return Bad(entity_.name, "indexes must be an object");
    for (const auto& [key, value] : indexes->get_object()) {
      if (!value.is_object()) return Bad(entity_.name, "index must be an object");
      IndexDef index;
      index.name = std::string(key);
      index.unique = BoolOr(value.get_object(), "unique");
      CRM_ASSIGN_OR_RETURN(auto columns, StringList(entity_.name, value.get_object(), "columns"));
      if (columns.empty()) return Bad(entity_.name, "index " + index.name + " has no columns");
      for (const auto& attribute_name : columns) {
        const AttributeDef* attribute = entity_.FindAttribute(attribute_name);
        if (attribute == nullptr || !attribute->stored()) {
          return Bad(entity_.name, "index " + index.name + " names " + attribute_name +
                                       ", which is not a stored attribute");
        }
        index.columns.push_back(attribute->column);
      }
      entity_.indexes.push_back(std::move(index));
    }
    return {};
  }

  Status ParseFilters(std::string_view key, std::vector<std::pair<std::string, json::array>>& out) {
    const auto* filters = def_.if_contains(key);
    if (filters == nullptr) return {};
    if (!filters->is_object()) return Bad(entity_.name, std::string(key) + " must be an object");
    for (const auto& [name, value] : filters->get_object()) {
      if (!value.is_array())
        return Bad(entity_.name, "filter " + std::string(name) + " must be an array");
      out.emplace_back(std::string(name), value.get_array());
    }
    return {};
  }

  const json::object& def_;
  EntityDef entity_;
};

// Checks what one entity says about another: targets exist and both sides of a link agree.
Status CheckCrossReferences(const std::vector<EntityDef>& entities,
                            const std::map<std::string, std::size_t>& by_name) {
  const auto find = [&](const std::string& name) -> const EntityDef* {
    const auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : &entities[it->second];
  };
  for (const auto& entity : entities) {
    for (const auto& link : entity.links) {
      if (link.type == LinkType::kBelongsToParent) continue;
      const EntityDef* other = find(link.entity);
      if (other == nullptr) {
        return Bad(entity.name, "link " + link.name + " points to unknown entity " + link.entity);
      }
      if (link.foreign.empty()) continue;
      const LinkDef* back = other->FindLink(link.foreign);
      if (back == nullptr) {
        return Bad(entity.name,
                   "link " + link.name + ": " + other->name + " has no link " + link.foreign);
      }
      bool consistent = true;
      switch (link.type) {
        case LinkType::kBelongsTo:
          consistent = back->type == LinkType::kHasMany || back->type == LinkType::kHasOne;
          break;
        case LinkType::kHasMany:
          if (link.many_to_many()) {
            consistent = back->relation_name == link.relation_name &&
                         back->near_key_column == link.far_key_column &&
                         back->far_key_column == link.near_key_column &&
                         back->additional_columns.size() == link.additional_columns.size();
          } else {
            consistent = back->type == LinkType::kBelongsTo && back->entity == entity.name;
          }
          break;
        case LinkType::kHasOne:
          consistent = back->type == LinkType::kBelongsTo && back->entity == entity.name;
          break;
        case LinkType::kHasChildren:
          consistent = back->type == LinkType::kBelongsToParent;
          break;
        case LinkType::kBelongsToParent:
          break;
      }
      if (!consistent) {
        return Bad(entity.name,
                   "link " + link.name + " does not match " + other->name + "." + link.foreign);
      }
    }
    for (const auto& field : entity.fields) {
      if (field.type == FieldType::kForeign) {
        const LinkDef* link = entity.FindLink(field.foreign_link);
        const EntityDef* other = find(link->entity);
        if (other == nullptr || other->FindAttribute(field.foreign_field) == nullptr) {
          return Bad(entity.name, "foreign field " + field.name + " names unknown " + link->entity +
                                      "." + field.foreign_field);
        }
      }
      if (field.type == FieldType::kLinkParent) {
        for (const auto& type : field.entity_list) {
          if (find(type) == nullptr) {
            return Bad(entity.name, "field " + field.name + " lists unknown parent type " + type);
          }
        }
      }
    }
  }
  return {};
}

// Removes what clients must not see (internal fields) from the definitions served at /Metadata.
json::object ClientEntityDef(const EntityDef& entity, const json::object& merged) {
  json::object out = merged;
  if (auto* fields = out.if_contains("fields"); fields != nullptr && fields->is_object()) {
    for (const auto& field : entity.fields) {
      if (field.internal) fields->as_object().erase(field.name);
    }
  }
  return out;
}

}  // namespace

std::optional<FieldType> ParseFieldType(std::string_view name) {
  for (const auto& [text, type] : kFieldTypeNames) {
    if (text == name) return type;
  }
  return std::nullopt;
}

bool FieldDef::HasOption(std::string_view value) const {
  return std::find(options.begin(), options.end(), value) != options.end();
}

const AttributeDef* EntityDef::FindAttribute(std::string_view attribute_name) const {
  const int index = AttributeIndex(attribute_name);
  return index < 0 ? nullptr : &attributes[static_cast<std::size_t>(index)];
}

int EntityDef::AttributeIndex(std::string_view attribute_name) const {
  const auto it = attribute_index.find(std::string(attribute_name));
  return it == attribute_index.end() ? -1 : it->second;
}

const FieldDef* EntityDef::FindField(std::string_view field_name) const {
  const auto it = field_index.find(std::string(field_name));
  return it == field_index.end() ? nullptr : &fields[static_cast<std::size_t>(it->second)];
}

const LinkDef* EntityDef::FindLink(std::string_view link_name) const {
  const auto it = link_index.find(std::string(link_name));
  return it == link_index.end() ? nullptr : &links[static_cast<std::size_t>(it->second)];
}

Result<std::shared_ptr<const Metadata>> Metadata::Load(
    const std::vector<EntityDefSource>& sources) {
  // Merge sources per entity, keeping first-seen order for a stable entity list.
  std::vector<std::pair<std::string, json::object>> merged;
  for (const auto& source : sources) {
    boost::system::error_code ec;
    json::value parsed = json::parse(source.json, ec);
    if (ec) return Bad(source.entity, "invalid JSON: " + ec.message());
    if (!parsed.is_object()) return Bad(source.entity, "the definition must be a JSON object");
    auto it = std::find_if(merged.begin(), merged.end(),
                           [&](const auto& entry) { return entry.first == source.entity; });
    if (it == merged.end()) {
      merged.emplace_back(source.entity, std::move(parsed.as_object()));
    } else {
      MergeInto(it->second, parsed.as_object());
    }
  }

  std::shared_ptr<Metadata> metadata(new Metadata());
  std::map<std::string, std::size_t> by_name;
  for (const auto& [name, def] : merged) {
    if (name.empty() || name[0] < 'A' || name[0] > 'Z') {
      return Bad(name, "entity names start with an upper-case letter");
    }
    CRM_ASSIGN_OR_RETURN(auto entity, EntityBuilder(name, def).Build());
    by_name[name] = metadata->entities_.size();
    metadata->entities_.push_back(std::move(entity));
  }
  CRM_RETURN_IF_ERROR(CheckCrossReferences(metadata->entities_, by_name));

  json::object entity_defs;
  json::object scopes;
  for (std::size_t i = 0; i < merged.size(); ++i) {
    const EntityDef& entity = metadata->entities_[i];
    entity_defs[entity.name] = ClientEntityDef(entity, merged[i].second);
    scopes[entity.name] = json::object{{"entity", true},
                                       {"object", entity.name != "User" && entity.name != "Team"},
                                       {"stream", entity.stream},
                                       {"acl", true}};
  }
  metadata->client_json_["entityDefs"] = std::move(entity_defs);
  metadata->client_json_["scopes"] = std::move(scopes);
  return std::shared_ptr<const Metadata>(std::move(metadata));
}

Result<std::shared_ptr<const Metadata>> Metadata::LoadDefault(const std::string& dir) {
  std::vector<EntityDefSource> sources = ShippedEntityDefs();
  if (!dir.empty()) {
    const std::filesystem::path defs = std::filesystem::path(dir) / "entityDefs";
    std::error_code ec;
    if (!std::filesystem::is_directory(defs, ec)) {
      return Status::InvalidArgument("metadata directory " + defs.string() + " does not exist");
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(defs, ec)) {
      if (entry.path().extension() == ".json") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      std::ifstream in(file);
      std::stringstream text;
      text << in.rdbuf();
      if (!in) return Status::InvalidArgument("cannot read " + file.string());
      sources.push_back({file.stem().string(), text.str()});
    }
  }
  return Load(sources);
}

const EntityDef* Metadata::FindEntity(std::string_view name) const {
  if (name.empty()) return nullptr;
  for (const auto& entity : entities_) {
    if (entity.name.size() == name.size() &&
        entity.name.compare(1, std::string::npos, name.substr(1)) == 0 &&
        EqualsIgnoreCaseAscii(entity.name.substr(0, 1), name.substr(0, 1))) {
      return &entity;
    }
  }
  return nullptr;
}

const EntityDef& Metadata::Entity(std::string_view name) const {
  const EntityDef* entity = FindEntity(name);
  // Callers pass names that came from validated metadata (link targets), so this holds.
  if (entity == nullptr) std::abort();
  return *entity;
}

}  // namespace crm::metadata
