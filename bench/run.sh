#!/usr/bin/env bash
# bench/run.sh: crmd's load-test suite (bench/README.md). Generates (or reuses) a CRM data set with
# crmd_datagen, starts crmd on a copy of it, starts an nginx reference serving a file the size of a
# typical Contact response, runs every wrk workload (bench/wrk/*.lua, 64 connections, API key on
# every request) and prints one table: requests/s, median and p99 latency, and the ratio to nginx
# measured in the same run. The full run also writes the table, the machine and the targets to
# docs/performance.md; --smoke is a quick check (seconds) that everything still works. The same
# main rows run again on a throw-away PostgreSQL cluster, with one crmd and with two behind nginx
# (bench/postgres.sh; --no-postgres skips them, --postgres adds them to --smoke).
#
# Usage: bench/run.sh [--build-dir DIR] [--smoke] [--contacts N[,N...]] [--duration SECONDS]
#                     [--data-root DIR] [--output FILE] [--no-doc] [--regenerate] [--keep]
#                     [--postgres | --no-postgres] [--workloads NAME[,NAME...]]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=build
SMOKE=0
SCALES=""
DURATION=""
DATA_ROOT=${BENCH_DATA_ROOT:-/var/tmp/crmd-bench-data}
OUTPUT=$ROOT/docs/performance.md
WRITE_DOC=1
REGENERATE=0
KEEP=0
POSTGRES=""
WORKLOADS=""
SEED=42
CONNECTIONS=64
# Memory map size (MiB) of the extra GET-by-id row that shows what `crmd serve --mmap-mib` does.
MMAP_MIB=256
# Longest wait for crmd to work off the writes a workload left queued before it is restarted
# (SIGKILL: queued writes were never acknowledged, so nothing acknowledged is lost).
DRAIN_LIMIT=${BENCH_DRAIN_LIMIT:-60}
# Longest a single massCreate of 1,000 may take, and how long to keep repeating it.
MASS_LIMIT=${BENCH_MASS_LIMIT:-180}
MASS_BUDGET=60

usage() {
  cat <<'EOF'
Usage: bench/run.sh [options]
  --build-dir DIR     build directory with crmd, crmd_datagen (default: build)
  --smoke             quick check: 2,000 contacts, 1 s per workload, no docs; fails on any error
  --contacts N[,N]    data-set sizes to run at (default: 100000,1000000)
  --duration SECONDS  wrk duration per workload (default: 10; smoke: 1)
  --data-root DIR     where generated data sets are kept for reuse (default: /var/tmp/crmd-bench-data,
                      or $BENCH_DATA_ROOT)
  --output FILE       results document (default: docs/performance.md)
  --no-doc            print the table only
  --regenerate        regenerate the data sets even when a cached one matches
  --keep              keep the working directory (logs, wrk output) for inspection
  --postgres          also run the PostgreSQL rows in --smoke mode
  --no-postgres       skip the PostgreSQL rows (one crmd, and two behind nginx)
  --workloads LIST    run only these rows (names as in the result lines: get-log, get, list,
                      list-total, list-team, list-total-team, related, list-c1, list-total-c1,
                      create, update, sync, mass100, mixed, mass1000, limit-grouped, limit-batch,
                      limit-update, get-mmap, export, import, pg-*, lb-*), beside the nginx
                      reference, e.g. --workloads get,list for the read targets; no docs unless
                      --output is given
EOF
}

while (($#)); do
  case "$1" in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --smoke) SMOKE=1; shift ;;
    --contacts) SCALES=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --data-root) DATA_ROOT=$2; shift 2 ;;
    --output) OUTPUT=$2; shift 2 ;;
    --no-doc) WRITE_DOC=0; shift ;;
    --regenerate) REGENERATE=1; shift ;;
    --keep) KEEP=1; shift ;;
    --postgres) POSTGRES=1; shift ;;
    --no-postgres) POSTGRES=0; shift ;;
    --workloads) WORKLOADS=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

if ((SMOKE)); then
  SCALES=${SCALES:-2000}
  DURATION=${DURATION:-1}
  WRITE_DOC=0
  USERS=5
  POSTGRES=${POSTGRES:-0}
else
  POSTGRES=${POSTGRES:-1}
  SCALES=${SCALES:-100000,1000000}
  DURATION=${DURATION:-10}
  USERS=20
fi
IFS=, read -r -a SCALE_LIST <<<"$SCALES"

# wanted NAME: whether the row NAME runs (--workloads; the nginx reference always does).
wanted() { [[ -z $WORKLOADS || $1 == nginx || ",$WORKLOADS," == *",$1,"* ]]; }
# A subset is a measurement for a change, not the results document.
if [[ -n $WORKLOADS && $OUTPUT == "$ROOT/docs/performance.md" ]]; then WRITE_DOC=0; fi

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- Tools ------------------------------------------------------------------------------------

BUILD_DIR=$(cd "$BUILD_DIR" 2>/dev/null && pwd) || die "build directory not found (build first: make bench)"
CRMD=$BUILD_DIR/crmd
DATAGEN=$BUILD_DIR/crmd_datagen
[[ -x $CRMD ]] || die "$CRMD not found (build it: cmake --build $BUILD_DIR)"
[[ -x $DATAGEN ]] || die "$DATAGEN not found (it needs libbenchmark-dev at configure time: make bench)"

find_nginx() { command -v nginx 2>/dev/null || { [[ -x /usr/sbin/nginx ]] && echo /usr/sbin/nginx; }; }
if ! command -v wrk >/dev/null || ! command -v curl >/dev/null || [[ -z $(find_nginx) ]]; then
  log "installing the benchmark tools (wrk, nginx, curl)"
  "$ROOT/scripts/install-deps.sh" bench
fi
NGINX=$(find_nginx) || true
command -v wrk >/dev/null || die "wrk is not installed"
command -v curl >/dev/null || die "curl is not installed"
[[ -n $NGINX ]] || die "nginx is not installed"
if ((POSTGRES)) && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  log "installing PostgreSQL for the PostgreSQL rows"
  "$ROOT/scripts/install-deps.sh" bench
fi

# Rate limits must be off (the load would use up any budget within a second): pass the switch
# when this crmd has one (older binaries do not).
CRMD_ARGS=()
serve_help=$("$CRMD" serve --help 2>&1 || true)
if grep -q -- '--rate-limit' <<<"$serve_help"; then
  CRMD_ARGS+=(--rate-limit off)
