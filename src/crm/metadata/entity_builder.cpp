#include "crm/metadata/entity_builder.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

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
  if (!v->is_array()) return BadDefinition(entity, std::string(key) + " must be an array");
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) return BadDefinition(entity, std::string(key) + " must hold strings");
    out.emplace_back(item.get_string());
  }
  return out;
}

Result<std::optional<int>> IntOf(const std::string& entity, const json::object& o,
                                 std::string_view key) {
  const auto number = NumberOf(o, key);
  if (!number) return std::optional<int>();
  if (*number < 0 || *number > 1e9)
    return BadDefinition(entity, std::string(key) + " out of range");
  return std::optional<int>(static_cast<int>(*number));
}

// One attribute a field type expands to.
enum class Presence {
  kAlways,
  kIfStored,   // not for a notStorable field
  kIfColumns,  // only when the field names relation columns (linkMultiple `columns`)
};
constexpr int kFieldMaxLength = -1;  // the field's maxLength (string columns only)
constexpr int kNoMaxLength = -2;     // none, whatever the field says (ids)
struct AttributeTemplate {
  std::string_view suffix;  // appended to the field name ("Id", "Currency"; "" for the field's own)
  ValueType type;
  AttributeKind kind;
  bool column;     // has a column of its own
  bool read_only;  // also read-only when the field is
  Presence when = Presence::kAlways;
  int max_length = kFieldMaxLength;  // or a fixed maximum
  bool no_bad_characters = false;    // forced on, whatever the field's pattern
};

using VT = ValueType;
using AK = AttributeKind;
using Expansion = std::vector<AttributeTemplate>;

