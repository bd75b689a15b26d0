#include "crm/common/status.hpp"

#include <boost/json/object.hpp>

namespace crm {

struct Status::State {
  StatusCode code;
  std::string message;
  std::shared_ptr<const boost::json::object> details;
};

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kInvalidArgument:
      return "InvalidArgument";
    case StatusCode::kUnauthenticated:
      return "Unauthenticated";
    case StatusCode::kPermissionDenied:
      return "PermissionDenied";
    case StatusCode::kNotFound:
      return "NotFound";
    case StatusCode::kConflict:
      return "Conflict";
    case StatusCode::kFailedPrecondition:
      return "FailedPrecondition";
    case StatusCode::kPayloadTooLarge:
      return "PayloadTooLarge";
    case StatusCode::kResourceExhausted:
      return "ResourceExhausted";
    case StatusCode::kUnavailable:
      return "Unavailable";
    case StatusCode::kInternal:
      return "Internal";
    case StatusCode::kCancelled:
      return "Cancelled";
  }
  return "Unknown";
}

Status::Status(StatusCode code, std::string message) {
  if (code != StatusCode::kOk) {
    state_ = std::make_shared<const State>(State{code, std::move(message), nullptr});
  }
}

Status Status::InvalidArgument(std::string message) {
  return {StatusCode::kInvalidArgument, std::move(message)};
}
Status Status::Unauthenticated(std::string message) {
  return {StatusCode::kUnauthenticated, std::move(message)};
}
Status Status::PermissionDenied(std::string message) {
  return {StatusCode::kPermissionDenied, std::move(message)};
}
Status Status::NotFound(std::string message) { return {StatusCode::kNotFound, std::move(message)}; }
Status Status::Conflict(std::string message) { return {StatusCode::kConflict, std::move(message)}; }
Status Status::FailedPrecondition(std::string message) {
  return {StatusCode::kFailedPrecondition, std::move(message)};
}
Status Status::PayloadTooLarge(std::string message) {
  return {StatusCode::kPayloadTooLarge, std::move(message)};
}
Status Status::ResourceExhausted(std::string message) {
  return {StatusCode::kResourceExhausted, std::move(message)};
}
Status Status::Unavailable(std::string message) {
  return {StatusCode::kUnavailable, std::move(message)};
}
Status Status::Internal(std::string message) { return {StatusCode::kInternal, std::move(message)}; }
Status Status::Cancelled(std::string message) {
  return {StatusCode::kCancelled, std::move(message)};
}

StatusCode Status::code() const { return state_ ? state_->code : StatusCode::kOk; }

const std::string& Status::message() const {
  static const std::string kEmpty;
  return state_ ? state_->message : kEmpty;
}

const boost::json::object* Status::details() const {
  return state_ ? state_->details.get() : nullptr;
}

Status Status::WithDetails(boost::json::object details) const {
  Status copy;
  if (state_) {
    copy.state_ = std::make_shared<const State>(
        State{state_->code, state_->message,
              std::make_shared<const boost::json::object>(std::move(details))});
  }
  return copy;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code()));
  out += ": ";
  out += message();
  return out;
}

}  // namespace crm
