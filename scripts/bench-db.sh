#!/usr/bin/env bash
# Times `flightdeck db backup local` of a ~100 MB PostgreSQL 15 database (a run of the runner, started
# on demand: pg_dump -Fc at an exported snapshot with per-table counts and checksums, then a restore
# into a scratch database and the comparison). Prints the database size and the seconds (the
# runner's start included); asserts nothing.
#   scripts/bench-db.sh [ROWS]      (default 600000 rows, ~100 MB on disk)
# Uses $FLIGHTDECK_BIN, else target/release/flightdeck, else target/debug/flightdeck.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rows=${1:-600000}
bin=${FLIGHTDECK_BIN:-}
[ -n "$bin" ] || { [ -x "$root/target/release/flightdeck" ] && bin=$root/target/release/flightdeck || bin=$root/target/debug/flightdeck; }
eval "$("$root/scripts/pg-test.sh" start)"
work=$(mktemp -d)
trap '"$root/scripts/pg-test.sh" stop "$PGTEST_DIR"; rm -rf "$work"' EXIT
export PGPASSFILE=$PGTEST_PASSFILE
q() { psql -X -q -At -h 127.0.0.1 -p "$PGTEST_PORT" -U ops "$@"; }
q -d postgres -c "CREATE DATABASE bench"
q -d bench -c "CREATE TABLE events (id bigint PRIMARY KEY, kind text, body text, at timestamptz);
  INSERT INTO events SELECT g, 'k' || (g % 17), repeat(md5(g::text), 4), now() - g * interval '1 s'
  FROM generate_series(1, $rows) g;
  CREATE TABLE accounts AS SELECT g AS id, md5(g::text) AS name FROM generate_series(1, 20000) g; ANALYZE;"
size=$(q -d bench -c "SELECT pg_size_pretty(pg_database_size('bench'))")
printf '[environments.local]\n' >"$work/flightdeck.toml"
t0=$(date +%s.%N)
FLIGHTDECK_HOME=$work/home FLIGHTDECK_RUNNER_IDLE=2 "$bin" --project "$work" db backup local \
  --database "postgres://ops@127.0.0.1:$PGTEST_PORT/bench" --out "$work/bench.backup" >"$work/out.txt"
t1=$(date +%s.%N)
dump=$(du -h "$work/bench.backup" | cut -f1)
echo "database $size ($rows + 20000 rows), dump $dump: backup + restore-verify in $(echo "$t1 - $t0" | bc) s ($bin)"
