#!/usr/bin/env bash
# Installs the Debian packages crmd needs to build, test and benchmark, skipping those already
# present so that repeated `make` invocations cost nothing. Usage:
# install-deps.sh [build|test|bench|clang]... (default: build). Runs apt-get through sudo when not
# root.
set -euo pipefail

build_pkgs=(g++ cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libpq-dev libssl-dev libsodium-dev libcli11-dev libspdlog-dev libcurl4-openssl-dev
  libhowardhinnant-date-dev tzdata libmimalloc-dev
  # The default configuration builds the tests and the benchmarks too (CRM_BUILD_TESTS and
  # CRM_BUILD_BENCH are ON), and it fails when something a test needs is missing rather than
  # dropping the test, so configuring needs these: GoogleTest, Google Benchmark (microbench_smoke,
  # datagen_smoke) and clang-format (clang_format_check).
  libgtest-dev libgmock-dev libbenchmark-dev clang-format)
# What the tests run beside the build: the seed document's Python and Node.js clients (Node.js
# below), the PostgreSQL server of the throw-away test cluster (scripts/pg-test-cluster.sh), and
# the browser the console's tests drive (tests/browser/, through playwright-core).
test_pkgs=(python3 python3-requests postgresql chromium)
bench_pkgs=(wrk nginx-light curl postgresql)
# The clang builds (make thread-safety, make fuzz-smoke): the compiler and its sanitizer and
# libFuzzer runtimes.
clang_pkgs=(clang libclang-rt-14-dev)

wanted=()
for group in "${@:-build}"; do
  case "$group" in
    build) wanted+=("${build_pkgs[@]}") ;;
    test) wanted+=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
    bench) wanted+=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
    clang) wanted+=("${build_pkgs[@]}" "${clang_pkgs[@]}") ;;
    *) echo "install-deps.sh: unknown group '$group' (build, test, bench, clang)" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
# Node.js may come from Debian or from another source; only its absence matters. Every build needs
# npm: the web pages embedded in the binary are npm packages (web/ and console/ package-lock.json).
if ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y --no-install-recommends "${missing[@]}"; then
  $sudo apt-get update
  $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi
