//! Edges of the command line: a closed stdout pipe ends every command quietly, the README's exit
//! codes (locked run 8, store busy 1 naming the store), an unreadable `workflows/`, `validate`
//! positions, one shutdown path (SIGHUP and SIGTERM cancel a run), the log file in `info`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{LOCAL, Project, ensure_tool, text, wait_for_newest_run};

const QUICK: &str = "title = \"Quick\"\n\n[[steps]]\nid = \"hello\"\nrun = \"echo hello\"\n";
const SLOWISH: &str = "title = \"Slowish\"\n\n[[steps]]\nid = \"wait\"\nrun = \"sleep 3\"\n";

/// Waits for `child` up to 60 s; its exit code and stderr.
fn finish(mut child: Child) -> (Option<i32>, String) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                std::io::Read::read_to_string(&mut e, &mut err).unwrap();
            }
            return (status.code(), err);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("the command did not end within 60 s");
}

/// Runs `flightdeck ARGS` with stdout a pipe whose reader is closed before anything is written.
fn with_closed_stdout(p: &Project, args: &[&str]) -> (Option<i32>, String) {
    let mut child = p.cmd(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    finish(child)
}

#[test]
fn writing_to_a_closed_pipe_ends_every_command_quietly() {
    let p = Project::new(LOCAL, &[("quick.toml", QUICK)]);
    let run = p.run(&["run", "quick", "--yes"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let id = wait_for_newest_run(&p, "succeeded");
    let commands: [&[&str]; 10] = [
        &["runs", "--json"],
        &["runs"],
        &["list"],
        &["list", "--json"],
        &["show", "quick"],
        &["info"],
        &["info", "--json"],
        &["validate"],
        &["log", &id],
        &["audit"],
    ];
    for args in commands {
        let (code, err) = with_closed_stdout(&p, args);
        assert!(!err.contains("panicked") && !err.contains("Broken pipe"), "{args:?}: {err}");
        assert_eq!(code, Some(0), "{args:?} exits with its own code: {err}");
    }
    // A run whose output nobody reads is cancelled like on Ctrl-C, never a panic.
    let (code, err) = with_closed_stdout(&p, &["run", "quick", "--yes"]);
    assert!(!err.contains("panicked"), "{err}");
    assert!(matches!(code, Some(0 | 5)), "run: {code:?} {err}");
}

#[test]
fn a_shell_pipe_into_head_ends_quietly() {
    let p = Project::new(LOCAL, &[("quick.toml", QUICK)]);
    for _ in 0..3 {
        assert!(p.run(&["run", "quick", "--yes"]).status.success());
    }
    let bin = crate::common::bin().display().to_string();
    for (cmd, head) in [("runs --json", "head -c 100"), ("list --json", "head -1"), ("show quick", "head -1")]
    {
        let script = format!("'{bin}' {cmd} | {head} >/dev/null; echo \"${{PIPESTATUS[0]}}\"");
        let o = Command::new("bash")
            .arg("-c")
            .arg(&script)
            .current_dir(p.path())
            .env("FLIGHTDECK_HOME", p.home.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{cmd} | {head}: {err}");
        assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "0", "{cmd} | {head}: {err}");
    }
}

#[test]
fn sighup_detaches_a_run_client_and_the_run_goes_on() {
    // The runner owns the run: a hung-up terminal (SIGHUP) only detaches the client (DESIGN §2).
    let p = Project::new(LOCAL, &[("quick.toml", QUICK), ("slowish.toml", SLOWISH)]);
    let child =
        p.cmd(&["run", "slowish", "--yes"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    wait_for_newest_run(&p, "running");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap()),
        nix::sys::signal::Signal::SIGHUP,
    )
    .unwrap();
    let (_, err) = finish(child);
    assert!(err.contains("detached"), "{err}");
    wait_for_newest_run(&p, "succeeded");
}

#[test]
fn sigterm_on_a_short_command_exits_5_at_once() {
    let p = Project::new(LOCAL, &[]);
    // `health --once` against a port that accepts and never answers: it would wait for its timeout.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::fs::write(
        p.path().join("flightdeck.toml"),
        format!("{LOCAL}[monitors.web]\nurl = \"http://127.0.0.1:{port}/\"\ntimeout = \"50s\"\n"),
    )
    .unwrap();
    let child = p.cmd(&["health", "--once"]).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    let _conn = listener.accept().unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap()),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let (code, err) = finish(child);
    assert_eq!(code, Some(5), "{err}");
    assert!(err.contains("terminated (SIGTERM)"), "{err}");
}

#[test]
fn a_busy_store_exits_1_naming_the_store() {
    let p = Project::new(LOCAL, &[("quick.toml", QUICK)]);
    assert!(p.run(&["run", "quick", "--yes"]).status.success());
    let db = rusqlite::Connection::open(p.db()).unwrap();
    db.execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; DELETE FROM runs WHERE 0;").unwrap();
    let out = p.run(&["run", "quick", "--yes"]);
    drop(db);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&p.db().display().to_string()), "the message names the store: {err}");
}

