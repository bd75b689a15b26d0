// The in-memory model of entity metadata: fields (what a client writes), the attributes they expand
// to (what appears on the wire), links between entities, and collection settings. Built once by
// metadata::Metadata from the JSON files described in docs/metadata.md, then immutable.
//
// Thread-safety: immutable after construction; share freely across threads (through the
// std::shared_ptr<const Metadata> that owns it).
#ifndef CRM_METADATA_ENTITY_DEF_HPP_
#define CRM_METADATA_ENTITY_DEF_HPP_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

namespace crm::metadata {

enum class FieldType {
  kVarchar,
  kText,
  kUrl,
  kEnum,
  kMultiEnum,
  kArray,
  kBool,
  kInt,
  kAutoincrement,
  kFloat,
  kCurrency,
  kDate,
  kDatetime,
  kDatetimeOptional,
  kPersonName,
  kAddress,
  kEmail,
  kPhone,
  kLink,
  kLinkOne,
  kLinkParent,
  kLinkMultiple,
  kForeign,
  kJsonObject,
  kJsonArray,
  kDuration,
  kPassword,
};

std::optional<FieldType> ParseFieldType(std::string_view name);

// The value type of one attribute, which decides coercion, validation and the column type.
enum class ValueType {
  kString,
  kInt,
  kFloat,
  kBool,
  kDate,
  kDateTime,
  kStringArray,  // multiEnum/array values, stored as a JSON array
  kJson,         // jsonObject/jsonArray, stored as JSON text
  kIdArray,      // linkMultiple ids
  kObject,       // read-only objects computed on read (names maps, columns maps, email data)
};

// Where an attribute's value comes from.
enum class AttributeKind {
  kColumn,               // a column of the entity's own table
  kPersonName,           // "first last", computed from the name parts
  kLinkName,             // {link}Name of a belongsTo link, joined from the other table
  kLinkOneId,            // {link}Id of a hasOne link, found through the other side's foreign key
  kLinkOneName,          // {link}Name of a hasOne link
  kParentName,           // parentName of a belongsToParent link
  kForeign,              // a foreign field: a column of the record behind a belongsTo link
  kLinkMultipleIds,      // {link}Ids, from the link's join table or foreign key
  kLinkMultipleNames,    // {link}Names
  kLinkMultipleColumns,  // {link}Columns, relation columns keyed by id
  kEmailData,            // emailAddressData, stored as a JSON column
  kPhoneData,            // phoneNumberData, stored as a JSON column
  kCurrencyConverted,    // {f}Converted; crmd has one currency, so it equals the amount
  kDuration,             // seconds between dateStart and dateEnd
  // A relation column of the record behind a belongsTo link, read from a many-to-many link's join
  // table ("relationColumn" in metadata: Contact.accountIsInactive is the primary account's
  // isInactive in accountContact).
  kRelationColumn,
  // A field of a feature crmd has not built ("notBuilt" in metadata: followers, campaigns, ...):
  // always its type's empty value, so that clients find every attribute EspoCRM sends.
  kEmpty,
};

struct AttributeDef {
  std::string name;
  ValueType type = ValueType::kString;
  AttributeKind kind = AttributeKind::kColumn;
  std::string column;  // snake_case column name for kColumn (and data columns); empty otherwise
  int field = -1;      // index into EntityDef::fields of the field that owns it; -1 for id/deleted
  bool read_only = false;  // ignored when it appears in a create or update body
  bool internal = false;   // never read or written over the API
  bool sensitive = false;  // read by admins only
  bool in_lists = true;    // in list rows when there is no select
  // Validation of string values, per attribute because one field may expand to several (address).
  std::optional<int> max_length;
  bool no_bad_characters = false;
  bool stored() const { return !column.empty(); }
};

struct RelationColumn {
  std::string name;    // wire name inside {link}Columns ("role")
  std::string column;  // join-table column ("role")
  ValueType type = ValueType::kString;
  std::vector<std::string> options;
  std::optional<int> max_length;
  boost::json::value default_value;
};

// How roles govern an entity (EspoCRM's scopes.X.acl): per action and level, granted or not as
// a whole (Webhook), or for admins only whatever a role says (Role).
enum class AclKind { kRecord, kBoolean, kAdminOnly };

enum class LinkType { kBelongsTo, kHasMany, kHasOne, kHasChildren, kBelongsToParent };

struct LinkDef {
  std::string name;
  LinkType type = LinkType::kBelongsTo;
  std::string entity;   // the other entity; empty for belongsToParent
  std::string foreign;  // the link's name on the other entity
  // Many-to-many only: join table and its key columns (this side, other side).
  std::string relation_name;
  std::string join_table;
  std::string near_key_column;
  std::string far_key_column;
  std::vector<std::pair<std::string, std::string>> conditions;  // column -> fixed value
  std::vector<RelationColumn> additional_columns;

