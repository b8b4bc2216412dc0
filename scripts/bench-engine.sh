#!/usr/bin/env bash
# Executor overhead per no-op step: a workflow of N steps that each run `true`, against a shell
# script that runs the same N commands as `sh -c true`. Prints the per-step figures.
# Wall time on a busy machine mostly measures the queue for a core, so the CPU time is printed too:
# the runner's own and its reaped children's (the steps), from /proc, against the shell script's.
# Usage: scripts/bench-engine.sh [N] [REPEATS]   (builds the release binary first, unless
# FLIGHTDECK_BIN names the binary to measure)
set -euo pipefail
N=${1:-200}
REPEATS=${2:-3}
cd "$(dirname "$0")/.."
if [[ -z ${FLIGHTDECK_BIN:-} ]]; then
  cargo build --release --quiet
  FLIGHTDECK_BIN=$PWD/target/release/flightdeck
fi
BIN=$FLIGHTDECK_BIN
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
export FLIGHTDECK_HOME="$work/home" FLIGHTDECK_RUNNER_IDLE=600
# CPU ticks of the runner and of the children it reaped (utime + stime + cutime + cstime), and of
# the runner alone (utime + stime).
ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$1/stat"; }
own_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
"$BIN" -C "$work" runs >/dev/null
runner=$(cat "$FLIGHTDECK_HOME/runner.lock")
hz=$(getconf CLK_TCK)
best_fd=999999999999
best_sh=999999999999
best_fd_cpu=999999999
best_sh_cpu=999999999
best_own_cpu=999999999
for _ in $(seq 1 "$REPEATS"); do
  c0=$(ticks "$runner")
  o0=$(own_ticks "$runner")
  t0=$(now_ns)
  "$BIN" -C "$work" run noop >/dev/null
  t1=$(now_ns)
  c1=$(ticks "$runner")
  o1=$(own_ticks "$runner")
  s0=$(awk '{ sub(/.*\) /, ""); print $14 + $15 }' /proc/$$/stat)
  "$work/plain.sh"
  t2=$(now_ns)
  s1=$(awk '{ sub(/.*\) /, ""); print $14 + $15 }' /proc/$$/stat)
  (( t1 - t0 < best_fd )) && best_fd=$((t1 - t0))
  (( t2 - t1 < best_sh )) && best_sh=$((t2 - t1))
  (( c1 - c0 < best_fd_cpu )) && best_fd_cpu=$((c1 - c0))
  (( s1 - s0 < best_sh_cpu )) && best_sh_cpu=$((s1 - s0))
  (( o1 - o0 < best_own_cpu )) && best_own_cpu=$((o1 - o0))
done
kill "$runner" 2>/dev/null || true
awk -v n="$N" -v fd="$best_fd" -v sh="$best_sh" -v fc="$best_fd_cpu" -v sc="$best_sh_cpu" -v oc="$best_own_cpu" -v hz="$hz" 'BEGIN {
  printf "steps: %d (best of runs)\n", n
  printf "flightdeck run:     %8.1f ms total, %6.3f ms/step wall; %6.3f ms/step CPU (runner + steps)\n", fd/1e6, fd/1e6/n, fc*1000/hz/n
  printf "shell script:       %8.1f ms total, %6.3f ms/step wall; %6.3f ms/step CPU\n", sh/1e6, sh/1e6/n, sc*1000/hz/n
  printf "engine overhead:    %6.3f ms/step wall, %6.3f ms/step CPU beyond the process itself\n", (fd-sh)/1e6/n, (fc-sc)*1000/hz/n
  printf "runner alone:       %6.3f ms/step CPU (its own user + sys, no children)\n", oc*1000/hz/n
}'
