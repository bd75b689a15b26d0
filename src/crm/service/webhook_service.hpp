// WebhookService: the delivery log of a webhook and what can be done with it over the API (list
// deliveries, redeliver, send a test ping, rotate the secret). Webhook records themselves go
// through RecordService; this service reaches a webhook only when RecordService would let the
// caller read it (admins, and an API user its own).
//
// Thread-safety: all methods may be called concurrently; write callbacks run on the writer thread.
#ifndef CRM_SERVICE_WEBHOOK_SERVICE_HPP_
#define CRM_SERVICE_WEBHOOK_SERVICE_HPP_

#include <cstdint>
#include <string>

#include <boost/json/object.hpp>

#include "crm/auth/principal.hpp"
#include "crm/common/status.hpp"
#include "crm/service/record_service.hpp"

namespace crm::service {

class WebhookService {
 public:
  explicit WebhookService(RecordService& records) : records_(records) {}

  // {"total", "list"} of the webhook's deliveries, newest first.
  Result<boost::json::object> Deliveries(const auth::Principal& principal,
                                         const std::string& webhook_id, std::int64_t offset,
                                         std::int64_t max_size);

  // `body`: {"id": deliveryId} queues that delivery again; {"since": "YYYY-MM-DD HH:MM:SS"} queues
  // every failed delivery created since then. Answers {"count": n}.
  void Redeliver(const auth::Principal& principal, std::string webhook_id, boost::json::object body,
                 Callback<boost::json::object> done);

  // Queues a signed ping ({"event": "ping"}); answers {"id": deliveryId}.
  void SendTest(const auth::Principal& principal, std::string webhook_id,
                Callback<boost::json::object> done);

  // Replaces the webhook's secret with a new one from the CSPRNG, stored sealed; answers
  // {"secretKey", "standardWebhooksSecret"}, the only time the new secret is shown. Signatures
  // made with the old secret no longer verify from the next delivery on.
  void RotateSecret(const auth::Principal& principal, std::string webhook_id,
                    Callback<boost::json::object> done);

 private:
  // The caller may use this webhook (kNotFound, kPermissionDenied otherwise).
  Status CheckWebhook(const auth::Principal& principal, const std::string& webhook_id);

  RecordService& records_;
};

}  // namespace crm::service

#endif  // CRM_SERVICE_WEBHOOK_SERVICE_HPP_
