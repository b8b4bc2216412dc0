#!/usr/bin/env bash
# Peak memory (VmHWM / ru_maxrss) of flightdeck against hostile servers on 127.0.0.1:
#   alerts-flood   `alerts listen` under 300 connections each holding a 1 MiB-1 body, then 100
#                  POSTs of 1000 alerts (8 at a time); the store keeps only the newest 10000
#   bao-endless    `secrets check` against an OpenBao that streams JSON for ever
#   prom-endless   `monitoring verify` against a Prometheus that streams JSON for ever
#   hook-10g       `notify test` against a webhook answering 200 with a 10 GB body
# Prints one line per case: name, peak RSS in MiB, exit code.
# Usage: scripts/hostile-rss.sh [BINARY]   (default: target/release/flightdeck, else target/debug)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-}
if [ -z "$BIN" ]; then
  if [ -x target/release/flightdeck ]; then BIN=$PWD/target/release/flightdeck; else BIN=$PWD/target/debug/flightdeck; fi
fi
exec python3 - "$BIN" <<'PY'
import json, os, socket, subprocess, sys, tempfile, threading, time

BIN = sys.argv[1]

def server(handler):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0)); s.listen(512)
    def loop():
        while True:
            c, _ = s.accept()
            threading.Thread(target=handler, args=(c,), daemon=True).start()
    threading.Thread(target=loop, daemon=True).start()
    return s.getsockname()[1]

def read_head(c):
    data = b""
    c.settimeout(5)
    try:
        while b"\r\n\r\n" not in data:
            d = c.recv(65536)
            if not d: break
            data += d
    except OSError: pass

def endless(c):
    read_head(c)
    try:
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
        c.sendall(b'{"data":{"data":{"password":"')
        chunk = b"a" * (1 << 16)
        for _ in range(1 << 17):  # 8 GiB at most
            c.sendall(chunk)
    except OSError: pass

def ten_gb(c):
    read_head(c)
    try:
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10737418240\r\nConnection: close\r\n\r\n")
        chunk = b"x" * (1 << 16)
        for _ in range(10737418240 >> 16):
            c.sendall(chunk)
    except OSError: pass

def project(config):
    d = tempfile.mkdtemp(); h = tempfile.mkdtemp()
    open(os.path.join(d, "flightdeck.toml"), "w").write(config)
    env = dict(os.environ, FLIGHTDECK_HOME=h, FLIGHTDECK_RUNNER_IDLE="2")
    return d, env

def run_child(name, args, config):
    d, env = project(config)
    p = subprocess.Popen([BIN] + args, cwd=d, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0.0
    while p.poll() is None:
        try: peak = max(peak, hwm(p.pid))
        except OSError: pass
        time.sleep(0.05)
    print(f"{name:14} peak {peak:7.1f} MiB  exit {p.returncode}")

def hwm(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0

def alerts_flood():
    d, env = project("[environments.local]\n")
    p = subprocess.Popen([BIN, "alerts", "listen", "127.0.0.1:0", "--for", "120s"], cwd=d, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    addr = p.stdout.readline().decode().strip().split("http://")[1].split("/")[0]
    host, port = addr.split(":")
    threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
    held = []
    head = b"POST /alerts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n"
    body = b'{"alerts":[],"pad":"' + b"p" * (1048576 - 40)
    def hold():
        try:
            c = socket.create_connection((host, int(port)), timeout=30)
            c.sendall(head); c.sendall(body); held.append(c)
        except OSError: pass
    ts = [threading.Thread(target=hold) for _ in range(300)]
    [t.start() for t in ts]; [t.join() for t in ts]
    time.sleep(2)
    mid = hwm(p.pid)
    [c.close() for c in held]
    alerts = [{"status": "firing", "labels": {"alertname": f"A{i}", "monitor": "m"},
               "annotations": {"summary": "s" * 200}, "fingerprint": str(i)} for i in range(1000)]
    doc = json.dumps({"alerts": alerts}).encode()
    req = b"POST /alerts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(doc) + doc
    codes = []
    def post(n):
        for _ in range(n):
            try:
                c = socket.create_connection((host, int(port)), timeout=60); c.sendall(req)
                codes.append(c.recv(64).split(b" ")[1]); c.close()
            except OSError: codes.append(b"err")
    ts = [threading.Thread(target=post, args=(13,)) for _ in range(8)]
    [t.start() for t in ts]; [t.join() for t in ts]
    end = hwm(p.pid)
    p.terminate(); p.wait()
    ok = sum(1 for c in codes if c == b"200")
    print(f"{'alerts-flood':14} peak {end:7.1f} MiB  ({mid:.1f} MiB while 300 connections held 1 MiB each; {ok}/{len(codes)} POSTs of 1000 alerts answered 200)")

alerts_flood()
bao = server(endless)
run_child("bao-endless", ["secrets", "check", "x"],
          f'[environments.local]\n[secret_providers.bao]\nkind = "openbao"\naddress = "http://127.0.0.1:{bao}"\ntoken = "t0ken-t0ken"\n[secrets.x]\nprovider = "bao"\npath = "p"\nkey = "k"\n')
run_child("prom-endless", ["monitoring", "verify", "--prometheus", f"http://127.0.0.1:{server(endless)}", "--timeout", "1s"],
          "[environments.local]\n")
hook = server(ten_gb)
run_child("hook-10g", ["notify", "test", "ops", "--timeout", "20s"],
          f'[environments.local]\n[notify.channels.ops]\nkind = "webhook"\nurl = "http://127.0.0.1:{hook}/"\ntimeout = "10s"\n')
PY
