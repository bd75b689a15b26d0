// Fuzz target for list search parameters: bytes as a raw query string, decoded by the server's own
// api::DecodeQueryString, then DecodeSearchParams and CompileFilters against Contact. Must not
// crash, hang, throw or leak; failures must be kInvalidArgument, and a compiled filter must have
// one parameter per placeholder. Thread-safety: libFuzzer calls it from one thread.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crm/api/query_string.hpp"
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

void CheckStatus(const crm::Status& status) {
  if (!status.ok() && status.code() != crm::StatusCode::kInvalidArgument) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const crm::metadata::Metadata& metadata = FuzzMetadata();
  const auto params =
      crm::api::DecodeQueryString(std::string_view(reinterpret_cast<const char*>(data), size));
  CheckStatus(params.status());
  if (!params.ok()) return 0;
  const auto search = crm::query::DecodeSearchParams(*params);
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
