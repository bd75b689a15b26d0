// The outbox's deliveries over a real SQLite database, written through the record service: which
// changes queue which deliveries (in the change's transaction), and what the worker and the
// delivery log read and record.
#include "crm/webhook/delivery_store.hpp"

#include <future>

#include <boost/json/parse.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/common/json.hpp"
#include "crm/service/record_service.hpp"
#include "crm/service/record_writer.hpp"
#include "crm/store/schema.hpp"
#include "crm/webhook/outbox.hpp"
#include "crm/webhook/payload.hpp"

#include "testing/status_matchers.hpp"
#include "unit/webhook/webhook_test_base.hpp"

namespace crm::webhook {
namespace {

namespace json = boost::json;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class DeliveryStoreTest : public WebhookTestBase {
 protected:
  json::object Create(std::string_view entity, std::string_view body,
                      const auth::Principal& principal) {
    return CreateRecord(entity, json::parse(body).as_object(), principal);
  }
  json::object Create(std::string_view entity, std::string_view body) {
    return Create(entity, body, admin_);
  }
  void Update(std::string_view entity, const json::object& record, std::string_view body) {
    std::promise<Result<service::RecordResult>> done;
    records_->Update(admin_, metadata_->Entity(entity), std::string(record.at("id").as_string()),
                     json::parse(body).as_object(), {},
                     [&](auto r) { done.set_value(std::move(r)); });
    ASSERT_THAT(done.get_future().get(), IsOk());
  }
  std::string Webhook(std::string_view event, std::string_view extra = "") {
    const std::string body = "{\"event\": \"" + std::string(event) +
                             "\", \"url\": \"http://127.0.0.1:1/h\"" + std::string(extra) + "}";
    return std::string(Create("Webhook", body).at("id").as_string());
  }
  store::Connection& Reader() { return **db_->ReadConnection(); }
  std::vector<std::string> PendingEvents(const std::string& webhook) {
    std::vector<std::string> events;
    auto batch = LoadPendingBatch(Reader(), *metadata_, webhook, 100);
    EXPECT_THAT(batch, IsOk());
    if (batch.ok() && batch->has_value()) {
      for (const auto& d : (*batch)->deliveries) events.push_back(d.event);
    }
    return events;
  }
};

TEST_F(DeliveryStoreTest, NewWebhookGetsDerivedFieldsAndASecret) {
  const json::object hook =
      Create("Webhook", R"({"event": "Contact.fieldUpdate.title", "url": "http://x.test/h"})");
  EXPECT_EQ(hook.at("entityType"), "Contact");
  EXPECT_EQ(hook.at("type"), "fieldUpdate");
  EXPECT_EQ(hook.at("field"), "title");
  EXPECT_EQ(hook.at("format"), "seed");
  const std::string secret(hook.at("secretKey").as_string());
  EXPECT_EQ(secret.size(), 32U);
  EXPECT_EQ(hook.at("standardWebhooksSecret"), json::string("whsec_" + auth::Base64Encode(secret)));
  // The event is fixed once created (EspoCRM), and derived fields cannot be written.
  Update("Webhook", hook, R"({"event": "Contact.create", "type": "delete"})");
  auto read =
      records_->Read(admin_, metadata_->Entity("Webhook"), std::string(hook.at("id").as_string()));
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->record.at("event"), "Contact.fieldUpdate.title");
  EXPECT_EQ(read->record.at("type"), "fieldUpdate");
}

TEST_F(DeliveryStoreTest, TheSecretIsShownOnceAndStoredSealed) {
  const json::object hook =
      Create("Webhook", R"({"event": "Contact.create", "url": "http://x.test/h"})");
  const std::string id(hook.at("id").as_string());
  const std::string secret(hook.at("secretKey").as_string());
  auto read = records_->Read(admin_, metadata_->Entity("Webhook"), id);
  ASSERT_THAT(read, IsOk());
  EXPECT_FALSE(read->record.contains("secretKey"));
  EXPECT_FALSE(read->record.contains("standardWebhooksSecret"));
  auto list = records_->List(admin_, metadata_->Entity("Webhook"), {}, {});
  ASSERT_THAT(list, IsOk());
  ASSERT_EQ(list->list.size(), 1U);
  EXPECT_FALSE(list->list[0].contains("secretKey"));
  EXPECT_FALSE(list->list[0].contains("standardWebhooksSecret"));
  // The worker reads the sealed form, which only the key file's box opens.
  Create("Contact", R"({"lastName": "Doe"})");
  auto batch = LoadPendingBatch(Reader(), *metadata_, id, 1);
  ASSERT_THAT(batch, IsOk());
  ASSERT_TRUE(batch->has_value());
  const std::string stored = (*batch)->target.secret;
  EXPECT_TRUE(auth::SecretBox::IsSealed(stored));
  EXPECT_EQ(stored.find(secret), std::string::npos);
  auto opened = secrets_.Open(stored);
  ASSERT_THAT(opened, IsOk());
  EXPECT_EQ(*opened, secret);
}

TEST_F(DeliveryStoreTest, ChangesQueueDeliveriesForMatchingWebhooksInOrder) {
  const std::string on_create = Webhook("Contact.create");
  const std::string on_update = Webhook("Contact.update");
  const std::string on_title = Webhook("Contact.fieldUpdate.title");
  const std::string on_delete = Webhook("Contact.delete");
  const std::string on_accounts = Webhook("Account.create");
  const std::string inactive = Webhook("Contact.create", ", \"isActive\": false");
  const json::object contact = Create("Contact", R"({"lastName": "Doe", "title": "A"})");
  Update("Contact", contact, R"({"title": "B"})");
  Update("Contact", contact, R"({"description": "no title change"})");
  Update("Contact", contact, R"({"description": "no title change"})");  // no change at all
  EXPECT_THAT(PendingEvents(on_create), ElementsAre("Contact.create"));
  EXPECT_THAT(PendingEvents(on_update), ElementsAre("Contact.update", "Contact.update"));
  EXPECT_THAT(PendingEvents(on_title), ElementsAre("Contact.fieldUpdate.title"));
  EXPECT_THAT(PendingEvents(on_delete), ElementsAre());
  EXPECT_THAT(PendingEvents(on_accounts), ElementsAre());
  EXPECT_THAT(PendingEvents(inactive), ElementsAre());
  auto pending = WebhooksWithPendingDeliveries(Reader());
  ASSERT_THAT(pending, IsOk());
  EXPECT_THAT(*pending, ::testing::UnorderedElementsAre(on_create, on_update, on_title));

  auto batch = LoadPendingBatch(Reader(), *metadata_, on_update, 100);
  ASSERT_THAT(batch, IsOk());
  ASSERT_TRUE(batch->has_value());
  const auto& first = (*batch)->deliveries.front();
  EXPECT_EQ(first.entity_type, "Contact");
  EXPECT_EQ(first.user_id, "admin-id");
  EXPECT_EQ(json::parse(first.payload).at("title"), "B");
  EXPECT_EQ(first.event_time, clock_.Now());
  EXPECT_EQ(first.next_attempt_at, clock_.Now());
  EXPECT_LT(first.seq, (*batch)->deliveries.back().seq);
}

TEST_F(DeliveryStoreTest, ARolledBackChangeQueuesNothing) {
  const std::string hook = Webhook("Contact.create");
  // The change is made, then its job fails: its savepoint (event and deliveries included) goes.
  const Status failed = db_->WriteAndWait([this](store::Connection& conn) -> Status {
    service::RecordWriter writer(records_->reader(), conn, admin_, clock_.Now());
    json::object body{{"lastName", "Gone"}};
    auto input =
        service::ParseRecordInput(metadata_->Entity("Contact"), body, service::WriteMode::kCreate);
    CRM_RETURN_IF_ERROR(input.status());
    CRM_RETURN_IF_ERROR(
        writer.Create(metadata_->Entity("Contact"), std::move(input).value(), {}).status());
    return Status::Internal("the rest of the job failed");
  });
  EXPECT_THAT(failed, StatusIs(StatusCode::kInternal));
  EXPECT_THAT(PendingEvents(hook), ElementsAre());
  Create("Contact", R"({"lastName": "Kept"})");
  EXPECT_THAT(PendingEvents(hook), ElementsAre("Contact.create"));
}

TEST_F(DeliveryStoreTest, SkipOwnSkipsTheOwnersChanges) {
  const json::object api_user =
      Create("User", R"({"userName": "hooks", "type": "api", "authMethod": "ApiKey",
                     "rolesIds": ["crmd-full-access"]})");
  const auth::Principal owner = ApiUserPrincipal(api_user);
  const std::string hook = std::string(
      Create("Webhook", R"({"event": "Account.create", "url": "http://x.test/h", "skipOwn": true})",
             owner)
          .at("id")
          .as_string());
  Create("Account", R"({"name": "Made by the owner"})", owner);
  Create("Account", R"({"name": "Made by the admin"})");
  EXPECT_THAT(PendingEvents(hook), ElementsAre("Account.create"));
}

TEST_F(DeliveryStoreTest, AnApiUserOwnsItsWebhooksAndSeesNoOthers) {
  const json::object api_user =
      Create("User", R"({"userName": "hooks", "type": "api", "authMethod": "ApiKey",
                     "rolesIds": ["crmd-full-access"]})");
  const auth::Principal owner = ApiUserPrincipal(api_user);
  const std::string admins = Webhook("Contact.create");
  const json::object own =
      Create("Webhook",
             R"({"event": "Contact.create", "url": "http://x.test/h", "userId": "other"})", owner);
  EXPECT_EQ(own.at("userId"), json::string(owner.id));
  const auto& entity = metadata_->Entity("Webhook");
  auto list = records_->List(owner, entity, {}, {});
  ASSERT_THAT(list, IsOk());
  EXPECT_EQ(list->total, 1);
  EXPECT_THAT(records_->Read(owner, entity, admins), StatusIs(StatusCode::kNotFound));
  std::promise<Result<bool>> deleted;
  records_->Delete(owner, entity, admins, {}, [&](auto r) { deleted.set_value(std::move(r)); });
  EXPECT_THAT(deleted.get_future().get(), StatusIs(StatusCode::kNotFound));
  const auth::Principal regular{"r", "r", "r", auth::UserType::kRegular};
  EXPECT_THAT(records_->List(regular, entity, {}, {}), StatusIs(StatusCode::kPermissionDenied));
}

TEST_F(DeliveryStoreTest, WebhooksBelongToApiUsersAtMostFiftyEach) {
  const json::object api_user =
      Create("User", R"({"userName": "hooks", "type": "api", "authMethod": "ApiKey",
                     "rolesIds": ["crmd-full-access"]})");
  const json::object person = Create("User", R"({"userName": "person", "lastName": "P"})");
  const auto& entity = metadata_->Entity("Webhook");
  const auto create = [&](const json::object& body, const auth::Principal& principal) {
    std::promise<Result<service::RecordResult>> done;
    records_->Create(principal, entity, body, {}, [&](auto r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  };
  json::object body{{"event", "Contact.create"}, {"url", "http://x.test/h"}};
  body["userId"] = person.at("id");
  EXPECT_THAT(create(body, admin_), StatusIs(StatusCode::kPermissionDenied));
  body["userId"] = api_user.at("id");
  EXPECT_THAT(create(body, admin_), IsOk());
  const auth::Principal owner = ApiUserPrincipal(api_user);
  body.erase("userId");
  for (int i = 1; i < 50; ++i) ASSERT_THAT(create(body, owner), IsOk()) << i;
  auto refused = create(body, owner);
  EXPECT_THAT(refused, StatusIs(StatusCode::kPermissionDenied));
  EXPECT_THAT(refused.status().message(), HasSubstr("exceeded the limit"));
  EXPECT_THAT(create(body, admin_), IsOk());  // admins have no limit
}

// A webhook carries only what its owner may read: the records its roles reach, without the fields
// they hide.
TEST_F(DeliveryStoreTest, TheOwnersRolesDecideWhatItsWebhooksCarry) {
  const json::object role = Create("Role", R"({"name": "Own contacts",
      "data": {"Contact": {"read": "own"}},
      "fieldData": {"Contact": {"title": {"read": "no"}}}})");
  const json::object narrow = Create("User", R"({"userName": "narrow", "type": "api",
      "authMethod": "ApiKey", "rolesIds": [")" + std::string(role.at("id").as_string()) +
                                                 R"("]})");
  const std::string owner(narrow.at("id").as_string());
  const std::string hook = Webhook("Contact.create", R"(, "userId": ")" + owner + "\"");
  Create("Contact",
         R"({"lastName": "Theirs", "title": "CEO", "assignedUserId": ")" + owner + R"("})");
  Create("Contact", R"({"lastName": "Not theirs", "title": "CFO"})");
  auto batch = LoadPendingBatch(Reader(), *metadata_, hook, 100);
  ASSERT_THAT(batch, IsOk());
  ASSERT_TRUE(batch->has_value());
  ASSERT_EQ((*batch)->deliveries.size(), 1U);
  const json::object body =
      ParseJson(BuildBody(*metadata_, (*batch)->target, (*batch)->deliveries))->as_object();
  const json::object& data = body.at("data").as_object();
  EXPECT_EQ(data.at("lastName"), "Theirs");
  EXPECT_FALSE(data.contains("title"));
  // The admin's webhook on the same event carries both, with every field.
  const std::string admins = Webhook("Contact.create");
  Create("Contact", R"({"lastName": "Third", "title": "CTO"})");
  batch = LoadPendingBatch(Reader(), *metadata_, admins, 100);
  ASSERT_THAT(batch, IsOk());
  ASSERT_EQ((*batch)->deliveries.size(), 1U);
  EXPECT_THAT(BuildBody(*metadata_, (*batch)->target, (*batch)->deliveries), HasSubstr("CTO"));
}

