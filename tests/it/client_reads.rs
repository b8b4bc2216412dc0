//! Every read through the runner, with real second OS users (issues 11, 14, 18): against a root
//! runner whose store only root reads, fd-bob (in the socket's group) gets `notify list` and
//! `release plan`/`changelog` byte for byte as root gets them; a refused run's exit 8 survives the
//! runner being killed with SIGKILL; a runner that only answers reads exits when idle; and fd-bob's
//! client-only console shows the runs list, the incident timeline and notifications with real data.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Project, bin, text};
use crate::e2e_tmux::Tmux;
use crate::history_users::{ok, same_output};
use crate::receiver::{Answer, Receiver};
use crate::users::{GROUP, RootRunner, data_dir, ensure_users, run_as, sh_as, shared_project, wait_status};

const CHATTY: &str = "title = \"Chatty\"\n[[steps]]\nid = \"greet\"\nrun = \"echo hello\"\n";

/// A terraform apply of a plan nobody approved: refused (exit 8) before any tool runs.
const REFUSING: &str = r#"
title = "Refusing"
[[steps]]
id = "apply"
iac = { tool = "terraform", dir = ".", approved = "not-a-plan" }
"#;

fn config(hook: &str) -> String {
    format!(
        "[environments.prod]\nproduction = true\n\n[environments.staging]\n\n[notify.channels.opsdesk]\nkind = \"webhook\"\nurl = \"{hook}\"\ntimeout = \"500ms\"\n"
    )
}

/// The same command as root (store and repository, directly) and as fd-bob (through the runner):
/// same exit code and stdout; returns it.
fn same(p: &Project, args: &[&str]) -> String {
    String::from_utf8_lossy(&same_output(p, args).stdout).into_owned()
}

/// Makes the project a git repository with a release tag and a fix after it, owned by root.
fn git_history(dir: &Path) {
    let script = "git init -q && git add -A && git -c user.email=r@x -c user.name=r commit -qm 'feat: first' \
        && git tag v0.1.0 && echo x > fix.txt && git add fix.txt \
        && git -c user.email=r@x -c user.name=r commit -qm 'fix: the checkout total' && chmod -R a+rX .";
    let out = Command::new("sh").arg("-c").arg(script).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn an_operator_reads_notifications_and_the_release_plan_through_the_runner() {
    ensure_users();
    let rx = Receiver::start(vec![], Answer::Status(200));
    let p = shared_project(&config(&rx.url("/hook")), &[("chatty.toml", CHATTY)]);
    git_history(p.path());
    let _runner = RootRunner::start(&p);
    ok(&run_as(&p, "root", &["notify", "test", "opsdesk"]), "notify test");
    // fd-bob can open neither the store nor (git refuses another owner's repository) the repository.
    let db = data_dir(&p).join("flightdeck.db");
    assert!(!sh_as("fd-bob", &format!("cat {} >/dev/null", db.display())).status.success());
    let git = sh_as("fd-bob", &format!("HOME=/nonexistent git -C {} log -1", p.path().display()));
    assert!(!git.status.success(), "fd-bob opened root's repository: {}", text(&git));

    let list = same(&p, &["notify", "list"]);
    assert!(list.contains("opsdesk") && list.contains("delivered"), "{list}");
    let rows: Value = serde_json::from_str(&same(&p, &["notify", "list", "--json"])).unwrap();
    let id = rows[0]["id"].as_i64().unwrap().to_string();
    let one: Value = serde_json::from_str(&same(&p, &["notify", "list", &id, "--json"])).unwrap();
    assert_eq!(one["attempts"].as_array().map(Vec::len), Some(1), "{one}");
    let missing = run_as(&p, "fd-bob", &["notify", "list", "999999"]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));

    let plan = same(&p, &["release", "plan"]);
    assert!(plan.contains("v0.1.1") && plan.contains("the checkout total"), "{plan}");
    let json: Value = serde_json::from_str(&same(&p, &["release", "plan", "--json"])).unwrap();
    assert_eq!(json["next_tag"], "v0.1.1", "{json}");
    let log = same(&p, &["release", "changelog"]);
    assert!(log.contains("## [0.1.1]") && log.contains("the checkout total"), "{log}");
    // A refusal comes through with its exit code: nothing left to release once HEAD is tagged.
    let out = Command::new("git").args(["tag", "v0.1.1"]).current_dir(p.path()).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let root = run_as(&p, "root", &["release", "changelog"]);
    let bob = run_as(&p, "fd-bob", &["release", "changelog"]);
    assert_eq!((root.status.code(), bob.status.code()), (Some(8), Some(8)), "{}", text(&bob));
}

