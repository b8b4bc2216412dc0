//! In-process tests of the sandbox service and the commands that drive it (servers on 127.0.0.1
//! port 0, state files in temp dirs, every wait bounded).

use std::path::Path;
use std::time::{Duration, Instant};

use clap::Parser;

use super::client::{self, HttpResponse, LoopbackUrl};
use super::server::{RunningSandbox, ServeOptions, start};
use super::state::SandboxState;
use super::verify::VerifyOptions;
use super::{SandboxCommand, commands, verify};
use crate::error::{Error, exit};

const T: Duration = Duration::from_secs(5);

async fn server(rollout_ms: u64, state_file: Option<&Path>) -> RunningSandbox {
    let mut opts = ServeOptions::new(0);
    opts.rollout = Duration::from_millis(rollout_ms);
    opts.state_file = state_file.map(Path::to_path_buf);
    start(opts).await.unwrap()
}

fn url(s: &RunningSandbox, path: &str) -> LoopbackUrl {
    LoopbackUrl::parse(&s.url()).unwrap().join(path)
}

async fn get(s: &RunningSandbox, path: &str) -> HttpResponse {
    client::get(&url(s, path), T).await.unwrap()
}

async fn post(s: &RunningSandbox, path: &str) -> HttpResponse {
    client::post(&url(s, path), T).await.unwrap()
}

async fn state(s: &RunningSandbox) -> SandboxState {
    serde_json::from_str(&get(s, "/admin/state").await.body).unwrap()
}

/// Polls the state until `done` holds, for at most 5 s.
async fn wait_state(s: &RunningSandbox, done: impl Fn(&SandboxState) -> bool) -> SandboxState {
    let started = Instant::now();
    loop {
        let st = state(s).await;
        if done(&st) {
            return st;
        }
        assert!(started.elapsed() < T, "state never reached the condition: {st:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn deploy_shows_rollout_then_version() {
    let s = server(300, None).await;
    let h = get(&s, "/health").await;
    assert_eq!((h.status, h.json().unwrap()["status"].as_str()), (200, Some("UP")));
    assert_eq!(h.json().unwrap()["version"], "1.0.0");
    let d = post(&s, "/admin/deploy?version=1.2.0").await;
    assert_eq!(d.status, 202, "{}", d.body);
    let during = get(&s, "/health").await;
    assert_eq!(during.status, 200);
    let body = during.json().unwrap();
    assert_eq!((body["status"].as_str(), body["target"].as_str()), (Some("DEPLOYING"), Some("1.2.0")));
    assert_eq!(body["version"], "1.0.0");
    let st = wait_state(&s, |st| st.rolling_out.is_none()).await;
    assert_eq!((st.version.as_str(), st.previous.as_deref()), ("1.2.0", Some("1.0.0")));
    assert_eq!(st.history.len(), 1);
    assert_eq!(get(&s, "/version").await.json().unwrap()["version"], "1.2.0");
    assert!(get(&s, "/").await.body.contains("version 1.2.0 (UP)"));
    let again = post(&s, "/admin/deploy?version=1.2.0").await;
    assert_eq!(
        (again.status, state(&s).await.rolling_out),
        (200, None),
        "redeploying the live version is a no-op"
    );
    s.stop().await;
}

#[tokio::test]
async fn break_fix_and_bad_builds() {
    let s = server(10, None).await;
    assert_eq!(post(&s, "/admin/break").await.status, 200);
    let h = get(&s, "/health").await;
    assert_eq!(h.status, 500);
    assert_eq!(h.json().unwrap()["status"], "DOWN");
    assert!(h.json().unwrap()["reason"].as_str().unwrap().contains("break"));
    post(&s, "/admin/fix").await;
    assert_eq!(get(&s, "/health").await.status, 200);
    post(&s, "/admin/deploy?version=2.0.0-bad").await;
    wait_state(&s, |st| st.version == "2.0.0-bad").await;
    let h = get(&s, "/health").await;
    assert_eq!(h.status, 500);
    assert!(h.json().unwrap()["reason"].as_str().unwrap().contains("bad build"), "{}", h.body);
    s.stop().await;
}

#[tokio::test]
async fn rejects_bad_admin_input_and_unknown_paths() {
    let s = server(10, None).await;
    assert_eq!(post(&s, "/admin/deploy?version=latest").await.status, 400);
    assert_eq!(post(&s, "/admin/deploy").await.status, 400);
    assert_eq!(post(&s, "/admin/slow?ms=999999").await.status, 400);
    assert_eq!(get(&s, "/admin/deploy").await.status, 405);
    assert_eq!(get(&s, "/nope").await.status, 404);
    assert_eq!(state(&s).await, SandboxState::new("1.0.0"));
    s.stop().await;
}

#[tokio::test]
async fn slow_delays_responses_but_not_admin() {
    let s = server(10, None).await;
    post(&s, "/admin/slow?ms=300").await;
    let started = Instant::now();
    assert_eq!(get(&s, "/health").await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300), "{:?}", started.elapsed());
    // A minute's delay: /health cannot answer within 1 s, while the admin state still answers
    // (within the 5 s request timeout), so admin requests are not delayed. No upper time bound
    // is asserted on a busy machine.
    post(&s, "/admin/slow?ms=60000").await;
    let err = client::get(&url(&s, "/health"), Duration::from_secs(1)).await.unwrap_err();
    assert!(matches!(err, client::ClientError::Timeout { .. }), "{err}");
    assert_eq!(state(&s).await.slow_ms, 60_000);
    s.stop().await;
}

#[tokio::test]
async fn state_file_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sandbox/7878.json");
    let s = server(10, Some(&file)).await;
    post(&s, "/admin/deploy?version=1.1.0").await;
    wait_state(&s, |st| st.version == "1.1.0").await;
    post(&s, "/admin/break").await;
    post(&s, "/admin/slow?ms=5").await;
    assert_eq!(post(&s, "/admin/shutdown").await.status, 200);
    tokio::time::timeout(T, s.wait()).await.unwrap();
    let s2 = server(10, Some(&file)).await;
    let st = state(&s2).await;
    assert_eq!(
        (st.version.as_str(), st.previous.as_deref(), st.broken, st.slow_ms),
        ("1.1.0", Some("1.0.0"), true, 5)
    );
    assert_eq!(get(&s2, "/health").await.status, 500);
    s2.stop().await;
}