// What each field type expands to, in wire order (docs/metadata.md has the same table for readers).
const Expansion& ExpansionOf(FieldType type) {
  static const std::map<FieldType, Expansion> kExpansions = [] {
    const AttributeTemplate string_column{"",   VT::kString, AK::kColumn,
                                          true, false,       Presence::kIfStored};
    const auto stored_only = [](VT value_type) {
      return Expansion{{"", value_type, AK::kColumn, true, false, Presence::kIfStored}};
    };
    const auto contact = [](AK data_kind, int max_length) {
      return Expansion{{"", VT::kString, AK::kColumn, true, false, Presence::kAlways, max_length},
                       {"Data", VT::kJson, data_kind, true, false},
                       {"IsOptedOut", VT::kBool, AK::kColumn, true, false},
                       {"IsInvalid", VT::kBool, AK::kColumn, true, false}};
    };
    const auto address_part = [](std::string_view suffix, int max_length) {
      return AttributeTemplate{suffix, VT::kString,       AK::kColumn, true,
                               false,  Presence::kAlways, max_length,  true};
    };
    return std::map<FieldType, Expansion>{
        {FieldType::kVarchar, {string_column}},
        {FieldType::kText, {string_column}},
        {FieldType::kUrl, {string_column}},
        {FieldType::kEnum, {string_column}},
        {FieldType::kMultiEnum, stored_only(VT::kStringArray)},
        {FieldType::kArray, stored_only(VT::kStringArray)},
        {FieldType::kBool, stored_only(VT::kBool)},
        {FieldType::kInt, stored_only(VT::kInt)},
        {FieldType::kAutoincrement, {{"", VT::kInt, AK::kColumn, true, true}}},
        {FieldType::kFloat, stored_only(VT::kFloat)},
        {FieldType::kCurrency,
         {{"", VT::kFloat, AK::kColumn, true, false},
          {"Currency", VT::kString, AK::kColumn, true, false},
          {"Converted", VT::kFloat, AK::kCurrencyConverted, false, true}}},
        {FieldType::kDate, {{"", VT::kDate, AK::kColumn, true, false}}},
        {FieldType::kDatetime, {{"", VT::kDateTime, AK::kColumn, true, false}}},
        {FieldType::kDatetimeOptional,
         {{"", VT::kDateTime, AK::kColumn, true, false},
          {"Date", VT::kDate, AK::kColumn, true, false}}},
        {FieldType::kPersonName, {{"", VT::kString, AK::kPersonName, false, true}}},
        {FieldType::kAddress,
         {address_part("Street", 255), address_part("City", 100), address_part("State", 100),
          address_part("Country", 100), address_part("PostalCode", 40)}},
        {FieldType::kEmail, contact(AK::kEmailData, 255)},
        {FieldType::kPhone, contact(AK::kPhoneData, 36)},
        {FieldType::kLink,
         {{"Id", VT::kString, AK::kColumn, true, false, Presence::kAlways, kNoMaxLength},
          {"Name", VT::kString, AK::kLinkName, false, true}}},
        {FieldType::kLinkOne,
         {{"Id", VT::kString, AK::kLinkOneId, false, true},
          {"Name", VT::kString, AK::kLinkOneName, false, true}}},
        {FieldType::kLinkParent,
         {{"Id", VT::kString, AK::kColumn, true, false, Presence::kAlways, kNoMaxLength},
          {"Type", VT::kString, AK::kColumn, true, false, Presence::kAlways, kNoMaxLength},
          {"Name", VT::kString, AK::kParentName, false, true}}},
        {FieldType::kLinkMultiple,
         {{"Ids", VT::kIdArray, AK::kLinkMultipleIds, false, false},
          {"Names", VT::kObject, AK::kLinkMultipleNames, false, true},
          {"Columns", VT::kObject, AK::kLinkMultipleColumns, false, false, Presence::kIfColumns}}},
        {FieldType::kForeign, {{"", VT::kString, AK::kForeign, false, true}}},
        {FieldType::kJsonObject, {{"", VT::kJson, AK::kColumn, true, false}}},
        {FieldType::kJsonArray, {{"", VT::kJson, AK::kColumn, true, false}}},
        {FieldType::kDuration, {{"", VT::kInt, AK::kDuration, false, false}}},
        {FieldType::kPassword, {{"", VT::kString, AK::kColumn, true, true}}},
    };
  }();
  return kExpansions.at(type);
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
    if (!links->is_object()) return BadDefinition(entity_.name, "links must be an object");
    for (const auto& [key, value] : links->get_object()) {
      if (!value.is_object())
        return BadDefinition(entity_.name, "link " + std::string(key) + " must be an object");
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
        return BadDefinition(entity_.name,
                             "link " + link.name + " has unknown type '" + type + "'");
      }
      link.entity = StringOr(o, "entity");
      link.foreign = StringOr(o, "foreign");
      if (link.entity.empty() && link.type != LinkType::kBelongsToParent) {
        return BadDefinition(entity_.name, "link " + link.name + " needs an entity");
      }
      link.relation_name = StringOr(o, "relationName");
      if (link.many_to_many()) {
        if (link.type != LinkType::kHasMany) {
          return BadDefinition(entity_.name,
                               "link " + link.name + ": relationName needs type hasMany");
        }
        CRM_ASSIGN_OR_RETURN(auto mid_keys, StringList(entity_.name, o, "midKeys"));
        if (mid_keys.size() != 2) {
          return BadDefinition(entity_.name, "link " + link.name + " needs two midKeys");
        }
        link.join_table = ToSnakeCase(link.relation_name);
        link.near_key_column = ToSnakeCase(mid_keys[0]);
        link.far_key_column = ToSnakeCase(mid_keys[1]);
        if (const auto* conditions = o.if_contains("conditions")) {
          if (!conditions->is_object())
            return BadDefinition(entity_.name, "conditions must be an object");
          for (const auto& [ckey, cvalue] : conditions->get_object()) {
            if (!cvalue.is_string())
              return BadDefinition(entity_.name, "condition values must be strings");
            link.conditions.emplace_back(ToSnakeCase(ckey), std::string(cvalue.get_string()));
          }
        }
        if (const auto* columns = o.if_contains("additionalColumns")) {
          if (!columns->is_object())
            return BadDefinition(entity_.name, "additionalColumns must be an object");
          for (const auto& [ckey, cvalue] : columns->get_object()) {
            if (!cvalue.is_object())
              return BadDefinition(entity_.name, "additional column must be an object");
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
              return BadDefinition(entity_.name,
                                   "additional column type '" + ctype + "' is not supported");
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
      return BadDefinition(entity_.name, "fields must be an object");
    for (const auto& [key, value] : fields->get_object()) {
      if (!value.is_object())
        return BadDefinition(entity_.name, "field " + std::string(key) + " must be an object");
      const auto& o = value.get_object();
      FieldDef field;
      field.name = std::string(key);
      const std::string type = StringOr(o, "type");
      const auto parsed = ParseFieldType(type);
      if (!parsed)
        return BadDefinition(entity_.name,
                             "field " + field.name + " has unknown type '" + type + "'");
      field.type = *parsed;
      field.required = BoolOr(o, "required");
      field.read_only = BoolOr(o, "readOnly");
      field.read_only_after_create = BoolOr(o, "readOnlyAfterCreate");
      field.not_storable = BoolOr(o, "notStorable");
      field.internal = BoolOr(o, "internal") || field.type == FieldType::kPassword;
      field.sensitive = BoolOr(o, "sensitive");
      field.in_lists = BoolOr(o, "inLists", true);
      field.not_built = StringOr(o, "notBuilt");
      if (!field.not_built.empty()) {
        field.read_only = true;
        field.not_storable = true;
      }
      if (const auto* relation = o.if_contains("relationColumn")) {
        if (!relation->is_object())
          return BadDefinition(entity_.name, "relationColumn must be an object");
        field.relation_link = StringOr(relation->get_object(), "link");
        field.relation_column = StringOr(relation->get_object(), "column");
        field.relation_through = StringOr(relation->get_object(), "through");
        field.read_only = true;
        field.not_storable = true;
      }
      const std::string pattern = StringOr(o, "pattern");
      if (!pattern.empty() && pattern != "$noBadCharacters") {
        return BadDefinition(entity_.name, "field " + field.name +
                                               ": only the $noBadCharacters pattern is supported");
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
        if (!columns->is_object()) return BadDefinition(entity_.name, "columns must be an object");
        for (const auto& [ckey, cvalue] : columns->get_object()) {
          if (!cvalue.is_string())
            return BadDefinition(entity_.name, "columns values must be strings");
          field.columns.emplace_back(std::string(ckey), std::string(cvalue.get_string()));
        }
      }
      if (const auto* map = o.if_contains("probabilityMap")) {
        if (!map->is_object())
          return BadDefinition(entity_.name, "probabilityMap must be an object");
        for (const auto& [option, probability] : map->get_object()) {
          if (!probability.is_int64() || probability.get_int64() < 0 ||
              probability.get_int64() > 100) {
            return BadDefinition(entity_.name,
                                 "probabilityMap values must be integers from 0 to 100");
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
          return BadDefinition(entity_.name, "a personName field must be called name");
        entity_.person = true;
      }
      entity_.field_index[field.name] = static_cast<int>(entity_.fields.size());
      entity_.fields.push_back(std::move(field));
    }
    return {};
  }

  Status CheckFieldLink(const FieldDef& field) const {
    // A field of a feature not built has no link: its values are always empty.
    if (!field.not_built.empty()) return {};
    if (!field.relation_link.empty()) {
      const LinkDef* link = entity_.FindLink(field.relation_link);
      const LinkDef* through = entity_.FindLink(field.relation_through);
      const bool has_column =
          link != nullptr &&
          std::any_of(link->additional_columns.begin(), link->additional_columns.end(),
                      [&](const RelationColumn& c) { return c.name == field.relation_column; });
      if (!has_column || !link->many_to_many() || through == nullptr ||
          through->type != LinkType::kBelongsTo || through->entity != link->entity) {
        return BadDefinition(entity_.name,
                             "relationColumn of " + field.name +
                                 " needs a many-to-many link with that column and a belongsTo "
                                 "link to the same entity");
      }
      return {};
    }
    const auto link_of = [&](LinkType type) -> Status {
      const LinkDef* link = entity_.FindLink(field.name);
      if (link == nullptr || link->type != type) {
        return BadDefinition(entity_.name, "field " + field.name +
                                               " needs a link of the same name and matching type");
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
          return BadDefinition(
              entity_.name, "foreign field " + field.name + " needs a belongsTo link and a field");
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
    attribute.in_lists = field.in_lists;
    attribute.no_bad_characters = field.no_bad_characters;
    if (type == ValueType::kString && kind == AttributeKind::kColumn) {
      attribute.max_length = field.max_length;
    }
    field.attributes.push_back(AddAttribute(std::move(attribute)));
  }

  // Adds the attributes field `index` expands to (kExpansions).
  void AddFieldAttributes(int index) {
    const FieldDef& field = entity_.fields[static_cast<std::size_t>(index)];
    const std::string name = field.name;
    const bool not_built = !field.not_built.empty();
    const bool relation = !field.relation_link.empty();
    const bool stored = !field.not_storable;
    const bool has_columns = !field.columns.empty();
    for (const AttributeTemplate& t : ExpansionOf(field.type)) {
      if ((t.when == Presence::kIfStored && !stored && !not_built && !relation) ||
          (t.when == Presence::kIfColumns && !has_columns)) {
        continue;
      }
      const AttributeKind kind = not_built  ? AttributeKind::kEmpty
                                 : relation ? AttributeKind::kRelationColumn
                                            : t.kind;
      Add(index, name + std::string(t.suffix), t.type, kind, t.column && stored, t.read_only);
      AttributeDef& attribute = entity_.attributes.back();
      if (t.max_length == kNoMaxLength) {
        attribute.max_length.reset();
      } else if (t.max_length != kFieldMaxLength) {
        attribute.max_length = t.max_length;
      }
      if (t.no_bad_characters) attribute.no_bad_characters = true;
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
      if (!collection->is_object())
        return BadDefinition(entity_.name, "collection must be an object");
      const auto& o = collection->get_object();
      entity_.order_by = StringOr(o, "orderBy", entity_.order_by);
      entity_.order_desc = StringOr(o, "order", "desc") == "desc";
      CRM_ASSIGN_OR_RETURN(entity_.text_filter_fields,
                           StringList(entity_.name, o, "textFilterFields"));
      CRM_ASSIGN_OR_RETURN(entity_.mandatory_attributes,
                           StringList(entity_.name, o, "mandatoryAttributes"));
    }
    if (entity_.text_filter_fields.empty() && entity_.FindField("name") != nullptr) {
      entity_.text_filter_fields.push_back("name");
    }
    if (entity_.FindField(entity_.order_by) == nullptr &&
        entity_.FindAttribute(entity_.order_by) == nullptr) {
      return BadDefinition(entity_.name,
                           "collection.orderBy names unknown field " + entity_.order_by);
    }
    for (const auto& a : entity_.mandatory_attributes) {
      if (entity_.FindAttribute(a) == nullptr)
        return BadDefinition(entity_.name, "mandatoryAttributes names unknown attribute " + a);
    }
    for (const auto& f : entity_.text_filter_fields) {
      if (entity_.FindField(f) == nullptr)
        return BadDefinition(entity_.name, "textFilterFields names unknown field " + f);
    }
    CRM_ASSIGN_OR_RETURN(entity_.duplicate_check_fields,
                         StringList(entity_.name, def_, "duplicateCheckFieldList"));
    entity_.optimistic_concurrency = BoolOr(def_, "optimisticConcurrencyControl");
    entity_.stream = BoolOr(def_, "stream");
    entity_.object = BoolOr(def_, "object", true);
    if (const auto* acl = def_.if_contains("acl")) {
      if (acl->is_string() && acl->get_string() == "boolean") {
        entity_.acl = AclKind::kBoolean;
      } else if (acl->is_string() && acl->get_string() == "admin") {
        entity_.acl = AclKind::kAdminOnly;
      } else {
        return BadDefinition(entity_.name, "acl must be \"boolean\" or \"admin\"");
      }
    }
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
    if (!indexes->is_object()) return BadDefinition(entity_.name, "indexes must be an object");
    for (const auto& [key, value] : indexes->get_object()) {
      if (!value.is_object()) return BadDefinition(entity_.name, "index must be an object");
      IndexDef index;
      index.name = std::string(key);
      index.unique = BoolOr(value.get_object(), "unique");
      CRM_ASSIGN_OR_RETURN(auto columns, StringList(entity_.name, value.get_object(), "columns"));
      if (columns.empty())
        return BadDefinition(entity_.name, "index " + index.name + " has no columns");
      for (const auto& attribute_name : columns) {
        const AttributeDef* attribute = entity_.FindAttribute(attribute_name);
        if (attribute == nullptr || !attribute->stored()) {
          return BadDefinition(entity_.name, "index " + index.name + " names " + attribute_name +
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
    if (!filters->is_object())
      return BadDefinition(entity_.name, std::string(key) + " must be an object");
    for (const auto& [name, value] : filters->get_object()) {
      if (!value.is_array())
        return BadDefinition(entity_.name, "filter " + std::string(name) + " must be an array");
      out.emplace_back(std::string(name), value.get_array());
    }
    return {};
  }

  const json::object& def_;
  EntityDef entity_;
};

}  // namespace

Status BadDefinition(const std::string& entity, const std::string& what) {
  return Status::InvalidArgument("metadata " + entity + ": " + what);
}

Result<EntityDef> BuildEntity(std::string name, const json::object& def) {
  return EntityBuilder(std::move(name), def).Build();
}

std::optional<FieldType> ParseFieldType(std::string_view name) {
  for (const auto& [text, type] : kFieldTypeNames) {
    if (text == name) return type;
  }
  return std::nullopt;
}

}  // namespace crm::metadata
