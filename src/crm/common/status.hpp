// Status and Result<T>: how every fallible crmd function reports failure.
//
// Expected failures (bad input, missing record, conflicts, auth failures, database errors) are
// values, never exceptions. A Status is either OK (no allocation) or carries a canonical code, a
// message that is safe to show to clients, and optional machine-readable details (extra JSON keys
// that the API layer puts beside the error object, e.g. "messageTranslation" for validation
// failures).
//
// Thread-safety: Status and Result are values; distinct objects may be used from different threads
// freely, and a const object may be shared.
#ifndef CRM_COMMON_STATUS_HPP_
#define CRM_COMMON_STATUS_HPP_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace boost::json {
class object;
}  // namespace boost::json

namespace crm {

// The canonical error codes, modelled on absl::StatusCode. When adding a code, update
// api::ToHttpStatus (src/crm/api/http_status.cpp): the switch there has no default on purpose.
enum class StatusCode {
  kOk,
  // The request is malformed or violates a rule of the data model. Retrying the same request fails
  // again.
  kInvalidArgument,
  // No credentials, or credentials that do not identify a user. Retry with valid credentials.
  kUnauthenticated,
  // The caller is known but not allowed to do this. Do not retry.
  kPermissionDenied,
  // The entity, record, link or route does not exist.
  kNotFound,
  // The write conflicts with stored data (duplicate record, concurrent modification). Re-read, then
  // retry.
  kConflict,
  // A precondition stated by the client (If-Match) does not hold.
  kFailedPrecondition,
  // The request body is larger than the server accepts.
  kPayloadTooLarge,
  // A quota is exhausted (rate limit). Retry after the quota refills.
  kResourceExhausted,
  // The service cannot do this right now (shutting down, database busy). Retry later.
  kUnavailable,
  // A bug or an environment failure. The message is generic; details go to the log only.
  kInternal,
  // The work was stopped because nobody waits for its result any more (the client closed its
  // connection; see common/cancellation.hpp). Nothing was changed.
  kCancelled,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message);

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string message);
  static Status Unauthenticated(std::string message);
  static Status PermissionDenied(std::string message);
  static Status NotFound(std::string message);
  static Status Conflict(std::string message);
  static Status FailedPrecondition(std::string message);
  static Status PayloadTooLarge(std::string message);
  static Status ResourceExhausted(std::string message);
  static Status Unavailable(std::string message);
  static Status Internal(std::string message);
  static Status Cancelled(std::string message);

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const;
  // The client-visible message; empty for OK.
  const std::string& message() const;
  // Extra JSON keys for the error body, or nullptr.
  const boost::json::object* details() const;

  // Returns a copy of this status with `details` attached (replacing earlier ones). Not valid on
  // OK.
  Status WithDetails(boost::json::object details) const;

  // "NotFound: Record x does not exist." for logs and test failure messages.
  std::string ToString() const;

 private:
  struct State;
  std::shared_ptr<const State> state_;
};

// Holds either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value)
      : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status)
      : data_(std::in_place_index<1>, std::move(status)) {  // NOLINT: implicit by design
    if (std::get<1>(data_).ok()) {
      data_.template emplace<1>(Status::Internal("Result constructed from an OK status"));
    }
  }

  bool ok() const { return data_.index() == 0; }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<1>(data_);
  }
  Status TakeStatus() && { return ok() ? Status() : std::move(std::get<1>(data_)); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> data_;
};

namespace internal {
inline Status AsStatus(Status s) { return s; }
template <typename T>
Status AsStatus(Result<T>&& r) {
  return std::move(r).TakeStatus();
}
}  // namespace internal

}  // namespace crm

#define CRM_STATUS_CONCAT_INNER_(a, b) a##b
#define CRM_STATUS_CONCAT_(a, b) CRM_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (a Status or Result) and returns its status from the enclosing function if not
// OK.
#define CRM_RETURN_IF_ERROR(expr) \
  CRM_RETURN_IF_ERROR_IMPL_(CRM_STATUS_CONCAT_(crm_status_, __COUNTER__), expr)
#define CRM_RETURN_IF_ERROR_IMPL_(status, expr)               \
  do {                                                        \
    ::crm::Status status = ::crm::internal::AsStatus((expr)); \
    if (!status.ok()) return status;                          \
  } while (false)

// Evaluates `rexpr` (a Result<T>); on error returns its status, else moves the value into `lhs`
// (a declaration such as `auto x` or an existing variable).
#define CRM_ASSIGN_OR_RETURN(lhs, rexpr) \
  CRM_ASSIGN_OR_RETURN_IMPL_(CRM_STATUS_CONCAT_(crm_result_, __COUNTER__), lhs, rexpr)
#define CRM_ASSIGN_OR_RETURN_IMPL_(result, lhs, rexpr)     \
  auto result = (rexpr);                                   \
  if (!result.ok()) return std::move(result).TakeStatus(); \
  lhs = std::move(result).value()

#endif  // CRM_COMMON_STATUS_HPP_
