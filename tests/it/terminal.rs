//! Terminal-safe output: hostile text from every kind of source (step output, a parameter, a git
//! commit message, a ledger field, an HTTP reason phrase and body) is run through the real binary
//! under a pseudo-terminal (`script` from util-linux), and the bytes the terminal received hold no
//! escape sequence, control character or bare carriage return; the text is still shown, escaped.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{LOCAL, Project, ensure_tool, text};

/// An OSC window title, a screen clear, a colour, a bare CR, a BEL and an 8-bit CSI.
const HOSTILE_SHELL: &str = r"printf 'a\033]0;pwned\007\033[2Jb\033[31mred\rOVER\302\2331m\n'";

/// Runs `flightdeck ARGS` in `p` under a pty and returns every byte the terminal was sent.
fn on_a_pty(p: &Project, args: &[&str], env: &[(&str, &Path)]) -> Vec<u8> {
    ensure_tool("script");
    let mut line = shlex::try_quote(&crate::common::bin().display().to_string()).unwrap().into_owned();
    for a in args {
        line.push(' ');
        line.push_str(&shlex::try_quote(a).unwrap());
    }
    let mut c = Command::new("script");
    c.args(["-q", "-e", "-c", &line, "/dev/null"])
        .current_dir(p.path())
        .env("FLIGHTDECK_HOME", p.home.path())
        .stdin(Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    assert!(!out.stdout.is_empty(), "nothing reached the terminal: {}", text(&out));
    out.stdout
}

/// Fails, quoting the bytes, when the terminal received anything it would obey.
fn assert_terminal_safe(bytes: &[u8], what: &str) {
    let shown = String::from_utf8_lossy(bytes);
    assert!(!bytes.contains(&0x1b), "{what}: an ESC reached the terminal:\n{shown:?}");
    assert!(!bytes.contains(&0x07), "{what}: a BEL reached the terminal:\n{shown:?}");
    assert!(!shown.contains('\u{9b}'), "{what}: an 8-bit CSI reached the terminal:\n{shown:?}");
    // The pty turns each "\n" into "\r\n"; any other "\r" came from the hostile text.
    let bare_cr = bytes.windows(2).any(|w| w[0] == b'\r' && w[1] != b'\n') || bytes.last() == Some(&b'\r');
    assert!(!bare_cr, "{what}: a bare carriage return reached the terminal:\n{shown:?}");
    let controls = shown.chars().filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')).count();
    assert_eq!(controls, 0, "{what}: control characters reached the terminal:\n{shown:?}");
}

fn hostile_project() -> Project {
    let wf = format!(
        "title = \"Hostile\"\n\n[params.msg]\nprompt = \"m\"\n\n[[steps]]\nid = \"out\"\nrun = \"{} ; echo {{{{ params.msg }}}}\"\n",
        HOSTILE_SHELL.replace('\\', "\\\\").replace('"', "\\\"")
    );
    Project::new(LOCAL, &[("hostile.toml", &wf)])
}

#[test]
fn step_output_and_parameters_are_escaped_in_run_and_log_but_raw_keeps_the_bytes() {
    let p = hostile_project();
    let param = "msg=p\x1b]0;param-title\x07\x1b[2J";
    let bytes = on_a_pty(&p, &["run", "hostile", "--yes", "-p", param], &[]);
    assert_terminal_safe(&bytes, "run");
    let shown = String::from_utf8_lossy(&bytes);
    assert!(shown.contains(r"a\u001b]0;pwned\u0007\u001b[2Jb"), "step output shown escaped:\n{shown}");
    assert!(shown.contains(r"p\u001b]0;param-title\u0007"), "the parameter shown escaped:\n{shown}");
    assert!(shown.contains(r"\rOVER"), "{shown}");

    // `--json` on a terminal: serde escapes C0, the printer escapes DEL, C1 and bidi, and every
    // line still parses to the same event.
    let json = on_a_pty(&p, &["run", "hostile", "--yes", "--json", "-p", param], &[]);
    assert_terminal_safe(&json, "run --json");
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&json)
        .lines()
        .map(|l| serde_json::from_str(l.trim_end_matches('\r')).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect();
    let logged: Vec<&str> = events.iter().filter_map(|e| e["line"].as_str()).collect();
    assert!(
        logged.iter().any(|l| l.contains("\u{1b}]0;pwned\u{7}") && l.contains("OVER\u{9b}1m")),
        "{logged:?}"
    );

    let runs: serde_json::Value = serde_json::from_slice(&p.run(&["runs", "--json"]).stdout).unwrap();
    let id = runs[1]["id"].as_str().unwrap().to_string();
    let log = on_a_pty(&p, &["log", &id], &[]);
    assert_terminal_safe(&log, "log");
    assert!(String::from_utf8_lossy(&log).contains(r"\u001b]0;pwned"));

    let raw = p.run(&["log", &id, "--raw"]);
    assert!(
        raw.stdout.windows(9).any(|w| w == b"\x1b]0;pwned"),
        "--raw prints bytes as stored: {}",
        text(&raw)
    );
    let json = p.run(&["log", &id, "--events"]);
    for line in String::from_utf8_lossy(&json.stdout).lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
}

#[test]
fn a_ledger_field_is_escaped_in_ledger_list() {
    let p = Project::new("[environments.prod]\nproduction = true\n", &[]);
    let service = "web\x1b]0;ledger-title\x07\x1b[2J";
    let add = p.run(&["ledger", "add", "--service", service, "--env", "prod", "--allow-unknown-sha"]);
    let add = if add.status.success() {
        add
    } else {
        // Builds without `--allow-unknown-sha` (before the DORA-inputs work lands).
        p.run(&["ledger", "add", "--service", service, "--env", "prod"])
    };
    assert!(add.status.success(), "{}", text(&add));
    let bytes = on_a_pty(&p, &["ledger", "list"], &[]);
    assert_terminal_safe(&bytes, "ledger list");
    assert!(String::from_utf8_lossy(&bytes).contains(r"web\u001b]0;ledger-title"));
}

#[test]
fn a_commit_message_is_escaped_in_release_plan() {
    let p = Project::new(LOCAL, &[]);
    let git_home = tempfile::tempdir().unwrap();
    let cfg = git_home.path().join(".gitconfig");
    std::fs::write(&cfg, "[user]\n\tname = T\n\temail = t@example.com\n[commit]\n\tgpgSign = false\n")
        .unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(p.path())
            .env("HOME", git_home.path())
            .env("GIT_CONFIG_GLOBAL", &cfg)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
    };
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(p.path().join("a.txt"), "a").unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "chore: initial"]);
    git(&["tag", "v1.0.0"]);
    std::fs::write(p.path().join("b.txt"), "b").unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "feat: login\x1b]0;commit-title\x07\x1b[2J over\rwrite"]);
    let env = [("HOME", git_home.path()), ("GIT_CONFIG_GLOBAL", cfg.as_path())];
    let bytes = on_a_pty(&p, &["release", "plan"], &env);
    assert_terminal_safe(&bytes, "release plan");
    assert!(
        String::from_utf8_lossy(&bytes).contains(r"login\u001b]0;commit-title"),
        "{}",
        String::from_utf8_lossy(&bytes)
    );

    // `release plan --json | head -1`: a reader that has gone ends the command quietly.
    let mut c = p.cmd(&["release", "plan", "--json"]);
    c.env("HOME", git_home.path()).env("GIT_CONFIG_GLOBAL", &cfg);
    let mut child = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"), "{}", text(&out));
}