fi
# Extra arguments for `crmd serve`, e.g. BENCH_CRMD_ARGS="--threads 2".
if [[ -n ${BENCH_CRMD_ARGS:-} ]]; then
  read -r -a extra_args <<<"$BENCH_CRMD_ARGS"
  CRMD_ARGS+=("${extra_args[@]}")
fi

# --- Processes and clean-up -------------------------------------------------------------------

WORK=$(mktemp -d /tmp/crmd-bench-run.XXXXXX)
CRMD_PID=""
DRAIN_PID=""
NGINX_PID=""

cleanup() {
  local status=$?
  declare -F pg_cleanup >/dev/null && pg_cleanup
  if [[ -n $CRMD_PID ]]; then kill "$CRMD_PID" 2>/dev/null || true; wait "$CRMD_PID" 2>/dev/null || true; fi
  if [[ -n $DRAIN_PID ]]; then kill "$DRAIN_PID" 2>/dev/null || true; fi
  if [[ -n $NGINX_PID ]]; then kill -QUIT "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; fi
  if ((KEEP)) || ((status != 0)); then
    log "working directory kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Microseconds -> milliseconds for the tables.
ms() { awk -v us="$1" 'BEGIN { if (us == "" || us == "-") print "-"; else if (us < 10000) printf "%.2f", us / 1000; else printf "%.1f", us / 1000 }'; }
# 1234567.8 -> 1,234,568; 0.185 -> 0.19
num() {
  awk -v x="$1" 'BEGIN {
    if (x == "") { print "-"; exit }
    if (x > 0 && x < 10 && x != int(x)) { printf "%.2f\n", x; exit }
    s = sprintf("%.0f", x); out = ""
    while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
    print s out }'
}

# Milliseconds between two $EPOCHREALTIME values.
elapsed_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }

free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# Starts crmd on DATA with LABEL for its logs and sets CRMD_PID, CRMD_URL (http://127.0.0.1:PORT)
# and STARTUP_MS: the time from exec to the "Listening on" line.
start_crmd() {
  local label=$1 data=$2
  shift 2
  local fifo=$WORK/crmd-$label.fifo
  rm -f "$fifo"
  mkfifo "$fifo"
  local t0=$EPOCHREALTIME t1="" line fd
  "$CRMD" serve --listen 127.0.0.1:0 --data "$data" "${CRMD_ARGS[@]}" "$@" \
    >"$fifo" 2>>"$WORK/crmd-$label.log" &
  CRMD_PID=$!
  exec {fd}<"$fifo"
  CRMD_URL=""
  while IFS= read -r -t 120 -u "$fd" line; do
    echo "$line" >>"$WORK/crmd-$label.out"
    if [[ $line == "Listening on "* ]]; then
      t1=$EPOCHREALTIME
      CRMD_URL=$(sed -E 's#^Listening on (http://[^/ ]+).*#\1#' <<<"$line")
      break
    fi
  done
  # Keep reading what crmd prints so it never blocks on a full pipe.
  cat <&"$fd" >>"$WORK/crmd-$label.out" &
  DRAIN_PID=$!
  exec {fd}<&-
  if [[ -z $CRMD_URL ]]; then
    cat "$WORK/crmd-$label.log" >&2 || true
    die "crmd did not start (logs in $WORK)"
  fi
  STARTUP_MS=$(elapsed_ms "$t0" "$t1")
}

stop_crmd() {
  if [[ -n $CRMD_PID ]]; then
    kill "$CRMD_PID"
    wait "$CRMD_PID" || die "crmd exited with an error on SIGTERM"
    CRMD_PID=""
  fi
  if [[ -n $DRAIN_PID ]]; then
    wait "$DRAIN_PID" 2>/dev/null || true
    DRAIN_PID=""
  fi
}

# Peak resident memory of the running crmd, in MiB (VmHWM), folded into PEAK_NOW (the largest of
# every crmd instance started for the current data set).
PEAK_NOW=0
note_peak() {
  local peak
  peak=$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$CRMD_PID/status")
  PEAK_NOW=$(awk -v a="$PEAK_NOW" -v b="$peak" 'BEGIN { print (b > a) ? b : a }')
}

# Starts nginx on a free loopback port serving FILE for every path; sets NGINX_PID and NGINX_URL.
start_nginx() {
  local file=$1 dir=$WORK/nginx port
  mkdir -p "$dir/www" "$dir/tmp"
  cp "$file" "$dir/www/record.json"
  # nginx's workers run as another user when it is started as root: they must reach the file.
  chmod 711 "$WORK" "$dir"
  chmod 755 "$dir/www"
  chmod 644 "$dir/www/record.json"
  port=$(free_port) || die "no free port for nginx"
  cat >"$dir/nginx.conf" <<EOF
# Generated by bench/run.sh: the reference server, as plain as a production static-file setup.
worker_processes auto;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 100000000;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  server {
    listen 127.0.0.1:$port;
    root $dir/www;
    location / {
      default_type application/json;
      try_files /record.json =404;
    }
  }
}
EOF
  "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" &
  NGINX_PID=$!
  NGINX_URL=http://127.0.0.1:$port
  wait_for_nginx "$NGINX_URL/" "$NGINX_PID" "$dir" "nginx"
}

# wait_for_nginx URL PID DIR WHAT: polls URL (up to 5 s) until the nginx PID (prefix DIR) answers;
# dies with its error log's tail, naming WHAT, when it exits or never answers.
wait_for_nginx() {
  local url=$1 pid=$2 dir=$3 what=$4
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "$url"; then return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  tail -n 5 "$dir/error.log" >&2 || true
  die "$what did not start"
}

stop_nginx() {
  if [[ -n $NGINX_PID ]]; then
    kill -QUIT "$NGINX_PID"
    wait "$NGINX_PID" || true
    NGINX_PID=""
  fi
}

# --- Data sets ----------------------------------------------------------------------------------

