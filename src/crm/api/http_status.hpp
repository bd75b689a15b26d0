// The one mapping from Status to HTTP: status code, the error body of contract.md
// ({"error": {"status", "message", "description"}} plus EspoCRM's machine-readable keys beside it,
// such as "messageTranslation" or "duplicates"), and the X-Status-Reason header EspoCRM clients
// read.
//
// Thread-safety: pure functions.
#ifndef CRM_API_HTTP_STATUS_HPP_
#define CRM_API_HTTP_STATUS_HPP_

#include <string>
#include <string_view>

#include "crm/common/status.hpp"
#include "crm/http/message.hpp"

namespace crm::api {

int ToHttpStatus(StatusCode code);
std::string_view ReasonPhrase(int status);

// A JSON response with the headers every crmd response carries.
http::Response JsonResponse(int status, std::string body);
// The error response for `status` (never OK).
http::Response ErrorResponse(const Status& status);
// An error response for errors the HTTP server answers itself (malformed request, 413, 431).
http::Response ProtocolErrorResponse(int status, std::string_view reason);

}  // namespace crm::api

#endif  // CRM_API_HTTP_STATUS_HPP_
