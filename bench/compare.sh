#!/usr/bin/env bash
# bench/compare.sh: A/B of two crmd binaries on one workload, measured in the same run. Both serve a
# copy of the same generated data set at once; wrk alternates between them round by round, each
# side starting every other round, so the machine's noise falls on both alike. Prints each round,
# the median requests/s of each, and the median over the rounds of the candidate's rate as a
# fraction of the baseline's in the same round. For changes to a hot path: a figure for
# docs/performance.md's table of changes.
#
# Usage: bench/compare.sh --baseline OLD_CRMD [--candidate NEW_CRMD] [--contacts N] [--rounds R]
#                         [--duration SECONDS] [--workload SCRIPT.lua] [--build-dir DIR]
#                         [--baseline-args "ARGS"] [--candidate-args "ARGS"]
# The --*-args are added to that side's `crmd serve`, so one binary can be compared with itself
# under two settings (rate limits off against on, for example).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=$ROOT/build
BASELINE=""
CANDIDATE=""
CONTACTS=100000
ROUNDS=6
DURATION=5
WORKLOAD=get_by_id.lua
BASELINE_ARGS=""
CANDIDATE_ARGS=""
CONNECTIONS=64
DATA_ROOT=${BENCH_DATA_ROOT:-/var/tmp/crmd-bench-data}

while (($#)); do
  case "$1" in
    --baseline) BASELINE=$2; shift 2 ;;
    --candidate) CANDIDATE=$2; shift 2 ;;
    --contacts) CONTACTS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --workload) WORKLOAD=$2; shift 2 ;;
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --baseline-args) BASELINE_ARGS=$2; shift 2 ;;
    --candidate-args) CANDIDATE_ARGS=$2; shift 2 ;;
    *) echo "compare.sh: unknown option $1 (see the header of this file)" >&2; exit 2 ;;
  esac
done
CANDIDATE=${CANDIDATE:-$BUILD_DIR/crmd}
[[ -x $BASELINE && -x $CANDIDATE ]] || { echo "compare.sh: need --baseline and a built candidate" >&2; exit 2; }

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  # A drain `cat` killed here exits 143; under `set -e` that failed `wait` ended the trap early and
  # left the candidate running.
  for pid in "${PIDS[@]}"; do { kill "$pid" && wait "$pid"; } 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# One data set per size and seed, reused across runs (as bench/run.sh keeps its own).
DATA=$DATA_ROOT/compare-contacts-$CONTACTS
if [[ ! -f $DATA/.complete ]]; then
  rm -rf "$DATA"
  "$BUILD_DIR/crmd_datagen" --data "$DATA" --contacts "$CONTACTS" --seed 42 >/dev/null
  touch "$DATA/.complete"
fi

# start NAME BINARY ARGS: serves a copy of the data set; sets URL_<NAME>. Rate limits are off when
# the binary has the switch, as in bench/run.sh: the load would use up any budget within a second
# and measure 429 answers.
start() {
  local name=$1 binary=$2 line url="" extra=() serve_help
  read -r -a extra <<<"$3"
  serve_help=$("$binary" serve --help 2>&1 || true)
  if grep -q -- '--rate-limit' <<<"$serve_help"; then extra=(--rate-limit off "${extra[@]}"); fi
  mkdir -p "$WORK/$name"
  cp "$DATA"/crmd.db* "$WORK/$name/"
  # On disk before the rounds: the copy's write-back would share the disk with their commits.
  sync -f "$WORK/$name/crmd.db"
  mkfifo "$WORK/$name.fifo"
  "$binary" serve --listen 127.0.0.1:0 --data "$WORK/$name" --no-access-log "${extra[@]}" \
    >"$WORK/$name.fifo" 2>"$WORK/$name.log" &
  PIDS+=($!)
  exec {fd}<"$WORK/$name.fifo"
  while IFS= read -r -t 60 -u "$fd" line; do
    if [[ $line == "Listening on "* ]]; then
      url=$(sed -E 's#^Listening on (http://[^/ ]+).*#\1#' <<<"$line")
      break
    fi
  done
  cat <&"$fd" >/dev/null &
  PIDS+=($!)
  [[ -n $url ]] || { cat "$WORK/$name.log" >&2; echo "compare.sh: $name did not start" >&2; exit 1; }
  printf -v "URL_$name" '%s' "$url"
}

start baseline "$BASELINE" "$BASELINE_ARGS"
start candidate "$CANDIDATE" "$CANDIDATE_ARGS"

# run NAME SECONDS SEED: one wrk run against NAME; appends its result line to $WORK/NAME.txt. The
# seed picks the scripts' random choices and tags the names they create: each run against a server
# needs its own, or a write script's records repeat the last run's and are refused as duplicates.
# Both sides of a round get the same one, so they are sent the same requests.
run() {
  local url_var=URL_$1
  env BENCH_API_KEY="$(cat "$DATA/bench/api_key.txt")" BENCH_LISTS="$DATA/bench" BENCH_NAME="$1" \
    BENCH_RESULT="$WORK/$1.txt" BENCH_SEED="$3" \
    wrk -t1 -c"$CONNECTIONS" -d"$2"s --timeout 30s -s "$ROOT/bench/wrk/$WORKLOAD" "${!url_var}" >/dev/null
}

# Warm both (caches, prepared statements), then drop the warm-up lines.
run baseline 2 1 && run candidate 2 1 && rm -f "$WORK"/baseline.txt "$WORK"/candidate.txt
# The side that runs second in a round pays for the first one's checkpoint and write-back (an A/A
# run of sync.lua at 1M: 0.952), so the order alternates: odd rounds start with the baseline, even
# rounds with the candidate.
for ((round = 1; round <= ROUNDS; round++)); do
  seed=$((round + 1))
  if ((round % 2)); then
    run baseline "$DURATION" "$seed"
    run candidate "$DURATION" "$seed"
  else
    run candidate "$DURATION" "$seed"
    run baseline "$DURATION" "$seed"
  fi
  printf 'round %d: baseline %s req/s, candidate %s req/s\n' "$round" \
    "$(tail -n1 "$WORK/baseline.txt" | cut -d' ' -f4)" "$(tail -n1 "$WORK/candidate.txt" | cut -d' ' -f4)"
done

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
errors() { awk '{ e += $9 } END { print e + 0 }' "$1"; }
base=$(cut -d' ' -f4 "$WORK/baseline.txt" | median)
cand=$(cut -d' ' -f4 "$WORK/candidate.txt" | median)
# Rounds run back to back, so the ratio within a round is the least noisy figure.
ratio=$(paste -d' ' "$WORK/baseline.txt" "$WORK/candidate.txt" |
  awk '{ printf "%.4f\n", $14 / $4 }' | median)
printf '%s at %d contacts, %d rounds of %d s: baseline median %s req/s (%s errors), candidate median %s req/s (%s errors); median of the rounds'"'"' candidate/baseline: %s\n' \
  "$WORKLOAD" "$CONTACTS" "$ROUNDS" "$DURATION" "$base" "$(errors "$WORK/baseline.txt")" \
  "$cand" "$(errors "$WORK/candidate.txt")" "$ratio"
