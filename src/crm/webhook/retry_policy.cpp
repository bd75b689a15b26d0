#include "crm/webhook/retry_policy.hpp"

#include <algorithm>
#include <charconv>
#include <string>

#include "crm/common/strings.hpp"

#include <curl/curl.h>

namespace crm::webhook {

using std::chrono::milliseconds;

AttemptOutcome ClassifyAttempt(int status) {
  if (status >= 200 && status < 400) return AttemptOutcome::kDelivered;
  if (status == 410) return AttemptOutcome::kGone;
  if (status == 0 || status == 408 || status == 429 || status >= 500) return AttemptOutcome::kRetry;
  return AttemptOutcome::kFailed;
}

std::optional<TimePoint> NextAttemptAt(const RetrySchedule& schedule, int attempts,
                                       TimePoint queued_at, TimePoint now,
                                       std::optional<milliseconds> retry_after,
                                       double random_unit) {
  // first_delay * 2^(attempts-1), computed in doubles so that a long outage cannot overflow.
  double delay = static_cast<double>(schedule.first_delay.count());
  for (int i = 1; i < attempts && delay < static_cast<double>(schedule.max_delay.count()); ++i) {
    delay *= 2;
  }
  delay = std::min(delay, static_cast<double>(schedule.max_delay.count()));
  delay *= 1.0 - schedule.jitter + 2.0 * schedule.jitter * random_unit;
  milliseconds wait(static_cast<std::int64_t>(delay));
  if (retry_after) wait = std::max(wait, std::min(*retry_after, schedule.max_retry_after));
  const TimePoint next = now + wait;
  if (next - queued_at > schedule.give_up_after) return std::nullopt;
  return next;
}

std::optional<milliseconds> ParseRetryAfter(std::string_view value, TimePoint now) {
  value = TrimAscii(value);
  if (value.empty()) return std::nullopt;
  std::int64_t seconds = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (error == std::errc() && end == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return milliseconds(std::min<std::int64_t>(seconds, std::int64_t{1} << 40) * 1000);
  }
  const std::string text(value);
  const time_t at = curl_getdate(text.c_str(), nullptr);
  if (at < 0) return std::nullopt;
  const auto delay = std::chrono::system_clock::from_time_t(at) - now;
  return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(delay));
}

}  // namespace crm::webhook