  bool many_to_many() const { return !relation_name.empty(); }
};

struct FieldDef {
  std::string name;
  FieldType type = FieldType::kVarchar;
  bool required = false;
  bool read_only = false;
  bool read_only_after_create = false;
  bool not_storable = false;
  bool internal = false;
  bool sensitive = false;
  bool no_bad_characters = false;  // "$noBadCharacters" pattern: no '<', '>' or '='
  bool in_lists = true;            // "inLists": false keeps it out of list rows without a select
  std::string not_built;           // "notBuilt": the missing feature; its attributes are kEmpty
  // "relationColumn": {"link", "column", "through"}: the join-table column `column` of many-to-many
  // `link`, for the row whose far key is this record's belongsTo `through` id.
  std::string relation_link;
  std::string relation_column;
  std::string relation_through;
  std::optional<int> max_length;
  std::optional<double> min;
  std::optional<double> max;
  std::vector<std::string> options;      // enum/multiEnum/array options
  boost::json::value default_value;      // null when none
  std::vector<std::string> type_list;    // phone types
  std::string default_type;              // default phone type
  std::string foreign_link;              // foreign: the belongsTo link
  std::string foreign_field;             // foreign: the field on the other entity
  std::vector<std::string> entity_list;  // linkParent: allowed parent types
  // enum: option -> probability in percent (EspoCRM's probabilityMap of Opportunity.stage).
  std::vector<std::pair<std::string, std::int64_t>> probability_map;
  // linkMultiple: wire column name -> attribute that carries the relation column in related lists.
  std::vector<std::pair<std::string, std::string>> columns;
  std::vector<int> attributes;  // indexes into EntityDef::attributes, in wire order

  bool HasOption(std::string_view value) const;
};

struct IndexDef {
  std::string name;
  std::vector<std::string> columns;  // column names (already resolved from attributes)
  bool unique = false;
};

struct EntityDef {
  std::string name;
  std::string table;
  std::vector<FieldDef> fields;
  std::vector<AttributeDef> attributes;
  std::vector<LinkDef> links;
  std::vector<IndexDef> indexes;

  std::string order_by = "createdAt";
  bool order_desc = true;
  std::vector<std::string> text_filter_fields;
  // Attributes every list row carries whatever the select (collection.mandatoryAttributes; EspoCRM
  // adds Contact's accountId, accountName and accountIsInactive, for example).
  std::vector<std::string> mandatory_attributes;
  std::vector<std::string> duplicate_check_fields;
  bool optimistic_concurrency = false;
  bool stream = false;
  // A business object (EspoCRM's scope flag "object"): its changes are events in the outbox and
  // webhooks may subscribe to them. Bookkeeping entities such as Webhook set "object": false.
  bool object = true;
  bool person = false;             // has a personName "name" field
  AclKind acl = AclKind::kRecord;  // "acl": "boolean" | "admin" in the definition
  std::vector<std::pair<std::string, boost::json::array>> primary_filters;
  std::vector<std::pair<std::string, boost::json::array>> bool_filters;

  const AttributeDef* FindAttribute(std::string_view attribute_name) const;
  const FieldDef* FindField(std::string_view field_name) const;
  const LinkDef* FindLink(std::string_view link_name) const;
  int AttributeIndex(std::string_view attribute_name) const;  // -1 when absent
  const FieldDef& FieldOf(const AttributeDef& attribute) const {
    return fields[static_cast<std::size_t>(attribute.field)];
  }
  bool HasField(std::string_view field_name) const { return FindField(field_name) != nullptr; }

  // Filled by the loader.
  std::unordered_map<std::string, int> attribute_index;
  std::unordered_map<std::string, int> field_index;
  std::unordered_map<std::string, int> link_index;
};

}  // namespace crm::metadata

#endif  // CRM_METADATA_ENTITY_DEF_HPP_
