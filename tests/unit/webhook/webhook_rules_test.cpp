// The pure parts of webhooks: event names, the address guard, signatures (checked against
// deliveries captured from a real EspoCRM 9.1.7), the retry schedule and the payload shapes.
#include <boost/json/parse.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "crm/auth/crypto.hpp"
#include "crm/webhook/address_guard.hpp"
#include "crm/webhook/event_name.hpp"
#include "crm/webhook/payload.hpp"
#include "crm/webhook/retry_policy.hpp"
#include "crm/webhook/signing.hpp"

#include "testing/status_matchers.hpp"
#include <arpa/inet.h>
#include <netinet/in.h>

namespace crm::webhook {
namespace {

namespace json = boost::json;
using ::crm::testing::IsOk;
using ::crm::testing::StatusIs;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

std::shared_ptr<const metadata::Metadata> Shipped() {
  static const auto metadata = *metadata::Metadata::Load(metadata::ShippedEntityDefs());
  return metadata;
}

std::string Header(const HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

TEST(EventNameTest, AcceptsEveryTypeAndAFieldName) {
  auto create = ParseEventName(*Shipped(), "Contact.create");
  ASSERT_THAT(create, IsOk());
  EXPECT_EQ(create->entity, "Contact");
  EXPECT_EQ(create->type, EventType::kCreate);
  auto field = ParseEventName(*Shipped(), "Lead.fieldUpdate.assignedUser");
  ASSERT_THAT(field, IsOk());
  EXPECT_EQ(field->type, EventType::kFieldUpdate);
  EXPECT_EQ(field->field, "assignedUser");
  EXPECT_THAT(ParseEventName(*Shipped(), "Account.delete"), IsOk());
  EXPECT_THAT(ParseEventName(*Shipped(), "Opportunity.update"), IsOk());
}

TEST(EventNameTest, RefusesWhatEspoCrmRefusesAndSaysWhy) {
  const auto& m = *Shipped();
  EXPECT_THAT(ParseEventName(m, "Contact"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseEventName(m, "Nope.create").status().message(), HasSubstr("unknown entity"));
  EXPECT_THAT(ParseEventName(m, "Contact.created").status().message(), HasSubstr("unknown type"));
  EXPECT_THAT(ParseEventName(m, "Contact.create.title").status().message(),
              HasSubstr("only fieldUpdate"));
  EXPECT_THAT(ParseEventName(m, "Contact.fieldUpdate").status().message(),
              HasSubstr("needs a field"));
  // A field name, not an attribute (EspoCRM validates against fields).
  EXPECT_THAT(ParseEventName(m, "Contact.fieldUpdate.assignedUserId").status().message(),
              HasSubstr("no field"));
  EXPECT_THAT(ParseEventName(m, "Webhook.create").status().message(), HasSubstr("no events"));
  EXPECT_THAT(ParseEventName(m, "Contact.fieldUpdate.a.b"), StatusIs(StatusCode::kInvalidArgument));
}

sockaddr_in V4(const char* text) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  inet_pton(AF_INET, text, &address.sin_addr);
  return address;
}
sockaddr_in6 V6(const char* text) {
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  inet_pton(AF_INET6, text, &address.sin6_addr);
  return address;
}
bool PublicV4(const char* text) {
  const sockaddr_in a = V4(text);
  return IsPublicAddress(reinterpret_cast<const sockaddr*>(&a));
}
bool PublicV6(const char* text) {
  const sockaddr_in6 a = V6(text);
  return IsPublicAddress(reinterpret_cast<const sockaddr*>(&a));
}

TEST(AddressGuardTest, ClassifiesSpecialRanges) {
  for (const char* blocked :
       {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
        "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "198.18.0.1", "192.0.2.5"}) {
    EXPECT_FALSE(PublicV4(blocked)) << blocked;
  }
  for (const char* open : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "93.184.216.34"}) {
    EXPECT_TRUE(PublicV4(open)) << open;
  }
  for (const char* blocked :
       {"::1", "::", "fe80::1", "fc00::1", "fd12::1", "ff02::1", "::ffff:127.0.0.1",
        "::ffff:10.0.0.1", "2001:db8::1", "64:ff9b::a00:1"}) {
    EXPECT_FALSE(PublicV6(blocked)) << blocked;
  }
  EXPECT_TRUE(PublicV6("2606:4700:4700::1111"));
  EXPECT_TRUE(PublicV6("::ffff:8.8.8.8"));
}

TEST(AddressGuardTest, ChecksUrlsOnSaveAndAddressesAtSend) {
  const AddressGuard strict({});
  EXPECT_THAT(strict.CheckUrl("http://127.0.0.1:9000/hook").message(),
              HasSubstr("not a public address"));
  EXPECT_THAT(strict.CheckUrl("http://[::1]/x"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(strict.CheckUrl("http://10.0.0.8/x"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(strict.CheckUrl("http://8.8.8.8/x"), IsOk());
  EXPECT_THAT(strict.CheckUrl("ftp://8.8.8.8/x").message(), HasSubstr("http or https"));
  EXPECT_THAT(strict.CheckUrl("not a url"), StatusIs(StatusCode::kInvalidArgument));
  EXPECT_THAT(strict.CheckUrl("http://user:pw@8.8.8.8/").message(), HasSubstr("user name"));

  const AddressGuard tests({"127.0.0.1", "Localhost"});
  EXPECT_THAT(tests.CheckUrl("http://127.0.0.1:9000/hook"), IsOk());
  EXPECT_THAT(tests.CheckUrl("http://LOCALHOST:9000/hook"), IsOk());
  EXPECT_THAT(tests.CheckUrl("http://10.0.0.8/x"), StatusIs(StatusCode::kInvalidArgument));
  // At send time: a public name that now resolves to loopback is refused (DNS rebinding), an
  // allowed host or address is not.
  const sockaddr_in loopback = V4("127.0.0.1");
  const auto* address = reinterpret_cast<const sockaddr*>(&loopback);
  EXPECT_FALSE(strict.AllowsAddress("hooks.example.com", address));
  EXPECT_TRUE(tests.AllowsAddress("hooks.example.com", address));
  EXPECT_TRUE(tests.AllowsAddress("localhost", address));
  const sockaddr_in other = V4("127.0.0.2");
  EXPECT_FALSE(tests.AllowsAddress("hooks.example.com", reinterpret_cast<const sockaddr*>(&other)));
}

TEST(SigningTest, MatchesDeliveriesCapturedFromEspoCrm) {
  ASSERT_THAT(auth::InitCrypto(), IsOk());
  // captures/webhook_deliveries.txt: Contact.fieldUpdate.title and Contact.delete, with the
  // secrets from captures 64 and 63.
  const HeaderList field_update =
      SignatureHeaders("6b0c3714cae215860", "847d300be33c2dcec6b5bdadf0c81b0f", "m1", 1,
                       R"([{"id":"6b0c3714dca3093b1","title":"Manager"}])");
  EXPECT_EQ(Header(field_update, "Signature"),
            "NmIwYzM3MTRjYWUyMTU4NjA6ZDMyYzA2N2VlYjhiYWNlYjIyMTA4MzBhODljN2E2YzBjM2YxZWI1NTc0NjYy"
            "NTliM2ZkNjFjZTU2ZjBmNGM5Yg==");
  EXPECT_EQ(Header(field_update, "X-Signature"),
            "NmIwYzM3MTRjYWUyMTU4NjA60ywGfuuLrOsiEIMKicemwMPx61V0ZiWbP9Yc5W8PTJs=");
  const HeaderList deleted =
      SignatureHeaders("6b0c3714c37142ece", "7efceb739538b6237e39e6305762ed30", "m2", 1,
                       R"([{"id":"6b0c3714e73fab55a"}])");
  EXPECT_EQ(Header(deleted, "Signature"),
            "NmIwYzM3MTRjMzcxNDJlY2U6YjhjNmU1NGEzYTE3NTQwNDVjYTg1Mzc2OWMxZWEwZTVkYjQ0ZGM3MDA1YWYz"
            "N2Y3NTI0Y2Y2NDczNWMwMTI0MA==");
  EXPECT_EQ(Header(deleted, "X-Signature"),
            "NmIwYzM3MTRjMzcxNDJlY2U6uMblSjoXVARcqFN2nB6g5dtE3HAFrzf3Ukz2RzXAEkA=");
  // The seed document's check: hash_hmac('sha256', $payload, $secret), hex.
  EXPECT_EQ(Header(deleted, "X-EspoCRM-Signature"),
            "b8c6e54a3a1754045ca853769c1ea0e5db44dc7005af37f7524cf64735c01240");
}

TEST(SigningTest, StandardWebhooksSignsIdTimestampAndBody) {
  ASSERT_THAT(auth::InitCrypto(), IsOk());
  const std::string secret = "847d300be33c2dcec6b5bdadf0c81b0f";
  const HeaderList headers = SignatureHeaders("w", secret, "msg_1", 1700000000, "{}");
  EXPECT_EQ(Header(headers, "webhook-id"), "msg_1");
  EXPECT_EQ(Header(headers, "webhook-timestamp"), "1700000000");
  EXPECT_EQ(Header(headers, "webhook-signature"),
            "v1," + auth::Base64Encode(auth::HmacSha256(secret, "msg_1.1700000000.{}")));
  const std::string whsec = StandardWebhooksSecret(secret);
  ASSERT_TRUE(whsec.starts_with("whsec_"));
  EXPECT_EQ(auth::Base64Decode(whsec.substr(6)), secret);
}

TEST(SigningTest, TheHeadersCrmdSetsAreReservedInAnyCase) {
  for (const char* name : {"Content-Type", "content-length", "HOST", "Expect", "Signature",
                           "X-Signature", "x-espocrm-signature", "Webhook-Id", "webhook-timestamp",
                           "WEBHOOK-SIGNATURE", "Transfer-Encoding", "Connection"}) {
    EXPECT_TRUE(IsReservedHeader(name)) << name;
  }
  for (const char* name : {"Authorization", "X-Api-Key", "X-Signature2", "webhook", ""}) {
    EXPECT_FALSE(IsReservedHeader(name)) << name;
  }
}

TEST(RetryPolicyTest, ClassifiesAnswers) {
  EXPECT_EQ(ClassifyAttempt(200), AttemptOutcome::kDelivered);
  EXPECT_EQ(ClassifyAttempt(204), AttemptOutcome::kDelivered);
  EXPECT_EQ(ClassifyAttempt(302), AttemptOutcome::kDelivered);
  EXPECT_EQ(ClassifyAttempt(0), AttemptOutcome::kRetry);
  EXPECT_EQ(ClassifyAttempt(408), AttemptOutcome::kRetry);
  EXPECT_EQ(ClassifyAttempt(429), AttemptOutcome::kRetry);
  EXPECT_EQ(ClassifyAttempt(500), AttemptOutcome::kRetry);
  EXPECT_EQ(ClassifyAttempt(503), AttemptOutcome::kRetry);
  EXPECT_EQ(ClassifyAttempt(410), AttemptOutcome::kGone);
  EXPECT_EQ(ClassifyAttempt(400), AttemptOutcome::kFailed);
  EXPECT_EQ(ClassifyAttempt(404), AttemptOutcome::kFailed);
}

TEST(RetryPolicyTest, BacksOffExponentiallyWithJitterForAtLeastADay) {
  const RetrySchedule schedule;
  const TimePoint queued = TimePoint(seconds(1'700'000'000));
  // Without jitter (random 0.5 is the middle) the delays are 2 s, 4 s, 8 s, ...
  EXPECT_EQ(*NextAttemptAt(schedule, 1, queued, queued, std::nullopt, 0.5) - queued, seconds(2));
  EXPECT_EQ(*NextAttemptAt(schedule, 2, queued, queued, std::nullopt, 0.5) - queued, seconds(4));
  EXPECT_EQ(*NextAttemptAt(schedule, 5, queued, queued, std::nullopt, 0.5) - queued, seconds(32));
  // Jitter stays within a quarter either way.
  EXPECT_EQ(*NextAttemptAt(schedule, 1, queued, queued, std::nullopt, 0.0) - queued,
            milliseconds(1500));
  EXPECT_LT(*NextAttemptAt(schedule, 1, queued, queued, std::nullopt, 0.999) - queued,
            milliseconds(2500));
  // Capped at an hour, and never overflowing however long the outage.
  EXPECT_EQ(*NextAttemptAt(schedule, 40, queued, queued, std::nullopt, 0.5) - queued,
            std::chrono::hours(1));
  EXPECT_EQ(*NextAttemptAt(schedule, 100000, queued, queued, std::nullopt, 0.5) - queued,
            std::chrono::hours(1));
  // Walk the schedule the way the worker does: it keeps trying for more than 24 hours.
  TimePoint now = queued;
  int attempts = 0;
  while (auto next = NextAttemptAt(schedule, ++attempts, queued, now, std::nullopt, 0.5)) {
    now = *next;
  }
  EXPECT_GE(now - queued, std::chrono::hours(24));
  EXPECT_LE(now - queued, schedule.give_up_after);
}

TEST(RetryPolicyTest, RetryAfterMovesTheNextAttemptLaterNeverEarlier) {
  const RetrySchedule schedule;
  const TimePoint now = TimePoint(seconds(1'700'000'000));
  EXPECT_EQ(*NextAttemptAt(schedule, 1, now, now, seconds(30), 0.5) - now, seconds(30));
  EXPECT_EQ(*NextAttemptAt(schedule, 1, now, now, seconds(1), 0.5) - now, seconds(2));
  EXPECT_EQ(*NextAttemptAt(schedule, 1, now, now, std::chrono::hours(100), 0.5) - now,
            schedule.max_retry_after);
  EXPECT_EQ(ParseRetryAfter("120", now), seconds(120));
  EXPECT_EQ(ParseRetryAfter(" 7 ", now), seconds(7));
  // 2023-11-14 22:13:20 UTC is `now`; an HTTP-date a minute later.
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:14:20 GMT", now), seconds(60));
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:00:00 GMT", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("-5", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("", now), std::nullopt);
}

PendingDelivery Delivery(std::string event, std::string payload) {
  PendingDelivery delivery;
  delivery.id = "d1";
  delivery.event = std::move(event);
  delivery.entity_type = delivery.event.substr(0, delivery.event.find('.'));
  delivery.payload = std::move(payload);
  delivery.user_id = "u1";
  delivery.event_time = TimePoint(seconds(1705320000));
  return delivery;
}

TEST(PayloadTest, SeedFormatWrapsOneEvent) {
  WebhookTarget target;
  const PendingDelivery delivery =
      Delivery("Contact.create", R"({"id":"c1","firstName":"John","lastName":"Doe"})");
  const json::value body = json::parse(BuildBody(*Shipped(), target, {&delivery, 1}));
  EXPECT_EQ(body, json::parse(R"({"event":"Contact.create","data":{"id":"c1","firstName":"John",
      "lastName":"Doe"},"userId":"u1","timestamp":1705320000})"));
}

TEST(PayloadTest, EspoFormatIsAnArrayAndFieldUpdateCarriesOnlyItsField) {
  WebhookTarget target;
  target.espo_format = true;
  const std::vector<PendingDelivery> deliveries = {
      Delivery("Contact.fieldUpdate.assignedUser",
               R"({"id":"c1","title":"x","assignedUserId":"u2","assignedUserName":"Ann"})"),
      Delivery("Contact.update", R"({"id":"c1","title":"x"})")};
  EXPECT_EQ(json::parse(BuildBody(*Shipped(), target, deliveries)),
            json::parse(R"([{"id":"c1","assignedUserId":"u2","assignedUserName":"Ann"},
                            {"id":"c1","title":"x"}])"));
}

TEST(PayloadTest, AnOwnerWhoIsNotAdminGetsNoSensitiveAttribute) {
  WebhookTarget target;
  target.espo_format = true;
  const PendingDelivery user =
      Delivery("User.create", R"({"id":"u9","userName":"x","authMethod":"ApiKey"})");
  target.owner_is_admin = false;
  EXPECT_EQ(json::parse(BuildBody(*Shipped(), target, {&user, 1})),
            json::parse(R"([{"id":"u9","userName":"x"}])"));
  target.owner_is_admin = true;
  EXPECT_EQ(json::parse(BuildBody(*Shipped(), target, {&user, 1})),
            json::parse(R"([{"id":"u9","userName":"x","authMethod":"ApiKey"}])"));
}

}  // namespace
}  // namespace crm::webhook
