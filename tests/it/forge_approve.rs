//! Forging approvals at the wire, as a member of the operators' group would: a request that claims
//! another uid (in the request, in the decision, as an operator field), the same person racing two
//! approvals on two connections to count twice, an answer for a gate attempt that is not open, root
//! where `allow_root_approval` is off, and a malformed handshake or an old protocol version. The
//! runner takes identity from `SO_PEERCRED` only; the gate passes with exactly the two eligible
//! people, and the audit says so. Raw requests are sent by the system's python3 as real users.

use std::process::{Command, Stdio};

use crate::common::text;
use crate::e2e_pair::GATED;
use crate::forge_flood::{PYTHON, ensure_python};
use crate::runner_users::CONFIG;
use crate::users::{RootRunner, data_dir, ensure_users, run_as, shared_project, uid, wait_status};

/// Connects once per request line on argv (all connected and sent before any answer is read, so
/// two answers race), after the hello in argv[2]; prints each connection's first answer.
const RAW: &str = r#"
import socket, sys
path, hello, reqs = sys.argv[1], sys.argv[2], sys.argv[3:]
conns = []
for r in reqs:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(20)
    s.sendall(hello.encode() + b"\n")
    f = s.makefile("rb")
    conns.append((s, f, f.readline()))
for (s, f, w), r in zip(conns, reqs):
    try:
        s.sendall(r.encode() + b"\n")
    except OSError:
        pass
for s, f, w in conns:
    line = f.readline() if w.startswith(b'{"response":"welcome"') else w
    sys.stdout.write(line.decode().strip() + "\n")
"#;

const HELLO: &str = r#"{"protocol":1,"client":"forge"}"#;

/// Sends raw request lines as `user`; one answer per line.
fn raw(p: &crate::common::Project, user: &str, hello: &str, reqs: &[String]) -> Vec<serde_json::Value> {
    let out = Command::new("setpriv")
        .args(["--reuid", user, "--regid", user, "--init-groups", PYTHON, "-c", RAW])
        .arg(data_dir(p).join("runner.sock"))
        .arg(hello)
        .args(reqs)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn approve_line(run: &str, gate: &str, extra: &str) -> String {
    format!(
        r#"{{"request":"decide","run":"{run}","decision":{{"decision":"approve","gate":"{gate}","comment":"forged"{extra}}}{extra}}}"#
    )
}

fn counted(answer: &serde_json::Value) -> bool {
    answer["reply"]["counted"] == true
}

#[test]
fn identity_claims_races_and_wrong_gates_forge_no_approval() {
    ensure_users();
    ensure_python();
    let p = shared_project(CONFIG, &[("gated.toml", GATED)]);
    let _runner = RootRunner::start(&p);
    let out = run_as(&p, "fd-alice", &["run", "gated", "--env", "prod", "--detach"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let run = String::from_utf8_lossy(&out.stdout).trim().to_string();
    wait_status(&p, &run, "waiting");
    // Alice, the operator, claims to be bob everywhere a field could carry it.
    let claim = format!(
        r#","uid":{},"by":{{"uid":{},"name":"fd-bob"}},"operator":"fd-bob""#,
        uid("fd-bob"),
        uid("fd-bob")
    );
    let a = raw(&p, "fd-alice", HELLO, &[approve_line(&run, "", &claim)]);
    assert!(!counted(&a[0]), "{a:?}");
    assert!(a[0]["reply"]["message"].as_str().unwrap().contains("own operator"), "{a:?}");
    // Bob races two approvals on two connections, and tries a gate attempt that is not open.
    let b = raw(&p, "fd-bob", HELLO, &[approve_line(&run, "", ""), approve_line(&run, "promote#1", "")]);
    assert_eq!(b.iter().filter(|x| counted(x)).count(), 1, "one person counted twice: {b:?}");
    let wrong = raw(&p, "fd-bob", HELLO, &[approve_line(&run, "promote#2", "")]);
    assert!(
        !counted(&wrong[0]) && wrong[0]["reply"]["message"].as_str().unwrap().contains("not open"),
        "{wrong:?}"
    );
    // Root does not count in prod (allow_root_approval is off).
    let root = run_as(&p, "root", &["approve", &run]);
    assert_eq!(root.status.code(), Some(4), "{}", text(&root));
    assert!(String::from_utf8_lossy(&root.stderr).contains("root does not count"), "{}", text(&root));
    wait_status(&p, &run, "waiting");
    assert_eq!(p.read("trace"), "", "the gate passed with one eligible approval");
    let carol = run_as(&p, "fd-carol", &["approve", &run]);
    assert_eq!(carol.status.code(), Some(0), "{}", text(&carol));
    wait_status(&p, &run, "succeeded");
    let conn = rusqlite::Connection::open(data_dir(&p).join("flightdeck.db")).unwrap();
    let detail: String = conn
        .query_row("SELECT detail FROM audit WHERE action = 'gate.pass' AND run = ?1", [&run], |r| r.get(0))
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&detail).unwrap();
    let names: Vec<&str> =
        v["approvals"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["fd-bob", "fd-carol"], "{detail}");
}

#[test]
fn a_malformed_handshake_or_another_protocol_version_is_refused_and_the_runner_goes_on() {
    ensure_users();
    ensure_python();
    let p = shared_project(CONFIG, &[("gated.toml", GATED)]);
    let _runner = RootRunner::start(&p);
    let list = r#"{"request":"list_runs","limit":0}"#.to_string();
    for (hello, code) in
        [("{\"protocol\":", 2), ("not json at all", 2), (r#"{"protocol":0,"client":"old"}"#, 8)]
    {
        let a = raw(&p, "fd-bob", hello, std::slice::from_ref(&list));
        assert_eq!(a[0]["response"], "error", "{hello}: {a:?}");
        assert_eq!(a[0]["code"], code, "{hello}: {a:?}");
    }
    let ok = raw(&p, "fd-bob", HELLO, &[list]);
    assert_eq!(ok[0]["response"], "runs", "{ok:?}");
}
