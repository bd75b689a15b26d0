#include "crm/service/record_import.hpp"

#include <charconv>
#include <memory>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "crm/service/access_rules.hpp"
#include "crm/service/record_input.hpp"
#include "crm/service/record_writer.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;
using metadata::ValueType;

std::string Reason(const Status& status) {
  if (status.code() != StatusCode::kInvalidArgument || status.details() == nullptr) {
    return status.message();
  }
  // Validation failures name the field in their details (EspoCRM's messageTranslation).
  return status.message() + " " + json::serialize(*status.details());
}

bool IsDuplicate(const Status& status) {
  return status.code() == StatusCode::kConflict && status.details() != nullptr &&
         status.details()->contains("duplicates");
}

Result<json::value> CellValue(ValueType type, const std::string& name, std::string& cell) {
  switch (type) {
    case ValueType::kInt: {
      std::int64_t value = 0;
      const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
      if (ec != std::errc() || end != cell.data() + cell.size()) {
        return Status::InvalidArgument("'" + name + "' is not an integer: " + cell);
      }
      return json::value(value);
    }
    case ValueType::kFloat: {
      double value = 0;
      const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
      if (ec != std::errc() || end != cell.data() + cell.size()) {
        return Status::InvalidArgument("'" + name + "' is not a number: " + cell);
      }
      return json::value(value);
    }
    case ValueType::kBool:
      if (cell == "true" || cell == "1") return json::value(true);
      if (cell == "false" || cell == "0") return json::value(false);
      return Status::InvalidArgument("'" + name + "' is not true or false: " + cell);
    case ValueType::kStringArray:
    case ValueType::kJson:
    case ValueType::kIdArray:
    case ValueType::kObject: {
      boost::system::error_code ec;
      json::value value = json::parse(cell, ec);
      if (ec) return Status::InvalidArgument("'" + name + "' is not JSON: " + cell);
      return value;
    }
    default:
      return json::value(json::string(std::move(cell)));
  }
}

}  // namespace

Status RecordImporter::CheckCsvHeader(const metadata::EntityDef& entity,
                                      const std::vector<std::string>& header) {
  if (header.empty() || (header.size() == 1 && header[0].empty())) {
    return Status::InvalidArgument("The header row is empty.");
  }
  for (const auto& name : header) {
    const int index = entity.AttributeIndex(name);
    if (index < 0 || entity.attributes[static_cast<std::size_t>(index)].internal) {
      return Status::InvalidArgument("Column '" + name + "' is no attribute of " + entity.name +
                                     ".");
    }
  }
  return {};
}

Result<json::object> RecordImporter::RecordFromCsv(const metadata::EntityDef& entity,
                                                   const std::vector<std::string>& header,
                                                   std::vector<std::string>& cells) {
  if (cells.size() != header.size()) {
    return Status::InvalidArgument("The row has " + std::to_string(cells.size()) +
                                   " fields, the header " + std::to_string(header.size()) + ".");
  }
  json::object record;
  record.reserve(cells.size());
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (cells[i].empty()) continue;
    const auto& attribute =
        entity.attributes[static_cast<std::size_t>(entity.AttributeIndex(header[i]))];
    CRM_ASSIGN_OR_RETURN(json::value value, CellValue(attribute.type, header[i], cells[i]));
    record.emplace(header[i], std::move(value));
  }
  return record;
}

void RecordImporter::ImportBatch(const auth::Principal& principal,
                                 const metadata::EntityDef& entity, std::vector<ImportRow> rows,
                                 ImportOptions options, Callback<std::vector<ImportOutcome>> done) {
  if (!entity.object) {
    return done(Status::PermissionDenied("Import is not available for " + entity.name + "."));
  }
  if (Status s = records_.CheckAccess(principal, entity, acl::Action::kCreate); !s.ok())
    return done(std::move(s));
  // What needs no database is checked before the job, as massCreate does, so the writer thread
  // only writes.
  auto outcomes = std::make_shared<std::vector<ImportOutcome>>(rows.size());
  std::vector<std::pair<std::size_t, RecordInput>> inputs;
  inputs.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    (*outcomes)[i].line = rows[i].line;
    DropUneditableFields(principal, entity, rows[i].values);
    auto input = ParseRecordInput(entity, rows[i].values, WriteMode::kCreate);
    if (!input.ok()) {
      (*outcomes)[i].kind = ImportOutcome::Kind::kFailed;
      (*outcomes)[i].reason = Reason(input.status());
      continue;
    }
    inputs.emplace_back(i, std::move(input).value());
  }
  WriteOptions write_options;
  write_options.skip_duplicate_check = options.allow_duplicates;
  // Set when a dry run's job got through every row; its failing status then only rolls it back.
  auto dry_run_done = std::make_shared<bool>(false);
  RecordService& records = records_;
  records.database().SubmitWrite(
      [&records, principal, &entity, inputs = std::move(inputs), write_options, options, outcomes,
       dry_run_done](store::Connection& conn) mutable -> Status {
        RecordWriter writer(records.reader(), conn, principal, records.clock().Now(),
                            records.secrets());
        for (auto& [index, input] : inputs) {
          // A failing row must not leave half of itself (a lookup row, a link) in the batch.
          CRM_RETURN_IF_ERROR(conn.Execute("SAVEPOINT import_row").status());
          auto created = writer.Create(entity, std::move(input), write_options);
          ImportOutcome& outcome = (*outcomes)[index];
          if (created.ok()) {
            CRM_RETURN_IF_ERROR(conn.Execute("RELEASE SAVEPOINT import_row").status());
            continue;
          }
          if (created.status().code() == StatusCode::kInternal ||
              created.status().code() == StatusCode::kUnavailable) {
            return created.status();  // the database itself failed: the batch fails whole
          }
          CRM_RETURN_IF_ERROR(conn.Execute("ROLLBACK TO SAVEPOINT import_row").status());
          CRM_RETURN_IF_ERROR(conn.Execute("RELEASE SAVEPOINT import_row").status());
          outcome.kind = IsDuplicate(created.status()) ? ImportOutcome::Kind::kDuplicate
                                                       : ImportOutcome::Kind::kFailed;
          outcome.reason = IsDuplicate(created.status()) ? "duplicate of an existing record"
                                                         : Reason(created.status());
        }
        if (options.dry_run) {
          *dry_run_done = true;
          return Status::FailedPrecondition("Dry run: rolled back.");
        }
        return {};
      },
      [outcomes, dry_run_done, done = std::move(done)](Status status) {
        if (!status.ok() && !*dry_run_done) return done(std::move(status));
        done(std::move(*outcomes));
      },
      // A batch commits alone: its commit is already a small part of its time, and in a shared
      // group each row's savepoint would be nested in the batch's own (store::WriteGrouping).
      store::WriteGrouping::kAlone);
}

}  // namespace crm::service
