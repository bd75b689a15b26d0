// GET /{entityType}/action/export?format=csv|jsonl plus every list parameter: the matching records
// as a file, streamed one page at a time (service/record_export.hpp).
#include <memory>

#include "crm/api/query_string.hpp"
#include "crm/api/request_decoding.hpp"
#include "crm/api/routes.hpp"
#include "crm/query/search_params.hpp"
#include "crm/service/record_export.hpp"

namespace crm::api {
namespace {

using http::Method;

void Export(const ApiContext& context, const ExchangePtr& exchange) {
  auto pairs = DecodeQueryString(exchange->request().query());
  if (!pairs.ok()) return exchange->Fail(pairs.status());
  std::string_view format_name = "csv";
  for (const auto& [name, value] : *pairs) {
    if (name == "format") format_name = value;
  }
  auto format = service::ParseExportFormat(format_name);
  if (!format.ok()) return exchange->Fail(format.status());
  auto params = query::DecodeSearchParams(*pairs);
  if (!params.ok()) return exchange->Fail(params.status());
  const metadata::EntityDef& entity = *exchange->entity();
  auto cursor = std::make_shared<service::ExportCursor>(context.records, exchange->principal(),
                                                        entity, std::move(params).value(), *format);
  // The first page is read before answering, so a bad filter or missing access is a JSON error
  // with its status rather than a broken stream.
  auto first = std::make_shared<std::string>();
  auto more = cursor->Next(*first);
  if (!more.ok()) return exchange->Fail(more.status());
  http::Response response;
  response.SetHeader("Content-Type", std::string(service::ExportContentType(*format)));
  response.SetHeader("Content-Disposition",
                     "attachment; filename=\"" + entity.name +
                         (*format == service::ExportFormat::kCsv ? ".csv\"" : ".jsonl\""));
  auto source = [cursor, first, has_more = *more](std::string& piece) mutable -> Result<bool> {
    if (first) {
      piece = std::move(*first);
      first.reset();
      return has_more;
    }
    return cursor->Next(piece);
  };
  exchange->ReplyStream(std::move(response), std::move(source));
}

}  // namespace

void AddExportRoutes(RouteTable& table) {
  table.Add(
      {Method::kGet, "/{entityType}/action/export", Access::kAuthenticated, RateCategory::kBulk,
       Body::kNone, Answer::kExport,
       "Every record matching the list parameters as CSV or JSON lines (format=csv or jsonl), "
       "streamed.",
       Export});
}

}  // namespace crm::api
