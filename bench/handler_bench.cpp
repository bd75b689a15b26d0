// Micro-benchmarks of whole requests through api::ApiHandler in process, without sockets: path
// decoding, authentication, routing, the read, and JSON encoding, for the load test's read
// workloads (GET by id, a filtered list page, an account's related contacts), and GET by id with
// rate limits on (a budget too large to run out), whose gap to GET by id is the limiter's cost.
// The gap between these and the load test's figures is the HTTP server's share.
#include <memory>
#include <string>

#include <benchmark/benchmark.h>

#include "crm/api/api_handler.hpp"
#include "crm/common/time.hpp"
#include "crm/ratelimit/memory_rate_limiter.hpp"

#include "bench_fixture.hpp"

namespace crm::bench {
namespace {

// `limiter`: rate limits on, with budgets no benchmark uses up.
void Handle(benchmark::State& state, const std::vector<std::string>& targets,
            ratelimit::RateLimiter* limiter = nullptr) {
  BenchFixture& fixture = BenchFixture::Get();
  api::ApiOptions options;
  options.rate_limits.standard = {1'000'000'000, std::chrono::hours(1)};
  options.rate_limits.search = {1'000'000'000, std::chrono::hours(1)};
  api::ApiHandler handler(fixture.records(), fixture.authenticator(), options, limiter);
  std::vector<FakeRequest> requests;
  for (const auto& target : targets) {
    requests.emplace_back(http::Method::kGet, target,
                          std::vector<std::pair<std::string, std::string>>{
                              {"Host", "127.0.0.1"}, {"X-Api-Key", fixture.api_key()}});
  }
  auto sink = std::make_shared<CaptureSink>();
  std::size_t i = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    handler.Handle(requests[i++ % requests.size()], http::Responder(sink));
    // Reads answer on the calling thread, before Handle returns.
    if (sink->response().status != 200) {
      state.SkipWithError(
          ("status " + std::to_string(sink->response().status) + ": " + sink->response().body)
              .c_str());
      break;
    }
    bytes += sink->response().body.size();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void BM_HandleGetContact(benchmark::State& state) {
  std::vector<std::string> targets;
  for (const auto& id : BenchFixture::Get().contact_ids())
    targets.push_back("/api/v1/Contact/" + id);
  Handle(state, targets);
}
BENCHMARK(BM_HandleGetContact);

void BM_HandleGetContactRateLimited(benchmark::State& state) {
  std::vector<std::string> targets;
  for (const auto& id : BenchFixture::Get().contact_ids())
    targets.push_back("/api/v1/Contact/" + id);
  ratelimit::MemoryRateLimiter limiter(SystemClock::Instance());
  Handle(state, targets, &limiter);
}
BENCHMARK(BM_HandleGetContactRateLimited);

void BM_HandleListContacts20(benchmark::State& state) {
  Handle(state, {"/api/v1/Contact?maxSize=20&where%5B0%5D%5Btype%5D=equals"
                 "&where%5B0%5D%5Battribute%5D=firstName&where%5B0%5D%5Bvalue%5D=James"
                 "&orderBy=lastName&order=asc"});
}
BENCHMARK(BM_HandleListContacts20);

void BM_HandleAccountContacts(benchmark::State& state) {
  std::vector<std::string> targets;
  for (const auto& id : BenchFixture::Get().account_ids())
    targets.push_back("/api/v1/Account/" + id + "/contacts?maxSize=20");
  Handle(state, targets);
}
BENCHMARK(BM_HandleAccountContacts);

}  // namespace
}  // namespace crm::bench
