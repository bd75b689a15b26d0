// The micro-benchmarks' shared database and in-process HTTP request (see bench_fixture.hpp).
#include "bench_fixture.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <iostream>

#include <boost/json/object.hpp>

#include "crm/acl/access_table.hpp"
#include "crm/auth/crypto.hpp"
#include "crm/common/json.hpp"
#include "crm/common/strings.hpp"
#include "crm/common/time.hpp"
#include "crm/service/user_admin.hpp"
#include "crm/store/schema.hpp"
#include "crm/store/sqlite/sqlite_database.hpp"

#include <unistd.h>

namespace crm::bench {
namespace {

[[noreturn]] void Die(const std::string& what, const Status& status) {
  std::cerr << "crmd_microbench: " << what << ": " << status.message() << "\n";
  std::exit(1);
}

constexpr int kAccounts = 20;
constexpr int kContacts = 500;

}  // namespace

BenchFixture& BenchFixture::Get() {
  static BenchFixture* fixture = [] {
    auto* built = new BenchFixture();
    built->Build();
    // Destroyed at exit so the temporary directory is removed.
    static std::unique_ptr<BenchFixture> owner(built);
    return built;
  }();
  return *fixture;
}

BenchFixture::~BenchFixture() {
  if (db_) db_->Shutdown();
  authenticator_.reset();
  records_.reset();
  db_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string BenchFixture::ContactBody(int n, std::string_view account_id) {
  const std::string tag = std::to_string(n);
  boost::json::object body{{"salutationName", "Mr."},
                           {"firstName", "James"},
                           {"lastName", "Smith-" + tag},
                           {"title", "Buyer"},
                           {"emailAddress", "james.smith-" + tag + "@bench.example.com"},
                           {"phoneNumber", "+1 555 201 " + std::to_string(1000 + n % 9000)},
                           {"addressStreet", "12 Main St"},
                           {"addressCity", "Boston"},
                           {"addressPostalCode", "02110"},
                           {"addressCountry", "United States"},
                           {"description", "Created by the crmd benchmark"}};
  if (!account_id.empty()) body["accountId"] = account_id;
  return SerializeJson(body);
}

void BenchFixture::Build() {
  if (Status s = auth::InitCrypto(); !s.ok()) Die("crypto", s);
  dir_ = std::filesystem::temp_directory_path() /
         ("crmd-microbench-" + std::to_string(static_cast<long>(getpid())));
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);

  auto metadata = metadata::Metadata::LoadDefault("");
  if (!metadata.ok()) Die("metadata", metadata.status());
  metadata_ = *metadata;
  store::SqliteOptions options;
  options.path = (dir_ / "crmd.db").string();
  options.synchronous_full = false;  // set-up speed only; no benchmark here writes
  auto db = store::SqliteDatabase::Open(options);
  if (!db.ok()) Die("database", db.status());
  db_ = std::move(*db);
  const metadata::Metadata& md = *metadata_;
  if (Status s = db_->WriteAndWait(
          [&md](store::Connection& conn) { return store::MigrateSchema(conn, md); });
      !s.ok()) {
    Die("schema", s);
  }

  service::NewUser api;
  api.user_name = "bench-api";
  api.type = "api";
  api.auth_method = "ApiKey";
  auto created = service::CreateUser(*db_, md, SystemClock::Instance(), api);
  if (!created.ok()) Die("api user", created.status());
  api_key_ = created->api_key;
  service::NewUser hmac = api;
  hmac.user_name = "bench-hmac";
  hmac.auth_method = "Hmac";
  auto created_hmac = service::CreateUser(*db_, md, SystemClock::Instance(), hmac, &secrets_);
  if (!created_hmac.ok()) Die("hmac user", created_hmac.status());
  hmac_api_key_ = created_hmac->api_key;
  hmac_secret_ = created_hmac->secret_key;

  records_ =
      std::make_unique<service::RecordService>(metadata_, *db_, SystemClock::Instance(), &secrets_);
  authenticator_ =
      std::make_unique<auth::Authenticator>(*db_, SystemClock::Instance(), &secrets_, nullptr);

  // The API user of the Full access role, as `crmd api-user create` makes it.
  const auth::Principal principal{created->id, "bench-api",
                                  "bench-api", auth::UserType::kApi,
                                  {},          acl::FullAccess(md, created->id)};
  auto create = [&](const metadata::EntityDef& entity, const std::string& body) {
    auto parsed = ParseJson(body);
    if (!parsed.ok()) Die("body", parsed.status());
    std::promise<Result<service::RecordResult>> done;
    auto result = done.get_future();
    records_->Create(principal, entity, std::move(parsed->as_object()), service::WriteOptions{},
                     [&done](Result<service::RecordResult> r) { done.set_value(std::move(r)); });
    auto record = result.get();
    if (!record.ok()) Die("create " + entity.name, record.status());
    return std::string(record->record.at("id").as_string());
  };
  const metadata::EntityDef& account = md.Entity("Account");
  for (int i = 0; i < kAccounts; ++i) {
    account_ids_.push_back(
        create(account, SerializeJson(boost::json::object{
                            {"name", "Acme Systems " + std::to_string(i + 1)},
                            {"website", "https://acme" + std::to_string(i + 1) + ".example.com"},
                            {"emailAddress", "info@acme" + std::to_string(i + 1) + ".example.com"},
                            {"phoneNumber", "+1 555 100 " + std::to_string(1000 + i)},
                            {"type", "Customer"},
                            {"industry", "Software"},
                            {"billingAddressCity", "Boston"}})));
  }
  const metadata::EntityDef& contact = md.Entity("Contact");
  for (int i = 0; i < kContacts; ++i) {
    contact_ids_.push_back(
        create(contact, ContactBody(i, account_ids_[static_cast<std::size_t>(i % kAccounts)])));
  }
}

FakeRequest::FakeRequest(http::Method method, std::string target,
                         std::vector<std::pair<std::string, std::string>> headers, std::string body)
    : method_(method),
      target_(std::move(target)),
      headers_(std::move(headers)),
      body_(std::move(body)) {}

std::string_view FakeRequest::method_name() const { return http::MethodName(method_); }

std::string_view FakeRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers_) {
    if (EqualsIgnoreCaseAscii(key, name)) return value;
  }
  return {};
}

}  // namespace crm::bench
