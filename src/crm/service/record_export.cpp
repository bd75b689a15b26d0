#include "crm/service/record_export.hpp"

#include <algorithm>

#include <boost/json/serialize.hpp>

#include "crm/common/csv.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;

// List's largest page: an export's pages are lists.
constexpr std::int64_t kPageSize = kMaxMaxSize;

void AppendCell(const json::value& value, std::string& out) {
  switch (value.kind()) {
    case json::kind::null:
      return;
    case json::kind::string:
      return AppendCsvField(out, value.get_string());
    case json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return;
    default:
      AppendCsvField(out, json::serialize(value));
  }
}

}  // namespace

Result<ExportFormat> ParseExportFormat(std::string_view name) {
  if (name == "csv") return ExportFormat::kCsv;
  if (name == "jsonl" || name == "ndjson") return ExportFormat::kJsonLines;
  return Status::InvalidArgument("Unknown export format '" + std::string(name) +
                                 "': use csv or jsonl.");
}

std::string_view ExportContentType(ExportFormat format) {
  return format == ExportFormat::kCsv ? "text/csv; charset=utf-8"
                                      : "application/x-ndjson; charset=utf-8";
}

ExportCursor::ExportCursor(RecordService& records, auth::Principal principal,
                           const metadata::EntityDef& entity, query::SearchParams params,
                           ExportFormat format)
    : records_(records),
      principal_(std::move(principal)),
      entity_(entity),
      params_(std::move(params)),
      format_(format),
      keyset_(!params_.order_by || *params_.order_by == "id") {
  params_.max_size = kPageSize;
  params_.offset = 0;
  if (keyset_) {
    params_.order_by = "id";
    // The next page starts after the last id, so every page needs it.
    if (params_.select &&
        std::find(params_.select->begin(), params_.select->end(), "id") == params_.select->end()) {
      params_.select->insert(params_.select->begin(), "id");
    }
  }
}

Result<bool> ExportCursor::Next(std::string& out) {
  out.clear();
  if (done_) return false;
  ListScope after;
  if (keyset_ && !last_id_.empty()) {
    const bool desc = params_.order_desc.value_or(false);
    after.condition = desc ? "t.\"id\" < ?" : "t.\"id\" > ?";
    after.condition_params.emplace_back(last_id_);
  }
  if (!keyset_) params_.offset = offset_;
  CRM_ASSIGN_OR_RETURN(ListResult page,
                       records_.List(principal_, entity_, params_, ListOptions{false}, &after));
  if (page.list.empty()) {
    done_ = true;
    return false;
  }
  done_ = page.total == -2;
  offset_ += static_cast<std::int64_t>(page.list.size());
  if (keyset_) {
    const json::value* id = page.list.back().if_contains("id");
    if (id == nullptr || !id->is_string()) return Status::Internal("export page without ids");
    last_id_ = std::string(id->get_string());
  }
  for (const auto& record : page.list) {
    if (format_ == ExportFormat::kJsonLines) {
      out += json::serialize(record);
      out += '\n';
    } else {
      AppendCsv(record, out);
    }
  }
  return true;
}

void ExportCursor::AppendCsv(const json::object& record, std::string& out) {
  if (columns_.empty()) {
    for (const auto& [key, value] : record) {
      if (!columns_.empty()) out += ',';
      columns_.emplace_back(key);
      AppendCsvField(out, key);
    }
    out += "\r\n";
  }
  // Rows of one page come from one projection, so their keys are in the header's order; a lookup
  // by name (a linear search in a small object) is only needed when they are not.
  auto it = record.begin();
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (i > 0) out += ',';
    if (it != record.end() && it->key() == columns_[i]) {
      AppendCell(it->value(), out);
      ++it;
    } else if (const json::value* value = record.if_contains(columns_[i])) {
      AppendCell(*value, out);
    }
  }
  out += "\r\n";
}

}  // namespace crm::service
