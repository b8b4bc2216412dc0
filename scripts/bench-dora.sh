#!/usr/bin/env bash
# DORA benchmark (DESIGN §9: all metrics over 10k deployments and 100k commits in under 1 s).
#
# Generates, in a temp directory, a repository of 100,000 commits with git fast-import (a main line
# with a merged side branch every 100 commits, 10 minutes apart) and a ledger of 10,000 production
# deployments (one every 10 commits, 30 minutes after it; every 50th a hotfix remediating the one
# before, every 100th with an incident), then times `flightdeck dora` over a window holding all of
# them (`--json`: every deployment with every commit it shipped, and the text table) and prints the
# wall time and peak memory (/usr/bin/time -v).
#
# Usage: scripts/bench-dora.sh [COMMITS] [DEPLOY_EVERY]   (defaults 100000 and 10)
# DORA_BASE (unix seconds, default 1700000000) and DORA_GAP (seconds between commits, default 600)
# move the history (scripts/bench-console-dora.sh puts it in the console's last 180 days).
# Builds the release binary first (cargo build --release), unless FLIGHTDECK_BIN names one.
set -euo pipefail

COMMITS=${1:-100000}
EVERY=${2:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "keeping $WORK" || trap 'rm -rf "$WORK"' EXIT

if [ -n "${FLIGHTDECK_BIN:-}" ]; then
    FD=$(realpath "$FLIGHTDECK_BIN")   # a binary already built (no cargo build)
else
    cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
    FD="$ROOT/target/release/flightdeck"
fi

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$WORK/gitconfig"
printf '[user]\n\tname = Bench\n\temail = bench@example.com\n' > "$GIT_CONFIG_GLOBAL"
export FLIGHTDECK_HOME="$WORK/home"
PROJ="$WORK/proj"
mkdir -p "$PROJ"
cd "$PROJ"
git init -q .
printf '[environments.production]\nproduction = true\n[services.web]\n' > flightdeck.toml

echo "generating $COMMITS commits with git fast-import ..."
START=$(date +%s.%N)
python3 - "$COMMITS" > "$WORK/stream" <<'PY'
import os, sys
n = int(sys.argv[1]); base = int(os.environ.get('DORA_BASE', 1_700_000_000)); gap = int(os.environ.get('DORA_GAP', 600))
out = sys.stdout
for i in range(1, n + 1):
    t = base + i * gap
    side = i % 100 == 50 and i > 1
    ref = "refs/heads/side" if side else "refs/heads/main"
    msg = f"change {i}\n"
    data = f"line {i}\n"
    out.write(f"commit {ref}\nmark :{i}\nauthor Bench <bench@example.com> {t} +0000\n"
              f"committer Bench <bench@example.com> {t} +0000\ndata {len(msg)}\n{msg}")
    if i > 1:
        if side:
            out.write(f"from :{i-1}\n")
        elif i % 100 == 51:
            out.write(f"from :{i-2}\nmerge :{i-1}\n")
        else:
            out.write(f"from :{i-1}\n")
    out.write(f"M 644 inline f{i % 1000}.txt\ndata {len(data)}\n{data}\n")
PY
git fast-import --quiet --export-marks="$WORK/marks" < "$WORK/stream"
git checkout -q main
echo "  repository ready in $(echo "$(date +%s.%N) - $START" | bc) s ($(git rev-list --count --all) commits)"

echo "generating and importing the ledger ..."
python3 - "$COMMITS" "$EVERY" "$WORK/marks" > "$WORK/ledger.jsonl" <<'PY'
import json, os, sys
n, every, marks = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
sha = {}
for line in open(marks):
    m, s = line.split()
    sha[int(m[1:])] = s
base = int(os.environ.get('DORA_BASE', 1_700_000_000)); gap = int(os.environ.get('DORA_GAP', 600))
k = 0
prev = None
for i in range(every, n + 1, every):
    k += 1
    t = (base + i * gap + 1800) * 1_000_000
    d = {"id": f"d{k}", "service": "web", "environment": "production", "production": True,
         "sha": sha[i], "version": None, "kind": "normal", "status": "succeeded",
         "started_at": t - 300_000_000, "finished_at": t, "run": None, "remediates": None, "actor": "bench"}
    if k % 50 == 0 and prev:
        d["kind"] = "hotfix"; d["remediates"] = prev
    print(json.dumps(d))
    prev = d["id"]
PY
START=$(date +%s.%N)
"$FD" ledger import "$WORK/ledger.jsonl"
for k in $(seq 100 100 1000); do
    "$FD" incident open "bench incident $k" --service web --caused-by "d$k" --id "i$k" \
        --started "$(date -u -d @$((${DORA_BASE:-1700000000} + k * EVERY * ${DORA_GAP:-600} + 2400)) +%Y-%m-%dT%H:%M:%SZ)" > /dev/null
done
echo "  ledger ready in $(echo "$(date +%s.%N) - $START" | bc) s"

RANGE=(--since 2023-01-01 --until 2026-01-01)
"$FD" dora "${RANGE[@]}" --json > /dev/null   # warm the page cache
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for fmt in json text; do
    flag=(); [ "$fmt" = json ] && flag=(--json)
    /usr/bin/time -v "$FD" dora "${RANGE[@]}" "${flag[@]}" > "$WORK/out.$fmt" 2> "$WORK/time.$fmt"
    wall=$(grep 'Elapsed (wall clock)' "$WORK/time.$fmt" | awk '{print $NF}')
    rss=$(grep 'Maximum resident set size' "$WORK/time.$fmt" | awk '{print $NF}')
    user=$(grep 'User time' "$WORK/time.$fmt" | awk '{print $NF}')
    sys=$(grep 'System time' "$WORK/time.$fmt" | awk '{print $NF}')
    echo "flightdeck dora --$fmt: wall $wall (user ${user} s, sys ${sys} s), peak RSS $((rss / 1024)) MiB, output $(wc -c < "$WORK/out.$fmt") bytes"
done
python3 - "$WORK/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["current"]
print(f"  {c['deployments']} deployments, {c['lead_time']['commits']} commits counted, "
      f"{sum(len(r['commits']) for r in d['deployments'])} commits listed, "
      f"change fail rate {c['change_fail_rate']:.4f}, rework {c['rework_rate']:.4f}")
PY
sed -n '3,13p' "$WORK/out.text"