#[test]
fn a_refused_run_still_exits_8_after_its_runner_is_killed() {
    ensure_users();
    let p = shared_project("[environments.staging]\n", &[("refusing.toml", REFUSING)]);
    let runner = RootRunner::start(&p);
    let out = run_as(&p, "fd-alice", &["run", "refusing", "--env", "staging", "--detach"]);
    let run = ok(&out, "run --detach").trim().to_string();
    wait_status(&p, &run, "failed");
    let attach = run_as(&p, "fd-alice", &["attach", &run]);
    assert_eq!(attach.status.code(), Some(8), "before the kill: {}", text(&attach));

    runner.crash();
    let _runner = RootRunner::start(&p);
    for user in ["fd-alice", "fd-bob"] {
        let attach = run_as(&p, user, &["attach", &run]);
        assert_eq!(attach.status.code(), Some(8), "{user} after the kill: {}", text(&attach));
    }
    let shown: Value =
        serde_json::from_str(&ok(&run_as(&p, "fd-bob", &["show", &run, "--json"]), "show")).unwrap();
    assert_eq!(shown["run"]["exit_code"], 8, "{shown:#}");
    let msg = shown["steps"][0]["message"].as_str().unwrap_or_default();
    assert!(msg.starts_with("precondition refused: no approved plan"), "{shown:#}");
}

#[test]
fn a_runner_asked_only_for_reads_exits_when_idle_and_the_next_client_starts_one() {
    ensure_users();
    let p = shared_project("[environments.staging]\n", &[("chatty.toml", CHATTY)]);
    let data = data_dir(&p);
    let mut child = Command::new(bin())
        .arg("--data-dir")
        .arg(&data)
        .args(["runner", "--idle-exit", "3", "--group", GROUP])
        .current_dir(p.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let sock = data.join("runner.sock");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::os::unix::net::UnixStream::connect(&sock).is_err() {
        assert!(Instant::now() < deadline, "the runner did not listen");
        std::thread::sleep(Duration::from_millis(20));
    }
    // fd-bob polls as a client-only console does (runs list, audit, notifications), back to back,
    // for far longer than the idle period: the runner exits anyway.
    let mut answered = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    let exited = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            break None;
        }
        for args in [&["runs", "--json"][..], &["audit", "--limit", "1"], &["notify", "list"]] {
            if run_as(&p, "fd-bob", args).status.success() {
                answered += 1;
            }
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(exited.is_some(), "reads kept the runner alive for 60 s ({answered} answered)");
    assert!(answered >= 1, "the runner answered no read before it exited");
    assert!(!sock.exists(), "an idle runner removes its socket");
    // The next client that needs a runner starts one on demand (it exits idle after 2 s).
    let out = run_as(&p, "root", &["run", "chatty", "--env", "staging"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// fd-bob's console in its own tmux server (a private socket), 120x30.
fn console_as_bob(p: &Project) -> Tmux {
    let tmux = Tmux { socket: format!("fd-reads-bob-{}", std::process::id()) };
    let line = format!(
        "cd {} && TERM=xterm-256color setpriv --reuid fd-bob --regid fd-bob --init-groups {} --data-dir {}; sleep 5",
        p.path().display(),
        bin().display(),
        data_dir(p).display()
    );
    let out = tmux.cmd(&["new-session", "-d", "-s", "fd", "-x", "120", "-y", "30", &line]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    tmux
}

#[test]
fn a_client_only_console_shows_runs_the_incident_timeline_and_notifications() {
    crate::common::ensure_tool("tmux");
    ensure_users();
    let rx = Receiver::start(vec![], Answer::Status(200));
    let p = shared_project(&config(&rx.url("/hook")), &[("chatty.toml", CHATTY)]);
    let _runner = RootRunner::start(&p);
    let run = ok(&run_as(&p, "fd-alice", &["run", "chatty", "--env", "prod", "--detach"]), "run");
    wait_status(&p, run.trim(), "succeeded");
    ok(&run_as(&p, "root", &["notify", "test", "opsdesk"]), "notify test");
    let open = [
        "incident",
        "open",
        "checkout 502",
        "--service",
        "web",
        "--env",
        "prod",
        "--severity",
        "sev1",
        "--id",
        "inc-ro",
        "--commander",
    ];
    ok(&run_as(&p, "fd-alice", &open), "incident open");
    ok(&run_as(&p, "fd-alice", &["incident", "note", "inc-ro", "cache was cold"]), "incident note");

    let bob = console_as_bob(&p);
    // The banner comes through the runner too.
    bob.wait_for("SEV1 inc-ro");
    bob.keys(&[":", "runs", "Enter"]);
    let runs = bob.wait_for("chatty");
    assert!(runs.contains("succeeded"), "{runs}");
    bob.keys(&[":", "incident", "Enter"]);
    let timeline = bob.wait_for("note by fd-alice: cache was cold");
    assert!(timeline.contains("declared the incident"), "{timeline}");
    bob.keys(&[":", "notifications", "Enter"]);
    let shown = bob.wait_for("opsdesk");
    assert!(shown.contains('✓'), "the delivered test message: {shown}");
}
