// Business rules EspoCRM runs on the server when a record is saved (espocrm-wire.md section 6.2),
// expressed over checked input: defaults that depend on the caller or on other values (assigned
// user, dateEnd from duration, Opportunity probability from stage), derived values (accountId of an
// activity from its parent, Task dateCompleted, Lead convertedAt), and what must happen to related
// rows after the save (a Contact's account in its accounts list with the title as role;
// Meeting/Call attendees).
//
// Thread-safety: run inside a write job.
#ifndef CRM_SERVICE_BUSINESS_RULES_HPP_
#define CRM_SERVICE_BUSINESS_RULES_HPP_

#include <string>

#include <boost/json/object.hpp>

#include "crm/auth/principal.hpp"
#include "crm/auth/secret_box.hpp"
#include "crm/common/status.hpp"
#include "crm/common/time.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/service/record_input.hpp"
#include "crm/store/database.hpp"

namespace crm::service {

struct RuleContext {
  store::Connection& conn;
  const metadata::Metadata& metadata;
  const metadata::EntityDef& entity;
  WriteMode mode;
  const auth::Principal& principal;
  TimePoint now;
  RecordInput& input;
  const boost::json::object* current;  // stored values before the save; nullptr on create
  // Seals the HMAC secrets of new API users; null where no user can be created.
  const auth::SecretBox* secrets = nullptr;
  // Values for the creator's answer only, never stored or put in the change event: the new API
  // user's key and secret, shown once.
  boost::json::object shown_once{};
};

// Adjusts `context.input` before the row is written.
Status ApplyRulesBeforeSave(RuleContext& context);
// Writes what follows from the saved row (record `id`).
Status ApplyRulesAfterSave(RuleContext& context, const std::string& id);

}  // namespace crm::service

#endif  // CRM_SERVICE_BUSINESS_RULES_HPP_
