#!/usr/bin/env bash
# Executor overhead per no-op step: a workflow of N steps that each run `true`, against a shell
# script that runs the same N commands as `sh -c true`. Prints the per-step figures.
# Usage: scripts/bench-engine.sh [N] [REPEATS]   (builds the release binary first)
set -euo pipefail
N=${1:-200}
REPEATS=${2:-3}
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=$PWD/target/release/flightdeck
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/workflows"
printf '[environments.local]\n' > "$work/flightdeck.toml"
{
  echo 'title = "no-op steps"'
  for i in $(seq 1 "$N"); do printf '[[steps]]\nid = "s%d"\nrun = "true"\n' "$i"; done
} > "$work/workflows/noop.toml"
{
  echo '#!/bin/sh'
  for _ in $(seq 1 "$N"); do echo 'sh -c true'; done
} > "$work/plain.sh"
chmod +x "$work/plain.sh"

now_ns() { date +%s%N; }
best_fd=999999999999
best_sh=999999999999
for _ in $(seq 1 "$REPEATS"); do
  t0=$(now_ns)
  FLIGHTDECK_HOME="$work/home" "$BIN" -C "$work" run noop >/dev/null
  t1=$(now_ns)
  "$work/plain.sh"
  t2=$(now_ns)
  (( t1 - t0 < best_fd )) && best_fd=$((t1 - t0))
  (( t2 - t1 < best_sh )) && best_sh=$((t2 - t1))
done
awk -v n="$N" -v fd="$best_fd" -v sh="$best_sh" 'BEGIN {
  printf "steps: %d (best of runs)\n", n
  printf "flightdeck run:     %8.1f ms total, %6.3f ms/step\n", fd/1e6, fd/1e6/n
  printf "shell script:       %8.1f ms total, %6.3f ms/step\n", sh/1e6, sh/1e6/n
  printf "engine overhead:    %6.3f ms/step beyond the process itself (store commit + journal + log file)\n", (fd-sh)/1e6/n
}'
