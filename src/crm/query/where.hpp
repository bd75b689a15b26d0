// The where filter language of EspoCRM (espocrm-wire.md section 2.3), compiled to SQL in three
// steps as DuckDB does: parse (shape only: types, keys, nesting and size limits), bind (against
// metadata: the attribute exists, the operator suits its type, values coerce to its type; date
// macros resolved with the request's clock and time zone), compile (SQL text with `?` placeholders
// over the row alias query::kMainAlias, every value a parameter, identifiers only from metadata).
//
// CompileFilters also folds in the other list filters: textFilter/q over the entity's text-filter
// fields, primaryFilter (named where arrays from metadata), and boolFilterList (onlyMy built in,
// plus metadata boolFilters), OR-ed together and AND-ed with the rest.
//
// Errors are kInvalidArgument with a message that names the problem, e.g. "Unknown where item type
// 'bogus'.", "Not existing attribute 'x' in where.", "Bad where item 'in'."; never a 500.
//
// Thread-safety: pure functions of immutable metadata.
#ifndef CRM_QUERY_WHERE_HPP_
#define CRM_QUERY_WHERE_HPP_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/array.hpp>

#include "crm/common/status.hpp"
#include "crm/common/time.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/query/search_params.hpp"
#include "crm/query/sql.hpp"

namespace crm::query {

// Limits on what a where tree may hold; beyond them the request is a 400.
inline constexpr int kMaxWhereDepth = 8;
inline constexpr int kMaxWhereItems = 256;
inline constexpr int kMaxWhereValues = 1000;  // values in one in/notIn/arrayAnyOf item
inline constexpr std::size_t kMaxWhereValueBytes = 4096;

struct FilterContext {
  const metadata::Metadata& metadata;
  const metadata::EntityDef& entity;
  Dialect dialect = Dialect::kSqlite;
  TimePoint now;                       // for date macros (today, lastXDays, currentMonth, ...)
  std::string_view user_id;            // for onlyMy
  std::string_view time_zone = "UTC";  // default zone for date macros when an item has none
  int fiscal_year_shift = 0;           // months, for the fiscal variants
  bool allow_sensitive = false;        // sensitive attributes (admin-only) may be filtered on
  // Whether the user may read a field (roles' field-level access); unset: every field. A filter
  // on a field it may not read is a 400, and text filters leave such fields out.
  std::function<bool(const metadata::FieldDef&)> field_readable = nullptr;
  // On SQLite, whether a text filter takes its indexed form, `t.id IN (ids from the text-filter
  // indexes)`, where every field's test has an index (a prefix with no wildcard), instead of a test
  // of each row. The same rows either way; which is faster depends on how many match:
  // TextFilterProbe tells. Ignored on PostgreSQL, which has no such indexes.
  bool text_filter_by_index = false;
};

// An index that serves the indexed form of the text filter on SQLite: `columns` (SQL over the
// entity table's unqualified columns) in NOCASE order, the order of LIKE's ASCII case folding.
struct TextFilterIndex {
  std::string name;
  std::string columns;
};

// The text-filter indexes of `entity`: one per stored varchar, url or enum text-filter column, and
// for a person's name one per part and one for the full name. The store creates them (partial, on
// live rows, ending with id and deleted like every entity index).
std::vector<TextFilterIndex> TextFilterIndexes(const metadata::EntityDef& entity);

// Compiles one where array (items AND-ed). Returns an empty fragment (sql == "") for an empty
// array, or one that always holds.
Result<SqlFragment> CompileWhere(const boost::json::array& where, const FilterContext& context);

// Compiles every filter in `params` (where, textFilter, primaryFilter, boolFilterList) into one
// condition; empty sql when there is none.
Result<SqlFragment> CompileFilters(const SearchParams& params, const FilterContext& context);

// For a search whose text filter has an indexed form (see FilterContext::text_filter_by_index), a
// statement answering one integer: how many ids that form yields, counted up to `limit` (an id
// counted once per field it matches), so that it costs no more than `limit` index entries.
// nullopt when there is no text filter or it has no indexed form.
std::optional<SqlFragment> TextFilterProbe(const SearchParams& params, const FilterContext& context,
                                           std::int64_t limit);

}  // namespace crm::query

#endif  // CRM_QUERY_WHERE_HPP_
