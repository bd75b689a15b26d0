// Test helper: splits a raw query string ("a=1&b[]=x%20y") into percent-decoded name/value pairs,
// as the HTTP layer hands them to query::DecodeSearchParams ('+' is a space; a malformed escape
// stays as it is). Thread-safety: pure function.
#ifndef CRM_TESTS_UNIT_QUERY_QUERY_STRING_HPP_
#define CRM_TESTS_UNIT_QUERY_QUERY_STRING_HPP_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crm::testing {

inline int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

inline std::string FormDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && HexDigitValue(text[i + 1]) >= 0 &&
               HexDigitValue(text[i + 2]) >= 0) {
      out.push_back(
          static_cast<char>(HexDigitValue(text[i + 1]) * 16 + HexDigitValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

inline std::vector<std::pair<std::string, std::string>> SplitQueryString(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      params.emplace_back(FormDecode(pair.substr(0, eq)), eq == std::string_view::npos
                                                              ? std::string()
                                                              : FormDecode(pair.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return params;
}

}  // namespace crm::testing

#endif  // CRM_TESTS_UNIT_QUERY_QUERY_STRING_HPP_
