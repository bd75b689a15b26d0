// What a delivery attempt's answer means and when to try again. Connection errors, timeouts, 408,
// 429 and 5xx are retried with exponential backoff and jitter (first after about `first_delay`,
// then doubling up to `max_delay`) until `give_up_after` has passed since the delivery was
// queued; a Retry-After header moves the next attempt later, never earlier. 410 Gone deactivates
// the webhook; any other 4xx fails the delivery at once (the receiver refused it); 2xx and 3xx
// (redirects are not followed) deliver it.
//
// Thread-safety: pure functions; the random source is passed in.
#ifndef CRM_WEBHOOK_RETRY_POLICY_HPP_
#define CRM_WEBHOOK_RETRY_POLICY_HPP_

#include <chrono>
#include <optional>
#include <string_view>

#include "crm/common/time.hpp"

namespace crm::webhook {

struct RetrySchedule {
  std::chrono::milliseconds first_delay{2000};
  std::chrono::milliseconds max_delay{std::chrono::hours(1)};
  std::chrono::milliseconds give_up_after{std::chrono::hours(48)};
  double jitter = 0.25;  // each delay is scaled by a factor in [1 - jitter, 1 + jitter]
  // The longest Retry-After honoured; a receiver asking for more is retried after this.
  std::chrono::milliseconds max_retry_after{std::chrono::hours(6)};
};

enum class AttemptOutcome { kDelivered, kRetry, kFailed, kGone };

// `status` is the HTTP status, or 0 when no answer came (connection error, timeout).
AttemptOutcome ClassifyAttempt(int status);

// The time of the next attempt after `attempts` failed ones (1 for the first failure) of a
// delivery queued at `queued_at`, or nullopt when the schedule gives up. `random_unit` is uniform
// in [0, 1).
std::optional<TimePoint> NextAttemptAt(const RetrySchedule& schedule, int attempts,
                                       TimePoint queued_at, TimePoint now,
                                       std::optional<std::chrono::milliseconds> retry_after,
                                       double random_unit);

// A Retry-After value (delay-seconds or an HTTP-date) as a delay from `now`; nullopt when it is
// neither.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value, TimePoint now);

}  // namespace crm::webhook

#endif  // CRM_WEBHOOK_RETRY_POLICY_HPP_