# A cached data set is reused while the generator, the schema code and metadata are unchanged.
dataset_key() {
  cat "$ROOT"/metadata/entityDefs/*.json "$ROOT/src/crm/store/schema.cpp" "$ROOT/bench/datagen.cpp" |
    sha256sum | cut -c1-12
}

# Prints the directory of the pristine data set for N contacts, generating it when needed.
dataset() {
  local n=$1 key dir
  key=$(dataset_key)
  dir=$DATA_ROOT/contacts-$n-seed-$SEED-users-$USERS-$key
  if ((REGENERATE)) || [[ ! -f $dir/.complete ]]; then
    mkdir -p "$DATA_ROOT"
    # Older data sets of this size are stale; keep the disk from filling up.
    rm -rf "$DATA_ROOT/contacts-$n-seed-$SEED-users-$USERS-"*
    log "generating $n contacts into $dir"
    local t0=$EPOCHREALTIME
    "$DATAGEN" --data "$dir" --contacts "$n" --seed "$SEED" --users "$USERS" \
      >"$WORK/datagen-$n.json" 2>"$WORK/datagen-$n.log" ||
      { cat "$WORK/datagen-$n.log" >&2; die "crmd_datagen failed"; }
    log "generated in $(elapsed_ms "$t0" "$EPOCHREALTIME") ms: $(cat "$WORK/datagen-$n.json")"
    touch "$dir/.complete"
  fi
  echo "$dir"
}

# --- Workloads ------------------------------------------------------------------------------------

declare -A LABEL=() RECORDS=()
ORDER=()

# run_wrk SCALE NAME LABEL URL SCRIPT CONNECTIONS RECORDS_PER_REQUEST [VAR=VALUE...]
# Runs for WRK_SECONDS when set, else DURATION.
run_wrk() {
  local scale=$1 name=$2 label=$3 url=$4 script=$5 conns=$6 records=$7
  shift 7
  wanted "$name" || return 0
  if [[ -z ${LABEL[$name]+x} ]]; then ORDER+=("$name"); fi
  LABEL[$name]=$label
  RECORDS[$name]=$records
  log "$scale contacts: $label"
  env BENCH_NAME="$name" BENCH_RESULT="$WORK/results-$scale.txt" BENCH_API_KEY="$API_KEY" \
    BENCH_LISTS="$LISTS" BENCH_SEED="$((RANDOM * 32768 + RANDOM))" "$@" \
    wrk -t1 -c"$conns" -d"${WRK_SECONDS:-$DURATION}s" --timeout 30s -s "$ROOT/bench/wrk/$script" "$url" \
    >"$WORK/wrk-$scale-$name.log" 2>&1 || {
    cat "$WORK/wrk-$scale-$name.log" >&2
    die "wrk failed for $name"
  }
  if grep -q "errors (" "$WORK/wrk-$scale-$name.log"; then
    log "  $(grep "errors (" "$WORK/wrk-$scale-$name.log")"
  fi
}

NOTES=()
# Extra `crmd serve` arguments of a restart (the PostgreSQL rows' --database).
RESTART_ARGS=()

# Stops crmd with SIGKILL and starts it again on the same data (queued writes are dropped; they
# were never acknowledged). For a writer backlog that would take too long to work off.
restart_crmd_hard() {
  local n=$1 why=$2
  note_peak
  log "  restarting crmd: $why"
  NOTES+=("$(num "$n") contacts: crmd was restarted (SIGKILL) $why.")
  kill -KILL "$CRMD_PID"
  wait "$CRMD_PID" 2>/dev/null || true
  CRMD_PID=""
  [[ -n $DRAIN_PID ]] && { wait "$DRAIN_PID" 2>/dev/null || true; DRAIN_PID=""; }
  start_crmd "$n-restart" "$WORK/data-$n" --no-access-log "${RESTART_ARGS[@]}"
}

# Waits until crmd has worked off the writes the last workload left queued (wrk stops sending at
# the end of its run, but the requests it sent are still in the writer's queue), so that they do
# not slow down the next workload. The writer runs jobs in order, so a write sent now is answered
# only after them. Restarts crmd when that takes longer than DRAIN_LIMIT seconds.
drain_writes() {
  local n=$1 after=$2 t0=$EPOCHREALTIME id
  id=$(head -n1 "$LISTS/contact_ids.txt")
  sleep 0.2
  if curl -fs -m "$DRAIN_LIMIT" -o /dev/null -X PATCH -H "X-Api-Key: $API_KEY" \
    -H "Content-Type: application/json" -d "{\"description\": \"drain $RANDOM\"}" \
    "$CRMD_URL/api/v1/Contact/$id"; then
    log "  queued writes drained in $(elapsed_ms "$t0" "$EPOCHREALTIME") ms"
  else
    restart_crmd_hard "$n" "after \"$after\": its queued writes were not done within $DRAIN_LIMIT s"
  fi
}

# massCreate of N contacts (like mass_create.lua's) timed one request at a time with curl, up to
# COUNT requests or MASS_BUDGET seconds; each request may take MASS_LIMIT seconds. Appends a result
# line like the wrk scripts' (requests/s = 1 / mean time; median; p99 = slowest).
time_mass_create() {
  local n=$1 name=$2 label=$3 size=$4 count=$5
  local body=$WORK/mass-body.json t0=$EPOCHREALTIME k out code seconds errors=0 bytes=0
  local -a times=()
  wanted "$name" || return 0
  if [[ -z ${LABEL[$name]+x} ]]; then ORDER+=("$name"); fi
  LABEL[$name]=$label
  RECORDS[$name]=$size
  log "$n contacts: $label"
  for ((k = 1; k <= count; k++)); do
    awk -v n="$size" -v tag="m$RANDOM$k" '
      { ids[NR] = $0 }
      END {
        printf "{\"list\":["
        for (i = 1; i <= n; i++) {
          printf "%s{\"salutationName\":\"Ms.\",\"firstName\":\"Mary\",\"lastName\":\"Jones-%s-%d\",", (i > 1 ? "," : ""), tag, i
          printf "\"title\":\"Buyer\",\"emailAddress\":\"mary.jones-%s-%d@bench.example.com\",", tag, i
          printf "\"phoneNumber\":\"+1555%07d\",\"addressCity\":\"Boston\",\"addressCountry\":\"United States\",", i
          printf "\"accountId\":\"%s\",\"description\":\"Created by the crmd benchmark\"}", ids[1 + (i * 7919) % NR]
        }
        printf "]}"
      }' "$LISTS/account_ids.txt" >"$body"
    if out=$(curl -sS -o "$WORK/mass-response.json" -w '%{http_code} %{time_total}' -m "$MASS_LIMIT" \
      -H "X-Api-Key: $API_KEY" -H "Content-Type: application/json" --data-binary "@$body" \
      "$CRMD_URL/api/v1/Contact/action/massCreate"); then
      read -r code seconds <<<"$out"
      [[ $code == 200 ]] || errors=$((errors + 1))
      times+=("$seconds")
      bytes=$((bytes + $(stat -c %s "$WORK/mass-response.json")))
    else
      restart_crmd_hard "$n" "after a massCreate of $size contacts that did not finish within $MASS_LIMIT s"
      break
    fi
    (($(elapsed_ms "$t0" "$EPOCHREALTIME") < MASS_BUDGET * 1000)) || break
  done
  printf '%s\n' "${times[@]}" | awk -v name="$name" -v errors="$errors" -v bytes="$bytes" '
    NF { t[++n] = $1 * 1e6; sum += $1 * 1e6 }
    END {
      if (n == 0) { printf "%s 0 0 0 0 0 0 0 %d 0\n", name, errors; exit }
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (t[j] < t[i]) { x = t[i]; t[i] = t[j]; t[j] = x }
      printf "%s %d %.0f %.3f %.0f %.0f %.0f %.0f %d %d\n", name, n, sum, n / (sum / 1e6),
        t[int((n + 1) / 2)], t[n], sum / n, t[n], errors, bytes
    }' >>"$WORK/results-$n.txt"
}

# write_limit SCALE DATA NAME LABEL insert|update ROWS DATAGEN_ARGS...: crmd_datagen --insert-limit
# appends ROWS generated contacts to DATA (crmd stopped) with crmd's schema, lookup rows and
# durability and nothing else; --update-limit changes ROWS random contacts as update.lua does.
# Their rates are the limits crmd's writes are measured against: the group of 64 rows in
# savepoints is what crmd's writer does with 64 clients at best, 1,000 rows per commit is a
# massCreate of 1,000. The result line has no latencies ("-").
write_limit() {
  local n=$1 data=$2 name=$3 label=$4 kind=$5 rows=$6 out rate seconds
  shift 6
  wanted "$name" || return 0
  if [[ -z ${LABEL[$name]+x} ]]; then ORDER+=("$name"); fi
  LABEL[$name]=$label
  RECORDS[$name]=1
  log "$n contacts: $label"
  out=$("$DATAGEN" --data "$data" "--$kind-limit" "$rows" "$@") ||
    die "crmd_datagen --$kind-limit failed"
  rate=$(sed -n 's/.*"rowsPerSecond":\([0-9.eE+-]*\).*/\1/p' <<<"$out")
  seconds=$(sed -n 's/.*"seconds":\([0-9.eE+-]*\).*/\1/p' <<<"$out")
  awk -v name="$name" -v rows="$rows" -v s="$seconds" -v rate="$rate" \
    'BEGIN { printf "%s %d %.0f %.3f - - - - 0 0\n", name, rows, s * 1e6, rate }' >>"$WORK/results-$n.txt"
}

