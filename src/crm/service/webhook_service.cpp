#include "crm/service/webhook_service.hpp"

#include <array>
#include <memory>

#include "crm/auth/crypto.hpp"
#include "crm/auth/secret_box.hpp"
#include "crm/webhook/delivery_store.hpp"
#include "crm/webhook/outbox.hpp"
#include "crm/webhook/signing.hpp"

namespace crm::service {
namespace {

namespace json = boost::json;

}  // namespace

Status WebhookService::CheckWebhook(const auth::Principal& principal,
                                    const std::string& webhook_id) {
  const metadata::EntityDef* entity = records_.metadata().FindEntity("Webhook");
  if (entity == nullptr) return Status::NotFound("Webhooks are not configured.");
  return records_.Read(principal, *entity, webhook_id).TakeStatus();
}

Result<json::object> WebhookService::Deliveries(const auth::Principal& principal,
                                                const std::string& webhook_id, std::int64_t offset,
                                                std::int64_t max_size) {
  CRM_RETURN_IF_ERROR(CheckWebhook(principal, webhook_id));
  if (max_size < 0 || max_size > kMaxMaxSize) {
    return Status::InvalidArgument("maxSize must be between 0 and " + std::to_string(kMaxMaxSize) +
                                   ".");
  }
  if (offset < 0) return Status::InvalidArgument("offset must not be negative.");
  CRM_ASSIGN_OR_RETURN(store::Connection * conn, records_.database().ReadConnection());
  return webhook::ListDeliveries(*conn, webhook_id, offset, max_size);
}

void WebhookService::Redeliver(const auth::Principal& principal, std::string webhook_id,
                               json::object body, Callback<json::object> done) {
  if (Status s = CheckWebhook(principal, webhook_id); !s.ok()) return done(std::move(s));
  const auto* id = body.if_contains("id");
  const auto* since = body.if_contains("since");
  if ((id == nullptr) == (since == nullptr)) {
    return done(Status::InvalidArgument(
        "Give either \"id\" (one delivery) or \"since\" (every failed delivery since then)."));
  }
  if ((id != nullptr && !id->is_string()) || (since != nullptr && !since->is_string())) {
    return done(Status::InvalidArgument("\"id\" and \"since\" are strings."));
  }
  std::optional<TimePoint> since_time;
  if (since != nullptr) {
    const auto parsed = ParseDateTime(since->get_string());
    if (!parsed) {
      return done(
          Status::InvalidArgument("\"since\" must be a date-time such as 2024-01-15 10:00:00."));
    }
    since_time = TimePoint(*parsed);
  }
  const std::string delivery_id = id != nullptr ? std::string(id->get_string()) : "";
  auto count = std::make_shared<std::int64_t>(0);
  const TimePoint now = records_.clock().Now();
  records_.database().SubmitWrite(
      [webhook_id = std::move(webhook_id), delivery_id, since_time, now,
       count](store::Connection& conn) -> Status {
        auto result = since_time ? webhook::RedeliverFailedSince(conn, webhook_id, *since_time, now)
                                 : webhook::Redeliver(conn, webhook_id, delivery_id, now);
        if (!result.ok()) return result.status();
        *count = *result;
        return {};
      },
      [count, done = std::move(done)](Status status) {
        if (!status.ok()) return done(std::move(status));
        done(json::object{{"count", *count}});
      });
}

void WebhookService::SendTest(const auth::Principal& principal, std::string webhook_id,
                              Callback<json::object> done) {
  if (Status s = CheckWebhook(principal, webhook_id); !s.ok()) return done(std::move(s));
  auto id = std::make_shared<std::string>();
  const TimePoint now = records_.clock().Now();
  records_.database().SubmitWrite(
      [webhook_id = std::move(webhook_id), user = principal.id, now,
       id](store::Connection& conn) -> Status {
        auto queued = webhook::QueuePing(conn, webhook_id, user, now);
        if (!queued.ok()) return queued.status();
        *id = *std::move(queued);
        return {};
      },
      [id, done = std::move(done)](Status status) {
        if (!status.ok()) return done(std::move(status));
        done(json::object{{"id", *id}});
      });
}

void WebhookService::RotateSecret(const auth::Principal& principal, std::string webhook_id,
                                  Callback<json::object> done) {
  if (Status s = CheckWebhook(principal, webhook_id); !s.ok()) return done(std::move(s));
  const auth::SecretBox* secrets = records_.secrets();
  if (secrets == nullptr) return done(Status::Internal("webhook secrets cannot be sealed here"));
  const std::string secret = auth::RandomHex(16);
  records_.database().SubmitWrite(
      [webhook_id = std::move(webhook_id),
       sealed = secrets->Seal(secret)](store::Connection& conn) -> Status {
        const std::array<query::SqlValue, 2> params = {sealed, webhook_id};
        CRM_ASSIGN_OR_RETURN(const std::int64_t changed,
                             conn.Execute(std::string("UPDATE ") + webhook::kWebhookTable +
                                              " SET \"secret_key\" = ?, "
                                              "\"standard_webhooks_secret\" = NULL WHERE "
                                              "\"id\" = ? AND \"deleted\" = 0",
                                          params));
        if (changed == 0) return Status::NotFound("Webhook not found.");
        return {};
      },
      [secret, done = std::move(done)](Status status) {
        if (!status.ok()) return done(std::move(status));
        done(json::object{{"secretKey", secret},
                          {"standardWebhooksSecret", webhook::StandardWebhooksSecret(secret)}});
      });
}

}  // namespace crm::service
