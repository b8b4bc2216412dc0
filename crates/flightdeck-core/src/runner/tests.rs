//! Unit tests of the runner: the open-gate rule, the hub's no-gap/no-duplicate subscription, the
//! wire format (with the screen queries and the client-only record reads), the stored exit code
//! of an ended run, and a real runner on a temp data directory answering a client of another
//! version.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::conn::{failure_open, with_open_gate};
use super::live::LiveRun;
use super::protocol::{Cursor, Request, Response};
use crate::engine::{Decision, Event, EventKind, RunStatus};
use crate::event::Stream;

fn log_event(seq: u64) -> Event {
    let kind = EventKind::StepLog { step: "s".into(), stream: Stream::Stdout, line: format!("line {seq}") };
    Event { run: "r".into(), life: 1, seq, at: crate::time::Micros(0), kind }
}

#[test]
fn an_answer_counts_only_for_the_gate_open_now() {
    let approve = |gate: &str| Decision::Approve { gate: gate.into(), comment: None };
    assert_eq!(with_open_gate(approve(""), Some("promote#2")), Ok(approve("promote#2")));
    assert_eq!(with_open_gate(approve("promote#2"), Some("promote#2")), Ok(approve("promote#2")));
    let stale = with_open_gate(approve("promote#1"), Some("promote#2")).unwrap_err();
    assert!(stale.contains("promote#1 is not open"), "{stale}");
    let early = with_open_gate(approve(""), None).unwrap_err();
    assert!(early.contains("not waiting at a gate"), "{early}");
    let rerun = Decision::ConfirmRerun { step: "s".into() };
    assert_eq!(with_open_gate(rerun.clone(), None), Ok(rerun));
}

#[test]
fn a_failure_menu_answer_counts_only_while_that_menu_is_open() {
    let (tx, _rx) = mpsc::channel(1);
    let live = LiveRun::new("r".into(), 1, tx, CancellationToken::new(), Vec::new());
    let retry = |attempt| Decision::OnFailure {
        step: "verify".into(),
        attempt,
        action: crate::event::FailureAction::Retry,
    };
    let event = |seq, kind| Event { run: "r".into(), life: 1, seq, at: crate::time::Micros(0), kind };
    let early = failure_open(&retry(1), live.open_failure().as_deref()).unwrap_err();
    assert!(early.contains("not asking what to do after a failure"), "{early}");
    let menu = EventKind::FailureMenu {
        step: "verify".into(),
        attempt: 1,
        error: "exit 1".into(),
        default: crate::event::FailureAction::Abort,
    };
    live.publish(event(1, menu));
    assert_eq!(failure_open(&retry(1), live.open_failure().as_deref()), Ok(()));
    let other = failure_open(&retry(2), live.open_failure().as_deref()).unwrap_err();
    assert!(other.contains("verify#2 is not the failure being asked about"), "{other}");
    live.publish(event(
        2,
        EventKind::StepStarted { step: "verify".into(), attempt: 2, detail: "check".into() },
    ));
    assert!(failure_open(&retry(1), live.open_failure().as_deref()).is_err());
    let approve = Decision::Approve { gate: String::new(), comment: None };
    assert_eq!(failure_open(&approve, None), Ok(()));
}

#[tokio::test]
async fn a_subscriber_gets_the_backlog_after_its_cursor_then_live_events_once() {
    let (tx, _rx) = mpsc::channel(1);
    let live = LiveRun::new("r".into(), 1, tx, CancellationToken::new(), Vec::new());
    for seq in 1..=5 {
        live.publish(log_event(seq));
    }
    let mut sub = live.subscribe(Some(Cursor { life: 1, seq: 3 }));
    assert_eq!(sub.backlog.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![4, 5]);
    live.publish(log_event(6));
    live.finish(None, RunStatus::Succeeded);
    let rx = sub.live.as_mut().unwrap();
    match rx.recv().await {
        Some(Response::Event { event }) => assert_eq!(event.seq, 6),
        other => panic!("expected event 6, got {other:?}"),
    }
    assert!(matches!(rx.recv().await, Some(Response::Ended { status: RunStatus::Succeeded, .. })));
    assert!(rx.recv().await.is_none());
    let late = live.subscribe(None);
    assert_eq!(late.backlog.len(), 6);
    assert!(late.live.is_none() && late.ended.is_some());
}