# fetch_sync_records SCALE: the records sync.lua sends back, as GET by id answers them, one per
# line: the first ids of the id list (a uniform sample of the contacts), over one connection.
fetch_sync_records() {
  local n=$1
  head -n "$((SMOKE ? 100 : 20000))" "$LISTS/contact_ids.txt" |
    sed "s#.*#url = \"$CRMD_URL/api/v1/Contact/&\"#" >"$WORK/sync-$n.urls"
  curl -fsS -H "X-Api-Key: $API_KEY" -w '\n' -K "$WORK/sync-$n.urls" >"$WORK/sync-$n.jsonl" ||
    die "fetching the records of the sync row failed"
}

# GET with the API key; prints the body, fails on a status other than 200.
api_get() {
  curl -fsS -H "X-Api-Key: $API_KEY" "$CRMD_URL/api/v1/$1"
}

# Checks that the generated data reads back through the API as expected.
check_dataset() {
  local n=$1 first_id first_account total
  first_id=$(head -n1 "$LISTS/contact_ids.txt")
  first_account=$(head -n1 "$LISTS/account_ids.txt")
  api_get "Contact/$first_id" | grep -q "\"id\":\"$first_id\"" || die "GET Contact/$first_id failed"
  total=$(api_get "Contact?maxSize=1" | grep -o '"total":[0-9]*' | cut -d: -f2)
  [[ $total == "$n" ]] || die "Contact total is '$total', expected $n"
  api_get "Account/$first_account/contacts?maxSize=20" | grep -q '"list":\[' ||
    die "related list of Account $first_account failed"
  api_get "Contact?maxSize=20&where%5B0%5D%5Btype%5D=equals&where%5B0%5D%5Battribute%5D=firstName&where%5B0%5D%5Bvalue%5D=James&orderBy=lastName&order=asc" |
    grep -q '"list":\[{' || die "filtered list returned nothing"
}

# Writes the body of a typical Contact GET response (the median size of 21 contacts) to FILE.
typical_record() {
  local file=$1 id size
  : >"$WORK/sizes.txt"
  while read -r id; do
    api_get "Contact/$id" >"$WORK/record-$id.json"
    size=$(stat -c %s "$WORK/record-$id.json")
    echo "$size $id" >>"$WORK/sizes.txt"
  done < <(head -n 21 "$LISTS/contact_ids.txt")
  id=$(sort -n "$WORK/sizes.txt" | awk '{ line[NR] = $2 } END { print line[int((NR + 1) / 2)] }')
  cp "$WORK/record-$id.json" "$file"
}

declare -A STARTUP_LOG=() STARTUP=() PEAK=() PEAK_MMAP=() RECORD_BYTES=() LOADAVG=() DATASET_S=() DATASET_HOW=()

# Two seconds of GET by id against the crmd just started (not in smoke mode): the first requests
# after a start fill caches and prepare statements, and would otherwise count in the first row.
warm_up() {
  ((SMOKE)) && return 0
  env BENCH_API_KEY="$API_KEY" BENCH_LISTS="$LISTS" BENCH_RESULT=/dev/null \
    wrk -t1 -c"$CONNECTIONS" -d2s -s "$ROOT/bench/wrk/get_by_id.lua" "$CRMD_URL" >/dev/null 2>&1
}

