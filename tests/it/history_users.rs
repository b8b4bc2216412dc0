//! History through the runner, with real OS users (through `setpriv`, against a root runner whose
//! store only root reads): an operator in the socket's group gets byte for byte what root gets
//! reading the store directly from `show RUN`, `log`, `audit`, `audit verify`, `dora --json`,
//! `ledger list/export/last-good`; a step log of 100k lines comes in bounded pages; and
//! `[runner] group` in flightdeck.toml sets the socket's group.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::process::Output;
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{bin, text};
use crate::users::{GROUP, RootRunner, data_dir, ensure_users, run_as, sh_as, shared_project, wait_status};

const CONFIG: &str = "[environments.prod]\nproduction = true\n";

/// Two steps: a short log with an escape sequence, and 100k numbered lines (about 590 kB).
const WORKFLOW: &str = r#"
title = "Chatty"

[[steps]]
id = "greet"
run = '''printf 'hello\033[31m red\n'; echo second line'''

[[steps]]
id = "lines"
run = "seq 1 100000"
"#;

pub(crate) fn ok(out: &Output, what: &str) -> String {
    assert_eq!(out.status.code(), Some(0), "{what}: {}", text(out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The same command as root (the store, directly) and as fd-bob (through the runner): same exit
/// code, same stdout; returns fd-bob's output.
pub(crate) fn same_output(p: &crate::common::Project, args: &[&str]) -> Output {
    let root = run_as(p, "root", args);
    let bob = run_as(p, "fd-bob", args);
    assert_eq!(bob.status.code(), root.status.code(), "{args:?}: root {} / bob {}", text(&root), text(&bob));
    assert!(
        root.stdout == bob.stdout,
        "{args:?}: outputs differ\n-- root --\n{}\n-- fd-bob --\n{}",
        String::from_utf8_lossy(&root.stdout),
        String::from_utf8_lossy(&bob.stdout)
    );
    bob
}

/// [`same_output`] of a command that succeeds; its stdout.
fn same(p: &crate::common::Project, args: &[&str]) -> String {
    ok(&same_output(p, args), &format!("{args:?}"))
}

fn finished_run(p: &crate::common::Project) -> String {
    let out = run_as(p, "fd-alice", &["run", "chatty", "--env", "prod", "--detach"]);
    let run = ok(&out, "run").trim().to_string();
    wait_status(p, &run, "succeeded");
    run
}

#[test]
fn a_group_member_who_cannot_read_the_store_reads_the_same_history_as_root() {
    ensure_users();
    let p = shared_project(CONFIG, &[("chatty.toml", WORKFLOW)]);
    let _runner = RootRunner::start(&p);
    let run = finished_run(&p);
    let add =
        ["ledger", "add", "--service", "web", "--env", "prod", "--version", "1.4.0", "--allow-unknown-sha"];
    ok(&run_as(&p, "root", &add), "ledger add");

    // The member really cannot read the store.
    let db = data_dir(&p).join("flightdeck.db");
    let cat = sh_as("fd-bob", &format!("cat {} > /dev/null", db.display()));
    assert!(!cat.status.success(), "fd-bob could read {}", db.display());

    let shown = same(&p, &["show", &run]);
    assert!(shown.contains("greet") && shown.contains("lines") && shown.contains("succeeded"), "{shown}");
    let shown: Value = serde_json::from_str(&same(&p, &["show", &run, "--json"])).unwrap();
    assert_eq!(shown["steps"].as_array().unwrap().len(), 2, "{shown:#}");
    let log = same(&p, &["log", &run, "greet"]);
    assert!(log.contains("hello\\u001b[31m red\nsecond line\n"), "{log}");
    let raw = same(&p, &["log", &run, "greet", "--raw"]);
    assert!(raw.contains("hello\u{1b}[31m red\n"), "{raw}");
    let events = same(&p, &["log", &run, "--events"]);
    assert!(events.lines().count() > 4, "{events}");
    let audit = same(&p, &["audit"]);
    assert!(audit.contains("run.start") && audit.contains("fd-alice"), "{audit}");
    same(&p, &["audit", "--limit", "2", "--json"]);
    let verify = same(&p, &["audit", "verify"]);
    assert!(verify.starts_with("audit chain intact"), "{verify}");
    let window = ["--since", "2020-01-01T00:00:00Z", "--until", "2040-01-01T00:00:00Z"];
    let dora: Value =
        serde_json::from_str(&same(&p, &[&["dora", "--json"][..], &window[..]].concat())).unwrap();
    assert_eq!(dora["deployments"].as_array().map(Vec::len), Some(1), "{dora:#}");
    let list = same(&p, &["ledger", "list"]);
    assert!(list.contains("web") && list.contains("succeeded"), "{list}");
    same(&p, &["ledger", "export", "--format", "csv"]);
    let good = same(&p, &["ledger", "last-good", "--service", "web", "--env", "prod"]);
    assert_eq!(good.trim(), "1.4.0");

    // A run that does not exist is refused the same way (exit 2) on both paths.
    let root = run_as(&p, "root", &["log", "no-such-run"]);
    let bob = run_as(&p, "fd-bob", &["log", "no-such-run"]);
    assert_eq!((root.status.code(), bob.status.code()), (Some(2), Some(2)), "{}", text(&bob));
}

#[test]
fn a_100k_line_step_log_comes_through_the_runner_in_bounded_pages() {
    ensure_users();
    let p = shared_project(CONFIG, &[("chatty.toml", WORKFLOW)]);
    let _runner = RootRunner::start(&p);
    let run = finished_run(&p);

    let log = same(&p, &["log", &run, "lines"]);
    let lines: Vec<&str> = log.lines().collect();
    let ends = (&lines[..lines.len().min(3)], &lines[lines.len().saturating_sub(3)..]);
    assert_eq!(lines.len(), 100_001, "header plus 100k lines: {ends:?}");
    assert_eq!((lines[1], lines[100_000]), ("1", "100000"));

    // One request asking for far more than a page gets at most a page, cut after a newline.
    let sock = UnixStream::connect(data_dir(&p).join("runner.sock")).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut w = sock.try_clone().unwrap();
    let mut r = BufReader::new(sock);
    let mut send = |v: Value| writeln!(w, "{v}").unwrap();
    let mut recv = || {
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        serde_json::from_str::<Value>(&line).unwrap()
    };
    send(json!({ "protocol": 1, "client": "test" }));
    assert_eq!(recv()["response"], "welcome");
    let mut offset = 0u64;
    let mut pages = 0;
    let mut total = Vec::new();
    loop {
        let q =
            json!({ "step": "lines", "run": run, "offset": offset, "max": 100_000_000, "query": "step_log" });
        send(json!({ "request": "query", "query": q }));
        let answer = recv();
        let page = &answer["answer"];
        assert_eq!(page["answer"], "log_page", "{answer}");
        let data = base64_decode(page["data"].as_str().unwrap());
        assert!(data.len() <= 256 * 1024, "a page of {} bytes", data.len());
        assert!(data.is_empty() || data.ends_with(b"\n"), "a page cut inside a line");
        total.extend_from_slice(&data);
        pages += 1;
        offset = page["next"].as_u64().unwrap();
        if page["end"] == true {
            break;
        }
        assert!(pages < 100, "no end after {pages} pages");
    }
    assert!(pages >= 3, "{pages} pages for {} bytes", total.len());
    let expected = (1..=100_000).fold(String::new(), |mut s, n| {
        s.push_str(&n.to_string());
        s.push('\n');
        s
    });
    assert!(total == expected.as_bytes(), "the pages do not add up to the log");
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(s).unwrap()
}

#[test]
fn the_runner_group_comes_from_flightdeck_toml_when_no_flag_or_env_names_one() {
    ensure_users();
    let config = format!("{CONFIG}\n[runner]\ngroup = \"{GROUP}\"\n");
    let p = shared_project(&config, &[("chatty.toml", WORKFLOW)]);
    let data = data_dir(&p);
    let mut child = std::process::Command::new(bin())
        .arg("--data-dir")
        .arg(&data)
        .args(["runner", "--idle-exit", "0"])
        .env_remove("FLIGHTDECK_RUNNER_GROUP")
        .current_dir(p.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let sock = data.join("runner.sock");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while UnixStream::connect(&sock).is_err() {
        assert!(std::time::Instant::now() < deadline, "the runner did not listen");
        std::thread::sleep(Duration::from_millis(20));
    }
    let meta = std::fs::metadata(&sock).unwrap();
    let gid = nix::unistd::Group::from_name(GROUP).unwrap().unwrap().gid.as_raw();
    assert_eq!((meta.gid(), meta.permissions().mode() & 0o777), (gid, 0o660));
    // A member can use it: its history reads work.
    let audit = run_as(&p, "fd-bob", &["audit", "verify"]);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(audit.status.code(), Some(0), "{}", text(&audit));

    // An unknown key in [runner] is refused with the file and line.
    let bad = crate::common::Project::new("[runner]\ngroups = \"x\"\n", &[]);
    let out = bad.run(&["info"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = text(&out);
    assert!(err.contains("flightdeck.toml") && err.contains("groups"), "{err}");
}
