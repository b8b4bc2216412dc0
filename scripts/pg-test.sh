#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests and benchmarks (real-components.md §2).
#
#   scripts/pg-test.sh start        initdb as the `postgres` user (via runuser) in a fresh temp dir,
#                                   start it on a free 127.0.0.1 port, print three lines:
#                                     PGTEST_DIR=<dir>  PGTEST_PORT=<port>  PGTEST_PASSFILE=<file>
#   scripts/pg-test.sh stop DIR     stop that cluster (pg_ctl -m fast) and remove DIR.
#
# The superuser is `ops`; local socket connections are trusted, TCP ones need the password (SCRAM),
# which is in DIR/password and, in PGPASSFILE format, in DIR/pgpass. Nothing global is changed.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start() {
  [ -x "$bin/initdb" ] || { echo "PostgreSQL 15 is missing: run scripts/install-test-deps.sh" >&2; exit 1; }
  local d port tries=0
  d=$(mktemp -d /tmp/pgtest.XXXXXX)
  chmod 755 "$d"
  head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$d/password"
  [ "$(id -u)" -ne 0 ] || chown -R postgres: "$d"
  as_pg "$bin/initdb" -D "$d/data" -U ops --auth-local=trust --auth-host=scram-sha-256 \
    --pwfile="$d/password" -E UTF8 --no-sync >"$d/initdb.log" 2>&1 \
    || { cat "$d/initdb.log" >&2; exit 1; }
  # A free port without bind-then-drop: try random ports until the server itself binds one.
  while :; do
    port=$(( 20000 + RANDOM % 40000 ))
    if as_pg "$bin/pg_ctl" -D "$d/data" -l "$d/pg.log" -w -t 20 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $d -c fsync=off -c full_page_writes=off" start >/dev/null 2>&1; then
      break
    fi
    tries=$((tries + 1))
    if [ "$tries" -ge 10 ]; then echo "postgres did not start; see $d/pg.log" >&2; tail -5 "$d/pg.log" >&2; exit 1; fi
  done
  printf '127.0.0.1:%s:*:ops:%s\n' "$port" "$(cat "$d/password")" > "$d/pgpass"
  chmod 600 "$d/pgpass"
  echo "PGTEST_DIR=$d"
  echo "PGTEST_PORT=$port"
  echo "PGTEST_PASSFILE=$d/pgpass"
}

stop() {
  local d=${1:?usage: pg-test.sh stop DIR}
  case "$d" in /tmp/pgtest.*) ;; *) echo "refusing to stop $d: not a pg-test.sh cluster" >&2; exit 2 ;; esac
  [ -d "$d/data" ] && as_pg "$bin/pg_ctl" -D "$d/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$d"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