#[test]
fn a_workflows_path_that_is_a_file_is_an_error_naming_it() {
    let p = Project::new(LOCAL, &[]);
    std::fs::write(p.path().join("workflows"), "oops").unwrap();
    let out = p.run(&["list"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read the workflow directory"), "{err}");
    assert!(err.contains(&p.path().join("workflows").display().to_string()), "{err}");
}

/// `workflows/` with mode 000, listed by a user who is not its owner: as root via `setpriv` to
/// uid 65534 (root reads through chmod 000), otherwise as the current user.
#[test]
fn an_unreadable_workflows_dir_is_an_error_for_a_second_user() {
    use std::os::unix::fs::PermissionsExt;
    let p = Project::new(LOCAL, &[("quick.toml", QUICK)]);
    let root = nix::unistd::geteuid().is_root();
    for dir in [p.path(), p.home.path()] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    let workflows = p.path().join("workflows");
    std::fs::set_permissions(&workflows, std::fs::Permissions::from_mode(0o000)).unwrap();
    let mut cmd = if root {
        ensure_tool("setpriv");
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]).arg(crate::common::bin());
        c
    } else {
        Command::new(crate::common::bin())
    };
    let out = cmd
        .arg("list")
        .current_dir(p.path())
        .env("FLIGHTDECK_HOME", p.home.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    std::fs::set_permissions(&workflows, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read the workflow directory") && err.contains("Permission denied"), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("deploy"), "no fall-back to the built-ins");
}

#[test]
fn validate_reports_every_problem_of_a_file_with_the_uses_position() {
    let wf = "title = \"W\"\nbogus = 1\n\n[[steps]]\nid = \"m\"\nuses = \"execute-migraton\"\n";
    let p = Project::new(LOCAL, &[("w.toml", wf)]);
    let out = p.run(&["validate"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("w.toml:2:1") && err.contains("bogus"), "the parse problem: {err}");
    assert!(
        err.contains("w.toml:6:8") && err.contains("unknown task `execute-migraton`"),
        "the uses value: {err}"
    );
}

#[test]
fn info_shows_the_log_file_and_errors_are_logged_there() {
    let p = Project::new(LOCAL, &[]);
    let out = p.run(&["info"]);
    let log = p.home.path().join("flightdeck.log");
    assert!(String::from_utf8_lossy(&out.stdout).contains(&log.display().to_string()), "{}", text(&out));
    let bad = p.run(&["show", "nope"]);
    assert_eq!(bad.status.code(), Some(2));
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("command failed") && logged.contains("unknown workflow"), "{logged}");
    let json: serde_json::Value = serde_json::from_slice(&p.run(&["info", "--json"]).stdout).unwrap();
    assert_eq!(json["log_file"], log.display().to_string());
}

/// The pid of the only child of `pid` (from /proc), waiting up to 30 s for it to appear.
fn only_child(pid: u32) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let children =
            std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        if let Some(child) = children.split_whitespace().next() {
            return child.parse().unwrap();
        }
        assert!(Instant::now() < deadline, "no child process of {pid}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sigterm_ends_the_console_and_restores_the_terminal() {
    ensure_tool("script");
    let p = Project::new(LOCAL, &[("quick.toml", QUICK)]);
    let line = format!("exec '{}'", crate::common::bin().display());
    let mut script = Command::new("script")
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .current_dir(p.path())
        .env("FLIGHTDECK_HOME", p.home.path())
        .env("TERM", "xterm-256color")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = script.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut all);
        all
    });
    let console = only_child(script.id());
    // Give the console time to enter the alternate screen (it draws within a frame of starting).
    std::thread::sleep(Duration::from_secs(2));
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(console), nix::sys::signal::Signal::SIGTERM).unwrap();
    let stdin = script.stdin.take();
    let (code, err) = finish(script);
    drop(stdin);
    let bytes = reader.join().unwrap();
    let shown = String::from_utf8_lossy(&bytes);
    assert_eq!(code, Some(0), "the console ends cleanly on SIGTERM: {err}\n{shown:?}");
    assert!(shown.contains("\x1b[?1049h"), "the console had started: {shown:?}");
    let left =
        shown.rfind("\x1b[?1049l").unwrap_or_else(|| panic!("the alternate screen was not left: {shown:?}"));
    assert!(left > shown.rfind("\x1b[?1049h").unwrap(), "{shown:?}");
}