# --- Import and export (issue 15) -----------------------------------------------------------------
# The export of every Contact through GET .../action/export (CSV, one streamed request timed by
# curl), then `crmd import` of N generated Contacts (each with an existing account, like
# massCreate's) into the same data, no server running. Each appends a result line whose requests are
# the records, so requests/s is records/s; median and p99 hold the mean time per record.
result_per_record() {
  local name=$1 records=$2 seconds=$3 errors=$4 bytes=$5
  awk -v name="$name" -v n="$records" -v s="$seconds" -v errors="$errors" -v bytes="$bytes" 'BEGIN {
    us = s * 1e6; per = n > 0 ? us / n : 0
    printf "%s %d %.0f %.1f %.3f %.3f %.3f %.0f %d %d\n", name, n, us, (s > 0 ? n / s : 0), per, per, per, us, errors, bytes
  }' >>"$WORK/results-$n.txt"
}

time_import_export() {
  local n=$1 data=$2 out code seconds t0 created
  for name in export import; do
    if [[ -z ${LABEL[$name]+x} ]]; then ORDER+=("$name"); fi
    RECORDS[$name]=1
  done
  LABEL[export]="export all Contacts, CSV, streamed (one request)"
  LABEL[import]="crmd import of N Contacts from CSV (batches of 1,000)"
  start_crmd "$n-export" "$data" --no-access-log
  log "$n contacts: export"
  out=$(curl -sS -o "$WORK/export-$n.csv" -w '%{http_code} %{time_total}' -H "X-Api-Key: $API_KEY" \
    "$CRMD_URL/api/v1/Contact/action/export?format=csv") || die "export failed"
  stop_crmd
  read -r code seconds <<<"$out"
  result_per_record export "$(($(wc -l <"$WORK/export-$n.csv") - 1))" "$seconds" \
    "$((code == 200 ? 0 : 1))" "$(stat -c %s "$WORK/export-$n.csv")"
  rm -f "$WORK/export-$n.csv"
  awk -v n="$n" -v tag="i$RANDOM" '
    { ids[NR] = $0 }
    END {
      print "salutationName,firstName,lastName,title,emailAddress,phoneNumber,addressCity,addressCountry,accountId,description"
      for (i = 1; i <= n; i++)
        printf "Ms.,Mary,Jones-%s-%d,Buyer,mary.jones-%s-%d@bench.example.com,+1555%07d,Boston,United States,%s,Imported by the crmd benchmark\n", tag, i, tag, i, i % 10000000, ids[1 + (i * 7919) % NR]
    }' "$LISTS/account_ids.txt" >"$WORK/import-$n.csv"
  log "$n contacts: import of $n"
  t0=$EPOCHREALTIME
  "$CRMD" import Contact "$WORK/import-$n.csv" --data "$data" --progress none \
    >"$WORK/import-$n.txt" 2>>"$WORK/import-$n.log" || true
  seconds=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
  created=$(sed -n 's/^\([0-9]*\) created.*/\1/p' "$WORK/import-$n.txt")
  log "import: $(tail -1 "$WORK/import-$n.txt")"
  result_per_record import "${created:-0}" "$seconds" "$((n - ${created:-0}))" 0
  rm -f "$WORK/import-$n.csv"
}

