#!/usr/bin/env bash
# System calls per no-op step: the runner's own (its threads) and its steps' (the wrapper `sh`, its
# subshell, and the pre-exec part of each spawn), from `strace -f -ff` attached to the runner over
# one `flightdeck run` of N steps that each run `true`. Also counts the files the run created,
# removed and renamed per step (inode allocations are the dearest calls on ext4 without a journal,
# and each inode freed makes the allocations after it dearer).
# Usage: scripts/syscalls-engine.sh [N]   (FLIGHTDECK_BIN names the binary; default the release one)
set -euo pipefail
N=${1:-200}
cd "$(dirname "$0")/.."
BIN=${FLIGHTDECK_BIN:-$PWD/target/release/flightdeck}
command -v strace >/dev/null || { echo "strace is needed (apt-get install strace)" >&2; exit 2; }
work=$(mktemp -d)
runner=
cleanup() { [[ -n $runner ]] && kill "$runner" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/workflows" "$work/tr"
printf '[environments.local]\n' > "$work/flightdeck.toml"
{
  echo 'title = "no-op steps"'
  for i in $(seq 1 "$N"); do printf '[[steps]]\nid = "s%d"\nrun = "true"\n' "$i"; done
} > "$work/workflows/noop.toml"
export FLIGHTDECK_HOME="$work/home" FLIGHTDECK_RUNNER_IDLE=600
"$BIN" -C "$work" runs >/dev/null
runner=$(cat "$FLIGHTDECK_HOME/runner.lock")
"$BIN" -C "$work" run noop >/dev/null
strace -qq -f -ff -o "$work/tr/t" -p "$runner" &
tracer=$!
sleep 1
"$BIN" -C "$work" run noop >/dev/null
sleep 0.3
kill -INT "$tracer"
wait "$tracer" || true
# A process that execs or exits is a step's (the runner's threads do neither).
own=() steps=()
for f in "$work"/tr/t.*; do
  if grep -q '^execve(\|^exit_group(' "$f"; then steps+=("$f"); else own+=("$f"); fi
done
calls() { cat "$@" | grep -v '^+++\|^---\|resumed>' | sed 's/(.*//'; }
per_step() { sort | uniq -c | sort -rn | awk -v n="$N" '{ printf "  %7.2f %s\n", $1 / n, $2 }'; }
echo "steps: $N; system calls per step"
echo "runner: $(calls "${own[@]}" | wc -l | awk -v n="$N" '{ printf "%.1f", $1 / n }')"
calls "${own[@]}" | per_step | head -16
echo "steps' processes: $(calls "${steps[@]}" | wc -l | awk -v n="$N" '{ printf "%.1f", $1 / n }')"
removed=$(cat "${own[@]}" "${steps[@]}" | grep -c '^unlink(.*) = 0' || true)
renamed=$(cat "${own[@]}" "${steps[@]}" | grep -c '^rename[at2]*(.*) = 0' || true)
left=$(find "$(ls -dt "$FLIGHTDECK_HOME"/logs/*/ | head -1)" -type f | wc -l)
# A file renamed (a state file recycled, an empty raw output kept as the log) is created once.
per() { awk -v c="$1" -v n="$N" 'BEGIN { printf "%.2f", c / n }'; }
echo "files created per step: $(per $((left + removed))), removed: $(per "$removed"), renamed: $(per "$renamed")"