/// A server on 127.0.0.1 whose reason phrase carries an 8-bit CSI and a bidi override (bytes
/// HTTP allows there; raw ESC in a reason phrase is refused by the HTTP parser itself) and whose
/// JSON body decodes to a string holding an OSC title, a screen clear and a bare CR.
fn hostile_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in listener.incoming().take(20) {
            let Ok(mut conn) = conn else { continue };
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let body = r#"{"status":"DOWN\u001b]0;body-title\u0007\u001b[2J\rover\u009b"}"#;
            let head = format!(
                "HTTP/1.1 200 Fine\u{9b}31m\u{202e}evil\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(body.as_bytes());
        }
    });
    port
}

#[test]
fn health_messages_from_a_hostile_server_are_escaped() {
    let port = hostile_server();
    let config = format!(
        "{LOCAL}[monitors.web]\nurl = \"http://127.0.0.1:{port}/\"\nconditions = [\"[BODY].status == UP\"]\n"
    );
    let p = Project::new(&config, &[]);
    let bytes = on_a_pty(&p, &["health", "--once"], &[]);
    assert_terminal_safe(&bytes, "health --once");
    let shown = String::from_utf8_lossy(&bytes);
    // The health excerpt escapes controls itself, in the one style every output uses (`\u001b`).
    assert!(shown.contains(r"got DOWN\u001b]0;body-title\u0007\u001b[2J\rover\u009b"), "{shown}");
    let json = p.run(&["health", "--once", "--json"]);
    assert_eq!(json.status.code(), Some(6), "{}", text(&json));
    serde_json::from_slice::<serde_json::Value>(&json.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&json)));
}
