// Fuzz target for the where pipeline: bytes -> JSON -> CompileWhere against Contact, in both
// dialects. Must not crash, hang, throw or leak; a compiled filter must have one parameter per
// placeholder, and a failure must be a kInvalidArgument (a 400), never anything else.
// Thread-safety: libFuzzer calls it from one thread.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <boost/json/parse.hpp>

#include "crm/common/time.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/query/where.hpp"

namespace {

const crm::metadata::Metadata& FuzzMetadata() {
  static const auto metadata = crm::metadata::Metadata::LoadDefault("");
  if (!metadata.ok()) std::abort();
  return **metadata;
}

void Check(const crm::Result<crm::query::SqlFragment>& result) {
  if (!result.ok()) {
    if (result.status().code() != crm::StatusCode::kInvalidArgument) std::abort();
    return;
  }
  std::size_t placeholders = 0;
  for (const char c : result->sql) placeholders += c == '?' ? 1 : 0;
  if (placeholders != result->params.size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const crm::metadata::Metadata& metadata = FuzzMetadata();
  boost::system::error_code ec;
  const boost::json::value value =
      boost::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec || !value.is_array()) return 0;
  const crm::TimePoint now = *crm::ParseDateTime("2024-03-15 10:30:00");
  for (const auto dialect : {crm::query::Dialect::kSqlite, crm::query::Dialect::kPostgres}) {
    const crm::query::FilterContext context{metadata, metadata.Entity("Contact"), dialect,
                                            now,      "0123456789abcdef0",        "Europe/Berlin"};
    Check(crm::query::CompileWhere(value.get_array(), context));
  }
  return 0;
}
