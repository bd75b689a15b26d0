// The rules of Webhook records, as EspoCRM applies them, plus what crmd adds (format, headers, the
// Standard Webhooks secret, the address guard):
//  - CheckWebhookInput, on the calling thread before the write job (it may resolve a host name):
//    the event names a business object's create/update/delete or a field's fieldUpdate, the url is
//    http(s) to a public address (or an allowed host), headers are an object of header names to
//    single-line string values that do not replace ours.
//  - ApplyWebhookRules, inside the write job: entityType/type/field derived from the event; on
//    create a secretKey from the CSPRNG (32 hex characters, as EspoCRM), stored sealed and shown
//    with its whsec_ form in the create answer only; a webhook created by an API user belongs to
//    it (at most 50 per user, EspoCRM's default), and only admins may give a webhook to another
//    user, which must be an API user; skipOwn is false without a user.
//
// Thread-safety: pure functions of their arguments (CheckWebhookInput blocks on DNS).
#ifndef CRM_SERVICE_WEBHOOK_RULES_HPP_
#define CRM_SERVICE_WEBHOOK_RULES_HPP_

#include <boost/json/object.hpp>

#include "crm/common/status.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/service/business_rules.hpp"
#include "crm/service/record_input.hpp"
#include "crm/webhook/address_guard.hpp"

namespace crm::service {

Status CheckWebhookInput(const metadata::Metadata& metadata, const webhook::AddressGuard& guard,
                         const boost::json::object& body, WriteMode mode);

Status ApplyWebhookRules(RuleContext& context);

}  // namespace crm::service

#endif  // CRM_SERVICE_WEBHOOK_RULES_HPP_
