// The two intermediate forms of a where filter between the wire and SQL (see query/where.hpp):
//
//  ParsedItem: the shape-checked request (known type, allowed keys, values of the right JSON kind,
//  within
//    the size limits); attributes are still names and values still JSON.
//  BoundNode: a predicate over SQL expressions taken from metadata, with values coerced to the
//    attribute's type and date macros resolved to concrete bounds. It knows nothing of dialects;
//    the compiler turns it into SQL text for one.
//
// Thread-safety: plain values.
#ifndef CRM_QUERY_INTERNAL_WHERE_AST_HPP_
#define CRM_QUERY_INTERNAL_WHERE_AST_HPP_

#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "crm/query/sql.hpp"

namespace crm::query::internal {

// A request-supplied name quoted for an error message ('name'): control characters become '?', so
// the message is safe in an X-Status-Reason header, and names longer than 100 bytes are cut (at a
// character boundary) and end in "...".
inline std::string QuoteName(std::string_view name) {
  constexpr std::size_t kMaxShown = 100;
  std::string out = "'";
  std::size_t shown = name.size();
  if (shown > kMaxShown) {
    shown = kMaxShown;
    while (shown > 0 && (static_cast<unsigned char>(name[shown]) & 0xC0) == 0x80) --shown;
  }
  for (std::size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    out.push_back(c < 0x20 || c == 0x7F ? '?' : name[i]);
  }
  if (shown < name.size()) out += "...";
  return out + "'";
}

// Every where type crmd accepts (espocrm-wire.md section 2.3). The sub-query types and the column*/
// category types are rejected by the parser and have no enumerator.
enum class WhereType {
  kAnd,
  kOr,
  kEquals,
  kNotEquals,
  kIn,
  kNotIn,
  kLike,
  kNotLike,
  kContains,
  kNotContains,
  kStartsWith,
  kEndsWith,
  kIsNull,
  kIsNotNull,
  kEver,
  kIsTrue,
  kIsFalse,
  kAny,
  kNone,
  kGreaterThan,
  kLessThan,
  kGreaterThanOrEquals,
  kLessThanOrEquals,
  kAfter,
  kBefore,
  kBetween,
  kOn,
  kNotOn,
  kToday,
  kPast,
  kFuture,
  kLastSevenDays,
  kLastXDays,
  kNextXDays,
  kOlderThanXDays,
  kAfterXDays,
  kCurrentMonth,
  kLastMonth,
  kNextMonth,
  kCurrentQuarter,
  kLastQuarter,
  kCurrentYear,
  kLastYear,
  kCurrentFiscalYear,
  kLastFiscalYear,
  kCurrentFiscalQuarter,
  kLastFiscalQuarter,
  kArrayAnyOf,
  kArrayNoneOf,
  kArrayAllOf,
  kArrayIsEmpty,
  kArrayIsNotEmpty,
  kLinkedWith,
  kNotLinkedWith,
  kLinkedWithAll,
  kIsLinked,
  kIsNotLinked,
};

// What the `value` key of an item must hold.
enum class ValueShape {
  kNone,            // ignored
  kItems,           // a list of where items (and, or)
  kScalar,          // one scalar; null or absent allowed (equals/notEquals mean IS [NOT] NULL then)
  kRequiredScalar,  // one scalar, required
  kList,            // a list of scalars (in, notIn)
  kRange,           // a list of at least two scalars (between)
  kScalarOrList,    // one scalar or a list of them (array*, linkedWith*)
};

struct WhereTypeInfo {
  std::string_view name;
  WhereType type;
  ValueShape shape;
};

// The entry for `type`; every WhereType has one.
const WhereTypeInfo& InfoOf(WhereType type);

struct ParsedItem {
  WhereType type = WhereType::kAnd;
  std::string_view type_name;  // the wire name, for messages (static storage)
  std::string attribute;       // empty for and/or
  // The scalar values (one for kScalar-shaped items, none when the value is null or absent). They
  // point into the request's JSON, which outlives parsing, binding and compiling.
  std::vector<const boost::json::value*> values;
  bool date_time = false;            // the item's `dateTime` flag
  bool date = false;                 // the item's `date` flag
  std::string time_zone;             // the item's `timeZone`; empty = the request's
  std::vector<ParsedItem> children;  // and/or
};

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

enum class ArrayMode { kAnyOf, kNoneOf, kAllOf };

// A bound predicate. `expr` is SQL from metadata (never from the request); values are parameters.
struct BoundNode {
  enum class Kind {
    kTrue,
    kFalse,
    kAnd,         // children
    kOr,          // children
    kCompare,     // expr op values[0]
    kIn,          // expr [NOT] IN (values); negated
    kLike,        // expr [NOT] LIKE values[0] ESCAPE '\', case-insensitive; negated
    kIsNull,      // expr IS [NOT] NULL; negated
    kArray,       // JSON array column expr has any/none/all of values
    kArrayEmpty,  // JSON array column expr has no element; negated = has some
    kExists,      // [NOT] EXISTS (SELECT 1 FROM <sql> AND <children[0]>); sql carries `params`
    kRaw,         // dialect-independent SQL text `sql` with `params`
  };

  Kind kind = Kind::kTrue;
  std::string expr;
  CompareOp op = CompareOp::kEq;
  bool negated = false;
  ArrayMode array_mode = ArrayMode::kAnyOf;
  std::vector<SqlValue> values;
  std::string sql;
  std::vector<SqlValue> params;
  std::vector<BoundNode> children;
  // kCompare with kEq on a column that a text-filter index keeps in NOCASE order
  // (query::TextFilterIndexes): on SQLite the equality is also written with COLLATE NOCASE, which
  // that index answers (exact equality implies it), so that no second index of the column is
  // needed.
  bool nocase_indexed = false;
};

}  // namespace crm::query::internal

#endif  // CRM_QUERY_INTERNAL_WHERE_AST_HPP_