TEST_F(DeliveryStoreTest, AttemptsAreRecordedRetriedAndLogged) {
  const std::string hook = Webhook("Contact.create");
  Create("Contact", R"({"lastName": "One"})");
  Create("Contact", R"({"lastName": "Two"})");
  auto batch = LoadPendingBatch(Reader(), *metadata_, hook, 100);
  ASSERT_THAT(batch, IsOk());
  ASSERT_EQ((*batch)->deliveries.size(), 2U);
  const std::string first = (*batch)->deliveries[0].id;
  const std::string second = (*batch)->deliveries[1].id;

  const TimePoint later = clock_.Now() + std::chrono::seconds(5);
  AttemptResult retry{{first}, AttemptOutcome::kRetry, 503, "HTTP 503: busy", clock_.Now(), later};
  ASSERT_THAT(
      db_->WriteAndWait([&](store::Connection& c) { return RecordAttempt(c, hook, retry); }),
      IsOk());
  batch = LoadPendingBatch(Reader(), *metadata_, hook, 100);
  ASSERT_THAT(batch, IsOk());
  EXPECT_EQ((*batch)->deliveries[0].attempts, 1);
  EXPECT_EQ((*batch)->deliveries[0].next_attempt_at, later);

  AttemptResult ok{{first}, AttemptOutcome::kDelivered, 200, "", later, std::nullopt};
  ASSERT_THAT(db_->WriteAndWait([&](store::Connection& c) { return RecordAttempt(c, hook, ok); }),
              IsOk());
  AttemptResult refused{{second},    AttemptOutcome::kFailed, 400, "HTTP 400: no", later,
                        std::nullopt};
  ASSERT_THAT(
      db_->WriteAndWait([&](store::Connection& c) { return RecordAttempt(c, hook, refused); }),
      IsOk());
  auto log = ListDeliveries(Reader(), hook, 0, 20);
  ASSERT_THAT(log, IsOk());
  EXPECT_EQ(log->at("total"), 2);
  const auto& list = log->at("list").as_array();
  EXPECT_EQ(list[0].at("id"), json::string(second));  // newest first
  EXPECT_EQ(list[0].at("status"), "failed");
  EXPECT_EQ(list[0].at("lastStatusCode"), 400);
  EXPECT_EQ(list[0].at("error"), "HTTP 400: no");
  EXPECT_EQ(list[1].at("status"), "delivered");
  EXPECT_EQ(list[1].at("attempts"), 2);
  EXPECT_EQ(list[1].at("deliveredAt"), "2026-03-10 09:30:05");

  // A failed delivery can be sent again; a delivered one too, but not a pending one.
  ASSERT_THAT(db_->WriteAndWait([&](store::Connection& c) {
    return RedeliverFailedSince(c, hook, clock_.Now() - std::chrono::hours(1), clock_.Now())
        .TakeStatus();
  }),
              IsOk());
  EXPECT_THAT(PendingEvents(hook), ElementsAre("Contact.create"));
  EXPECT_THAT(db_->WriteAndWait([&](store::Connection& c) {
    return Redeliver(c, hook, second, clock_.Now()).TakeStatus();
  }),
              StatusIs(StatusCode::kFailedPrecondition));
  EXPECT_THAT(db_->WriteAndWait([&](store::Connection& c) {
    return Redeliver(c, hook, "nope", clock_.Now()).TakeStatus();
  }),
              StatusIs(StatusCode::kNotFound));
}

