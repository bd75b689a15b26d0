// ApiHandler: the EspoCRM REST API under /api/v1, as an http::Handler. For each request it decodes
// the path, authenticates the caller, routes to the record service (or the App/Metadata endpoints),
// and encodes the result, mapping every Status through api::ErrorResponse. Routes and their forms
// are listed in docs/api.md.
//
// Thread-safety: Handle() is called concurrently from the server's threads; the handler keeps no
// per-request state of its own.
#ifndef CRM_API_API_HANDLER_HPP_
#define CRM_API_API_HANDLER_HPP_

#include <functional>
#include <string>

#include <boost/json/object.hpp>

#include "crm/auth/authenticator.hpp"
#include "crm/common/time.hpp"
#include "crm/http/message.hpp"
#include "crm/service/lead_converter.hpp"
#include "crm/service/mass_actions.hpp"
#include "crm/service/record_service.hpp"
#include "crm/service/relation_service.hpp"

namespace crm::api {

struct ApiOptions {
  std::string base_path = "/api/v1";
  std::string version = "0.1.0";
};

class ApiHandler final : public http::Handler {
 public:
  ApiHandler(service::RecordService& records, auth::Authenticator& authenticator,
             const Clock& clock, ApiOptions options);

  void Handle(const http::Request& request, http::Responder responder) override;

 private:
  struct Call;
  void Route(Call& call);
  void HandleAppUser(Call& call);
  void HandleDestroyToken(Call& call);
  void HandleMetadata(Call& call);
  void HandleCollection(Call& call, const metadata::EntityDef& entity);
  void HandleRecord(Call& call, const metadata::EntityDef& entity, const std::string& id);
  void HandleRelated(Call& call, const metadata::EntityDef& entity, const std::string& id,
                     const std::string& link);
  void HandleUnlinkOne(Call& call, const metadata::EntityDef& entity, const std::string& id,
                       const std::string& link, const std::string& related_id);
  void HandleActivities(Call& call, const metadata::EntityDef& entity, const std::string& id,
                        bool history);
  void HandleAction(Call& call, const metadata::EntityDef& entity, const std::string& action);
  void HandleMassAction(Call& call);
  void HandleConvert(Call& call, const std::string& lead_id, const boost::json::object& body,
                     bool seed_form);
  // Callbacks that answer a write and, when it changed users, make auth forget what it remembers.
  service::Callback<service::RecordResult> SendRecord(Call& call,
                                                      const metadata::EntityDef& entity);
  void SendMassResult(Call& call, const metadata::EntityDef& entity,
                      const std::function<void(service::Callback<service::MassResult>)>& start);

  service::RecordService& records_;
  service::RelationService relations_;
  service::LeadConverter converter_;
  service::MassActions mass_;
  auth::Authenticator& authenticator_;
  const Clock& clock_;
  const ApiOptions options_;
};

}  // namespace crm::api

#endif  // CRM_API_API_HANDLER_HPP_
