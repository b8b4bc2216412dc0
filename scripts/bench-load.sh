#!/usr/bin/env bash
# bench-load.sh - flightdeck's load generator side by side with wrk and oha, loopback only.
#
# Builds flightdeck in release mode (unless FLIGHTDECK_BIN points at a binary), then runs
# scripts/loadgen_anchor.sh: a private nginx (1 worker, keep-alive, 13-byte body) on 127.0.0.1,
# pinned to the last CPU, generators on the others; wrk, oha and `flightdeck load` interleaved,
# median of N runs; one table with req/s, p50/p99, CPU per request (gen us/req), peak memory
# (gen MiB) and flightdeck's ratios to wrk and oha (x wrk, x oha).
#
# Missing tools are installed: nginx, wrk, jq, curl, time from Debian (apt-get); oha with
# `cargo install oha --locked` (skipped with a printed note if it cannot be built).
#
# Usage: scripts/bench-load.sh [loadgen_anchor options]    e.g. -d 10 -c 50,1 -r 3
#        scripts/bench-load.sh --https -d 10 -c 50,1 -r 3  (nginx over TLS, same generators)
# Defaults: -d 10 -c 50,1 -r 3. Traffic goes to 127.0.0.1 only.

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

BIN="${FLIGHTDECK_BIN:-}"
if [ -z "$BIN" ]; then
  echo "bench-load: cargo build --release" >&2
  (cd "$root" && cargo build --release --quiet) || { echo "bench-load: release build failed" >&2; exit 3; }
  BIN="$root/target/release/flightdeck"
fi
[ -x "$BIN" ] || { echo "bench-load: $BIN is not executable" >&2; exit 3; }

DATA=$(mktemp -d -t bench-load-data.XXXXXX)
trap 'rm -rf "$DATA"' EXIT

args=("$@")
[ ${#args[@]} -gt 0 ] || args=(-d 10 -c 50,1 -r 3)

# flightdeck twice: headless, and with its live view drawn in a pseudo-terminal (160x48), to show
# what watching costs (target: within 5% of headless).
"$here/loadgen_anchor.sh" "${args[@]}" --name flightdeck \
  --tty-cmd flightdeck-tui "'$BIN' --data-dir '$DATA' load {url} {insecure} -c {conns} -z {secs}s --threads {threads} --tui --json -o {out}" \
  "'$BIN' --data-dir '$DATA' load {url} {insecure} -c {conns} -z {secs}s --threads {threads} --json -o {out}"
