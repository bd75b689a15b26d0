// RecordImporter: bulk creation from a file (`crmd import`), a batch of rows per write job. Each
// row goes the way of POST /api/v1/{E} and massCreate (access, editable fields, validation,
// duplicate rule, link targets, business rules, change events for webhooks) but, unlike massCreate,
// a bad row does not fail its batch: each row runs in its own savepoint, and the batch reports per
// row whether it was created, skipped as a duplicate or failed, and why. A batch is one job, so it
// commits whole or not at all.
//
// Thread-safety: as RecordService; ImportBatch's callback runs on the database writer thread.
#ifndef CRM_SERVICE_RECORD_IMPORT_HPP_
#define CRM_SERVICE_RECORD_IMPORT_HPP_

#include <cstdint>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

#include "crm/service/record_service.hpp"

namespace crm::service {

struct ImportRow {
  std::int64_t line = 0;  // where the row starts in the file, for the report
  boost::json::object values;
};

struct ImportOutcome {
  enum class Kind { kCreated, kDuplicate, kFailed };
  std::int64_t line = 0;
  Kind kind = Kind::kCreated;
  std::string reason;  // why it was skipped or failed
};

struct ImportOptions {
  // Create records the duplicate rule matches (as X-Skip-Duplicate-Check: true) instead of
  // skipping them.
  bool allow_duplicates = false;
  // Run every check and write in the job, then roll the job back: nothing is kept.
  bool dry_run = false;
};

class RecordImporter {
 public:
  explicit RecordImporter(RecordService& records) : records_(records) {}

  // kPermissionDenied when `principal` may not create records of `entity`, or when `entity` is
  // bookkeeping (Webhook); otherwise one outcome per row, in order, once the batch committed (or,
  // in a dry run, was rolled back).
  void ImportBatch(const auth::Principal& principal, const metadata::EntityDef& entity,
                   std::vector<ImportRow> rows, ImportOptions options,
                   Callback<std::vector<ImportOutcome>> done);

  // The record a CSV row stands for: `header` names the attributes, empty cells are left out,
  // and cells of numeric, boolean, array and JSON attributes are converted from their text.
  // kInvalidArgument for a cell that does not convert or a row of the wrong width.
  static Result<boost::json::object> RecordFromCsv(const metadata::EntityDef& entity,
                                                   const std::vector<std::string>& header,
                                                   std::vector<std::string>& cells);
  // kInvalidArgument naming the first column that is no attribute of `entity`.
  static Status CheckCsvHeader(const metadata::EntityDef& entity,
                               const std::vector<std::string>& header);

 private:
  RecordService& records_;
};

}  // namespace crm::service

#endif  // CRM_SERVICE_RECORD_IMPORT_HPP_
