#include "crm/query/search_params.hpp"

#include <array>
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "crm/common/strings.hpp"
#include "crm/query/php_params.hpp"

namespace crm::query {
namespace {

namespace json = boost::json;

// Every query parameter DecodeSearchParams reads; the others are left alone (not even
// bracket-decoded, so that an unrelated parameter can neither fail the request nor cost time here).
constexpr std::array<std::string_view, 15> kSearchParamNames = {
    "where",      "whereGroup", "select",        "attributeSelect", "orderBy",
    "sortBy",     "order",      "asc",           "offset",          "maxSize",
    "textFilter", "q",          "primaryFilter", "boolFilterList",  "searchParams"};

bool IsSearchParamName(std::string_view name) {
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  const std::string_view base = name.substr(0, name.find('['));
  for (const std::string_view known : kSearchParamNames) {
    if (base == known) return true;
  }
  return false;
}

Status Invalid(std::string message) { return Status::InvalidArgument(std::move(message)); }

// A parameter that must be a single string: nullopt when absent or empty.
Result<std::optional<std::string>> StringParam(const json::object& params, std::string_view name) {
  const json::value* value = params.if_contains(name);
  if (value == nullptr || value->is_null()) return std::optional<std::string>();
  if (!value->is_string())
    return Invalid("Parameter '" + std::string(name) + "' must be a string.");
  if (value->get_string().empty()) return std::optional<std::string>();
  return std::optional<std::string>(std::string(value->get_string()));
}

// intval() of a query-string number, but strict: anything but decimal digits is an error.
Result<std::optional<std::int64_t>> NonNegativeIntegerText(std::string_view text,
                                                           std::string_view name) {
  text = TrimAscii(text);
  if (text.empty()) return std::optional<std::int64_t>();
  const Status bad = Invalid(std::string(name) + " must be a non-negative integer.");
  if (text.size() > 18) return bad;  // keeps the value far from overflow
  std::int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return bad;
    value = value * 10 + (c - '0');
  }
  return std::optional<std::int64_t>(value);
}

Result<std::optional<std::int64_t>> IntegerParam(const json::object& params,
                                                 std::string_view name) {
  const json::value* value = params.if_contains(name);
  if (value == nullptr || value->is_null()) return std::optional<std::int64_t>();
  if (!value->is_string()) return Invalid(std::string(name) + " must be a non-negative integer.");
  return NonNegativeIntegerText(value->get_string(), name);
}

// A JSON integer (searchParams form): EspoCRM answers "maxSize must be integer." for anything else.
Result<std::optional<std::int64_t>> JsonIntegerParam(const json::object& params,
                                                     std::string_view name) {
  const json::value* value = params.if_contains(name);
  if (value == nullptr || value->is_null()) return std::optional<std::int64_t>();
  std::int64_t number = 0;
  if (value->is_int64()) {
    number = value->get_int64();
  } else if (value->is_uint64() && value->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    number = static_cast<std::int64_t>(value->get_uint64());
  } else {
    return Invalid(std::string(name) + " must be integer.");
  }
  if (number < 0) return Invalid(std::string(name) + " must be a non-negative integer.");
  return std::optional<std::int64_t>(number);
}

// The trimmed items of a comma list, empty ones included (the caller says whether they may be).
std::vector<std::string> SplitCommaList(std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    const std::size_t comma = text.find(',');
    out.emplace_back(TrimAscii(text.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

// A list of strings given as an array (or, from the bracket form, an object of strings).
Result<std::vector<std::string>> StringList(const json::value& value, std::string_view name) {
  std::vector<std::string> out;
  const auto add = [&](const json::value& item) -> Status {
    if (!item.is_string()) return Invalid(std::string(name) + " must be a list of strings.");
    if (!item.get_string().empty()) out.emplace_back(item.get_string());
    return {};
  };
  if (const auto* array = value.if_array()) {
    for (const auto& item : *array) CRM_RETURN_IF_ERROR(add(item));
  } else if (const auto* object = value.if_object()) {
    for (const auto& [key, item] : *object) CRM_RETURN_IF_ERROR(add(item));
  } else {
    return Invalid(std::string(name) + " must be a list of strings.");
  }
  return out;
}

Result<std::optional<std::vector<std::string>>> SelectParam(const json::value* value,
                                                            std::string_view name) {
  using Out = std::optional<std::vector<std::string>>;
  if (value == nullptr || value->is_null()) return Out();
  std::vector<std::string> list;
  if (value->is_string()) {
    if (TrimAscii(value->get_string()).empty()) return Out();
    list = SplitCommaList(value->get_string());
  } else {
    CRM_ASSIGN_OR_RETURN(list, StringList(*value, name));
  }
  // "a,,b" or a trailing comma is a mistake to report, not a name to drop in silence.
  for (const auto& item : list) {
    if (item.empty()) return Invalid("An item of " + std::string(name) + " is empty.");
  }
  return Out(std::move(list));
}

Result<std::vector<std::string>> BoolFilterListParam(const json::value* value) {
  if (value == nullptr || value->is_null()) return std::vector<std::string>();
  if (value->is_string()) {
    if (value->get_string().empty()) return std::vector<std::string>();
    return std::vector<std::string>{std::string(value->get_string())};
  }
  return StringList(*value, "boolFilterList");
}

// The where array from any encoding: an array (brackets or JSON), or a string holding a JSON array
// (the seed document's form). EspoCRM ignores a where it cannot use; crmd answers 400 instead.
Result<json::array> WhereParam(const json::value* value) {
  if (value == nullptr || value->is_null()) return json::array();
  if (const auto* array = value->if_array()) return *array;
  if (const auto* text = value->if_string()) {
    if (TrimAscii(*text).empty()) return json::array();
    boost::system::error_code ec;
    json::value parsed = json::parse(*text, ec);
    if (ec) return Invalid("Invalid where JSON.");
    if (!parsed.is_array()) return Invalid("where must be an array.");
    return std::move(parsed.as_array());
  }
  return Invalid("where must be an array.");
}

Result<std::optional<bool>> OrderParam(const json::value* value) {
  if (value == nullptr || value->is_null()) return std::optional<bool>();
  if (!value->is_string()) return Invalid("order value is bad.");
  const std::string_view order = value->get_string();
  if (order.empty()) return std::optional<bool>();
  if (EqualsIgnoreCaseAscii(order, "asc")) return std::optional<bool>(false);
  if (EqualsIgnoreCaseAscii(order, "desc")) return std::optional<bool>(true);
  return Invalid("order value is bad.");
}

// textFilter and q: q is trimmed and marks a quick search; textFilter wins when both are given.
Status TextFilterParams(const json::object& params, SearchParams& out) {
  CRM_ASSIGN_OR_RETURN(out.text_filter, StringParam(params, "textFilter"));
  CRM_ASSIGN_OR_RETURN(const std::optional<std::string> q, StringParam(params, "q"));
  if (q) {
    const std::string_view trimmed = TrimAscii(*q);
    if (!trimmed.empty()) {
      out.quick_search = true;
      if (!out.text_filter) out.text_filter = std::string(trimmed);
    }
  }
  return {};
}

const json::value* FirstOf(const json::object& params, std::string_view preferred,
                           std::string_view fallback) {
  const json::value* value = params.if_contains(preferred);
  return value != nullptr ? value : params.if_contains(fallback);
}

}  // namespace

Result<SearchParams> DecodeSearchParams(
    std::span<const std::pair<std::string, std::string>> params) {
  std::vector<std::pair<std::string, std::string>> relevant;
  for (const auto& param : params) {
    if (IsSearchParamName(param.first)) relevant.push_back(param);
  }
  CRM_ASSIGN_OR_RETURN(const json::object decoded, DecodePhpParams(relevant));

  if (const json::value* search_params = decoded.if_contains("searchParams")) {
    if (!search_params->is_string()) return Invalid("Invalid search params JSON.");
    boost::system::error_code ec;
    json::value parsed = json::parse(search_params->get_string(), ec);
    if (ec || !parsed.is_object()) return Invalid("Invalid search params JSON.");
    return DecodeSearchParamsJson(parsed.get_object());
  }

  SearchParams out;
  CRM_ASSIGN_OR_RETURN(out.where, WhereParam(FirstOf(decoded, "whereGroup", "where")));
  CRM_ASSIGN_OR_RETURN(out.select,
                       SelectParam(FirstOf(decoded, "attributeSelect", "select"), "select"));
  const json::value* order_by = FirstOf(decoded, "orderBy", "sortBy");
  if (order_by != nullptr && !order_by->is_string()) {
    return Invalid("Parameter 'orderBy' must be a string.");
  }
  if (order_by != nullptr && !order_by->get_string().empty()) {
    out.order_by = std::string(order_by->get_string());
  }
  CRM_ASSIGN_OR_RETURN(out.order_desc, OrderParam(decoded.if_contains("order")));
  if (!out.order_desc) {
    // Legacy asc=true|false.
    CRM_ASSIGN_OR_RETURN(const std::optional<std::string> asc, StringParam(decoded, "asc"));
    if (asc == "true") {
      out.order_desc = false;
    } else if (asc == "false") {
      out.order_desc = true;
    } else if (asc) {
      return Invalid("asc must be true or false.");
    }
  }
  CRM_ASSIGN_OR_RETURN(out.offset, IntegerParam(decoded, "offset"));
  CRM_ASSIGN_OR_RETURN(out.max_size, IntegerParam(decoded, "maxSize"));
  CRM_RETURN_IF_ERROR(TextFilterParams(decoded, out));
  CRM_ASSIGN_OR_RETURN(out.primary_filter, StringParam(decoded, "primaryFilter"));
  CRM_ASSIGN_OR_RETURN(out.bool_filters,
                       BoolFilterListParam(decoded.if_contains("boolFilterList")));
  return out;
}

Result<SearchParams> DecodeSearchParamsJson(const json::object& object) {
  SearchParams out;
  CRM_ASSIGN_OR_RETURN(out.where, WhereParam(FirstOf(object, "whereGroup", "where")));
  CRM_ASSIGN_OR_RETURN(out.select,
                       SelectParam(FirstOf(object, "attributeSelect", "select"), "select"));
  const json::value* order_by = FirstOf(object, "orderBy", "sortBy");
  if (order_by != nullptr && !order_by->is_null()) {
    if (!order_by->is_string()) return Invalid("Parameter 'orderBy' must be a string.");
    if (!order_by->get_string().empty()) out.order_by = std::string(order_by->get_string());
  }
  CRM_ASSIGN_OR_RETURN(out.order_desc, OrderParam(object.if_contains("order")));
  CRM_ASSIGN_OR_RETURN(out.offset, JsonIntegerParam(object, "offset"));
  CRM_ASSIGN_OR_RETURN(out.max_size, JsonIntegerParam(object, "maxSize"));
  CRM_RETURN_IF_ERROR(TextFilterParams(object, out));
  CRM_ASSIGN_OR_RETURN(out.primary_filter, StringParam(object, "primaryFilter"));
  CRM_ASSIGN_OR_RETURN(out.bool_filters, BoolFilterListParam(object.if_contains("boolFilterList")));
  return out;
}

}  // namespace crm::query