#[tokio::test]
async fn a_rollout_interrupted_by_a_restart_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.json");
    let s = server(60_000, Some(&file)).await;
    post(&s, "/admin/deploy?version=3.0.0").await;
    s.stop().await;
    assert_eq!(SandboxState::load(&file).unwrap().unwrap().rolling_out.as_deref(), Some("3.0.0"));
    let s2 = server(10, Some(&file)).await;
    let st = wait_state(&s2, |st| st.rolling_out.is_none()).await;
    assert_eq!(st.version, "3.0.0");
    s2.stop().await;
}

#[tokio::test]
async fn deploy_and_verify_commands() {
    let s = server(50, None).await;
    let base = s.url();
    assert_eq!(commands::deploy(&base, "1.3.0", "10s").await.unwrap(), exit::OK);
    assert_eq!(state(&s).await.version, "1.3.0");
    let opts = |v: &str| VerifyOptions::parse(Some(v.into()), 2, "10ms", "2s").unwrap();
    assert_eq!(verify::run(&base, &opts("1.3.0")).await.unwrap(), exit::OK);
    assert_eq!(verify::run(&base, &opts("1.2.0")).await.unwrap(), exit::MONITOR_DOWN);
    assert_eq!(commands::deploy(&base, "2.0.0-bad", "10s").await.unwrap(), exit::OK);
    let why = verify::check(&LoopbackUrl::parse(&base).unwrap(), &opts("2.0.0-bad")).await.unwrap_err();
    assert!(why.contains("500 DOWN") && why.contains("bad build"), "{why}");
    assert_eq!(commands::status(&base, false, false).await.unwrap(), exit::OK);
    assert_eq!(commands::admin(&base, "/admin/break").await.unwrap(), exit::OK);
    assert!(state(&s).await.broken);
    assert_eq!(commands::stop(&base).await.unwrap(), exit::OK);
    tokio::time::timeout(T, s.wait()).await.unwrap();
    assert_eq!(commands::status(&base, true, false).await.unwrap(), exit::MONITOR_DOWN);
}