run_scale() {
  local n=$1 data dir
  LOADAVG[$n]=$(cut -d' ' -f1-3 /proc/loadavg)
  log "=== $n contacts (load average ${LOADAVG[$n]}) ==="
  dir=$(dataset "$n")
  # Generation time from the data set's manifest, whether it was made now or reused.
  DATASET_S[$n]=$(grep -o '"seconds":[0-9.]*' "$dir/bench/manifest.json" | cut -d: -f2)
  if [[ -f $WORK/datagen-$n.json ]]; then DATASET_HOW[$n]="generated now"; else DATASET_HOW[$n]="reused"; fi
  data=$WORK/data-$n
  rm -rf "$data"
  mkdir -p "$data"
  cp "$dir"/crmd.db* "$data/"
  # The copy goes to disk before anything is measured: its write-back (2 GB at 1M contacts) would
  # otherwise share the disk with the durable commits of the write rows that run first, as with
  # --workloads update (the update row ran at half its rate a minute after the copy).
  sync -f "$data/crmd.db"
  LISTS=$dir/bench
  API_KEY=$(cat "$LISTS/api_key.txt")
  # A second API user whose role reaches only its team's contacts (read: team, team Sales, which
  # holds about an eighth of them): its lists, beside the Full-access user's, are the ACL's cost.
  "$CRMD" role create --name "Bench team" --data '{"Contact": {"read": "team"}}' \
    --data-dir "$data" >/dev/null || die "crmd role create failed"
  TEAM_API_KEY=$("$CRMD" api-user create --name bench-team --role "Bench team" --team Sales \
    --data "$data" 2>/dev/null | sed -n 's/.*"apiKey":"\([0-9a-f]*\)".*/\1/p')
  [[ -n $TEAM_API_KEY ]] || die "crmd api-user create failed"

  # 1. crmd with its access log on (the default): start-up, checks, GET by id.
  start_crmd "$n-log" "$data"
  STARTUP_LOG[$n]=$STARTUP_MS
  log "crmd started in $STARTUP_MS ms (access log on) at $CRMD_URL"
  check_dataset "$n"
  typical_record "$WORK/record-$n.json"
  RECORD_BYTES[$n]=$(stat -c %s "$WORK/record-$n.json")
  warm_up
  run_wrk "$n" get-log "GET by id, access log on" "$CRMD_URL" get_by_id.lua "$CONNECTIONS" 0
  stop_crmd

  # 2. The nginx reference: the same script, a file of the typical record's size.
  start_nginx "$WORK/record-$n.json"
  run_wrk "$n" nginx "nginx: static file, size of a typical Contact" "$NGINX_URL" get_by_id.lua \
    "$CONNECTIONS" 0
  stop_nginx

  # 3. crmd without access log: every other workload, reads first.
  PEAK_NOW=0
  start_crmd "$n" "$data" --no-access-log
  STARTUP[$n]=$STARTUP_MS
  log "crmd started in $STARTUP_MS ms (--no-access-log)"
  warm_up
  run_wrk "$n" get "GET by id" "$CRMD_URL" get_by_id.lua "$CONNECTIONS" 0
  run_wrk "$n" list "list 20, filter + order, no total" "$CRMD_URL" list.lua "$CONNECTIONS" 0 \
    BENCH_NO_TOTAL=1
  run_wrk "$n" list-total "list 20, filter + order, with total" "$CRMD_URL" list.lua \
    "$CONNECTIONS" 0
  run_wrk "$n" list-team "list 20, no total, team-level role" "$CRMD_URL" list.lua \
    "$CONNECTIONS" 0 BENCH_NO_TOTAL=1 BENCH_API_KEY="$TEAM_API_KEY"
  run_wrk "$n" list-total-team "list 20, with total, team-level role" "$CRMD_URL" list.lua \
    "$CONNECTIONS" 0 BENCH_API_KEY="$TEAM_API_KEY"
  run_wrk "$n" related "related list (Account contacts, 20)" "$CRMD_URL" related.lua \
    "$CONNECTIONS" 0
  run_wrk "$n" list-c1 "list 20, no total, 1 connection" "$CRMD_URL" list.lua 1 0 BENCH_NO_TOTAL=1
  run_wrk "$n" list-total-c1 "list 20, with total, 1 connection" "$CRMD_URL" list.lua 1 0
  run_wrk "$n" create "create Contact" "$CRMD_URL" create.lua "$CONNECTIONS" 1
  if wanted create; then drain_writes "$n" "create Contact"; fi
  run_wrk "$n" update "update Contact" "$CRMD_URL" update.lua "$CONNECTIONS" 1
  if wanted update; then drain_writes "$n" "update Contact"; fi
  if wanted sync; then fetch_sync_records "$n"; fi
  run_wrk "$n" sync "update Contact, whole record sent back (sync)" "$CRMD_URL" sync.lua \
    "$CONNECTIONS" 1 BENCH_SYNC="$WORK/sync-$n.jsonl"
  if wanted sync; then drain_writes "$n" "sync"; fi
  if ((SMOKE)); then
    # 64 requests of 100 records would leave a long queue behind; the smoke mode only checks.
    WRK_SECONDS=3 run_wrk "$n" mass100 "massCreate 100 Contacts (8 connections)" "$CRMD_URL" \
      mass_create.lua 8 100 BENCH_BATCH=100
  else
    run_wrk "$n" mass100 "massCreate 100 Contacts" "$CRMD_URL" mass_create.lua "$CONNECTIONS" 100 \
      BENCH_BATCH=100
  fi
  if wanted mass100; then drain_writes "$n" "massCreate 100 Contacts"; fi
  run_wrk "$n" mixed "mixed: 80% read, 15% update, 5% create" "$CRMD_URL" mixed.lua \
    "$CONNECTIONS" 0
  if wanted mixed; then drain_writes "$n" "mixed"; fi
  time_mass_create "$n" mass1000 "massCreate 1000 Contacts, one request at a time" 1000 \
    "$((SMOKE ? 1 : 3))"
  note_peak
  PEAK[$n]=$PEAK_NOW
  stop_crmd

  # 4. The insert limit on the same data: what SQLite itself takes with crmd's schema and durability.
  write_limit "$n" "$data" limit-grouped "insert limit: one contact per savepoint, 64 per commit" \
    insert "$((SMOKE ? 200 : 20000))" --rows-per-commit 64 --savepoint-per-row
  write_limit "$n" "$data" limit-batch "insert limit: 1,000 contacts per commit" \
    insert "$((SMOKE ? 2000 : 50000))" --rows-per-commit 1000
  write_limit "$n" "$data" limit-update "update limit: one contact per savepoint, 64 per commit" \
    update "$((SMOKE ? 200 : 40000))" --rows-per-commit 64 --savepoint-per-row

  # 5. GET by id with the database read through a memory map (--mmap-mib): what the option gains,
  # and what it adds to the resident size (mapped file pages count there, once per connection).
  PEAK_NOW=0
  if wanted get-mmap; then
    start_crmd "$n-mmap" "$data" --no-access-log --mmap-mib "$MMAP_MIB"
    warm_up
    run_wrk "$n" get-mmap "GET by id, --mmap-mib $MMAP_MIB" "$CRMD_URL" get_by_id.lua \
      "$CONNECTIONS" 0
    note_peak
    stop_crmd
    PEAK_MMAP[$n]=$PEAK_NOW
  else
    PEAK_MMAP[$n]=-
  fi

  # 6. The same workloads on PostgreSQL, one crmd and two behind nginx (bench/postgres.sh).
  if ((POSTGRES)) && [[ -z $WORKLOADS || ",$WORKLOADS" == *,pg-* || ",$WORKLOADS" == *,lb-* ]]; then
    run_postgres "$n" "$data"
  fi

  # 7. Export and import (issue 15), last: the import adds N contacts to the data.
  if wanted export || wanted import; then time_import_export "$n" "$data"; fi
  rm -rf "$data"
}

# shellcheck source=bench/postgres.sh
source "$ROOT/bench/postgres.sh"


for n in "${SCALE_LIST[@]}"; do
  [[ $n =~ ^[0-9]+$ ]] || die "bad --contacts value '$n'"
  run_scale "$n"
done

# --- Report ---------------------------------------------------------------------------------------

# field SCALE NAME COLUMN: a column of a result line (2 requests, 3 duration_us, 4 rps, 5 p50_us,
# 6 p99_us, 7 mean_us, 8 max_us, 9 errors, 10 bytes).
field() {
  awk -v name="$2" -v col="$3" '$1 == name { v = $col } END { print v }' "$WORK/results-$1.txt"
}


table() {
  local n name rps reference ratio records requests median p99
  echo "| contacts | workload | requests | requests/s | records/s | median ms | p99 ms | vs nginx | errors |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
  for n in "${SCALE_LIST[@]}"; do
    reference=$(field "$n" nginx 4)
    for name in nginx "${ORDER[@]}"; do
      rps=$(field "$n" "$name" 4)
      [[ -n $rps ]] || continue
      ratio=$(awk -v a="$rps" -v b="$reference" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * a / b; else print "-" }')
      [[ $name == limit-* ]] && ratio="-"
      records="-"
      if [[ ${RECORDS[$name]} != 0 ]]; then
        records=$(num "$(awk -v a="$rps" -v b="${RECORDS[$name]}" 'BEGIN { print a * b }')")
      fi
      requests=$(field "$n" "$name" 2)
      median=$(ms "$(field "$n" "$name" 5)")
      p99=$(ms "$(field "$n" "$name" 6)")
      if ((requests == 0)); then median="-" p99="-"; fi
      printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$(num "$n")" "${LABEL[$name]}" \
        "$(num "$requests")" "$(num "$rps")" "$records" "$median" "$p99" "$ratio" \
        "$(field "$n" "$name" 9)"
    done
  done
}

