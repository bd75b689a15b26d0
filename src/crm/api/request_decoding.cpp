#include "crm/api/request_decoding.hpp"

#include <charconv>
#include <cstdint>

#include "crm/api/query_string.hpp"
#include "crm/common/json.hpp"
#include "crm/common/strings.hpp"

namespace crm::api {
namespace {

namespace json = boost::json;

// If-Match: "*" (any version: an empty list) or a list of our ETags.
Result<std::optional<std::vector<std::int64_t>>> ParseIfMatch(std::string_view header) {
  header = TrimAscii(header);
  if (header.empty()) return std::optional<std::vector<std::int64_t>>();
  std::vector<std::int64_t> versions;
  if (header == "*") return std::optional(versions);
  std::size_t at = 0;
  while (at < header.size()) {
    const auto comma = std::min(header.find(',', at), header.size());
    std::string_view tag = TrimAscii(header.substr(at, comma - at));
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    if (tag.size() < 2 || tag.front() != '"' || tag.back() != '"') {
      return Status::InvalidArgument("Malformed If-Match header.");
    }
    tag = tag.substr(1, tag.size() - 2);
    std::int64_t version = 0;
    const auto result = std::from_chars(tag.data(), tag.data() + tag.size(), version);
    // A tag that is not one of ours matches no version.
    versions.push_back(result.ec == std::errc() && result.ptr == tag.data() + tag.size() ? version
                                                                                         : -1);
    at = comma + 1;
  }
  return std::optional(versions);
}

}  // namespace

bool Truthy(std::string_view value) {
  value = TrimAscii(value);
  return EqualsIgnoreCaseAscii(value, "true") || value == "1";
}

Result<json::object> BodyObject(const http::Request& request) {
  if (TrimAscii(request.body()).empty()) return json::object();
  CRM_ASSIGN_OR_RETURN(json::value value, ParseJson(request.body()));
  if (value.is_object()) return std::move(value.as_object());
  if (value.is_array()) return json::object{{"list", std::move(value.as_array())}};
  return Status::InvalidArgument("Body is not a JSON object.");
}

// BodyObject would turn an array into {"list": ...}, which a record endpoint could only report as
// the unknown attribute "list".
Result<json::object> RecordBody(const http::Request& request) {
  if (TrimAscii(request.body()).starts_with('[')) {
    return Status::InvalidArgument(
        "Body is not a JSON object; a record's attributes are one object (massCreate takes a "
        "list).");
  }
  return BodyObject(request);
}

Result<service::WriteOptions> WriteOptionsOf(const http::Request& request) {
  service::WriteOptions options;
  options.skip_duplicate_check = Truthy(request.Header("X-Skip-Duplicate-Check"));
  const std::string_view version = TrimAscii(request.Header("X-Version-Number"));
  if (!version.empty()) {
    std::int64_t number = 0;
    const auto result = std::from_chars(version.data(), version.data() + version.size(), number);
    if (result.ec != std::errc() || result.ptr != version.data() + version.size()) {
      return Status::InvalidArgument("X-Version-Number must be an integer.");
    }
    options.version_number = number;
  }
  CRM_ASSIGN_OR_RETURN(options.if_match, ParseIfMatch(request.Header("If-Match")));
  return options;
}

Result<query::SearchParams> SearchParamsOf(const http::Request& request) {
  CRM_ASSIGN_OR_RETURN(auto pairs, DecodeQueryString(request.query()));
  return query::DecodeSearchParams(pairs);
}

service::ListOptions ListOptionsOf(const http::Request& request) {
  service::ListOptions options;
  options.count_total = !Truthy(request.Header("X-No-Total"));
  return options;
}

Result<std::vector<std::string>> IdsOf(const json::object& body) {
  std::vector<std::string> ids;
  if (const auto* id = body.if_contains("id"); id != nullptr && !id->is_null()) {
    if (!id->is_string()) return Status::InvalidArgument("id must be a string.");
    ids.emplace_back(id->get_string());
  }
  if (const auto* list = body.if_contains("ids"); list != nullptr && !list->is_null()) {
    if (!list->is_array()) return Status::InvalidArgument("ids must be an array of strings.");
    for (const auto& item : list->get_array()) {
      if (!item.is_string()) return Status::InvalidArgument("ids must be an array of strings.");
      ids.emplace_back(item.get_string());
    }
  }
  return ids;
}

Result<std::optional<query::SearchParams>> SearchOf(const json::object& body) {
  const auto* where = body.if_contains("where");
  const auto* search = body.if_contains("searchParams");
  if (search == nullptr) search = body.if_contains("selectData");
  if ((where == nullptr || where->is_null()) && (search == nullptr || search->is_null())) {
    return std::optional<query::SearchParams>();
  }
  json::object object;
  if (search != nullptr && !search->is_null()) {
    if (!search->is_object()) return Status::InvalidArgument("searchParams must be an object.");
    object = search->get_object();
  }
  if (where != nullptr && !where->is_null()) object["where"] = *where;
  CRM_ASSIGN_OR_RETURN(query::SearchParams params, query::DecodeSearchParamsJson(object));
  return std::optional(std::move(params));
}

Result<service::MassSelection> SelectionOf(const json::object& body) {
  service::MassSelection selection;
  CRM_ASSIGN_OR_RETURN(selection.ids, IdsOf(body));
  CRM_ASSIGN_OR_RETURN(selection.search, SearchOf(body));
  if (!selection.ids.empty() && selection.search) {
    return Status::InvalidArgument("Give either ids or where, not both.");
  }
  return selection;
}

}  // namespace crm::api
