// Micro-benchmarks of the auth check every request makes: X-Api-Key (SHA-256 of the key, one
// indexed lookup), EspoCRM's HMAC form (plus an HMAC-SHA256 over the request line), and a wrong
// key (the 401 path).
#include <string>

#include <benchmark/benchmark.h>

#include "crm/auth/crypto.hpp"

#include "bench_fixture.hpp"

namespace crm::bench {
namespace {

constexpr std::string_view kPath = "/api/v1/Contact/6b0c3712da46f7459";

void Authenticate(benchmark::State& state, const auth::AuthRequest& request, bool expect_ok) {
  BenchFixture& fixture = BenchFixture::Get();
  for (auto _ : state) {
    // Keys and HMAC are answered before Authenticate returns (only passwords wait for a thread).
    bool ok = false;
    fixture.authenticator().Authenticate(
        request, [&ok](Result<auth::AuthResult> result) { ok = result.ok(); });
    if (ok != expect_ok) {
      state.SkipWithError("unexpected authentication result");
      break;
    }
    benchmark::DoNotOptimize(ok);
  }
}

void BM_AuthApiKey(benchmark::State& state) {
  BenchFixture& fixture = BenchFixture::Get();
  auth::AuthRequest request;
  request.method = "GET";
  request.path = kPath;
  request.api_base = "/api/v1";
  request.api_key = fixture.api_key();
  Authenticate(state, request, true);
}
BENCHMARK(BM_AuthApiKey);

void BM_AuthHmacEspo(benchmark::State& state) {
  BenchFixture& fixture = BenchFixture::Get();
  const std::string signature =
      auth::HexEncode(auth::HmacSha256(fixture.hmac_secret(), "GET /Contact/6b0c3712da46f7459"));
  const std::string header = auth::Base64Encode(fixture.hmac_api_key() + ":" + signature);
  auth::AuthRequest request;
  request.method = "GET";
  request.path = kPath;
  request.api_base = "/api/v1";
  request.hmac_authorization = header;
  Authenticate(state, request, true);
}
BENCHMARK(BM_AuthHmacEspo);

void BM_AuthWrongApiKey(benchmark::State& state) {
  auth::AuthRequest request;
  request.method = "GET";
  request.path = kPath;
  request.api_base = "/api/v1";
  request.api_key = "0123456789abcdef0123456789abcdef";
  Authenticate(state, request, false);
}
BENCHMARK(BM_AuthWrongApiKey);

}  // namespace
}  // namespace crm::bench