# crmd's writes as a fraction of the insert limit measured in the same run.
# records SCALE NAME -> records/s of a row
# (empty for a row that did not run: --workloads)
records() { awk -v a="$(field "$1" "$2" 4)" -v b="${RECORDS[$2]-}" 'BEGIN { if (a != "") print a * b }'; }
fraction() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.1f%%", 100 * a / b; else print "-" }'; }
limits() {
  local n
  echo "| contacts | crmd workload | crmd records/s | write limit | limit records/s | crmd / limit |"
  echo "|---:|---|---:|---|---:|---:|"
  for n in "${SCALE_LIST[@]}"; do
    local row
    for row in "create:limit-grouped" "mass1000:limit-batch" "mass100:limit-batch" \
      "update:limit-update"; do
      local crmd=${row%%:*} limit=${row#*:}
      # A pair of which --workloads left a row out is not shown.
      [[ -n ${LABEL[$crmd]+x} && -n ${LABEL[$limit]+x} ]] || continue
      printf '| %s | %s | %s | %s | %s | %s |\n' "$(num "$n")" "${LABEL[$crmd]}" \
        "$(num "$(records "$n" "$crmd")")" "${LABEL[$limit]}" "$(num "$(records "$n" "$limit")")" \
        "$(fraction "$(records "$n" "$crmd")" "$(records "$n" "$limit")")"
    done
  done
}

# The nginx row first, then the workloads in the order they ran.
mapfile -t ORDER < <(printf '%s\n' "${ORDER[@]}" | grep -vx nginx)

# pass_fail VALUE OP LIMIT -> pass / FAIL / not measured
pass_fail() {
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
    if (v == "" || v == "-") { print "not measured"; exit }
    ok = (op == "<") ? (v + 0 < l + 0) : (v + 0 >= l + 0)
    print ok ? "pass" : "**FAIL**" }'
}

targets() {
  local big=${SCALE_LIST[-1]} note="" ref get_ratio
  for n in "${SCALE_LIST[@]}"; do ((n > big)) && big=$n; done
  ((big >= 1000000)) || note=" (measured at $(num "$big") contacts; the target is for 1,000,000)"
  ref=$(field "$big" nginx 4)
  local p99_get l_med l_p99 lt_med
  p99_get=$(field "$big" get 6)
  l_med=$(field "$big" list-c1 5)
  l_p99=$(field "$big" list-c1 6)
  lt_med=$(field "$big" list-total-c1 5)
  echo "Evaluated at the largest data set of this run, $(num "$big") contacts."
  echo
  echo "| target | measured | result |"
  echo "|---|---:|---|"
  local create_rate mass_rate grouped_rate batch_rate
  create_rate=$(records "$big" create)
  mass_rate=$(records "$big" mass1000)
  grouped_rate=$(records "$big" limit-grouped)
  batch_rate=$(records "$big" limit-batch)
  ratio_of() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b > 0) printf "%.3f", a / b }'; }
  # Without a GET row (--workloads) the ratio is "not measured", not 0%.
  get_ratio=$(ratio_of "$(field "$big" get 4)" "$ref")
  printf '| GET by id >= 45%% of nginx requests/s | %s | %s |\n' \
    "$(fraction "$(field "$big" get 4)" "$ref")" "$(pass_fail "$get_ratio" ">=" 0.45)"
  printf '| GET by id p99 < 10 ms | %s ms | %s |\n' "$(ms "$p99_get")" "$(pass_fail "$p99_get" "<" 10000)"
  printf '| list 20, filter + order, no total, >= 6,000/s%s | %s/s | %s |\n' "$note" \
    "$(num "$(field "$big" list 4)")" "$(pass_fail "$(field "$big" list 4)" ">=" 6000)"
  printf '| massCreate of 1,000 per request >= 70%% of the 1,000-row insert limit | %s | %s |\n' \
    "$(fraction "$mass_rate" "$batch_rate")" "$(pass_fail "$(ratio_of "$mass_rate" "$batch_rate")" ">=" 0.7)"
  printf '| massCreate of 1,000 per request >= 25,000 records/s | %s/s | %s |\n' "$(num "$mass_rate")" \
    "$(pass_fail "$mass_rate" ">=" 25000)"
  printf '| durable creates, 64 clients, >= 50%% of the grouped insert limit | %s | %s |\n' \
    "$(fraction "$create_rate" "$grouped_rate")" "$(pass_fail "$(ratio_of "$create_rate" "$grouped_rate")" ">=" 0.5)"
  printf '| durable creates >= 8,000/s | %s/s | %s |\n' "$(num "$create_rate")" \
    "$(pass_fail "$create_rate" ">=" 8000)"
  printf '| updates >= 12,000/s (update limit of this run: %s/s) | %s/s | %s |\n' \
    "$(num "$(records "$big" limit-update)")" "$(num "$(field "$big" update 4)")" \
    "$(pass_fail "$(field "$big" update 4)" ">=" 12000)"
  printf '| peak memory (VmHWM) < 200 MB%s | %s MiB | %s |\n' "$note" "${PEAK[$big]}" \
    "$(pass_fail "${PEAK[$big]}" "<" 200)"
  printf '| start-up < 1 s (exec to "Listening on", existing database)%s | %s ms | %s |\n' "$note" \
    "${STARTUP[$big]}" "$(pass_fail "${STARTUP[$big]}" "<" 1000)"
  printf '| issue 3: list 20, no total, median < 5 ms (1 connection)%s | %s ms | %s |\n' "$note" \
    "$(ms "$l_med")" "$(pass_fail "$l_med" "<" 5000)"
  printf '| issue 3: list 20, no total, p99 < 20 ms (1 connection)%s | %s ms | %s |\n' "$note" \
    "$(ms "$l_p99")" "$(pass_fail "$l_p99" "<" 20000)"
  printf '| issue 3: list 20, with total, median < 50 ms (1 connection)%s | %s ms | %s |\n' "$note" \
    "$(ms "$lt_med")" "$(pass_fail "$lt_med" "<" 50000)"
  local figures="" requests
  for n in "${SCALE_LIST[@]}"; do
    requests=$(field "$n" mass1000 2)
    figures+="${figures:+; }$(num "$n") contacts: "
    if [[ -z $requests ]]; then
      figures+="not measured"
    elif ((requests > 0)); then
      figures+="$(num "$(awk -v a="$(field "$n" mass1000 4)" 'BEGIN { print a * 1000 }')") records/s"
      figures+=" ($(ms "$(field "$n" mass1000 5)") ms per request)"
    else
      figures+="none finished within $MASS_LIMIT s"
    fi
  done
  printf '| issue 4: massCreate of 1,000 contacts in one request | %s | (no target) |\n' "$figures"
}

