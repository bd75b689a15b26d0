// Micro-benchmarks of request parsing: the HTTP/1.1 parser the server uses (Beast's
// request_parser), path and query-string decoding, search-parameter decoding of a list request,
// and JSON body parsing plus validation of a create body (service::ParseRecordInput).
#include <string>
#include <string_view>

#include <benchmark/benchmark.h>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "crm/api/query_string.hpp"
#include "crm/common/json.hpp"
#include "crm/query/search_params.hpp"
#include "crm/service/record_input.hpp"

#include "bench_fixture.hpp"

namespace crm::bench {
namespace {

namespace bhttp = boost::beast::http;

// What wrk sends for the list workload (bench/wrk/list.lua).
constexpr std::string_view kListQuery =
    "maxSize=20&where%5B0%5D%5Btype%5D=equals&where%5B0%5D%5Battribute%5D=firstName"
    "&where%5B0%5D%5Bvalue%5D=James&orderBy=lastName&order=asc";

std::string RawGet() {
  return "GET /api/v1/Contact/6b0c3712da46f7459 HTTP/1.1\r\n"
         "Host: 127.0.0.1:8080\r\n"
         "X-Api-Key: 0123456789abcdef0123456789abcdef\r\n"
         "\r\n";
}

std::string RawPost() {
  const std::string body = BenchFixture::ContactBody(1, "6b0c3712da46f7459");
  return "POST /api/v1/Contact HTTP/1.1\r\n"
         "Host: 127.0.0.1:8080\r\n"
         "X-Api-Key: 0123456789abcdef0123456789abcdef\r\n"
         "Content-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

void ParseHttp(benchmark::State& state, const std::string& raw) {
  for (auto _ : state) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.eager(true);
    boost::beast::error_code ec;
    parser.put(boost::asio::buffer(raw), ec);
    if (ec || !parser.is_done()) {
      state.SkipWithError("parse failed");
      break;
    }
    benchmark::DoNotOptimize(parser.get().target());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(raw.size()));
}

void BM_HttpParseGet(benchmark::State& state) { ParseHttp(state, RawGet()); }
BENCHMARK(BM_HttpParseGet);

void BM_HttpParsePostContact(benchmark::State& state) { ParseHttp(state, RawPost()); }
BENCHMARK(BM_HttpParsePostContact);

void BM_DecodePathSegments(benchmark::State& state) {
  for (auto _ : state) {
    auto segments = api::DecodePathSegments("/api/v1/Contact/6b0c3712da46f7459");
    benchmark::DoNotOptimize(segments);
  }
}
BENCHMARK(BM_DecodePathSegments);

void BM_DecodeListQuery(benchmark::State& state) {
  for (auto _ : state) {
    auto pairs = api::DecodeQueryString(kListQuery);
    if (!pairs.ok()) {
      state.SkipWithError("query");
      break;
    }
    auto params = query::DecodeSearchParams(*pairs);
    if (!params.ok()) {
      state.SkipWithError("search params");
      break;
    }
    benchmark::DoNotOptimize(params);
  }
}
BENCHMARK(BM_DecodeListQuery);

void BM_ParseJsonContactBody(benchmark::State& state) {
  const std::string body = BenchFixture::ContactBody(1, "6b0c3712da46f7459");
  for (auto _ : state) {
    auto value = ParseJson(body);
    benchmark::DoNotOptimize(value);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_ParseJsonContactBody);

// Checking and normalising a create body against metadata (what happens before the write job).
void BM_ParseRecordInputContact(benchmark::State& state) {
  BenchFixture& fixture = BenchFixture::Get();
  const metadata::EntityDef& contact = fixture.metadata().Entity("Contact");
  auto body = ParseJson(BenchFixture::ContactBody(1, fixture.account_ids().front()));
  const boost::json::object& object = body->as_object();
  for (auto _ : state) {
    auto input = service::ParseRecordInput(contact, object, service::WriteMode::kCreate);
    if (!input.ok()) {
      state.SkipWithError("invalid body");
      break;
    }
    benchmark::DoNotOptimize(input);
  }
}
BENCHMARK(BM_ParseRecordInputContact);

}  // namespace
}  // namespace crm::bench
