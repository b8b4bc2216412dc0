#!/usr/bin/env bash
# bench-profile.sh - what profiling costs: the load engine's req/s against the demo sandbox
# without perf, and with `perf record -e cpu-clock -F 99` attached to the sandbox (frame-pointer
# call graphs `-g`, and `--call-graph dwarf`). Loopback only; alternates the three, R rounds each,
# and prints each round and the medians with the overhead in percent.
#
# Uses FLIGHTDECK_BIN, else target/release/flightdeck, else target/debug/flightdeck (a debug
# sandbox spends far more CPU per request, so its overhead figure is not the release one).
# Needs perf (Debian linux-perf; scripts/deps/profile.sh) and root or perf_event_paranoid <= 1.
#
# Usage: scripts/bench-profile.sh [-d SECONDS] [-c CONNECTIONS] [-r ROUNDS] [--hot]
#        (--hot turns the sandbox's planted CPU-heavy function on). Defaults: -d 10 -c 8 -r 3.

set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
SECS=10 CONNS=8 ROUNDS=3 HOT=0
while [ $# -gt 0 ]; do
  case "$1" in
    -d) SECS=$2; shift 2 ;;
    -c) CONNS=$2; shift 2 ;;
    -r) ROUNDS=$2; shift 2 ;;
    --hot) HOT=1; shift ;;
    *) echo "usage: $0 [-d SECONDS] [-c CONNECTIONS] [-r ROUNDS] [--hot]" >&2; exit 2 ;;
  esac
done
BIN="${FLIGHTDECK_BIN:-}"
[ -n "$BIN" ] || for b in "$root/target/release/flightdeck" "$root/target/debug/flightdeck"; do
  [ -x "$b" ] && { BIN=$b; break; }
done
[ -x "${BIN:-}" ] || { echo "bench-profile: build flightdeck first (cargo build --release)" >&2; exit 3; }
command -v perf >/dev/null || { echo "bench-profile: perf is missing: apt-get install linux-perf" >&2; exit 3; }

work=$(mktemp -d -t bench-profile.XXXXXX)
export FLIGHTDECK_HOME="$work/home"
"$BIN" sandbox serve --port 0 > "$work/sandbox.out" 2>&1 &
SANDBOX=$!
trap 'kill $SANDBOX 2>/dev/null; rm -rf "$work"' EXIT
URL=""
for _ in $(seq 1 100); do
  URL=$(sed -n 's/^sandbox listening on \([^ ]*\).*/\1/p' "$work/sandbox.out" | head -1)
  [ -n "$URL" ] && break
  sleep 0.1
done
[ -n "$URL" ] || { echo "bench-profile: the sandbox did not start: $(cat "$work/sandbox.out")" >&2; exit 3; }
[ "$HOT" = 1 ] && "$BIN" sandbox hot --url "$URL" >/dev/null

rps_plain() {
  "$BIN" load "$URL/" -c "$CONNS" -z "${SECS}s" --json | python3 -c 'import json,sys; print("%.1f" % json.load(sys.stdin)["summary"]["requestsPerSec"])'
}
rps_profiled() {
  "$BIN" profile record --pid "$SANDBOX" -z "${SECS}s" -F 99 --call-graph "$1" --load-url "$URL/" -c "$CONNS" --json \
    | python3 -c 'import json,sys; print("%.1f" % json.load(sys.stdin)["report"]["load"]["rps"])'
}

echo "bench-profile: $BIN, sandbox pid $SANDBOX at $URL (hot=$HOT), $CONNS connections, ${SECS}s per run, $ROUNDS rounds"
: > "$work/plain"; : > "$work/fp"; : > "$work/dwarf"
for r in $(seq 1 "$ROUNDS"); do
  a=$(rps_plain); b=$(rps_profiled fp); c=$(rps_profiled dwarf)
  echo "$a" >> "$work/plain"; echo "$b" >> "$work/fp"; echo "$c" >> "$work/dwarf"
  echo "round $r: no profiling $a req/s; perf -F 99 -g $b req/s; perf -F 99 --call-graph dwarf $c req/s"
done
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
p=$(median "$work/plain"); f=$(median "$work/fp"); d=$(median "$work/dwarf")
awk -v p="$p" -v f="$f" -v d="$d" 'BEGIN {
  printf "median req/s: no profiling %.1f; perf -g at 99 Hz %.1f (%+.1f%%); perf --call-graph dwarf at 99 Hz %.1f (%+.1f%%)\n", p, f, (f-p)*100/p, d, (d-p)*100/p
}'
