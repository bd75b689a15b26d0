// Micro-benchmarks of record encoding: serialising a full Contact record (GET by id) and a list
// page of 20 (GET /Contact) to JSON, and the reads that produce them (RecordService::Read and
// List against SQLite, shaping included), so that encoding and reading can be told apart.
#include <string>
#include <utility>

#include <benchmark/benchmark.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "crm/common/json.hpp"

#include "bench_fixture.hpp"

namespace crm::bench {
namespace {

namespace json = boost::json;

query::SearchParams ListParams() {
  query::SearchParams params;
  params.where.push_back(
      json::object{{"type", "equals"}, {"attribute", "accountId"}, {"value", ""}});
  params.max_size = 20;
  params.order_by = "lastName";
  params.order_desc = false;
  return params;
}

query::SearchParams AccountContacts(BenchFixture& fixture) {
  query::SearchParams params = ListParams();
  params.where[0].as_object()["value"] = fixture.account_ids().front();
  return params;
}

void BM_SerializeContactRecord(benchmark::State& state) {
  BenchFixture& fixture = BenchFixture::Get();
  auto record =
      fixture.records().Read(auth::Principal::System(), fixture.metadata().Entity("Contact"),
                             fixture.contact_ids().front());
  if (!record.ok()) {
    state.SkipWithError("read");
    return;
  }
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string text = SerializeJson(record->record);
    bytes += text.size();
    benchmark::DoNotOptimize(text);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_SerializeContactRecord);

void BM_SerializeListPage20(benchmark::State& state) {
  BenchFixture& fixture = BenchFixture::Get();
  auto result =
      fixture.records().List(auth::Principal::System(), fixture.metadata().Entity("Contact"),
                             AccountContacts(fixture), service::ListOptions{});
  if (!result.ok() || result->list.size() != 20) {
    state.SkipWithError("list");
    return;
  }
  // The page as ApiHandler::HandleCollection builds it, serialised in the loop.
  json::array list;
  for (auto& record : result->list) list.emplace_back(std::move(record));
  const json::object body{{"total", result->total}, {"list", std::move(list)}};
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string text = SerializeJson(body);
    bytes += text.size();
    benchmark::DoNotOptimize(text);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_SerializeListPage20);

void BM_ReadContactById(benchmark::State& state) {
  BenchFixture& fixture = BenchFixture::Get();
  const metadata::EntityDef& contact = fixture.metadata().Entity("Contact");
  const auto& ids = fixture.contact_ids();
  std::size_t i = 0;
  for (auto _ : state) {
    auto record = fixture.records().Read(auth::Principal::System(), contact, ids[i++ % ids.size()]);
    if (!record.ok()) {
      state.SkipWithError("read");
      break;
    }
    benchmark::DoNotOptimize(record);
  }
}
BENCHMARK(BM_ReadContactById);

void BM_ListContacts20(benchmark::State& state) {
  BenchFixture& fixture = BenchFixture::Get();
  const metadata::EntityDef& contact = fixture.metadata().Entity("Contact");
  const query::SearchParams params = AccountContacts(fixture);
  service::ListOptions options;
  options.count_total = state.range(0) != 0;
  for (auto _ : state) {
    auto result = fixture.records().List(auth::Principal::System(), contact, params, options);
    if (!result.ok()) {
      state.SkipWithError("list");
      break;
    }
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_ListContacts20)->ArgName("total")->Arg(0)->Arg(1);

}  // namespace
}  // namespace crm::bench
