#!/usr/bin/env bash
# Cost import benchmark (issue 21: a 500,000-line CUR file imports in under 60 s with bounded
# memory). Generates, in a temp directory, an AWS CUR file with legacy headers (LINES line items over
# 3 months, 6 services x 3 environments, tags, credits and tax lines), imports it with
# `flightdeck cost import` under /usr/bin/time -v and prints the wall time and peak RSS; then imports
# it again (same sha256: nothing changes) and prints that time too.
#
# Usage: scripts/bench-cost.sh [LINES] [gz]   (default 500000; `gz` compresses the file first)
# Uses FD=/path/to/flightdeck if set, else builds the release binary (cargo build --release).
set -euo pipefail

LINES=${1:-500000}
GZ=${2:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "keeping $WORK" || trap 'rm -rf "$WORK"' EXIT
[ -x /usr/bin/time ] || { echo "bench-cost: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

if [ -z "${FD:-}" ]; then
    cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml"
    FD="$ROOT/target/release/flightdeck"
fi
export FLIGHTDECK_HOME="$WORK/home"
mkdir -p "$WORK/proj"
cd "$WORK/proj"

FILE="$WORK/cur.csv"
python3 - "$LINES" "$FILE" <<'PY'
import datetime, sys
n, path = int(sys.argv[1]), sys.argv[2]
services = ["api", "web", "worker", "db", "cache", "search"]
envs = ["production", "staging", "dev"]
start = datetime.date(2026, 8, 1)
with open(path, "w") as f:
    f.write("identity/LineItemId,lineItem/UsageStartDate,lineItem/LineItemType,lineItem/ProductCode,"
            "lineItem/CurrencyCode,lineItem/UnblendedCost,resourceTags/user:service,"
            "resourceTags/user:environment,resourceTags/user:team\n")
    for i in range(n):
        day = start + datetime.timedelta(days=(i * 92) // n)
        kind, svc, env = "Usage", services[i % 6], envs[(i // 6) % 3]
        if i % 97 == 0:
            kind, svc, env = "Tax", "", ""
        elif i % 89 == 0:
            kind = "Credit"
        elif i % 13 == 0:
            svc, env = "", ""
        cents = (i * 7919) % 100000
        cost = f"{'-' if kind == 'Credit' else ''}{cents // 10000}.{cents % 10000:04d}{i % 10}"
        team = "data" if svc == "db" else ("platform" if svc else "")
        f.write(f"li-{i},{day}T00:00:00Z,{kind},AmazonEC2,USD,{cost},{svc},{env},{team}\n")
PY
if [ "$GZ" = gz ]; then gzip -1 "$FILE"; FILE="$FILE.gz"; fi
echo "file: $(wc -c < "$FILE") bytes, $LINES line items${GZ:+ (gzip)}"

measure() {
    /usr/bin/time -v "$FD" cost import "$FILE" > "$WORK/out" 2> "$WORK/time"
    local wall rss
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time")
    echo "$1: wall $wall, peak RSS $((rss / 1024)) MiB: $(cat "$WORK/out")"
}
measure "import"
measure "again (same sha256)"
