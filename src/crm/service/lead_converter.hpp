// LeadConverter: converting a Lead into an Account, a Contact and an Opportunity in one
// transaction, in both request forms: EspoCRM's `POST Lead/action/convert {id, records: {Account?,
// Contact?, Opportunity?}, skipDuplicateCheck}` and the seed document's `POST Lead/{id}/convert
// {createAccount, accountName, createContact, createOpportunity, opportunityName}`. Either every
// record is created and the lead is marked Converted with its created*Id links, or nothing changes.
//
// Thread-safety: as RecordService.
#ifndef CRM_SERVICE_LEAD_CONVERTER_HPP_
#define CRM_SERVICE_LEAD_CONVERTER_HPP_

#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "crm/service/record_service.hpp"

namespace crm::service {

struct ConvertRequest {
  std::string lead_id;
  std::optional<boost::json::object> account;
  std::optional<boost::json::object> contact;
  std::optional<boost::json::object> opportunity;
  bool skip_duplicate_check = false;
};

class LeadConverter {
 public:
  explicit LeadConverter(RecordService& records) : records_(records) {}

  // The records a conversion would create, pre-filled from the lead (POST
  // Lead/action/getConvertAttributes).
  Result<boost::json::object> ConvertAttributes(const auth::Principal& principal,
                                                const std::string& lead_id);

  // Builds a request from the seed document's flags: records pre-filled from the lead, names from
  // accountName/opportunityName, and the opportunity's required amount and close date defaulted
  // (the lead's opportunityAmount or 0; 30 days from now) when the lead has none.
  Result<ConvertRequest> FromSeedFlags(const auth::Principal& principal, const std::string& lead_id,
                                       const boost::json::object& flags);

  // kNotFound for a missing lead, kInvalidArgument (a record fails validation), kConflict with
  // details {"duplicates": [{id, name, _entityType}]} unless skip_duplicate_check. The result is
  // the lead.
  void Convert(const auth::Principal& principal, ConvertRequest request,
               Callback<RecordResult> done);

 private:
  RecordService& records_;
};

}  // namespace crm::service

#endif  // CRM_SERVICE_LEAD_CONVERTER_HPP_
