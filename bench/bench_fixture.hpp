// Shared set-up for the micro-benchmarks (crmd_microbench): a crmd database in a temporary
// directory with the real schema, an API user, a few accounts and contacts created through
// RecordService (so records look exactly like the API's), and an in-process http::Request /
// Responder pair that lets a benchmark call ApiHandler::Handle without sockets.
//
// Thread-safety: BenchFixture::Get() builds the fixture once (benchmarks run on one thread); the
// fixture and its directory go away at process exit.
#ifndef CRM_BENCH_BENCH_FIXTURE_HPP_
#define CRM_BENCH_BENCH_FIXTURE_HPP_

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crm/auth/authenticator.hpp"
#include "crm/http/message.hpp"
#include "crm/metadata/metadata.hpp"
#include "crm/service/record_service.hpp"
#include "crm/store/database.hpp"

namespace crm::bench {

class BenchFixture {
 public:
  // The process-wide fixture; exits with a message when it cannot be built.
  static BenchFixture& Get();
  ~BenchFixture();

  const metadata::Metadata& metadata() const { return *metadata_; }
  std::shared_ptr<const metadata::Metadata> metadata_ptr() const { return metadata_; }
  store::Database& db() { return *db_; }
  service::RecordService& records() { return *records_; }
  auth::Authenticator& authenticator() { return *authenticator_; }
  const std::string& api_key() const { return api_key_; }
  const std::string& hmac_api_key() const { return hmac_api_key_; }
  const std::string& hmac_secret() const { return hmac_secret_; }
  const std::vector<std::string>& contact_ids() const { return contact_ids_; }
  const std::vector<std::string>& account_ids() const { return account_ids_; }

  // A contact create body like the load test's (bench/wrk/common.lua), unique per `n`.
  static std::string ContactBody(int n, std::string_view account_id);

 private:
  BenchFixture() = default;
  void Build();

  std::filesystem::path dir_;
  std::shared_ptr<const metadata::Metadata> metadata_;
  std::unique_ptr<store::Database> db_;
  // Seals the HMAC user's secret; a fixed key is enough for a benchmark.
  const auth::SecretBox secrets_ = auth::SecretBox::FromKey(std::string(32, 'k'));
  std::unique_ptr<service::RecordService> records_;
  std::unique_ptr<auth::Authenticator> authenticator_;
  std::string api_key_;
  std::string hmac_api_key_;
  std::string hmac_secret_;
  std::vector<std::string> contact_ids_;
  std::vector<std::string> account_ids_;
};

// An http::Request held in memory.
class FakeRequest final : public http::Request {
 public:
  FakeRequest(http::Method method, std::string target,
              std::vector<std::pair<std::string, std::string>> headers, std::string body = "");

  http::Method method() const override { return method_; }
  std::string_view method_name() const override;
  std::string_view target() const override { return target_; }
  std::string_view Header(std::string_view name) const override;
  const std::string& body() const override { return body_; }
  std::string_view remote_address() const override { return "127.0.0.1"; }

 private:
  http::Method method_;
  std::string target_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string body_;
};

// Keeps the last response a Responder delivered.
class CaptureSink final : public http::internal::ResponseSink {
 public:
  void Deliver(http::Response response) override { response_ = std::move(response); }
  void DeliverBuilt(std::function<http::Response()> build) override { response_ = build(); }
  void Abandon() override { response_ = http::Response{500, {}, {}}; }

  const http::Response& response() const { return response_; }

 private:
  http::Response response_;
};

}  // namespace crm::bench

#endif  // CRM_BENCH_BENCH_FIXTURE_HPP_
