// Step 2 of the where pipeline: binds parsed items to metadata. Each attribute must exist and be
// visible (not internal; sensitive ones only when the context allows them), the item type must suit
// the attribute's value type, and every value must coerce to that type; date macros are resolved
// with the context's clock and time zone (or the item's), and link types become sub-queries. The
// result is a BoundNode tree that compiles without further errors.
//
// Also binds the text filter (textFilter / q) over the entity's text-filter fields.
//
// The parts live beside it: where_values (visibility, which types suit which attributes, coercion),
// where_dates (date macros and ranges), where_links (link types), text_filter.cpp, and bound_nodes
// (the node builders they share).
//
// Thread-safety: pure functions of immutable metadata.
#ifndef CRM_QUERY_INTERNAL_WHERE_BINDER_HPP_
#define CRM_QUERY_INTERNAL_WHERE_BINDER_HPP_

#include <optional>
#include <string_view>
#include <vector>

#include "crm/common/status.hpp"
#include "crm/query/internal/where_ast.hpp"
#include "crm/query/where.hpp"

namespace crm::query::internal {

// Table and columns of the email-address lookup rows (entity_type, entity_id, lower, is_primary)
// and of the phone-number ones (entity_type, entity_id, numeric, is_primary). Must match
// store::kEmailTable and store::kPhoneTable in src/crm/store/schema.hpp, which query/ may not
// include.
inline constexpr std::string_view kEmailLookupTable = "entity_email_address";
inline constexpr std::string_view kPhoneLookupTable = "entity_phone_number";

// Binds `items`, AND-ed. Returns kInvalidArgument naming the attribute or item at fault.
Result<BoundNode> BindWhere(const std::vector<ParsedItem>& items, const FilterContext& context);

// The condition of textFilter/q `text` (espocrm-wire.md section 2.2): the entity's text-filter
// fields OR-ed, each starts-with (`term%`), contains (`%term%`) for text fields when the term has
// at least four characters, `*` as the only wildcard when the term has one. Email fields are
// skipped when the term has a space, phone fields unless it looks like a number, integer fields
// unless it is one. kFalse when no field can match; kTrue for an empty term.
//
// With context.text_filter_by_index, the condition is `t.id IN (TextFilterIds)` where that exists.
BoundNode BindTextFilter(std::string_view text, const FilterContext& context);

// Whether `attribute` is an own column of `entity` that one of query::TextFilterIndexes keeps in
// NOCASE order (BoundNode::nocase_indexed).
bool HasTextFilterIndex(const metadata::EntityDef& entity, std::string_view attribute);

// The indexed form of the text filter `text`: a UNION ALL of selects of ids (one per field test,
// each served by a text-filter index, query::TextFilterIndexes, or a lookup table's index; an id
// may come more than once) that holds exactly the rows BindTextFilter's per-row tests pass, live
// ones only for the entity's own table. SQLite only; nullopt on PostgreSQL, for an empty term, a
// term that no field can match, or when a test has no index (a wildcard, a text field's contains,
// an integer or a link name).
std::optional<SqlFragment> TextFilterIds(std::string_view text, const FilterContext& context);

}  // namespace crm::query::internal

#endif  // CRM_QUERY_INTERNAL_WHERE_BINDER_HPP_
