#!/usr/bin/env bash
# Runner figures: idle CPU and RSS of a runner with no runs, and event latency from a step's output
# line to an attached client (the step prints a line with its wall-clock time in microseconds; the
# attached client's receive time minus that, over N lines).
# Usage: scripts/bench-runner.sh [LINES] [IDLE_SECONDS]   (uses target/release/flightdeck)
set -euo pipefail
LINES=${1:-200}
IDLE=${2:-10}
BIN=${FLIGHTDECK_BIN:-target/release/flightdeck}
[ -x "$BIN" ] || cargo build --release --quiet
BIN=$(realpath "$BIN")
WORK=$(mktemp -d)
trap 'kill "$RUNNER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/proj/workflows"
printf '[environments.local]\n' > "$WORK/proj/flightdeck.toml"
cat > "$WORK/proj/workflows/tick.toml" <<WF
title = "tick"
[[steps]]
id = "tick"
run = "i=0; while [ ! -e go ]; do sleep 0.05; done; while [ \$i -lt $LINES ]; do echo T\$(date +%s%6N); sleep 0.01; i=\$((i+1)); done"
WF
cd "$WORK/proj"
export FLIGHTDECK_HOME="$WORK/data"
"$BIN" runner --idle-exit 0 2>/dev/null &
RUNNER=$!
while [ ! -S "$WORK/data/runner.sock" ]; do sleep 0.05; done
sleep 1
CLK=$(getconf CLK_TCK)
t0=$(awk '{print $14+$15}' /proc/$RUNNER/stat)
sleep "$IDLE"
t1=$(awk '{print $14+$15}' /proc/$RUNNER/stat)
RSS=$(awk '/VmRSS/ {print $2}' /proc/$RUNNER/status)
echo "runner idle: $(awk -v a="$t0" -v b="$t1" -v c="$CLK" -v s="$IDLE" 'BEGIN { printf "%.3f", (b-a)/c/s*100 }') % of one core over ${IDLE}s, RSS ${RSS} KiB"
RUN=$("$BIN" run tick --detach)
python3 - "$BIN" "$RUN" "$LINES" <<'PY'
import json, subprocess, sys, time, os, statistics
bin_, run, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
p = subprocess.Popen([bin_, "attach", run, "--json"], stdout=subprocess.PIPE, text=True)
open("go", "w").close()
lat = []
for line in p.stdout:
    now = time.time_ns() // 1000
    e = json.loads(line)
    if e.get("event") == "step_log" and e.get("line", "").startswith("T"):
        lat.append((now - int(e["line"][1:])) / 1000.0)
    if e.get("event") == "run_finished":
        break
p.wait()
lat.sort()
q = lambda f: lat[min(len(lat) - 1, int(f * len(lat)))]
print(f"event latency, step output line -> attached client, {len(lat)} lines: median {statistics.median(lat):.2f} ms, p95 {q(0.95):.2f} ms, max {lat[-1]:.2f} ms")
PY
