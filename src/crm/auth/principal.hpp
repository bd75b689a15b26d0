// Principal: the authenticated user a request acts as, as far as the service layer needs to know it
// (who wrote a record, whether admin-only operations are allowed, whose records onlyMy selects).
//
// Thread-safety: a value.
#ifndef CRM_AUTH_PRINCIPAL_HPP_
#define CRM_AUTH_PRINCIPAL_HPP_

#include <string>

namespace crm::auth {

enum class UserType { kRegular, kAdmin, kApi, kSystem };

struct Principal {
  std::string id;
  std::string user_name;
  std::string name;  // display name, for createdByName/modifiedByName
  UserType type = UserType::kRegular;

  bool is_admin() const { return type == UserType::kAdmin || type == UserType::kSystem; }
  // The identity used for work the server does on its own behalf (schema set-up, CLI commands).
  static Principal System() { return {"system", "system", "System", UserType::kSystem}; }
};

UserType ParseUserType(std::string_view text);

}  // namespace crm::auth

#endif  // CRM_AUTH_PRINCIPAL_HPP_
