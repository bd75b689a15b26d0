// Settings: the instance-wide values EspoCRM keeps in its configuration and serves at
// GET /api/v1/Settings that the record model depends on: the currencies amounts may be in. They
// ship in metadata/settings.json, compiled into the binary like the entity definitions.
//
// Thread-safety: ShippedSettings() parses once (thread-safe static initialisation) and returns an
// immutable value.
#ifndef CRM_METADATA_SETTINGS_HPP_
#define CRM_METADATA_SETTINGS_HPP_

#include <string>
#include <string_view>
#include <vector>

#include "crm/common/status.hpp"

namespace crm::metadata {

struct Settings {
  // EspoCRM's currencyList, the default first; a currency attribute takes only these.
  std::vector<std::string> currency_list;
  // EspoCRM's defaultCurrency: the currency of an amount written without one.
  std::string default_currency;
};

// {"currencyList": [...], "defaultCurrency": "..."}; kInvalidArgument when a key is missing or
// malformed, the list is empty or the default is not in it.
Result<Settings> ParseSettings(std::string_view json);

// The text of metadata/settings.json as compiled into the binary.
std::string_view ShippedSettingsJson();
// ShippedSettingsJson() parsed. The file is part of the build and a unit test parses it, so a
// broken one is a build defect: this aborts instead of returning an error.
const Settings& ShippedSettings();

}  // namespace crm::metadata

#endif  // CRM_METADATA_SETTINGS_HPP_
