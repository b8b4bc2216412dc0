//! CPU profiling against the real `perf` and the demo sandbox: the `performance-profiling`
//! workflow profiles the sandbox under load and names the planted hot function
//! (`sandbox_hot_checksum`, behind `flightdeck sandbox hot`) as the top frame; a profile with the
//! switch on against a baseline taken with it off flags that function and fails the step; and
//! bad input (perf missing, not permitted, an exited pid, a production duration over 120 s) is a
//! clear error with exit 2. Needs perf (`scripts/deps/profile.sh`) and root, as CI has.

use crate::common::{Project, Sandbox, ensure_tool, text, wait_for_newest_run};

const HOT: &str = "flightdeck_core::sandbox::hot::sandbox_hot_checksum";

fn project() -> Project {
    Project::new("[environments.staging]\nurl = \"http://127.0.0.1:1\"\n", &[])
}

/// Points the project's `staging` environment at a sandbox of its own.
fn with_sandbox(p: &Project) -> Sandbox {
    let s = Sandbox::start(p);
    std::fs::write(
        p.path().join("flightdeck.toml"),
        format!("[environments.staging]\nurl = \"{}\"\n", s.url),
    )
    .unwrap();
    s
}

fn hot(p: &Project, s: &Sandbox, on: bool) {
    let mut args = vec!["sandbox", "hot", "--url", &s.url];
    if !on {
        args.push("--off");
    }
    let out = p.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

fn profile_run(p: &Project, params: &[&str]) -> std::process::Output {
    let mut args = vec!["run", "performance-profiling", "--env", "staging", "--yes", "-p", "duration=5s"];
    for kv in params {
        args.extend(["-p", kv]);
    }
    p.run(&args)
}

fn show_json(p: &Project, run: &str) -> serde_json::Value {
    let out = p.run(&["profile", "show", run, "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v[0]["report"].clone()
}

#[test]
fn the_workflow_names_the_planted_hot_function_as_top_frame() {
    ensure_tool("perf");
    let p = project();
    let s = with_sandbox(&p);
    hot(&p, &s, true);
    let out = profile_run(&p, &["save_as=hot"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(all.contains(&format!("top frame: {HOT} ")), "the summary names the hot function: {all}");
    assert!(all.contains(&format!("hottest function: {HOT} ")), "the report step has it too: {all}");
    let run = wait_for_newest_run(&p, "succeeded");
    let report = show_json(&p, &run);
    let top = &report["top"][0];
    assert_eq!(top["name"], HOT, "{report}");
    let share = top["self_pct"].as_f64().unwrap();
    assert!(share >= 30.0, "the hot function dominates the profile under load: {share}% {report}");
    assert!(report["samples"].as_u64().unwrap() > 0);
    assert!(report["load"]["requests"].as_u64().unwrap() > 0, "the load ran meanwhile: {report}");
    let svg = std::fs::read_to_string(report["svg"].as_str().unwrap()).unwrap();
    assert!(svg.contains("sandbox_hot_checksum"), "the flamegraph draws the frame");
    let list = p.run(&["profile", "baselines"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("hot  profile #"), "{}", text(&list));
}

#[test]
fn switching_the_hot_function_on_is_flagged_against_the_baseline_and_fails() {
    ensure_tool("perf");
    let p = project();
    let s = with_sandbox(&p);
    hot(&p, &s, false);
    let cold = profile_run(&p, &["save_as=cold"]);
    assert_eq!(cold.status.code(), Some(0), "{}", text(&cold));
    hot(&p, &s, true);
    let out = profile_run(&p, &["baseline=cold", "save_as="]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "a regression fails the step and the run: {all}");
    assert!(all.contains("profile regression against baseline \"cold\""), "{all}");
    assert!(all.contains(&format!("{HOT} REGRESSED")), "{all}");
    let run = wait_for_newest_run(&p, "failed");
    let report = show_json(&p, &run);
    let c = &report["comparison"];
    assert!(c["regressed"].as_array().unwrap().iter().any(|n| n == HOT), "{c}");
    let delta = c["deltas"].as_array().unwrap().iter().find(|d| d["name"] == HOT).unwrap();
    let grown = delta["self_pp"].as_f64().unwrap();
    assert!(grown >= 20.0, "the hot function grew by at least 20 points: {grown} {delta}");
    let diff = std::fs::read_to_string(c["diff_svg"].as_str().unwrap()).unwrap();
    assert!(diff.contains("sandbox_hot_checksum"), "a differential flamegraph is stored");
    let base = p.run(&["profile", "show", "--baseline", "cold"]);
    assert_eq!(base.status.code(), Some(0), "the failed run did not replace the baseline: {}", text(&base));
}

#[test]
fn bad_input_is_a_clear_error_with_exit_2() {
    let p = Project::new("[environments.prod]\nproduction = true\n", &[]);
    let missing = p
        .cmd(&["profile", "record", "--command", "true", "-z", "1s"])
        .env("FLIGHTDECK_PERF", "/nonexistent/perf")
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
    assert!(
        text(&missing).contains("perf is not installed (\"/nonexistent/perf\" not found)"),
        "{}",
        text(&missing)
    );

    ensure_tool("perf");
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let gone = child.id().to_string();
    child.wait().unwrap();
    let exited = p.run(&["profile", "record", "--pid", &gone, "-z", "1s"]);
    assert_eq!(exited.status.code(), Some(2), "{}", text(&exited));
    assert!(text(&exited).contains(&format!("pid {gone} has exited")), "{}", text(&exited));

    let long = p.run(&["profile", "record", "--command", "true", "-z", "3m", "--env", "prod"]);
    assert_eq!(long.status.code(), Some(2), "{}", text(&long));
    assert!(
        text(&long).contains("\"3m\" is longer than the 120 s allowed when profiling in production"),
        "{}",
        text(&long)
    );
}

#[test]
fn a_user_perf_refuses_is_told_the_paranoid_level_and_what_to_do() {
    ensure_tool("perf");
    crate::users::ensure_users();
    let p = project();
    let s = with_sandbox(&p);
    let pid = sandbox_pid(&s.url);
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("chmod").arg("0777").arg(home.path()).output().unwrap();
    assert!(out.status.success());
    let out = std::process::Command::new("setpriv")
        .args(["--reuid", "fd-alice", "--regid", "fd-alice", "--init-groups"])
        .arg(crate::common::bin())
        .arg("--data-dir")
        .arg(home.path())
        .args(["profile", "record", "--pid", &pid, "-z", "1s"])
        .current_dir(home.path())
        .env_remove("FLIGHTDECK_HOME")
        .output()
        .unwrap();
    let level = std::fs::read_to_string("/proc/sys/kernel/perf_event_paranoid").unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let msg = text(&out);
    assert!(msg.contains(&format!("kernel.perf_event_paranoid is {}", level.trim())), "{msg}");
    assert!(msg.contains("run as root, or lower it with `sysctl kernel.perf_event_paranoid=1`"), "{msg}");
}

/// The sandbox's pid from its state endpoint (`GET /admin/state`, one request over loopback).
fn sandbox_pid(url: &str) -> String {
    use std::io::{Read, Write};
    let addr = url.trim_start_matches("http://");
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    conn.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    write!(conn, "GET /admin/state HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).unwrap();
    let body = answer.split_once("\r\n\r\n").unwrap().1;
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    v["pid"].as_u64().unwrap().to_string()
}
