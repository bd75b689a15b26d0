// Record ids in EspoCRM's format: 17 lowercase hex characters, roughly time-ordered (13 characters
// of microsecond time like PHP's uniqid() followed by 4 random characters).
//
// Thread-safety: all functions are safe to call concurrently. GenerateId never returns the same id
// twice within one process, even when called on several threads in the same microsecond.
#ifndef CRM_COMMON_IDS_HPP_
#define CRM_COMMON_IDS_HPP_

#include <string>
#include <string_view>

namespace crm {

inline constexpr std::size_t kIdLength = 17;
// Longest id accepted in a URL or body; EspoCRM's optional UUID ids are 36 characters.
inline constexpr std::size_t kMaxIdLength = 64;

std::string GenerateId();

// True when `id` could name a record: 1..kMaxIdLength characters of [A-Za-z0-9_.-]. Ids from URLs
// and bodies are checked with this before they reach a query, so that a bad id is a 400, not a
// lookup.
bool IsWellFormedId(std::string_view id);

}  // namespace crm

#endif  // CRM_COMMON_IDS_HPP_
