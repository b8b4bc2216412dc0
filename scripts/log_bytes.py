#!/usr/bin/env python3
"""Bytes the console writes to its terminal while a run's step prints 8 varied lines a second.

usage: scripts/log_bytes.py BINARY COLS ROWS [SECONDS]
Makes a throw-away project whose `stream` workflow prints 8 lines a second (varied lengths, as a
build or a migration does), starts the console in a pseudo-terminal of COLS x ROWS
(TERM=xterm-256color), launches the workflow (`:run stream`, enter, enter), waits 3 s, then counts
the bytes written for SECONDS (default 10). Prints the bytes/s written, the step's own text bytes/s,
and the overhead (written minus text) — DESIGN §9's target is overhead <= 300 B/s at 80x24.
"""
import os, pty, select, signal, struct, sys, tempfile, time, fcntl, termios

LINES = [
    "compiling flightdeck v0.1.0 (/src/flightdeck)",
    "warning: unused variable `x` in src/main.rs:12",
    "  --> step 3 of 12: apply migration 0042_add_index_on_deployments.sql",
    "ok",
    "GET /health 200 12ms",
    "downloading https://registry.example/pkg-1.2.3.tgz (41.2 kB)",
    "[2026-11-18T09:30:00Z] INFO worker-3 processed batch 1718 (512 rows, 0 errors)",
    "done.",
    "Step 4/9 : RUN cargo build --release --locked",
    "   Compiling tokio v1.48.0",
    "test result: ok. 184 passed; 0 failed; 0 ignored",
    "pg_dump: dumping contents of table public.deployments",
    "retrying in 2s (attempt 2 of 5)",
]

def project():
    d = tempfile.mkdtemp(prefix="fd-logbytes-")
    os.makedirs(f"{d}/workflows")
    with open(f"{d}/flightdeck.toml", "w") as f:
        f.write('project = "logbytes"\ndefault_environment = "local"\n[environments.local]\n')
    # One line every 1/8 s, cycling through 13 texts: consecutive screens never line up.
    with open(f"{d}/lines.txt", "w") as f:
        f.write("\n".join(LINES) + "\n")
    with open(f"{d}/workflows/stream.toml", "w") as f:
        f.write('title = "Print 8 lines a second"\npersona = "diana"\n[[steps]]\nid = "print"\n')
        f.write('run = "i=0; while [ $i -lt 4000 ]; do while IFS= read -r l; do i=$((i+1)); '
                'echo \\"$l $i\\"; sleep 0.125; done < lines.txt; done"\n')
    return d

def main():
    binary, cols, rows = os.path.abspath(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    secs = float(sys.argv[4]) if len(sys.argv) > 4 else 10.0
    d = project()
    home = tempfile.mkdtemp(prefix="fd-logbytes-home-")
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(d)
        os.environ["TERM"] = "xterm-256color"
        os.environ["FLIGHTDECK_HOME"] = home
        os.execvp(binary, [binary])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    os.kill(pid, signal.SIGWINCH)
    def pump(until):
        n = 0
        while True:
            left = until - time.monotonic()
            if left <= 0: return n
            r, _, _ = select.select([fd], [], [], left)
            if r:
                try: b = os.read(fd, 65536)
                except OSError: return n
                if not b: return n
                n += len(b)
    first = pump(time.monotonic() + 1.5)
    for keys in [b":run stream", b"\r", b"\r"]:
        os.write(fd, keys); pump(time.monotonic() + 0.5)
    pump(time.monotonic() + 3.0)
    n = pump(time.monotonic() + secs)
    os.kill(pid, signal.SIGKILL); os.waitpid(pid, 0)
    text = 8 * (sum(len(l) for l in LINES) / len(LINES) + 5)  # 8 lines, each plus " NNN" and \\n
    rate = n / secs
    print(f"{cols}x{rows}: first frame {first} B; run view {rate:.0f} B/s written while the step "
          f"prints {text:.0f} B/s of text (8 lines/s): overhead {rate - text:.0f} B/s")

main()
