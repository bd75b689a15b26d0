// Principal: the authenticated user a request acts as, as far as the service layer needs to know it
// (who wrote a record, whether admin-only operations are allowed, whose records onlyMy selects),
// the request budget set for this user, which the API's rate-limit step applies, and what its roles
// let it do.
//
// Thread-safety: a value (the access table it points to is immutable).
#ifndef CRM_AUTH_PRINCIPAL_HPP_
#define CRM_AUTH_PRINCIPAL_HPP_

#include <cstdint>
#include <memory>
#include <string>

#include "crm/acl/access_table.hpp"

namespace crm::auth {

enum class UserType { kRegular, kAdmin, kApi, kSystem };

// A user's own request budget (`crmd api-user create --rate-limit`), kept in crmd's table
// store::kUserRateLimitTable beside the User record: kServer when none is set (the server's
// default budget applies), kUnlimited for none at all, or `requests` per `window_seconds` in place
// of the server's default budget.
struct UserRateLimit {
  enum class Kind { kServer, kUnlimited, kQuota };
  Kind kind = Kind::kServer;
  std::int64_t requests = 0;
  std::int64_t window_seconds = 0;
};

struct Principal {
  std::string id;
  std::string user_name;
  std::string name;  // display name, for createdByName/modifiedByName
  UserType type = UserType::kRegular;
  UserRateLimit rate_limit = {};
  // What the user's roles grant; admins bypass it. A non-admin without one has EspoCRM's strict
  // defaults (acl::StrictDefaults).
  std::shared_ptr<const acl::AccessTable> access = nullptr;

  bool is_admin() const { return type == UserType::kAdmin || type == UserType::kSystem; }
  // The identity used for work the server does on its own behalf (schema set-up, CLI commands).
  static Principal System() { return {"system", "system", "System", UserType::kSystem}; }
};

UserType ParseUserType(std::string_view text);

}  // namespace crm::auth

#endif  // CRM_AUTH_PRINCIPAL_HPP_
