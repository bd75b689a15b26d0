// GoogleTest matchers for Status and Result<T>: IsOk(), and StatusIs(code[, message matcher]).
// There is deliberately no "is not OK" matcher: assert the specific error (abseil's rule).
// Thread-safety: stateless.
#ifndef CRM_TESTING_STATUS_MATCHERS_HPP_
#define CRM_TESTING_STATUS_MATCHERS_HPP_

#include <gmock/gmock.h>

#include "crm/common/status.hpp"

namespace crm::testing {

inline const Status& GetStatus(const Status& status) { return status; }
template <typename T>
const Status& GetStatus(const Result<T>& result) {
  return result.status();
}

MATCHER(IsOk, "is OK") {
  const Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << status.ToString();
  return status.ok();
}

MATCHER_P(StatusIs, code, "has status code " + std::string(StatusCodeName(code))) {
  const Status& status = GetStatus(arg);
  *result_listener << status.ToString();
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has status code " + std::string(StatusCodeName(code)) + " and a matching message") {
  const Status& status = GetStatus(arg);
  *result_listener << status.ToString();
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, status.message(), result_listener);
}

}  // namespace crm::testing

#endif  // CRM_TESTING_STATUS_MATCHERS_HPP_
