//! The hidden prompt inside `secrets-provision` (`create = "prompt"`), against a real openbao dev
//! server, with the real binary on real terminals (tmux): the run waits at the prompt, a value
//! shorter than 8 characters is refused and asked again, the value typed with echo off is written
//! to openbao and read back, and no encoding of it is found in any place flightdeck wrote: every
//! file under the data directory (store, WAL, step logs, the runner's log), every screen of the
//! terminal (the run's stdout and stderr), `flightdeck log` (steps and events) and `audit`. With real
//! second users: another user's answer is refused with a clear message and audited without the
//! value; the run's owner answers from `attach`. A runner killed at the prompt wrote nothing and
//! `resume` asks again. The console's masked dialog sends the value to the run. Without a terminal
//! the step fails naming `secrets create`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{Project, text};
use crate::secrets_canary::{canary, encodings, memfind};
use crate::secrets_infra::{Server, bao, openbao};

fn config(server: &Server) -> String {
    format!(
        "[environments.local]\n[secret_providers.bao]\nkind = \"openbao\"\naddress = \"{}\"\ntoken = \"root-token\"\n\n\
         [secrets.api_token]\nprovider = \"bao\"\npath = \"payments/api\"\nkey = \"token\"\ncreate = \"prompt\"\n",
        server.url()
    )
}

/// A private tmux server; every screen captured is kept for the canary search.
pub(crate) struct Tmux {
    socket: String,
    pub screens: Vec<String>,
}

impl Tmux {
    pub(crate) fn new(tag: &str) -> Tmux {
        crate::common::ensure_tool("tmux");
        Tmux { socket: format!("fd-{tag}-{}", std::process::id()), screens: Vec::new() }
    }

    pub(crate) fn cmd(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().unwrap()
    }

    /// A new window (or the session) named `name` running `line` in a shell.
    pub(crate) fn start(&self, name: &str, line: &str) {
        let has = self.cmd(&["has-session", "-t", "fd"]).status.success();
        let out = if has {
            self.cmd(&["new-window", "-t", "fd", "-n", name, line])
        } else {
            self.cmd(&["new-session", "-d", "-s", "fd", "-n", name, "-x", "160", "-y", "40", line])
        };
        assert!(out.status.success(), "tmux: {}", text(&out));
    }

    /// Types `keys` literally, then Enter.
    pub(crate) fn type_line(&self, name: &str, keys: &str) {
        self.cmd(&["send-keys", "-t", &format!("fd:{name}"), "-l", keys]);
        self.cmd(&["send-keys", "-t", &format!("fd:{name}"), "Enter"]);
    }

    /// Polls the window's screen (with scrollback) until it contains `want` (30 s at most).
    pub(crate) fn wait_for(&mut self, name: &str, want: &str) -> String {
        let end = Instant::now() + Duration::from_secs(30);
        loop {
            let out = self.cmd(&["capture-pane", "-p", "-S", "-", "-t", &format!("fd:{name}")]);
            let s = String::from_utf8_lossy(&out.stdout).into_owned();
            self.screens.push(s.clone());
            if s.contains(want) {
                return s;
            }
            assert!(Instant::now() < end, "waited for {want:?}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]);
    }
}

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { files_under(&p, out) } else { out.push(p) }
    }
}

/// Every place searched, by name: the screens, every file under `data`, and `extra` outputs.
fn places(screens: &[String], data: &Path, extra: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    let mut places: Vec<(String, Vec<u8>)> =
        screens.iter().enumerate().map(|(i, s)| (format!("screen {i}"), s.clone().into_bytes())).collect();
    let mut files = Vec::new();
    files_under(data, &mut files);
    assert!(files.iter().any(|f| f.ends_with("flightdeck.db")), "no store under {}", data.display());
    places.extend(files.iter().map(|f| (f.display().to_string(), std::fs::read(f).unwrap_or_default())));
    places.extend(extra);
    places
}

/// The encodings of each value found in any place (empty: 0 matches).
fn found(places: &[(String, Vec<u8>)], values: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for v in values {
        // `encodings` takes fragments of 24-character values; a shorter one is searched as typed.
        let needles = if v.len() >= 24 { encodings(v) } else { vec![(*v).to_string()] };
        for n in needles {
            for (place, bytes) in places {
                if memfind(bytes, n.as_bytes()) {
                    out.push(format!("{place}: {n}"));
                }
            }
        }
    }
    out
}

