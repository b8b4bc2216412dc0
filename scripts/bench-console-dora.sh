#!/usr/bin/env bash
# Console: how long a key takes to show while DORA loads over 10,000 deployments and 100,000
# commits (DESIGN §9's scale; the DORA computation takes ~1 s there).
#
# Generates the repository and ledger with scripts/bench-dora.sh (KEEP=1; the history moved into
# the last 7 days, so every window `w` cycles through holds all 10,000 deployments), opens the console on it
# in a pseudo-terminal (80x24), goes to the DORA screen, then ROUNDS times: presses `w` (the window
# changes, so DORA is computed again in the background), and 50 ms into that computation presses `?`
# and times until the help box ("Keys on DORA") reaches the terminal; any key closes it. Prints the
# median, p95 and max key-to-screen time and, for comparison, the same with no computation running.
# A pty rather than tmux: tmux's capture-pane would add its own polling interval to every figure.
#
# Usage: scripts/bench-console-dora.sh [ROUNDS] [BIN]   (defaults 20 and target/release/flightdeck)
# KEEP=1 keeps the generated directory; DORA_WORK=DIR reuses one.
set -euo pipefail
ROUNDS=${1:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$(realpath "${2:-$ROOT/target/release/flightdeck}")
LOG=$(mktemp)
# DORA_WORK=DIR reuses a directory an earlier run kept (its repository takes minutes to generate).
# Every deployment inside the console's smallest window (7 days): a commit every 6 s, ending an hour ago.
export DORA_GAP=6 DORA_BASE=$(( $(date +%s) - 100000 * 6 - 3600 ))
if [ -n "${DORA_WORK:-}" ]; then
    WORK=$DORA_WORK
else
    # bench-dora.sh's own summary (over 2023-2025) finds nothing in the moved history: judge by the ledger.
    FLIGHTDECK_BIN=$BIN KEEP=1 "$ROOT/scripts/bench-dora.sh" > "$LOG" 2>&1 || true
    grep -q 'ledger ready' "$LOG" || { cat "$LOG"; exit 1; }
    WORK=$(sed -n 's/^keeping //p' "$LOG" | head -1)
    if [ -n "${KEEP:-}" ]; then
        echo "generated in $WORK (kept: DORA_WORK=$WORK $0 reuses it)"
    else
        trap 'rm -rf "$WORK"' EXIT
    fi
fi
rm -f "$LOG"
cd "$WORK/proj"
export FLIGHTDECK_HOME="$WORK/home" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$WORK/gitconfig"
python3 - "$BIN" "$ROUNDS" <<'PY'
import fcntl, os, pty, select, signal, statistics, struct, sys, termios, time

binary, rounds = sys.argv[1], int(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm-256color"
    os.execvp(binary, [binary])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))

def read_until(needle, limit):
    """Bytes until `needle` shows (or `limit` seconds); returns the time it showed, or None."""
    buf = b""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.01)
        if r:
            try:
                b = os.read(fd, 65536)
            except OSError:
                return None
            buf += b
            if needle and needle in buf:
                return time.monotonic()
    return None

def drain(secs):
    read_until(None, secs)

def key_to(key, needle):
    t0 = time.monotonic()
    os.write(fd, key)
    t = read_until(needle, 10)
    return None if t is None else (t - t0) * 1000

drain(3)
os.write(fd, b"d")
# The DORA screen and its first computation: the "nothing running" series starts after it.
if read_until(b"deployment(s)", 120) is None:
    sys.exit("the DORA screen never showed its deployments")
drain(2)
def series(busy):
    out = []
    for _ in range(rounds):
        if busy:
            os.write(fd, b"w")
            time.sleep(0.05)
        ms = key_to(b"?", b"Keys on DORA")
        if ms is not None:
            out.append(ms)
        os.write(fd, b"?")  # any key closes the help
        drain(2.5 if busy else 0.3)
    return out
idle, busy = series(False), series(True)
os.kill(pid, signal.SIGKILL)
os.waitpid(pid, 0)
for name, xs in (("DORA computing", busy), ("nothing running", idle)):
    if not xs:
        print(f"{name}: the help never showed"); continue
    xs.sort()
    p95 = xs[min(len(xs) - 1, int(len(xs) * 0.95))]
    print(f"key to screen, {name}: median {statistics.median(xs):.1f} ms, p95 {p95:.1f} ms, "
          f"max {xs[-1]:.1f} ms over {len(xs)} keys")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
