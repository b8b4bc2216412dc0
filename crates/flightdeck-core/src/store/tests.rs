//! Store tests on real `SQLite` files in temp dirs; locking and concurrent writing also use a real second
//! process (this test binary re-run as `proc::helper_process`).

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use rusqlite::Connection;
use serde_json::json;
use tempfile::TempDir;

use super::*;
use crate::event::{Event, EventKind, RunStatus, StepStatus, Stream};
use crate::store::records::{
    ApprovalRecord, AuditRecord, AuditVerdict, DeploymentRecord, RunRecord, StepRecord,
};

fn run_rec(id: &str, started: i64) -> RunRecord {
    RunRecord {
        id: id.into(),
        workflow: "deploy".into(),
        title: "Deploy".into(),
        environment: "staging".into(),
        production: false,
        mode: "interactive".into(),
        status: RunStatus::Running,
        operator_uid: 1000,
        operator: "ana".into(),
        host: "bastion".into(),
        started_at: Micros(started),
        finished_at: None,
        life: 1,
        exit_code: None,
        message: None,
        plan_json: r#"{"steps":[]}"#.into(),
    }
}

fn step_rec(run: &str, step: &str, idx: u32) -> StepRecord {
    StepRecord::pending(run, step, idx)
}

fn event(run: &str, life: u32, seq: u64, kind: EventKind) -> Event {
    Event { run: run.into(), life, seq, at: Micros(1_000 + i64::try_from(seq).unwrap_or(0)), kind }
}

fn started(step: &str) -> EventKind {
    EventKind::StepStarted { step: step.into(), attempt: 1, detail: format!("./{step}.sh") }
}

fn new_audit(n: i64) -> NewAudit {
    NewAudit {
        at: Micros(5_000 + n),
        uid: 1000,
        actor: "ana".into(),
        action: "gate.approve".into(),
        run: Some("r1".into()),
        detail: json!({ "n": n, "gate": "approve#1", "z": [1, { "b": 2, "a": 1 }] }),
    }
}

fn open(dir: &TempDir) -> Store {
    Store::open(dir.path()).unwrap()
}

/// A raw connection to the store file, as an outside tamperer (or a second tool) would have.
fn raw(store: &Store) -> Connection {
    let conn = Connection::open(store.db_path()).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    conn
}

#[test]
fn store_is_clone_send_sync() {
    fn check<T: Clone + Send + Sync + 'static>() {}
    check::<Store>();
}

#[tokio::test]
async fn a_panicking_job_loses_only_itself() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let lost = store.write("panicking on purpose", |_| -> Result<(), StoreError> { panic!("boom") }).await;
    assert!(matches!(lost, Err(StoreError::WriterGone)), "{lost:?}");
    store.create_run(&run_rec("r1", 1), &[]).await.unwrap();
    assert!(store.run("r1").unwrap().is_some(), "the writer thread still works");
}

#[tokio::test]
async fn runs_steps_and_journal_round_trip() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let run = run_rec("20261124-193840-deploy-3f2a", 100);
    let steps = [step_rec(&run.id, "build", 0), step_rec(&run.id, "ship", 1)];
    store.create_run(&run, &steps).await.unwrap();
    let _lock = store.lock_run(&run.id).unwrap();
    assert_eq!(store.run(&run.id).unwrap(), Some(run.clone()));
    assert_eq!(store.steps(&run.id).unwrap(), steps.to_vec());

    let mut step = step_rec(&run.id, "build", 0);
    step.status = StepStatus::Running;
    step.attempt = 1;
    step.started_at = Some(Micros(150));
    step.pid = Some(4242);
    step.pgid = Some(4242);
    step.proc_start = Some(u64::MAX - 7);
    step.log_path = Some("logs/x/build.log".into());
    let e1 = event(&run.id, 1, 1, started("build"));
    store.record(Some(&e1), None, Some(&step)).await.unwrap();
    let log = EventKind::StepLog { step: "build".into(), stream: Stream::Stdout, line: "hi".into() };
    store.record(Some(&event(&run.id, 1, 2, log)), None, None).await.unwrap();
    let fin =
        EventKind::RunFinished { status: RunStatus::Failed, exit_code: 3, message: Some("boom".into()) };
    let e3 = event(&run.id, 1, 3, fin);
    let update = RunUpdate {
        status: RunStatus::Failed,
        finished_at: Some(Micros(900)),
        exit_code: Some(3),
        message: Some("boom".into()),
    };
    store.record(Some(&e3), Some(update), None).await.unwrap();

    assert_eq!(store.steps(&run.id).unwrap()[0], step, "upsert replaced the pending step");
    assert_eq!(store.journal(&run.id).unwrap(), vec![e1, e3], "the log line is not journaled");
    let got = store.run(&run.id).unwrap().unwrap();
    assert_eq!((got.status, got.finished_at, got.exit_code), (RunStatus::Failed, Some(Micros(900)), Some(3)));
    assert_eq!(got.message.as_deref(), Some("boom"));
}

