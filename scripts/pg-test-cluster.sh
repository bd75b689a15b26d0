#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests: initdb into a new temporary directory, a free port
# on 127.0.0.1 only, fsync on (as in production, so the tests see production's commit costs), a
# password login. Usage:
#   pg-test-cluster.sh run COMMAND...  starts a cluster, runs COMMAND with CRMD_TEST_POSTGRES_URL
#                                      set to its URL, and removes the cluster however COMMAND ends
#                                      (its exit status is the script's)
#   pg-test-cluster.sh start           starts one and prints `DIR URL`
#   pg-test-cluster.sh stop DIR        stops it and removes DIR
# PostgreSQL refuses to run as root; as root the server runs as the `postgres` user that Debian's
# postgresql package creates.
set -euo pipefail

bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
  echo "pg-test-cluster: no PostgreSQL server found (apt-get install postgresql)" >&2
  exit 2
fi

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local dir port password
  dir=$(mktemp -d /tmp/crmd-pg.XXXXXX)
  chmod 755 "$dir"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
  password=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
  printf '%s\n' "$password" >"$dir/pwfile"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$dir/pwfile"
  # C locale: text sorts by bytes, as SQLite's default collation does.
  as_owner "$bin/initdb" -D "$dir/data" -U crmd --pwfile="$dir/pwfile" --auth=scram-sha-256 \
    --no-locale -E UTF8 >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    rm -rf "$dir"
    return 1
  }
  rm -f "$dir/pwfile"
  # The API tests start many servers, each with a connection per thread.
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
max_connections = 300
shared_buffers = 64MB
EOF
  # Another process can take the port between choosing and binding it: try a few.
  local tries
  for tries in 1 2 3 4 5; do
    port=$(free_port)
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-p $port" start >/dev/null; then
      echo "$dir postgres://crmd:$password@127.0.0.1:$port/postgres"
      return 0
    fi
  done
  cat "$dir/server.log" >&2
  rm -rf "$dir"
  return 1
}

stop() {
  local dir=$1
  [[ -d "$dir/data" ]] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "$2" ;;
  run)
    shift
    read -r dir url < <(start) || exit 1
    [[ -n "${dir:-}" ]] || exit 1
    trap 'stop "$dir"' EXIT
    CRMD_TEST_POSTGRES_URL=$url "$@"
    ;;
  *)
    echo "usage: pg-test-cluster.sh run COMMAND... | start | stop DIR" >&2
    exit 2
    ;;
esac