TEST_F(DeliveryStoreTest, GoneDeactivatesTheWebhookAndFailsWhatWaits) {
  const std::string hook = Webhook("Contact.create");
  Create("Contact", R"({"lastName": "One"})");
  Create("Contact", R"({"lastName": "Two"})");
  auto batch = LoadPendingBatch(Reader(), *metadata_, hook, 1);
  ASSERT_THAT(batch, IsOk());
  AttemptResult gone{{(*batch)->deliveries[0].id},
                     AttemptOutcome::kGone,
                     410,
                     "HTTP 410: bye",
                     clock_.Now(),
                     std::nullopt};
  ASSERT_THAT(db_->WriteAndWait([&](store::Connection& c) { return RecordAttempt(c, hook, gone); }),
              IsOk());
  auto read = records_->Read(admin_, metadata_->Entity("Webhook"), hook);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->record.at("isActive"), false);
  EXPECT_THAT(PendingEvents(hook), ElementsAre());
  auto log = ListDeliveries(Reader(), hook, 0, 20);
  ASSERT_THAT(log, IsOk());
  for (const auto& row : log->at("list").as_array()) EXPECT_EQ(row.at("status"), "failed");
  // No new deliveries for an inactive webhook.
  Create("Contact", R"({"lastName": "Three"})");
  EXPECT_EQ(ListDeliveries(Reader(), hook, 0, 20)->at("total"), 2);
}

