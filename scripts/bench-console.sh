#!/usr/bin/env bash
# Console figures: start to first frame at 80x24, bytes written while Home idles (seconds clock
# ticking), draw time of the run screen at 200x60 over 100,000 log lines, and peak memory with
# 1,000,000 lines. Uses ../shared/scripts/{first_frame,idle_bytes}.py when present.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
shared=../shared/scripts
if [ -f "$shared/first_frame.py" ]; then
  FLIGHTDECK_HOME=$home python3 "$shared/first_frame.py" 7 80 24 -- target/release/flightdeck
  FLIGHTDECK_HOME=$home python3 "$shared/idle_bytes.py" 10 80 24 -- target/release/flightdeck
else
  echo "(../shared/scripts not found: first-frame and idle-bytes figures skipped)"
fi
cargo bench --quiet --bench console
