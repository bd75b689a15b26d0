#include "crm/api/query_string.hpp"

#include <boost/url/decode_view.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/params_encoded_view.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/pchars.hpp>

namespace crm::api {
namespace {

// What may stay as it is in a query or a path segment: RFC 3986's pchar, '/' and '?'. Boost.URL
// percent-encodes everything else, such as the raw brackets of PHP-style parameters.
constexpr auto kTolerated = boost::urls::pchars + '/' + '?';

// `text` with what a query may not hold percent-encoded, and every '%' kept, so that what the
// client encoded passes through unchanged and a malformed escape still fails the parse. (encode()
// must not be given '%' as a safe character: that is its precondition, asserted in debug builds.)
std::string Tolerant(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    const std::size_t percent = text.find('%', start);
    out += boost::urls::encode(text.substr(start, percent - start), kTolerated);
    if (percent == std::string_view::npos) return out;
    out += '%';
    start = percent + 1;
  }
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> DecodeQueryString(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  if (query.empty()) return out;
  const std::string tolerant = Tolerant(query);
  auto parsed = boost::urls::parse_query(tolerant);
  if (!parsed) return Status::InvalidArgument("Malformed query string.");
  boost::urls::encoding_opts options;
  options.space_as_plus = true;
  for (const auto& param : *parsed) {
    if (param.key.empty() && !param.has_value) continue;
    std::string key;
    std::string value;
    param.key.decode(options, boost::urls::string_token::assign_to(key));
    if (param.has_value) param.value.decode(options, boost::urls::string_token::assign_to(value));
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

Result<std::vector<std::string>> DecodePathSegments(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view raw = path.substr(start, end - start);
    if (!raw.empty()) {
      const std::string tolerant = Tolerant(raw);
      auto encoded = boost::urls::make_pct_string_view(tolerant);
      if (!encoded) return Status::InvalidArgument("Malformed path.");
      std::string decoded;
      encoded->decode({}, boost::urls::string_token::assign_to(decoded));
      out.push_back(std::move(decoded));
    }
    start = end + 1;
  }
  return out;
}

}  // namespace crm::api