#[tokio::test]
async fn begin_life_orders_journal_by_life_and_rejects_unknown_runs() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    store.create_run(&run_rec("r1", 1), &[]).await.unwrap();
    store.record(Some(&event("r1", 1, 2, started("b"))), None, None).await.unwrap();
    store.record(Some(&event("r1", 1, 1, started("a"))), None, None).await.unwrap();
    let done = RunUpdate { finished_at: Some(Micros(5)), ..RunUpdate::status(RunStatus::Failed) };
    store.record(Some(&event("r1", 1, 3, started("c"))), Some(done), None).await.unwrap();
    assert_eq!(store.begin_life("r1").await.unwrap(), 2);
    store.record(Some(&event("r1", 2, 1, started("d"))), None, None).await.unwrap();
    let order: Vec<(u32, u64)> = store.journal("r1").unwrap().iter().map(|e| (e.life, e.seq)).collect();
    assert_eq!(order, vec![(1, 1), (1, 2), (1, 3), (2, 1)]);
    let run = raw(&store)
        .query_row("SELECT status, life, finished_at FROM runs WHERE id = 'r1'", [], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?, r.get::<_, Option<i64>>(2)?))
        })
        .unwrap();
    assert_eq!(run, ("running".into(), 2, None));
    assert!(matches!(store.begin_life("nope").await, Err(StoreError::NotFound { run }) if run == "nope"));
    let orphan = RunUpdate::status(RunStatus::Failed);
    assert!(matches!(store.record(None, Some(orphan), None).await, Err(StoreError::Invalid(_))));
    let dup = store.record(Some(&event("r1", 2, 1, started("d"))), None, None).await;
    assert!(matches!(dup, Err(StoreError::Sqlite { .. })), "a repeated (life, seq) is refused: {dup:?}");
}

#[tokio::test]
async fn approvals_round_trip_and_poll_by_id() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    store.create_run(&run_rec("r1", 1), &[]).await.unwrap();
    let mut a = ApprovalRecord {
        id: 999,
        run: "r1".into(),
        gate: "approve#1".into(),
        uid: 1001,
        name: "bo".into(),
        decision: "approve".into(),
        value: None,
        comment: Some("lgtm".into()),
        at: Micros(7),
    };
    let id1 = store.add_approval(&a).await.unwrap();
    a.gate = "approve#2".into();
    let id2 = store.add_approval(&a).await.unwrap();
    a.uid = 1002;
    a.decision = "phrase".into();
    a.value = Some("deploy prod".into());
    let id3 = store.add_approval(&a).await.unwrap();
    assert!(id1 < id2 && id2 < id3, "ids increase: {id1} {id2} {id3}");
    let all = store.approvals("r1", None).unwrap();
    assert_eq!(all.iter().map(|a| a.id).collect::<Vec<_>>(), vec![id1, id2, id3]);
    assert_eq!(all[2], ApprovalRecord { id: id3, ..a.clone() });
    let gate2 = store.approvals("r1", Some("approve#2")).unwrap();
    assert_eq!(gate2.iter().map(|a| a.uid).collect::<Vec<_>>(), vec![1001, 1002]);
    let after = store.approvals_after("r1", "approve#2", id2).unwrap();
    assert_eq!(after.iter().map(|a| a.id).collect::<Vec<_>>(), vec![id3]);
    assert!(store.approvals_after("r1", "approve#2", id3).unwrap().is_empty());
    a.run = "missing".into();
    assert!(store.add_approval(&a).await.is_err(), "an approval needs an existing run");
}

#[tokio::test]
async fn deployments_upsert_and_order_by_finish_and_runs_link() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let dep = |id: &str, finished: i64| DeploymentRecord {
        id: id.into(),
        service: "api".into(),
        environment: "production".into(),
        production: true,
        sha: Some("abc".into()),
        version: None,
        kind: "normal".into(),
        status: "succeeded".into(),
        started_at: Micros(finished - 10),
        finished_at: Micros(finished),
        run: None,
        remediates: None,
        actor: None,
        digest: None,
    };
    store.add_deployment(&dep("b", 200)).await.unwrap();
    store.add_deployment(&dep("a", 300)).await.unwrap();
    let mut fixed = dep("b", 400);
    fixed.status = "failed".into();
    fixed.remediates = Some("a".into());
    store.add_deployment(&fixed).await.unwrap();
    assert_eq!(store.deployments().unwrap(), vec![dep("a", 300), fixed]);

    store.create_run(&run_rec("r2", 1), &[]).await.unwrap();
    store.link_runs("r2", "retried-from", "r1").await.unwrap();
    store.link_runs("r2", "retried-from", "r1").await.unwrap();
    store.link_runs("r2", "hotfix-of", "r0").await.unwrap();
    let links = store.run_links("r2").unwrap();
    assert_eq!(links, vec![("hotfix-of".into(), "r0".into()), ("retried-from".into(), "r1".into())]);
}

