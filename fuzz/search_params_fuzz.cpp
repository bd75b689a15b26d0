// Fuzz target for list search parameters: bytes as a raw query string, split on '&' and '=' and
// percent-decoded by a harness-only decoder, then DecodeSearchParams and CompileFilters against
// Contact. Must not crash, hang, throw or leak; failures must be kInvalidArgument, and a compiled
// filter must have one parameter per placeholder. Thread-safety: libFuzzer calls it from one
// thread.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crm/common/time.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/query/search_params.hpp"
#include "crm/query/where.hpp"

namespace {

const crm::metadata::Metadata& FuzzMetadata() {
  static const auto metadata = crm::metadata::Metadata::LoadDefault("");
  if (!metadata.ok()) std::abort();
  return **metadata;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding; a malformed escape is kept as it is.
std::string Decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && HexDigit(text[i + 1]) >= 0 &&
               HexDigit(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexDigit(text[i + 1]) * 16 + HexDigit(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> SplitQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      params.emplace_back(Decode(pair.substr(0, eq)), eq == std::string_view::npos
                                                          ? std::string()
                                                          : Decode(pair.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return params;
}

void CheckStatus(const crm::Status& status) {
  if (!status.ok() && status.code() != crm::StatusCode::kInvalidArgument) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const crm::metadata::Metadata& metadata = FuzzMetadata();
  const auto params = SplitQuery(std::string_view(reinterpret_cast<const char*>(data), size));
  const auto search = crm::query::DecodeSearchParams(params);
  CheckStatus(search.status());
  if (!search.ok()) return 0;
  const crm::TimePoint now = *crm::ParseDateTime("2024-03-15 10:30:00");
  for (const auto dialect : {crm::query::Dialect::kSqlite, crm::query::Dialect::kPostgres}) {
    const crm::query::FilterContext context{metadata, metadata.Entity("Contact"), dialect,
                                            now,      "0123456789abcdef0",        "UTC"};
    const auto compiled = crm::query::CompileFilters(*search, context);
    CheckStatus(compiled.status());
    if (!compiled.ok()) continue;
    std::size_t placeholders = 0;
    for (const char c : compiled->sql) placeholders += c == '?' ? 1 : 0;
    if (placeholders != compiled->params.size()) std::abort();
  }
  return 0;
}
