#!/usr/bin/env bash
# CPU and memory of the health engine: N HTTP monitors at a 1 s interval against the demo sandbox
# on 127.0.0.1 for D seconds (`flightdeck health --for`). Prints the CPU used by flightdeck as a
# percentage of one core, its peak memory, and the number of probes the sandbox answered.
# SERVER is `sandbox` (the demo service; it closes every connection, so each probe is a new TCP
# connection) or `nginx` (keep-alive, as most real services; needs /usr/sbin/nginx).
# Usage: scripts/bench-health.sh [N] [SECONDS] [SERVER]   (builds the release binary first; target: < 10%)
set -euo pipefail
N=${1:-1000}
SECS=${2:-60}
SERVER=${3:-sandbox}
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=$PWD/target/release/flightdeck
work=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if [ "$SERVER" = nginx ]; then
  mkdir -p "$work/nginx"
  cat > "$work/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $work/nginx/pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
  client_body_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$PORT;
    location /health { default_type application/json; return 200 '{"status":"UP"}'; }
  }
}
CONF
  /usr/sbin/nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" >/dev/null 2>&1 &
else
  "$BIN" sandbox serve --port "$PORT" --state "$work/sandbox.json" >/dev/null 2>&1 &
fi
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
awk -v u="$user" -v s="$sys" -v r="$rss" -v n="$N" -v d="$SECS" -v c="$checks" -v up="$up" -v srv="$SERVER" 'BEGIN {
  printf "server: %s; monitors: %d at 1s for %ds; probes run: %d (%.0f/s); monitors UP at the end: %d\n", srv, n, d, c, c/d, up
  printf "flightdeck CPU: user %.2fs + sys %.2fs = %.1f%% of one core\n", u, s, (u+s)*100/d
  printf "flightdeck peak memory (max RSS): %.1f MB\n", r/1024
}'