#[test]
fn data_dir_and_store_are_private_to_their_user() {
    let tmp = TempDir::new().unwrap();
    let data = tmp.path().join("shared").join("flightdeck");
    let store = Store::open(&data).unwrap();
    for dir in [data.clone(), data.join("logs"), data.join("runs")] {
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o700, "{} has mode {mode:o}", dir.display());
    }
    assert!(store.db_path().is_file());
    for f in ["flightdeck.db", "flightdeck.db-wal", "flightdeck.db-shm"] {
        let mode = std::fs::metadata(data.join(f)).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o600, "{f} has mode {mode:o}");
    }
    assert_eq!(store.log_dir("r1"), data.join("logs/r1"));
    assert_eq!(store.lock_path("r1"), data.join("runs/r1.lock"));
}

#[tokio::test]
async fn reopening_applies_no_migration_twice_and_newer_files_are_refused() {
    let dir = TempDir::new().unwrap();
    open(&dir).create_run(&run_rec("r1", 1), &[]).await.unwrap();
    // The scripts use plain CREATE TABLE: re-running one would fail.
    let again = open(&dir);
    let conn = raw(&again);
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    assert!(again.run("r1").unwrap().is_some(), "data survives reopening");
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    match Store::open(dir.path()) {
        Err(StoreError::SchemaTooNew { found, known }) => {
            assert_eq!((found, known), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
        }
        other => panic!("expected SchemaTooNew, got {:?}", other.err()),
    }
}

#[tokio::test]
async fn prefix_lookup_finds_one_and_reports_ambiguity() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    for id in ["20261124-aaaa", "20261124-aabb", "20261125-cccc", "2026"] {
        store.create_run(&run_rec(id, 1), &[]).await.unwrap();
    }
    assert_eq!(store.run("20261125").unwrap().map(|r| r.id), Some("20261125-cccc".into()));
    assert_eq!(store.run("20261124-aab").unwrap().map(|r| r.id), Some("20261124-aabb".into()));
    assert_eq!(store.run("2026").unwrap().map(|r| r.id), Some("2026".into()), "an exact id wins");
    assert_eq!(store.run("1999").unwrap(), None);
    assert_eq!(store.run("").unwrap(), None);
    let err = store.run("20261124-aa").unwrap_err();
    match &err {
        StoreError::Ambiguous { prefix, matches } => {
            assert_eq!(prefix, "20261124-aa");
            assert_eq!(matches, &["20261124-aaaa", "20261124-aabb"]);
        }
        other => panic!("expected Ambiguous, got {other:?}"),
    }
    assert!(err.to_string().contains("20261124-aaaa, 20261124-aabb"), "{err}");
}

#[tokio::test]
async fn runs_filter_newest_first_with_limit() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    for (i, env) in ["staging", "production", "staging", "staging"].iter().enumerate() {
        let mut r = run_rec(&format!("r{i}"), i64::try_from(i).unwrap() * 10);
        r.environment = (*env).into();
        r.status = RunStatus::Succeeded;
        store.create_run(&r, &[]).await.unwrap();
    }
    let ids = |f: RunFilter| store.runs(&f).unwrap().into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(RunFilter::default()), vec!["r3", "r2", "r1", "r0"]);
    assert_eq!(
        ids(RunFilter { environment: Some("staging".into()), limit: 2, ..RunFilter::default() }),
        vec!["r3", "r2"]
    );
    assert!(ids(RunFilter { status: Some(RunStatus::Failed), ..RunFilter::default() }).is_empty());
    assert!(ids(RunFilter { workflow: Some("other".into()), ..RunFilter::default() }).is_empty());
}

mod audit_chain;
mod proc;

#[tokio::test]
async fn incidents_open_resolve_and_releases() {
    use crate::store::records::{IncidentRecord, ReleaseRecord};
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let inc = IncidentRecord {
        id: "inc-1".into(),
        service: "api".into(),
        environment: "production".into(),
        severity: "sev1".into(),
        title: "errors".into(),
        started_at: Micros(100),
        detected_at: Some(Micros(110)),
        mitigated_at: None,
        resolved_at: None,
        caused_by: Some("dep-1".into()),
    };
    store.add_incident(&inc).await.unwrap();
    assert!(store.resolve_incident("inc-1", Micros(500), None).await.unwrap());
    assert!(!store.resolve_incident("nope", Micros(500), None).await.unwrap());
    let got = store.incident("inc-1").unwrap().unwrap();
    assert_eq!((got.mitigated_at, got.resolved_at), (Some(Micros(500)), Some(Micros(500))));
    assert_eq!(store.incidents().unwrap().len(), 1);
    let rel = ReleaseRecord {
        id: "r1".into(),
        service: "api".into(),
        version: "1.2.0".into(),
        tag: Some("v1.2.0".into()),
        sha: None,
        created_at: Micros(7),
    };
    store.add_release(&rel).await.unwrap();
    assert_eq!(store.releases().unwrap(), vec![rel]);
}
