//! A member of the operators' group floods the runner: many connections, each sending a
//! never-ending line (a huge frame) and holding it open, and more that never shake hands. The
//! runner stays bounded in memory and answers a colleague meanwhile. Real users: `fd-bob` floods
//! with the system's python3, `fd-carol` lists the runs, against a root runner in the bastion layout.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use crate::common::text;
use crate::users::{RootRunner, data_dir, ensure_users, run_as, shared_project};

pub(crate) const PYTHON: &str = "/usr/bin/python3";

/// Opens `conns` connections as the calling user; each sends a hello and then `frame` bytes with no
/// newline; prints `ready` and holds them until stdin closes. Errors (a closed connection) are fine.
const FLOOD: &str = r#"
import socket, sys
path, conns, frame = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
held, chunk = [], b"x" * 65536
for i in range(conns):
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.settimeout(5)
        held.append(s)
        if i % 2 == 0:
            s.sendall(b'{"protocol":1,"client":"flood"}\n')
        sent = 0
        while sent < frame:
            s.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass
print("ready", len(held), flush=True)
sys.stdin.read()
"#;

pub(crate) fn ensure_python() {
    if !std::path::Path::new(PYTHON).exists() {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install-test-deps.sh");
        let _ = Command::new("bash").arg(&script).output();
    }
    assert!(std::path::Path::new(PYTHON).exists(), "{PYTHON} is missing: see scripts/deps/forge.sh");
}

fn rss_kib(pid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_flood_of_huge_frames_from_one_operator_leaves_the_runner_bounded_and_answering() {
    ensure_users();
    ensure_python();
    let p = shared_project("", &[]);
    let _runner = RootRunner::start(&p);
    let pid = std::fs::read_to_string(data_dir(&p).join("runner.lock")).unwrap().trim().to_string();
    let before = rss_kib(&pid);
    let sock = data_dir(&p).join("runner.sock");
    // 160 connections of 4 MiB each: 640 MiB if the runner buffered them all.
    let mut flood = Command::new("setpriv")
        .args(["--reuid", "fd-bob", "--regid", "fd-bob", "--init-groups", PYTHON, "-c", FLOOD])
        .arg(&sock)
        .args(["160", &(4 * 1024 * 1024).to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(flood.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert!(line.starts_with("ready"), "the flood did not run: {line:?}");
    // While bob holds his connections, carol is answered.
    let out = run_as(&p, "fd-carol", &["runs", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let during = rss_kib(&pid);
    let _ = flood.stdin.take().unwrap().write_all(b"");
    let _ = flood.wait();
    assert!(
        during < before + 256 * 1024,
        "the runner grew from {before} KiB to {during} KiB under one operator's flood"
    );
    // And after it, too.
    let out = run_as(&p, "fd-carol", &["runs", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
