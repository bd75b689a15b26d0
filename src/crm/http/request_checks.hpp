// Request checks: what the server verifies in a request header before it reads the body or
// dispatches the request, shared by the server and by the HTTP fuzz target (fuzz/http_request_fuzz)
// so that the fuzzer exercises the same parser settings and checks as the connections do.
//
// Refused, in this order: ambiguous framing (RFC 9112 sections 3.2 and 6; 400), a request target
// longer than ServerOptions::url_limit (414) and more header fields than
// ServerOptions::max_headers (431). Sizes of the header block and of the body are the parser's
// limits (431 and 413, see ConfigureParser).
//
// Thread-safety: pure functions.
#ifndef CRM_HTTP_REQUEST_CHECKS_HPP_
#define CRM_HTTP_REQUEST_CHECKS_HPP_

#include <optional>
#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "crm/http/server.hpp"

namespace crm::http {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Why a request is answered without being dispatched: the status and the reason told the client.
struct Refusal {
  int status = 400;
  std::string reason;
};

// Applies the header and body size limits of `options` to a fresh parser.
void ConfigureParser(RequestParser& parser, const ServerOptions& options);

// The first check `header` fails, or nullopt when it may be served.
std::optional<Refusal> CheckRequestHeader(const boost::beast::http::request_header<>& header,
                                          const ServerOptions& options);

}  // namespace crm::http

#endif  // CRM_HTTP_REQUEST_CHECKS_HPP_
