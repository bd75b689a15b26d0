// Micro-benchmarks of where compilation (query::CompileFilters: parse, bind against metadata,
// compile to SQL) for the list workload's filter and for a larger nested filter, and of the SELECT
// projection (query::BuildProjection) a Contact list page is read with.
#include <string>

#include <benchmark/benchmark.h>
#include <boost/json/array.hpp>

#include "crm/common/json.hpp"
#include "crm/common/time.hpp"
#include "crm/query/projection.hpp"
#include "crm/query/where.hpp"
#include "crm/service/record_reader.hpp"

#include "bench_fixture.hpp"

namespace crm::bench {
namespace {

void CompileFilter(benchmark::State& state, const char* where_json) {
  BenchFixture& fixture = BenchFixture::Get();
  const metadata::EntityDef& contact = fixture.metadata().Entity("Contact");
  auto where = ParseJson(where_json);
  if (!where.ok() || !where->is_array()) {
    state.SkipWithError("bad where");
    return;
  }
  query::SearchParams params;
  params.where = where->as_array();
  const query::FilterContext context{fixture.metadata(), contact, query::Dialect::kSqlite,
                                     SystemClock::Instance().Now(), "user"};
  for (auto _ : state) {
    auto sql = query::CompileFilters(params, context);
    if (!sql.ok()) {
      state.SkipWithError(sql.status().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(sql);
  }
}

// The list workload's filter (bench/wrk/list.lua).
void BM_CompileWhereEquals(benchmark::State& state) {
  CompileFilter(state, R"([{"type": "equals", "attribute": "firstName", "value": "James"}])");
}
BENCHMARK(BM_CompileWhereEquals);

// A filter as EspoCRM's UI builds it from several search fields.
void BM_CompileWhereNested(benchmark::State& state) {
  CompileFilter(state, R"([
    {"type": "or", "value": [
      {"type": "startsWith", "attribute": "lastName", "value": "Sm"},
      {"type": "contains", "attribute": "emailAddress", "value": "example"}]},
    {"type": "in", "attribute": "salutationName", "value": ["Mr.", "Dr.", "Ms."]},
    {"type": "isNotNull", "attribute": "accountId"},
    {"type": "lastXDays", "attribute": "createdAt", "value": 30},
    {"type": "isFalse", "attribute": "doNotCall"},
    {"type": "linkedWith", "attribute": "teams", "value": ["t1", "t2"]}])");
}
BENCHMARK(BM_CompileWhereNested);

void BM_BuildProjectionContactList(benchmark::State& state) {
  BenchFixture& fixture = BenchFixture::Get();
  const metadata::EntityDef& contact = fixture.metadata().Entity("Contact");
  const service::RecordReader reader(fixture.metadata(), query::Dialect::kSqlite);
  const auto attributes =
      reader.Attributes(contact, service::AttributeSet::kList, auth::Principal::System());
  for (auto _ : state) {
    auto projection =
        query::BuildProjection(fixture.metadata(), contact, query::Dialect::kSqlite, attributes);
    benchmark::DoNotOptimize(projection);
  }
}
BENCHMARK(BM_BuildProjectionContactList);

}  // namespace
}  // namespace crm::bench