other_figures() {
  echo "| contacts | start-up, access log on | start-up, --no-access-log | peak RSS (VmHWM) | peak RSS, GET with --mmap-mib $MMAP_MIB | typical Contact response | data-set generation | load average before |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---|"
  for n in "${SCALE_LIST[@]}"; do
    printf '| %s | %s ms | %s ms | %s MiB | %s MiB | %s bytes | %s s (%s) | %s |\n' "$(num "$n")" \
      "${STARTUP_LOG[$n]}" "${STARTUP[$n]}" "${PEAK[$n]}" "${PEAK_MMAP[$n]}" "${RECORD_BYTES[$n]}" \
      "$(awk -v s="${DATASET_S[$n]}" 'BEGIN { printf "%.1f", s }')" "${DATASET_HOW[$n]}" \
      "${LOADAVG[$n]}"
  done
}

# Webhook delivery under write load: crmd_webhook_bench starts its own crmd (fresh data directory)
# and receiver, so the figure does not depend on the data-set size.
webhook_figures() {
  local bench=$BUILD_DIR/crmd_webhook_bench out
  if [[ ! -x $bench ]]; then
    echo "crmd_webhook_bench was not built (CRM_BUILD_TESTS off): no webhook figures."
    return
  fi
  if ! out=$("$bench" --crmd "$CRMD" --duration "$DURATION" --clients 8 2>"$WORK/webhook_bench.err"); then
    log "crmd_webhook_bench failed: $(tail -n3 "$WORK/webhook_bench.err")"
    errors=$((errors + 1))
  fi
  w() { awk -v k="$1" '$1 == k { print $2 }' <<<"$out"; }
  echo "| webhook delivery, 8 writers creating contacts for ${DURATION} s | acknowledgement to receipt p50 | p99 | writes/s | deliveries/s during the load | last delivery after the last write | lost |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  printf '| seed format, one receiver on loopback | %s ms | %s ms | %s | %s | %s ms | %s |\n' \
    "$(ms "$(w webhook_latency_p50_us)")" "$(ms "$(w webhook_latency_p99_us)")" \
    "$(w webhook_writes_per_s)" "$(w webhook_deliveries_per_s)" "$(w webhook_drain_ms)" \
    "$(w webhook_lost)"
}

machine() {
  local cpu mem
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
  echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- CPU: $(nproc) cores, ${cpu:-unknown}"
  echo "- Memory: $mem"
  echo "- Kernel: $(uname -sr)"
  echo "- crmd: $("$CRMD" version 2>/dev/null), $(basename "$BUILD_DIR") build ($(awk -F= '/^CMAKE_BUILD_TYPE:/ { print $2 }' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || echo unknown))"
  echo "- wrk: $(wrk -v 2>&1 | head -n1 | awk '{ print $2 }'), nginx: $("$NGINX" -v 2>&1 | sed 's#.*/##')"
}

errors=0
for n in "${SCALE_LIST[@]}"; do
  for name in nginx "${ORDER[@]}"; do
    requests=$(field "$n" "$name" 2)
    failed=$(field "$n" "$name" 9)
    if [[ -z $requests ]] || ((failed > 0)) || { ((SMOKE)) && ((requests == 0)); }; then
      log "workload $name at $n contacts: ${requests:-no} requests, ${failed:-?} errors"
      errors=$((errors + 1))
    fi
  done
done

REPORT=$WORK/report.md
{
  echo "wrk -t1 -c$CONNECTIONS for ${DURATION} s per workload (1-connection rows: -c1), API key on every"
  echo "request; crmd with --no-access-log except where the row says otherwise; the nginx row is the"
  echo "reference the ratios are taken against, measured in the same run."
  echo
  table
  echo
  if ((${#NOTES[@]})); then
    printf -- '- %s\n' "${NOTES[@]}"
    echo
  fi
  echo "A row with 0 requests had none answered within its run (wrk counts answered requests only)."
  echo
  echo "crmd's writes against the write limits of the same run (crmd_datagen --insert-limit: the same"
  echo "contacts, schema, indexes, lookup and link rows and durability, without HTTP, validation,"
  echo "duplicate check, read-back or change event; --update-limit: the same changes to random"
  echo "contacts, with the columns crmd sets beside them, without HTTP, read-back or change event):"
  echo
  limits
  echo
  other_figures
  if [[ -z $WORKLOADS ]]; then
    echo
    webhook_figures
  fi
} >"$REPORT"
echo
cat "$REPORT"
echo

if ((WRITE_DOC)); then
  marker='<!-- Results below are written by bench/run.sh; everything after this line is replaced. -->'
  mkdir -p "$(dirname "$OUTPUT")"
  if [[ -f $OUTPUT ]] && grep -qF -- "$marker" "$OUTPUT"; then
    awk -v m="$marker" '{ print } $0 == m { exit }' "$OUTPUT" >"$WORK/doc.md"
  else
    printf '%s\n' "# crmd performance" "" "Run \`make bench\` to measure (bench/README.md)." "" \
      "$marker" >"$WORK/doc.md"
  fi
  {
    echo
    echo "## Results"
    echo
    echo "### Machine"
    echo
    machine
    echo
    echo "### Throughput and latency"
    echo
    cat "$REPORT"
    echo
    echo "### Targets"
    echo
    targets
  } >>"$WORK/doc.md"
  cp "$WORK/doc.md" "$OUTPUT"
  log "wrote $OUTPUT"
else
  targets
fi

if ((errors > 0)); then
  die "$errors workload(s) had errors or no requests (logs in $WORK)"
fi
log "done"
