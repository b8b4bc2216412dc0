#!/usr/bin/env bash
# CPU and memory of the health engine: N HTTP monitors at a 1 s interval against the demo sandbox
# on 127.0.0.1 for D seconds (`flightdeck health --for`). Prints the CPU used by flightdeck as a
# percentage of one core, its peak memory, and the number of probes the sandbox answered.
# Usage: scripts/bench-health.sh [N] [SECONDS]   (builds the release binary first; target: < 10%)
set -euo pipefail
N=${1:-1000}
SECS=${2:-60}
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=$PWD/target/release/flightdeck
work=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" sandbox serve --port "$PORT" --state "$work/sandbox.json" >/dev/null 2>&1 &
SANDBOX=$!
trap 'kill $SANDBOX 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.1; done
{
  printf '[environments.bench]\nurl = "http://127.0.0.1:%s"\n' "$PORT"
  for i in $(seq 1 "$N"); do
    printf '[monitors.m%04d]\nurl = "{{ environment.url }}/health"\ninterval = "1s"\ntimeout = "2s"\n' "$i"
    printf 'conditions = ["[STATUS] == 200", "[BODY].status == UP"]\n'
  done
} > "$work/flightdeck.toml"
FLIGHTDECK_HOME="$work/home" /usr/bin/time -f '%U %S %M' -o "$work/time" \
  "$BIN" -C "$work" health --env bench --for "${SECS}s" > "$work/out" 2>&1 || true
read -r user sys rss < "$work/time"
up=$(awk '/uptime/ && $2 == "UP"' "$work/out" | wc -l)
checks=$(awk '/checks/ { s += $NF } END { print s + 0 }' "$work/out")
awk -v u="$user" -v s="$sys" -v r="$rss" -v n="$N" -v d="$SECS" -v c="$checks" -v up="$up" 'BEGIN {
  printf "monitors: %d at 1s for %ds; probes run: %d (%.0f/s); monitors UP at the end: %d\n", n, d, c, c/d, up
  printf "flightdeck CPU: user %.2fs + sys %.2fs = %.1f%% of one core\n", u, s, (u+s)*100/d
  printf "flightdeck peak memory (max RSS): %.1f MB\n", r/1024
}'
