// Fuzz target for the server's request path before dispatch: bytes as they arrive on one
// connection, read request after request (pipelining) by Beast's parser with the server's limits
// (http::ConfigureParser) and checked by http::CheckRequestHeader, as http::Server does. Must not
// crash, hang, throw or leak. A request the checks pass has unambiguous framing (at most one
// Content-Length, Transfer-Encoding absent or exactly "chunked", never both; exactly one Host in
// HTTP/1.1) and is within the limits; a refusal is 400, 414 or 431; a body never exceeds the body
// limit nor differs from its Content-Length.
// Thread-safety: libFuzzer calls it from one thread.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

#include "crm/common/strings.hpp"
#include "crm/http/request_checks.hpp"

namespace {

namespace bhttp = boost::beast::http;

// Small limits, so that inputs of a few kilobytes reach every one of them.
crm::http::ServerOptions FuzzOptions() {
  crm::http::ServerOptions options;
  options.body_limit = 4096;
  options.header_limit = 2048;
  options.url_limit = 256;
  options.max_headers = 16;
  return options;
}

void Require(bool condition) {
  if (!condition) std::abort();
}

std::ptrdiff_t Count(const bhttp::request_header<>& header, bhttp::field field) {
  const auto range = header.equal_range(field);
  return std::distance(range.first, range.second);
}

// Feeds `rest` to `parser` until `done` holds; false when the bytes end first or the parser
// fails (the server then waits for more, or answers and closes).
template <typename Done>
bool Feed(crm::http::RequestParser& parser, std::string_view& rest, Done done) {
  while (!done()) {
    boost::beast::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    rest.remove_prefix(used);
    if (ec) return false;
    if (used == 0) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const crm::http::ServerOptions options = FuzzOptions();
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!rest.empty()) {
    crm::http::RequestParser parser;
    crm::http::ConfigureParser(parser, options);
    parser.eager(false);
    if (!Feed(parser, rest, [&parser] { return parser.is_header_done(); })) return 0;
    const auto& header = parser.get();
    if (const auto refusal = crm::http::CheckRequestHeader(header, options)) {
      Require(refusal->status == 400 || refusal->status == 414 || refusal->status == 431);
      Require(!refusal->reason.empty());
      return 0;  // the server answers and closes the connection
    }
    const auto encodings = Count(header, bhttp::field::transfer_encoding);
    const auto lengths = Count(header, bhttp::field::content_length);
    Require(lengths <= 1 && encodings <= 1 && lengths + encodings <= 1);
    if (encodings == 1) {
      Require(boost::beast::iequals(crm::TrimAscii(header[bhttp::field::transfer_encoding]),
                                    "chunked"));
    }
    if (header.version() >= 11) Require(Count(header, bhttp::field::host) == 1);
    Require(header.target().size() <= options.url_limit);
    Require(static_cast<std::size_t>(std::distance(header.begin(), header.end())) <=
            options.max_headers);
    parser.eager(true);
    if (!Feed(parser, rest, [&parser] { return parser.is_done(); })) return 0;
    const auto length = parser.content_length();
    const std::size_t body = parser.get().body().size();
    Require(body <= options.body_limit);
    if (lengths == 1) Require(length.has_value() && body == *length);
    if (!parser.get().keep_alive()) return 0;
  }
  return 0;
}
