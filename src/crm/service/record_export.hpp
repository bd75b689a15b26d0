// ExportCursor: every record of an entity that a search matches (where, textFilter, primaryFilter,
// boolFilterList, select, orderBy and the principal's row and field limits, all as in a list),
// encoded as CSV (a header row of attribute names, EspoCRM's export style) or JSON lines, one
// page of records at a time so that an export of any size holds one page in memory.
//
// Pages without an orderBy (or ordered by id) follow the id (keyset: each page starts after the
// last id of the one before), so every page is an index seek. Other orders page by offset, which
// reads the skipped rows again per page. Pages are separate reads: records written during an
// export may or may not be in it, as with paging through a list.
//
// Thread-safety: one thread at a time (reads go through that thread's read connection).
#ifndef CRM_SERVICE_RECORD_EXPORT_HPP_
#define CRM_SERVICE_RECORD_EXPORT_HPP_

#include <string>
#include <string_view>
#include <vector>

#include "crm/service/record_service.hpp"

namespace crm::service {

enum class ExportFormat { kCsv, kJsonLines };

// "csv" or "jsonl" (also "ndjson"); kInvalidArgument otherwise.
Result<ExportFormat> ParseExportFormat(std::string_view name);
// text/csv or application/x-ndjson, with the charset.
std::string_view ExportContentType(ExportFormat format);

class ExportCursor {
 public:
  // `params`' offset and maxSize are ignored: an export has every matching record.
  ExportCursor(RecordService& records, auth::Principal principal, const metadata::EntityDef& entity,
               query::SearchParams params, ExportFormat format);

  // Replaces `out` with the next piece of the file; false when nothing is left. The errors of
  // RecordService::List (bad where, unknown attribute, no read access), from the first call on.
  Result<bool> Next(std::string& out);

 private:
  void AppendCsv(const boost::json::object& record, std::string& out);

  RecordService& records_;
  const auth::Principal principal_;
  const metadata::EntityDef& entity_;
  query::SearchParams params_;
  const ExportFormat format_;
  const bool keyset_;
  std::string last_id_;
  std::int64_t offset_ = 0;
  bool done_ = false;
  std::vector<std::string> columns_;  // CSV: the first record's attributes, in its order
};

}  // namespace crm::service

#endif  // CRM_SERVICE_RECORD_EXPORT_HPP_
