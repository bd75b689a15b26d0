#!/usr/bin/env bash
# Prints how many tests ctest has in a build directory and fails when there are fewer than a floor,
# so that a suite that shrinks (a test binary or a group of tests no longer configured) shows up in
# CI instead of passing. Usage: check-test-count.sh BUILD_DIR FLOOR [ctest selection, e.g. -L threads]
set -euo pipefail
build_dir=$1
floor=$2
shift 2
count=$(ctest --test-dir "$build_dir" -N "$@" | sed -n 's/^Total Tests: //p')
echo "ctest: ${count:-no} tests in $build_dir${*:+ ($*)}, floor $floor"
if [[ -z "$count" ]] || ((count < floor)); then
  echo "check-test-count: fewer tests than the floor of $floor; if tests were removed on purpose," \
    "lower the floor in the Makefile" >&2
  exit 1
fi
