// Small ASCII string helpers shared by every layer (case conversion for identifiers, trimming).
//
// Thread-safety: pure functions.
#ifndef CRM_COMMON_STRINGS_HPP_
#define CRM_COMMON_STRINGS_HPP_

#include <string>
#include <string_view>

namespace crm {

// "billingAddressCity" -> "billing_address_city"; "Opportunity" -> "opportunity".
std::string ToSnakeCase(std::string_view camel);
std::string ToLowerAscii(std::string_view s);
bool EqualsIgnoreCaseAscii(std::string_view a, std::string_view b);
// Uppercases the first character, as EspoCRM's router does for the controller name.
std::string UpperFirst(std::string_view s);
std::string_view TrimAscii(std::string_view s);

}  // namespace crm

#endif  // CRM_COMMON_STRINGS_HPP_
