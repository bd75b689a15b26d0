// PHP-style decoding of query-string parameters, as PHP's parse_str() does it: `a[]=x` appends to a
// list, `a[0]=x` and `a[key]=x` set an index, to any depth within the limits below; every leaf
// value stays a string. jQuery's $.param, PHP's http_build_query and the documented Python client
// encode EspoCRM search parameters this way (espocrm-wire.md section 2.1 A).
//
// The result is a JSON object keyed by base name. A PHP array whose keys are all integers becomes a
// JSON array (in the order the keys first appeared, as PHP iterates it); any other PHP array
// becomes a JSON object whose keys are the indexes as text.
//
// Thread-safety: pure functions.
#ifndef CRM_QUERY_PHP_PARAMS_HPP_
#define CRM_QUERY_PHP_PARAMS_HPP_

#include <cstddef>
#include <span>
#include <string>
#include <utility>

#include <boost/json/object.hpp>

#include "crm/common/status.hpp"

namespace crm::query {

// Limits on what one decoding accepts; beyond them the request is a kInvalidArgument (400). PHP's
// own defaults are max_input_vars=1000 and max_input_nesting_level=64; a where tree needs about two
// bracket levels per nesting level plus two for a value list, so 32 levels cover kMaxWhereDepth
// generously.
inline constexpr std::size_t kMaxPhpParams = 4096;
inline constexpr std::size_t kMaxPhpNameBytes = 512;
inline constexpr std::size_t kMaxPhpValueBytes = 256 * 1024;
inline constexpr int kMaxPhpDepth = 32;

// Decodes `params` (name/value pairs in query-string order, already percent-decoded) into an
// object. Names are treated as PHP does: leading spaces dropped, ' ' and '.' in the base name
// become '_', an unterminated '[' is kept as '_' in the base name, text after the last ']' is
// ignored, and pairs with an empty base name are skipped. A later pair replaces an earlier scalar
// with the same index (and a scalar replaced by an indexed pair becomes an array), as in PHP.
// Returns kInvalidArgument naming the parameter when a limit is exceeded.
Result<boost::json::object> DecodePhpParams(
    std::span<const std::pair<std::string, std::string>> params);

}  // namespace crm::query

#endif  // CRM_QUERY_PHP_PARAMS_HPP_
