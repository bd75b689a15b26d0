#include "crm/http/request_checks.hpp"

#include <iterator>

#include <boost/beast/core/string.hpp>

#include "crm/common/strings.hpp"

namespace crm::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

// Why a request's framing is ambiguous, as RFC 9112 (sections 3.2 and 6) asks a server to refuse:
// where two parsers could read different bodies from the same bytes, a request could be smuggled
// past a proxy. Beast reads "Transfer-Encoding: xchunked" as no body and "gzip, chunked" as
// chunked; crmd decodes no transfer coding but chunked, so anything else is refused.
std::optional<std::string> FramingError(const bhttp::request_header<>& header) {
  const auto count = [&header](bhttp::field field) {
    const auto range = header.equal_range(field);
    return std::distance(range.first, range.second);
  };
  const auto encodings = count(bhttp::field::transfer_encoding);
  if (encodings > 1 ||
      (encodings == 1 &&
       !beast::iequals(TrimAscii(header[bhttp::field::transfer_encoding]), "chunked"))) {
    return "Transfer-Encoding must be exactly \"chunked\".";
  }
  const auto lengths = count(bhttp::field::content_length);
  if (lengths > 1) return "Content-Length appears more than once.";
  if (encodings == 1 && lengths == 1) {
    return "Content-Length and Transfer-Encoding together are ambiguous.";
  }
  const auto hosts = count(bhttp::field::host);
  if (header.version() >= 11 && hosts != 1) {
    return hosts == 0 ? "HTTP/1.1 needs a Host header." : "Host appears more than once.";
  }
  return std::nullopt;
}

}  // namespace

void ConfigureParser(RequestParser& parser, const ServerOptions& options) {
  parser.body_limit(options.body_limit);
  parser.header_limit(options.header_limit);
}

std::optional<Refusal> CheckRequestHeader(const bhttp::request_header<>& header,
                                          const ServerOptions& options) {
  if (auto reason = FramingError(header)) return Refusal{400, std::move(*reason)};
  if (header.target().size() > options.url_limit) {
    return Refusal{414,
                   "The request target exceeds " + std::to_string(options.url_limit) + " bytes."};
  }
  // Beast keeps no count; the header limit bounds the walk.
  if (static_cast<std::size_t>(std::distance(header.begin(), header.end())) > options.max_headers) {
    return Refusal{
        431, "The request has more than " + std::to_string(options.max_headers) + " headers."};
  }
  return std::nullopt;
}

}  // namespace crm::http
