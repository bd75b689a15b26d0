// RecordInput: a create or update body checked against metadata and normalised, before it touches
// the store. Unknown or internal attributes are a 400; read-only ones (id, createdAt, link names,
// ...) are ignored as EspoCRM ignores them; every value is coerced to its attribute's type
// (bracket-encoded forms send "1" for true, numbers as strings) and validated (required, maxLength,
// enum options, patterns, email and phone syntax, min/max, date formats). A failure is
// kInvalidArgument carrying EspoCRM's messageTranslation detail:
// {"label":"validationFailure","scope":null, "data":{"field":...,"type":...}}.
//
// Thread-safety: pure functions of immutable metadata.
#ifndef CRM_SERVICE_RECORD_INPUT_HPP_
#define CRM_SERVICE_RECORD_INPUT_HPP_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "crm/auth/principal.hpp"
#include "crm/common/status.hpp"
#include "crm/common/time.hpp"
#include "crm/metadata/metadata.hpp"

namespace crm::service {

enum class WriteMode { kCreate, kUpdate };

// What a body says about an email or phone field.
struct ContactDataInput {
  int field = -1;
  std::optional<boost::json::array> data;  // {field}Data given: the whole new list, normalised
  std::optional<boost::json::value>
      primary;                    // {field} given: the new primary value (string or null)
  std::optional<bool> opted_out;  // {field}IsOptedOut given
  std::optional<bool> invalid;    // {field}IsInvalid given
};

// A linkMultiple field written as {field}Ids (replacing the set) and/or {field}Columns.
struct LinkSetInput {
  int field = -1;
  std::optional<std::vector<std::string>> ids;
  std::optional<boost::json::object> columns;  // id -> {column: value}
};

struct RecordInput {
  // Stored attributes given in the body (or filled by defaults and rules), normalised, sorted by
  // attribute index.
  std::vector<std::pair<int, boost::json::value>> values;
  std::vector<LinkSetInput> link_sets;
  std::vector<ContactDataInput> contact_data;
  std::optional<std::int64_t> duration;  // seconds, from a duration field
  bool skip_duplicate_check = false;     // legacy body flag _skipDuplicateCheck

  // The normalised value given for `attribute`, or nullptr.
  const boost::json::value* Find(const metadata::EntityDef& entity,
                                 std::string_view attribute) const;
  void Set(const metadata::EntityDef& entity, std::string_view attribute, boost::json::value value);
  bool Has(const metadata::EntityDef& entity, std::string_view attribute) const {
    return Find(entity, attribute) != nullptr;
  }
};

// Checks and normalises `body`. On kCreate, defaults from metadata are applied and required fields
// enforced; on kUpdate only the given attributes are checked (a required field may not be emptied).
Result<RecordInput> ParseRecordInput(const metadata::EntityDef& entity,
                                     const boost::json::object& body, WriteMode mode);

// The validation error EspoCRM returns, for `field` failing check `type` ("required", "valid",
// ...).
Status ValidationFailure(const metadata::EntityDef& entity, std::string_view field,
                         std::string_view type);

// True when `value` is a syntactically valid email address.
bool IsValidEmail(std::string_view value);

// Number of characters (UTF-8 code points) in `text`.
std::size_t Utf8Length(std::string_view text);

}  // namespace crm::service

#endif  // CRM_SERVICE_RECORD_INPUT_HPP_