TEST_F(DeliveryStoreTest, PruningDropsOldDeliveredRowsAndTheirEvents) {
  const std::string hook = Webhook("Contact.create");
  Create("Contact", R"({"lastName": "One"})");
  auto batch = LoadPendingBatch(Reader(), *metadata_, hook, 1);
  ASSERT_THAT(batch, IsOk());
  AttemptResult ok{{(*batch)->deliveries[0].id},
                   AttemptOutcome::kDelivered,
                   200,
                   "",
                   clock_.Now(),
                   std::nullopt};
  ASSERT_THAT(db_->WriteAndWait([&](store::Connection& c) { return RecordAttempt(c, hook, ok); }),
              IsOk());
  Create("Contact", R"({"lastName": "Two"})");  // still pending: kept with its event
  std::int64_t removed = -1;
  ASSERT_THAT(db_->WriteAndWait([&](store::Connection& c) -> Status {
    CRM_ASSIGN_OR_RETURN(removed, PruneDelivered(c, clock_.Now() + std::chrono::hours(1)));
    return {};
  }),
              IsOk());
  EXPECT_EQ(removed, 1);
  EXPECT_EQ(ListDeliveries(Reader(), hook, 0, 20)->at("total"), 1);
  std::int64_t events = 0;
  ASSERT_THAT(Reader().Query(std::string("SELECT COUNT(*) FROM ") + store::kEventTable, {},
                             [&](const store::Row& row) {
                               events = row.Int(0);
                               return false;
                             }),
              IsOk());
  EXPECT_EQ(events, 1);
  batch = LoadPendingBatch(Reader(), *metadata_, hook, 1);
  ASSERT_THAT(batch, IsOk());
  EXPECT_THAT((*batch)->deliveries[0].payload, HasSubstr("Two"));
}

