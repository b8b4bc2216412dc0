//! `flightdeck secrets create NAME` on a real terminal (tmux) against a real openbao dev server:
//! the value typed at the hidden prompt is never shown on the screen, lands in openbao as typed,
//! and is found in no file under the data directory (store, WAL, audit); creating it again is
//! refused (exit 8); without a terminal the command exits 2.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{Project, text};
use crate::secrets_canary::{canary, encodings, memfind};
use crate::secrets_infra::{bao, openbao};

fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() { files_under(&p, out) } else { out.push(p) }
    }
}

#[test]
fn a_secret_typed_at_the_hidden_prompt_is_created_and_never_shown() {
    crate::common::ensure_tool("tmux");
    let server = openbao();
    let value = canary().replace('"', "q");
    let config = format!(
        "[environments.local]\n[secret_providers.bao]\nkind = \"openbao\"\naddress = \"{}\"\ntoken = \"root-token\"\n\n\
         [secrets.api_token]\nprovider = \"bao\"\npath = \"payments/api\"\nkey = \"token\"\n",
        server.url()
    );
    let p = Project::new(&config, &[]);
    let socket = format!("fd-prompt-{}", std::process::id());
    let tmux = |args: &[&str]| Command::new("tmux").arg("-L").arg(&socket).args(args).output().unwrap();
    let line = format!(
        "cd {} && FLIGHTDECK_HOME={} {} secrets create api_token; echo exit=$?; sleep 30",
        p.path().display(),
        p.home.path().display(),
        crate::common::bin().display()
    );
    assert!(tmux(&["new-session", "-d", "-s", "fd", "-x", "120", "-y", "30", &line]).status.success());
    let mut screens = Vec::new();
    let mut wait_for = |want: &str| {
        let end = Instant::now() + Duration::from_secs(30);
        loop {
            let s = String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", "fd"]).stdout).into_owned();
            screens.push(s.clone());
            if s.contains(want) {
                return;
            }
            assert!(Instant::now() < end, "waited for {want:?}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    wait_for("(not shown):");
    tmux(&["send-keys", "-t", "fd", "-l", &value]);
    tmux(&["send-keys", "-t", "fd", "Enter"]);
    wait_for("again:");
    tmux(&["send-keys", "-t", "fd", "-l", &value]);
    tmux(&["send-keys", "-t", "fd", "Enter"]);
    wait_for("exit=");
    let last = screens.last().cloned().unwrap_or_default();
    let _ = tmux(&["kill-server"]);
    assert!(last.contains("created api_token (bao): version 1") && last.contains("exit=0"), "{last}");
    assert!(bao(&server, &["kv", "get", "-field=token", "secret/payments/api"]).trim() == value);

    assert_never_stored(&p, &screens, &value);
    let again = p.run(&["secrets", "create", "api_token"]);
    assert_eq!(again.status.code(), Some(8), "{}", text(&again));
    assert!(text(&again).contains("already exists (version 1)"), "{}", text(&again));
}

/// No encoding of `value` on any screen captured, in any file under the data directory, or in the
/// audit log (which records the creation).
fn assert_never_stored(p: &Project, screens: &[String], value: &str) {
    let mut places: Vec<(String, Vec<u8>)> =
        screens.iter().enumerate().map(|(i, s)| (format!("screen {i}"), s.clone().into_bytes())).collect();
    let mut files = Vec::new();
    files_under(p.home.path(), &mut files);
    places.extend(files.iter().map(|f| (f.display().to_string(), std::fs::read(f).unwrap())));
    let audit = p.run(&["audit"]);
    assert!(String::from_utf8_lossy(&audit.stdout).contains("secret.create"), "{}", text(&audit));
    places.push(("audit".into(), audit.stdout));
    let found: Vec<String> = places
        .iter()
        .flat_map(|(place, bytes)| {
            encodings(value)
                .into_iter()
                .filter(|n| memfind(bytes, n.as_bytes()))
                .map(move |n| format!("{place}: {n}"))
        })
        .collect();
    assert!(found.is_empty(), "the value was found in: {found:#?}");
}

#[test]
fn an_unknown_secret_or_no_terminal_exits_2() {
    let server = openbao();
    let config = format!(
        "[environments.local]\n[secret_providers.bao]\nkind = \"openbao\"\naddress = \"{}\"\ntoken = \"root-token\"\n\n\
         [secrets.api_token]\nprovider = \"bao\"\npath = \"payments/api\"\nkey = \"token\"\n",
        server.url()
    );
    let p = Project::new(&config, &[]);
    let out = p.run(&["secrets", "create", "nope"]);
    assert_eq!(out.status.code(), Some(2), "unknown secret: {}", text(&out));
    assert!(text(&out).contains("nope"), "{}", text(&out));
    let out = p.run(&["secrets", "create", "api_token"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("run it on a terminal"), "{}", text(&out));
}