fn newest_run(p: &Project) -> String {
    let out = p.run(&["runs", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    v[0]["id"].as_str().unwrap_or_default().to_string()
}

/// The shell line that runs `secrets-provision` for `api_token` in `p` on a terminal, then prints
/// its exit code.
fn run_line(p: &Project) -> String {
    format!(
        "cd {} && FLIGHTDECK_HOME={} FLIGHTDECK_RUNNER_IDLE=2 {} run secrets-provision --env local -p secrets=api_token; echo exit=$?; sleep 60",
        p.path().display(),
        p.home.path().display(),
        crate::common::bin().display()
    )
}

#[test]
fn a_value_typed_at_the_runs_hidden_prompt_reaches_openbao_and_nothing_else() {
    let server = openbao();
    let value = canary().replace('"', "q");
    let p = Project::new(&config(&server), &[]);
    let mut t = Tmux::new("runprompt");
    let line = run_line(&p);
    t.start("run", &line);
    t.wait_for("run", "Value of secret api_token for local (not shown");
    t.type_line("run", "short7x");
    t.wait_for("run", "not taken: the value was shorter than 8 characters");
    t.type_line("run", &value);
    let last = t.wait_for("run", "exit=");
    assert!(last.contains("exit=0"), "{last}");
    assert!(last.contains("secret api_token: created (version 1)"), "{last}");
    assert_eq!(bao(&server, &["kv", "get", "-field=token", "secret/payments/api"]).trim(), value);

    let run = newest_run(&p);
    let mut extra = Vec::new();
    for args in [vec!["log", run.as_str()], vec!["log", run.as_str(), "--events"], vec!["audit"]] {
        let out = p.run(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
        extra.push((format!("flightdeck {}", args.join(" ")), [out.stdout, out.stderr].concat()));
    }
    let audit = String::from_utf8_lossy(&extra[2].1).into_owned();
    assert!(audit.contains("secret.create") && audit.contains("secret.prompt.refused"), "{audit}");
    let all = places(&t.screens, p.home.path(), extra);
    for f in ["runner.log", "flightdeck.db-wal"] {
        assert!(all.iter().any(|(place, _)| place.ends_with(f)), "{f} was not searched");
    }
    let hits = found(&all, &[&value, "short7x"]);
    assert!(hits.is_empty(), "the typed value was found in: {hits:#?}");
    assert!(all.len() > 5, "searched too few places: {}", all.len());
}

#[test]
fn without_a_terminal_the_prompt_fails_naming_secrets_create() {
    let server = openbao();
    let p = Project::new(&config(&server), &[]);
    let out = p.run(&["run", "secrets-provision", "--env", "local", "-p", "secrets=api_token"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("flightdeck secrets create api_token --env local"), "{}", text(&out));
    let get = Command::new(crate::secrets_infra::venv_bin("bao"))
        .args(["kv", "get", "-field=token", "secret/payments/api"])
        .env("BAO_ADDR", server.url())
        .env("BAO_TOKEN", "root-token")
        .env("HOME", server.dir.path())
        .output()
        .unwrap();
    assert!(!get.status.success(), "a value was written: {}", text(&get));
}

/// `flightdeck attach RUN` as `user` against the shared data directory, as a shell line for tmux.
fn attach_line(p: &Project, user: &str, run: &str) -> String {
    format!(
        "cd {} && setpriv --reuid {user} --regid {user} --init-groups {} --data-dir {} attach {run}; echo exit=$?; sleep 60",
        p.path().display(),
        crate::common::bin().display(),
        crate::users::data_dir(p).display()
    )
}

/// A shared project on a fresh openbao, a root runner, and fd-alice's detached `secrets-provision`
/// run waiting at the prompt for `api_token`.
fn alices_run_waits_at_the_prompt() -> (Server, Project, crate::users::RootRunner, String) {
    use crate::users::{RootRunner, ensure_users, run_as, shared_project, wait_status};
    ensure_users();
    let server = openbao();
    let p = shared_project(&config(&server), &[]);
    let runner = RootRunner::start(&p);
    let args = ["run", "secrets-provision", "--env", "local", "-p", "secrets=api_token", "--detach"];
    let out = run_as(&p, "fd-alice", &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let run = String::from_utf8_lossy(&out.stdout).trim().to_string();
    wait_status(&p, &run, "waiting");
    (server, p, runner, run)
}

#[test]
fn only_the_runs_owner_may_answer_the_prompt() {
    use crate::users::{data_dir, run_as, wait_status};
    let (server, p, _runner, run) = alices_run_waits_at_the_prompt();
    let (bobs, alices) = (canary().replace('"', "q"), canary().replace('"', "q"));
    let mut t = Tmux::new("owner");
    t.start("bob", &attach_line(&p, "fd-bob", &run));
    t.wait_for("bob", "Value of secret api_token for local (not shown");
    t.type_line("bob", &bobs);
    t.wait_for("bob", "not taken: only fd-alice");
    wait_status(&p, &run, "waiting");
    t.start("alice", &attach_line(&p, "fd-alice", &run));
    t.wait_for("alice", "Value of secret api_token for local (not shown");
    t.type_line("alice", &alices);
    let last = t.wait_for("alice", "exit=");
    assert!(last.contains("exit=0"), "{last}");
    wait_status(&p, &run, "succeeded");
    assert_eq!(bao(&server, &["kv", "get", "-field=token", "secret/payments/api"]).trim(), alices);
    let audit = run_as(&p, "root", &["audit", "--json"]);
    let audit_text = String::from_utf8_lossy(&audit.stdout).into_owned();
    let refused: Vec<serde_json::Value> = serde_json::from_str::<serde_json::Value>(&audit_text)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_else(|| audit_text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect())
        .into_iter()
        .filter(|e| e["action"] == "secret.prompt.refused")
        .collect();
    assert!(
        refused.iter().any(|e| e["actor"] == "fd-bob" && e.to_string().contains("only fd-alice")),
        "no audited refusal for fd-bob: {audit_text}"
    );
    let all = places(&t.screens, &data_dir(&p), vec![("audit --json".into(), audit.stdout)]);
    // Bob's and Alice's values were typed on their own terminals with echo off: no screen shows
    // them, and nothing flightdeck wrote holds either.
    let hits = found(&all, &[&bobs, &alices]);
    assert!(hits.is_empty(), "a typed value was found in: {hits:#?}");
}

/// True if openbao holds a value at the test's path.
fn stored(server: &Server) -> bool {
    Command::new(crate::secrets_infra::venv_bin("bao"))
        .args(["kv", "get", "-field=token", "secret/payments/api"])
        .env("BAO_ADDR", server.url())
        .env("BAO_TOKEN", "root-token")
        .env("HOME", server.dir.path())
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn a_runner_killed_at_the_prompt_wrote_nothing_and_resume_asks_again() {
    use crate::users::{RootRunner, data_dir};
    let (server, p, runner, run) = alices_run_waits_at_the_prompt();
    runner.crash();
    assert!(!stored(&server), "a value was written before anyone typed one");
    let _runner = RootRunner::start(&p);
    let value = canary().replace('"', "q");
    let mut t = Tmux::new("resume");
    let line = attach_line(&p, "fd-alice", &run).replace(" attach ", " resume ");
    t.start("alice", &line);
    let shown = t.wait_for("alice", "(not shown");
    assert!(shown.contains("Value of secret api_token for local"), "{shown}");
    t.type_line("alice", &value);
    let last = t.wait_for("alice", "exit=");
    assert!(last.contains("exit=0"), "{last}");
    assert_eq!(bao(&server, &["kv", "get", "-field=token", "secret/payments/api"]).trim(), value);
    let hits = found(&places(&t.screens, &data_dir(&p), Vec::new()), &[&value]);
    assert!(hits.is_empty(), "the typed value was found in: {hits:#?}");
}

/// The console on a real terminal: the run it launches opens the masked dialog, the value typed
/// there reaches openbao through the runner, and no screen or file holds it.
#[test]
fn the_console_dialog_sends_the_typed_value_to_the_run() {
    let server = openbao();
    let value = canary().replace('"', "q");
    let p = Project::new(&format!("project = \"prompt\"\n{}", config(&server)), &[]);
    let mut t = Tmux::new("console");
    let line = format!(
        "cd {} && FLIGHTDECK_HOME={} FLIGHTDECK_RUNNER_IDLE=2 TERM=xterm-256color {}; sleep 30",
        p.path().display(),
        p.home.path().display(),
        crate::common::bin().display()
    );
    t.start("ui", &line);
    t.wait_for("ui", "Diana");
    for k in [":", "run secrets-provision --env local secrets=api_token"] {
        t.cmd(&["send-keys", "-t", "fd:ui", "-l", k]);
    }
    t.cmd(&["send-keys", "-t", "fd:ui", "Enter"]);
    t.wait_for("ui", "enter starts the run");
    t.cmd(&["send-keys", "-t", "fd:ui", "Enter"]);
    t.wait_for("ui", "Secret needed");
    // The dialog ignores keys for its grace period (600 ms).
    std::thread::sleep(Duration::from_millis(900));
    t.type_line("ui", &value);
    let end = Instant::now() + Duration::from_secs(30);
    while !stored(&server) {
        assert!(Instant::now() < end, "the value never reached openbao");
        std::thread::sleep(Duration::from_millis(100));
    }
    let done = t.wait_for("ui", "succeeded");
    assert!(!done.contains("Secret needed"), "{done}");
    assert_eq!(bao(&server, &["kv", "get", "-field=token", "secret/payments/api"]).trim(), value);
    let hits = found(&places(&t.screens, p.home.path(), Vec::new()), &[&value]);
    assert!(hits.is_empty(), "the typed value was found in: {hits:#?}");
}

/// Ctrl-C at the hidden prompt cancels the run (exit 5): nothing is written to openbao, and the
/// terminal echoes again afterwards.
#[test]
fn ctrl_c_at_the_prompt_cancels_writes_nothing_and_restores_echo() {
    let server = openbao();
    let p = Project::new(&config(&server), &[]);
    let mut t = Tmux::new("cancel");
    let line = run_line(&p);
    t.start("run", &line);
    t.wait_for("run", "(not shown");
    t.cmd(&["send-keys", "-t", "fd:run", "C-c"]);
    let last = t.wait_for("run", "exit=");
    assert!(last.contains("exit=5"), "{last}");
    assert!(!stored(&server), "a value was written by a cancelled run");
    let status = p.run(&["runs", "--json"]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("\"cancelled\""), "{}", text(&status));
    // Echo is back on: what is typed now shows.
    t.cmd(&["send-keys", "-t", "fd:run", "-l", "visible-again"]);
    t.wait_for("run", "visible-again");
}