#[tokio::test]
async fn deploy_times_out_and_refuses_bad_input() {
    let s = server(60_000, None).await;
    let base = s.url();
    assert_eq!(commands::deploy(&base, "1.1.0", "200ms").await.unwrap(), exit::STEP_FAILED);
    let e = commands::deploy(&base, "", "1s").await.unwrap_err();
    assert!(matches!(e, Error::Invalid(_)) && e.to_string().contains("empty"), "{e}");
    let e = commands::deploy(&base, "1.2", "1s").await.unwrap_err();
    assert!(e.to_string().contains("\"1.2\""), "{e}");
    let e = commands::deploy(&base, "1.2.0", "soon").await.unwrap_err();
    assert!(e.to_string().contains("--timeout"), "{e}");
    s.stop().await;
}

#[tokio::test]
async fn commands_name_an_unreachable_or_foreign_service() {
    // Bound but not listening: the port stays ours and refuses connections.
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let base = format!("http://{}", held.local_addr().unwrap());
    let e = commands::deploy(&base, "1.1.0", "1s").await.unwrap_err();
    assert_eq!(e.exit_code(), exit::PRECONDITION);
    assert!(e.to_string().contains("sandbox ensure --url"), "{e}");
    let e = commands::deploy("http://192.0.2.1:7878", "1.1.0", "1s").await.unwrap_err();
    assert_eq!(e.exit_code(), exit::USAGE);
    assert!(e.to_string().contains("only talks to 127.0.0.1"), "{e}");
    assert_eq!(commands::stop(&base).await.unwrap(), exit::OK);
    drop(held);
}

#[derive(Parser)]
#[command(name = "flightdeck", version)]
struct Cli {
    #[command(subcommand)]
    cmd: SandboxCommand,
}

#[test]
fn clap_subcommands_parse() {
    Cli::try_parse_from(["flightdeck", "--help"]).err().unwrap();
    let cli =
        Cli::try_parse_from(["flightdeck", "deploy", "--url", "http://127.0.0.1:1", "--version", "1.2.0"])
            .unwrap();
    let SandboxCommand::Deploy { version, timeout, .. } = cli.cmd else { panic!("not deploy") };
    assert_eq!((version.as_str(), timeout.as_str()), ("1.2.0", "60s"));
    let cli =
        Cli::try_parse_from(["flightdeck", "verify", "--expect-version", "1.0.0", "--checks", "5"]).unwrap();
    assert!(matches!(cli.cmd, SandboxCommand::Verify { checks: 5, .. }));
    assert!(Cli::try_parse_from(["flightdeck", "deploy"]).is_err(), "--version is required");
    assert!(VerifyOptions::parse(None, 0, "1s", "1s").is_err());
    assert!(VerifyOptions::parse(None, 1, "often", "1s").is_err());
}

#[tokio::test]
async fn ensure_leaves_a_running_sandbox_alone() {
    let s = server(10, None).await;
    let tmp = tempfile::tempdir().unwrap();
    let paths = crate::paths::Paths::resolve(tmp.path(), Some(tmp.path()), &crate::config::Config::default());
    let cmd = SandboxCommand::Ensure { url: s.url(), initial_version: "1.0.0".into() };
    assert_eq!(super::run_command(cmd, &paths, &crate::shutdown::Shutdown::new()).await.unwrap(), exit::OK);
    assert!(!paths.sandbox_dir.exists(), "nothing may be spawned when the sandbox answers");
    let bad = SandboxCommand::Ensure { url: "http://10.1.2.3:7878".into(), initial_version: "1.0.0".into() };
    assert_eq!(
        super::run_command(bad, &paths, &crate::shutdown::Shutdown::new()).await.unwrap_err().exit_code(),
        exit::USAGE
    );
    s.stop().await;
}
