// How handlers answer: a record with its ETag, a list as {"total", "list"}, and the callbacks
// that answer a write once the database writer has committed it. A write that changed users (a
// key revoked, an account deactivated) makes the authenticator forget what it remembers before the
// answer goes out, so the next request sees the change.
//
// Thread-safety: the builders are pure; the callbacks run on the writer thread and hand the
// encoding to the connection's thread.
#ifndef CRM_API_RESPONSES_HPP_
#define CRM_API_RESPONSES_HPP_

#include "crm/api/exchange.hpp"
#include "crm/api/routes.hpp"
#include "crm/http/message.hpp"
#include "crm/service/mass_actions.hpp"
#include "crm/service/record_service.hpp"

namespace crm::api {

http::Response RecordResponse(const service::RecordResult& result, int status = 200);
// The same answer for a record already written as JSON (GET by id).
http::Response RecordResponse(service::RecordJson result, int status = 200);
http::Response ListResponse(service::ListResult result);

// Answers with the written record (`status` and its ETag) or the error.
service::Callback<service::RecordResult> SendRecord(const ApiContext& context,
                                                    const ExchangePtr& exchange,
                                                    const metadata::EntityDef& entity,
                                                    int status = 200);
// Answers `true` (delete, link, unlink) or the error.
service::Callback<bool> SendTrue(const ApiContext& context, const ExchangePtr& exchange,
                                 const metadata::EntityDef& entity);
// Answers {"count", "ids"} or the error.
service::Callback<service::MassResult> SendMassResult(const ApiContext& context,
                                                      const ExchangePtr& exchange,
                                                      const metadata::EntityDef& entity);

}  // namespace crm::api

#endif  // CRM_API_RESPONSES_HPP_