#[test]
fn requests_and_responses_are_tagged_json_lines() {
    let req = Request::Decide {
        run: "r".into(),
        decision: Decision::Reject { gate: String::new(), comment: None },
    };
    let text = serde_json::to_string(&req).unwrap();
    assert!(text.contains(r#""request":"decide""#) && text.contains(r#""decision":"reject""#), "{text}");
    assert_eq!(serde_json::from_str::<Request>(&text).unwrap(), req);
    let resp = Response::Event { event: log_event(7) };
    let text = serde_json::to_string(&resp).unwrap();
    assert!(text.contains(r#""response":"event""#) && text.contains(r#""event":"step_log""#), "{text}");
    assert_eq!(serde_json::from_str::<Response>(&text).unwrap(), resp);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runner_refuses_a_client_of_another_protocol_version_and_a_second_runner() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let cfg = super::RunnerConfig {
        project_dir: dir.path().to_path_buf(),
        data_dir: data.clone(),
        idle_exit: Some(Duration::from_millis(500)),
        group: None,
        bin: PathBuf::from("flightdeck"),
        stop: tokio_util::sync::CancellationToken::new(),
        kinds: crate::steps::kinds(),
    };
    let server = tokio::spawn(super::serve(cfg.clone()));
    let sock = data.join(super::SOCKET_FILE);
    let mut stream = None;
    for _ in 0..200 {
        if let Ok(s) = tokio::net::UnixStream::connect(&sock).await {
            stream = Some(s);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stream = stream.expect("the runner did not listen");
    assert_eq!(std::fs::metadata(&data).unwrap().permissions().mode() & 0o777, 0o700);
    assert_eq!(std::fs::metadata(&sock).unwrap().permissions().mode() & 0o777, 0o600);
    let second = super::serve(cfg).await;
    assert!(matches!(second, Err(super::RunnerError::AlreadyRunning { .. })), "{second:?}");
    let (r, mut w) = stream.into_split();
    w.write_all(b"{\"protocol\":99,\"client\":\"future\"}\n").await.unwrap();
    let mut line = String::new();
    BufReader::new(r).read_line(&mut line).await.unwrap();
    let resp: Response = serde_json::from_str(&line).unwrap();
    match resp {
        Response::Error { code, message } => {
            assert_eq!(code, crate::error::exit::PRECONDITION);
            assert!(message.contains("protocol 1") && message.contains("speaks 99"), "{message}");
        }
        other => panic!("expected a version error, got {other:?}"),
    }
    drop(w);
    // With no runs and no clients it exits after its idle period, removing its socket.
    tokio::time::timeout(Duration::from_secs(20), server).await.unwrap().unwrap().unwrap();
    assert!(!sock.exists());
}

#[test]
fn a_run_that_ended_reports_the_exit_code_stored_with_it() {
    use super::conn::stored_exit_code;
    // A refused precondition ends `failed` with 8 stored; `failed` alone maps to 3.
    assert_eq!(stored_exit_code(RunStatus::Failed, Some(8)), 8);
    assert_eq!(stored_exit_code(RunStatus::Failed, None), 3);
    assert_eq!(stored_exit_code(RunStatus::Interrupted, Some(8)), 8);
    // A run going on again has no exit code yet, whatever an earlier life stored.
    assert_eq!(stored_exit_code(RunStatus::Running, Some(8)), 1);
}

#[test]
fn the_screen_queries_are_tagged_json() {
    use super::query::Query;
    let q = Query::IncidentTimeline { id: Some("inc-1".into()) };
    let text = serde_json::to_string(&Request::Query { query: q.clone() }).unwrap();
    assert_eq!(text, r#"{"request":"query","query":{"query":"incident_timeline","id":"inc-1"}}"#);
    assert_eq!(serde_json::from_str::<Request>(&text).unwrap(), Request::Query { query: q });
    let cost: Query = serde_json::from_str(r#"{"query":"cost","month":null,"by":"service"}"#).unwrap();
    assert_eq!(cost, Query::Cost { month: None, by: "service".into() });
}

#[test]
fn the_client_only_record_reads_and_assess_are_tagged_json() {
    use super::query::Query;
    let q: Query = serde_json::from_str(r#"{"query":"postmortem","id":"inc-co"}"#).unwrap();
    assert_eq!(q, Query::Postmortem { id: "inc-co".into() });
    let q: Query = serde_json::from_str(r#"{"query":"assessments","environment":null,"limit":20}"#).unwrap();
    assert_eq!(q, Query::Assessments { environment: None, limit: 20 });
    let req = Request::Assess { environment: Some("prod".into()) };
    let text = serde_json::to_string(&req).unwrap();
    assert_eq!(text, r#"{"request":"assess","environment":"prod"}"#);
    assert_eq!(serde_json::from_str::<Request>(&text).unwrap(), req);
}
