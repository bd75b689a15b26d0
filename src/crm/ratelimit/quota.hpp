// Quotas and the server's rate-limit configuration as written on the command line: a quota is
// "N/UNIT" (requests per second, minute, hour or day: "1000/h"), and `crmd serve --rate-limit`
// takes "off" or a comma-separated list of POLICY=QUOTA ("default=1000/h,bulk=100/h"); policies
// not named keep their defaults.
//
// Thread-safety: values and pure functions.
#ifndef CRM_RATELIMIT_QUOTA_HPP_
#define CRM_RATELIMIT_QUOTA_HPP_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "crm/common/status.hpp"

namespace crm::ratelimit {

// At most `limit` requests in any `window`.
struct Quota {
  std::int64_t limit = 0;
  std::chrono::seconds window{0};

  bool operator==(const Quota&) const = default;
};

// "1000/h", "10/m", "5/s", "100/d" (also "1000/hour", "10/min"). kInvalidArgument otherwise.
Result<Quota> ParseQuota(std::string_view text);
// The inverse of ParseQuota, with the shortest unit letter ("1000/h").
std::string FormatQuota(const Quota& quota);

// The limits of one server (the seed document's defaults, and EspoCRM's failed-login limit).
struct RateLimitConfig {
  bool enabled = true;
  Quota standard{1000, std::chrono::hours(1)};       // every authenticated request
  Quota bulk{100, std::chrono::hours(1)};            // mass actions, on top of `standard`
  Quota search{500, std::chrono::hours(1)};          // filtered lists, on top of `standard`
  Quota auth_failures{10, std::chrono::minutes(1)};  // failed authentications per client address
};

// "off", or "default=Q,bulk=Q,search=Q,auth-failures=Q" in any order and subset.
Result<RateLimitConfig> ParseRateLimitConfig(std::string_view text);

}  // namespace crm::ratelimit

#endif  // CRM_RATELIMIT_QUOTA_HPP_
