#include "crm/ratelimit/quota.hpp"

#include <charconv>

#include "crm/common/strings.hpp"

namespace crm::ratelimit {
namespace {

constexpr std::int64_t kMaxLimit = 1'000'000'000;

Status BadQuota(std::string_view text) {
  return Status::InvalidArgument("a rate limit is N/s, N/m, N/h or N/d (requests per unit), got '" +
                                 std::string(text) + "'");
}

}  // namespace

Result<Quota> ParseQuota(std::string_view text) {
  const std::string_view trimmed = TrimAscii(text);
  const auto slash = trimmed.find('/');
  if (slash == std::string_view::npos) return BadQuota(text);
  const std::string_view count = trimmed.substr(0, slash);
  const std::string_view unit = trimmed.substr(slash + 1);
  Quota quota;
  const auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), quota.limit);
  if (ec != std::errc() || end != count.data() + count.size() || quota.limit < 1 ||
      quota.limit > kMaxLimit) {
    return BadQuota(text);
  }
  if (unit == "s" || unit == "sec" || unit == "second") {
    quota.window = std::chrono::seconds(1);
  } else if (unit == "m" || unit == "min" || unit == "minute") {
    quota.window = std::chrono::minutes(1);
  } else if (unit == "h" || unit == "hour") {
    quota.window = std::chrono::hours(1);
  } else if (unit == "d" || unit == "day") {
    quota.window = std::chrono::hours(24);
  } else {
    return BadQuota(text);
  }
  return quota;
}

std::string FormatQuota(const Quota& quota) {
  const auto seconds = quota.window.count();
  const char* unit = seconds == 1 ? "s" : seconds == 60 ? "m" : seconds == 3600 ? "h" : "d";
  return std::to_string(quota.limit) + "/" + unit;
}

Result<RateLimitConfig> ParseRateLimitConfig(std::string_view text) {
  RateLimitConfig config;
  if (TrimAscii(text) == "off") {
    config.enabled = false;
    return config;
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const std::string_view item = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const auto equals = item.find('=');
    if (equals == std::string_view::npos) {
      return Status::InvalidArgument(
          "--rate-limit takes 'off' or POLICY=N/UNIT,... with POLICY one of default, bulk, "
          "search, auth-failures; got '" +
          std::string(item) + "'");
    }
    const std::string_view policy = TrimAscii(item.substr(0, equals));
    CRM_ASSIGN_OR_RETURN(Quota quota, ParseQuota(item.substr(equals + 1)));
    if (policy == "default") {
      config.standard = quota;
    } else if (policy == "bulk") {
      config.bulk = quota;
    } else if (policy == "search") {
      config.search = quota;
    } else if (policy == "auth-failures") {
      config.auth_failures = quota;
    } else {
      return Status::InvalidArgument("unknown rate-limit policy '" + std::string(policy) +
                                     "' (default, bulk, search, auth-failures)");
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return config;
}

}  // namespace crm::ratelimit