/// Sends `signal` to `child` once its stdout has shown `ready`, and returns its exit code and all
/// of its stdout.
fn signal_when_ready(
    mut child: Child,
    ready: &str,
    signal: nix::sys::signal::Signal,
) -> (Option<i32>, String) {
    use std::io::BufRead;
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    let mut seen = Vec::new();
    while !seen.iter().any(|l: &String| l.contains(ready)) {
        seen.push(
            rx.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|_| panic!("no {ready:?} in {seen:?}")),
        );
    }
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap()), signal).unwrap();
    let (code, err) = finish(child);
    seen.extend(rx.try_iter());
    (code, format!("{}\n--- stderr\n{err}", seen.join("\n")))
}

#[test]
fn sigint_stops_health_watch_and_sigterm_stops_the_sandbox_cleanly() {
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in server.incoming().take(1000) {
            let Ok(mut conn) = conn else { continue };
            let mut buf = [0u8; 2048];
            let _ = std::io::Read::read(&mut conn, &mut buf);
            let _ = std::io::Write::write_all(
                &mut conn,
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
            );
        }
    });
    let config = format!("{LOCAL}[monitors.web]\nurl = \"http://127.0.0.1:{port}/\"\ninterval = \"1s\"\n");
    let p = Project::new(&config, &[]);
    let watch =
        p.cmd(&["health", "--for", "10m"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let (code, out) = signal_when_ready(watch, "web", nix::sys::signal::Signal::SIGINT);
    assert_eq!(code, Some(0), "health stops on Ctrl-C with its summary: {out}");
    assert!(out.contains("uptime"), "the summary was printed: {out}");

    let serve = p
        .cmd(&["sandbox", "serve", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (code, out) = signal_when_ready(serve, "sandbox listening", nix::sys::signal::Signal::SIGTERM);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("sandbox stopped"), "{out}");
}

/// One shutdown path: a second signal listener would race the shared one (which ends the process
/// at once for commands that did not take over signals), so only `src/shutdown.rs` may install one.
#[test]
fn only_the_shutdown_module_installs_signal_handlers() {
    fn visit(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("src/shutdown.rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (n, line) in text.lines().enumerate() {
                    if line.contains("signal::ctrl_c") || line.contains("SignalKind::") {
                        found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    visit(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
    assert!(found.is_empty(), "use ctx.shutdown (src/shutdown.rs) instead:\n{}", found.join("\n"));
}
