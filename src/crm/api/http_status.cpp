#include "crm/api/http_status.hpp"

#include <boost/json/object.hpp>
#include <boost/locale/utf.hpp>

#include "crm/common/json.hpp"

namespace crm::api {
namespace {

// Messages echo what clients sent (ids from the path, attribute names from the query), which need
// not be UTF-8, and Boost.JSON writes a string's bytes as they are: every invalid sequence becomes
// U+FFFD so that each body is valid UTF-8 JSON.
std::string ValidUtf8(std::string_view text) {
  using Traits = boost::locale::utf::utf_traits<char>;
  std::string out;
  out.reserve(text.size());
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p != end) {
    const char* const start = p;
    const auto code_point = Traits::decode(p, end);
    if (code_point == boost::locale::utf::illegal || code_point == boost::locale::utf::incomplete) {
      // decode may have consumed the byte that ended the bad sequence; resume right after its lead.
      out += "\xEF\xBF\xBD";
      p = start + 1;
    } else {
      out.append(start, p);
    }
  }
  return out;
}

void MakeValidUtf8(boost::json::value& value) {
  if (value.is_string()) {
    value = ValidUtf8(value.get_string());
  } else if (value.is_array()) {
    for (auto& item : value.get_array()) MakeValidUtf8(item);
  } else if (value.is_object()) {
    for (auto& [key, item] : value.get_object()) MakeValidUtf8(item);
  }
}

// X-Status-Reason must be a valid header value: EspoCRM replaces what is not printable with spaces.
std::string HeaderSafe(std::string_view text) {
  std::string out(text.substr(0, 1000));
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) c = ' ';
  }
  return out;
}

}  // namespace

int ToHttpStatus(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kConflict:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 412;
    case StatusCode::kPayloadTooLarge:
      return 413;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kInternal:
      return 500;
    case StatusCode::kCancelled:
      // nginx's code for a request whose client closed the connection before the answer: the
      // access log then tells abandoned requests from failed ones. Nobody reads the answer.
      return 499;
  }
  return 500;
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 499:
      return "Client Closed Request";
    case 503:
      return "Service Unavailable";
    default:
      return "Internal Server Error";
  }
}

http::Response JsonResponse(int status, std::string body) {
  http::Response response;
  response.status = status;
  response.SetHeader("Content-Type", "application/json");
  response.SetHeader("Cache-Control", "no-store, no-cache, must-revalidate");
  response.body = std::move(body);
  return response;
}

http::Response ErrorResponse(const Status& status) {
  const int code = ToHttpStatus(status.code());
  namespace json = boost::json;
  // The header is made from the same text as the body, so the two say the same.
  const std::string description = ValidUtf8(status.message());
  json::object body;
  body["error"] =
      json::object{{"status", code}, {"message", ReasonPhrase(code)}, {"description", description}};
  if (const json::object* details = status.details()) {
    for (const auto& [key, value] : *details) {
      json::value copy = value;
      MakeValidUtf8(copy);
      body[ValidUtf8(key)] = std::move(copy);
    }
  }
  http::Response response = JsonResponse(code, SerializeJson(body));
  response.SetHeader("X-Status-Reason", HeaderSafe(description));
  return response;
}

http::Response ProtocolErrorResponse(int status, std::string_view reason) {
  namespace json = boost::json;
  const std::string description = ValidUtf8(reason);
  json::object body;
  body["error"] = json::object{
      {"status", status}, {"message", ReasonPhrase(status)}, {"description", description}};
  http::Response response = JsonResponse(status, SerializeJson(body));
  response.SetHeader("X-Status-Reason", HeaderSafe(description));
  return response;
}

}  // namespace crm::api