TEST_F(DeliveryStoreTest, PruningDropsTheDeliveriesOfADeletedWebhook) {
  const std::string kept = Webhook("Contact.create");
  const std::string deleted = Webhook("Contact.create");
  Create("Contact", R"({"lastName": "One"})");
  std::promise<Result<bool>> done;
  records_->Delete(admin_, metadata_->Entity("Webhook"), deleted, {},
                   [&](auto r) { done.set_value(std::move(r)); });
  ASSERT_THAT(done.get_future().get(), IsOk());
  ASSERT_THAT(db_->WriteAndWait([&](store::Connection& c) {
    return PruneDelivered(c, clock_.Now()).TakeStatus();
  }),
              IsOk());
  EXPECT_EQ(ListDeliveries(Reader(), deleted, 0, 20)->at("total"), 0);
  EXPECT_THAT(PendingEvents(kept), ElementsAre("Contact.create"));
}

TEST_F(DeliveryStoreTest, APingIsQueuedLikeAnEvent) {
  const std::string hook = Webhook("Contact.create");
  Result<std::string> id = Status::Internal("not run");
  ASSERT_THAT(db_->WriteAndWait([&](store::Connection& c) {
    id = QueuePing(c, hook, "admin-id", clock_.Now());
    return id.status();
  }),
              IsOk());
  auto batch = LoadPendingBatch(Reader(), *metadata_, hook, 10);
  ASSERT_THAT(batch, IsOk());
  ASSERT_EQ((*batch)->deliveries.size(), 1U);
  EXPECT_EQ((*batch)->deliveries[0].id, *id);
  EXPECT_EQ((*batch)->deliveries[0].event, "ping");
  EXPECT_EQ(json::parse((*batch)->deliveries[0].payload).at("webhookId"), json::string(hook));
}

}  // namespace
}  // namespace crm::webhook
