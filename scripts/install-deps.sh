#!/usr/bin/env bash
# Installs the Debian packages crmd needs to build, test and benchmark, skipping those already
# present so that repeated `make` invocations cost nothing. Usage: install-deps.sh [build|test|bench]...
# (default: build). Runs apt-get through sudo when not root.
set -euo pipefail

build_pkgs=(g++ cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libssl-dev libsodium-dev libcli11-dev libspdlog-dev libcurl4-openssl-dev
  libhowardhinnant-date-dev tzdata libmimalloc-dev
  # The default configuration builds the tests too (CRM_BUILD_TESTS=ON), so configuring needs these.
  libgtest-dev libgmock-dev)
test_pkgs=(python3 python3-requests clang-format)
bench_pkgs=(libbenchmark-dev wrk nginx-light curl)

wanted=()
for group in "${@:-build}"; do
  case "$group" in
    build) wanted+=("${build_pkgs[@]}") ;;
    test) wanted+=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
    bench) wanted+=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
    *) echo "install-deps.sh: unknown group '$group' (build, test, bench)" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done
# Node.js may come from Debian or from another source; only its absence matters.
if [[ " $* " == *" test "* ]] && ! command -v npm >/dev/null 2>&1; then
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
