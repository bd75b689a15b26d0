#include "crm/metadata/settings.hpp"

#include <algorithm>
#include <cstdlib>

#include <boost/json/parse.hpp>

namespace crm::metadata {
namespace {

namespace json = boost::json;

Status Bad(const std::string& what) {
  return Status::InvalidArgument("metadata settings: " + what);
}

}  // namespace

Result<Settings> ParseSettings(std::string_view text) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(text, ec);
  if (ec) return Bad("invalid JSON: " + ec.message());
  if (!parsed.is_object()) return Bad("the settings must be a JSON object");
  const json::object& o = parsed.get_object();
  Settings settings;
  const auto* list = o.if_contains("currencyList");
  if (list == nullptr || !list->is_array() || list->get_array().empty())
    return Bad("currencyList must be a non-empty array");
  for (const auto& currency : list->get_array()) {
    if (!currency.is_string()) return Bad("currencyList must hold strings");
    settings.currency_list.emplace_back(currency.get_string());
  }
  const auto* fallback = o.if_contains("defaultCurrency");
  if (fallback == nullptr || !fallback->is_string()) return Bad("defaultCurrency must be a string");
  settings.default_currency = std::string(fallback->get_string());
  const auto& currencies = settings.currency_list;
  if (std::find(currencies.begin(), currencies.end(), settings.default_currency) ==
      currencies.end()) {
    return Bad("defaultCurrency must be in currencyList");
  }
  return settings;
}

const Settings& ShippedSettings() {
  static const Settings kSettings = [] {
    auto parsed = ParseSettings(ShippedSettingsJson());
    if (!parsed.ok()) std::abort();
    return std::move(parsed).value();
  }();
  return kSettings;
}

}  // namespace crm::metadata
