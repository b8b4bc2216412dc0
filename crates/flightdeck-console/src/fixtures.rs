//! Fixture states of the console, built from messages only: the snapshot tests render them, and
//! the same states regenerate `screenshots/`, so the pictures cannot go stale.

use std::collections::BTreeMap;

use crate::app::{App, Init};
use crate::msg::{Key, KeyCode, Msg};
use flightdeck_core::engine::event::{
    Approval, Event, EventKind, FailureAction, GateForm, GateInfo, RunStatus, StepInfo, StepStatus, Stream,
};
use flightdeck_core::store::records::{AuditRecord, AuditVerdict, RunRecord};
use flightdeck_core::time::Micros;
use flightdeck_core::workflow::catalog::Catalog;

mod gates;
mod load;
pub use gates::{after, answered, long_prod_gate, prod_gate_with_refusal, system_line};
pub use load::{load_finished, load_running, load_snapshot, load_started, load_step_running};

/// 2026-11-18 09:30:00 UTC, the fixtures' "now".
pub const NOW: Micros = Micros(1_794_994_200_000_000);

const RUN: &str = "20261118-092800-deploy-3f2a";

pub(crate) fn at(secs: i64) -> Micros {
    Micros(NOW.0 - 120_000_000 + secs * 1_000_000)
}

/// The start-up facts of the fixtures: the built-in workflows, staging and production.
pub fn init(runs: Vec<RunRecord>) -> Init {
    let workflows = Catalog::builtin().map(|c| c.workflows.into_values().collect()).unwrap_or_default();
    Init {
        project: "payments".into(),
        branch: "main@4be1c0d".into(),
        operator: "diana".into(),
        environments: vec![("production".into(), true), ("staging".into(), false)],
        default_env: "staging".into(),
        workflows,
        runs,
        now: NOW,
        theme: "default".into(),
        themes: vec!["default".into(), "high-contrast".into(), "light".into(), "mono".into()],
        services: Vec::new(),
        dora_days: 90,
        load_url: None,
        env_vars: ["production", "staging"]
            .into_iter()
            .map(|n| {
                let mut vars = std::collections::BTreeMap::new();
                vars.insert("name".to_string(), serde_json::Value::String(n.into()));
                vars.insert("production".to_string(), serde_json::Value::Bool(n == "production"));
                (n.to_string(), vars)
            })
            .collect(),
    }
}

/// A stored run record.
pub fn record(id: &str, workflow: &str, env: &str, status: RunStatus, start: i64, took: i64) -> RunRecord {
    RunRecord {
        id: id.into(),
        workflow: workflow.into(),
        title: workflow.into(),
        environment: env.into(),
        production: env == "production",
        mode: "interactive".into(),
        status,
        operator_uid: 1000,
        operator: "diana".into(),
        host: "bastion-1".into(),
        started_at: at(start),
        finished_at: (took > 0).then(|| at(start + took)),
        life: 1,
        exit_code: None,
        message: None,
        plan_json: "{}".into(),
    }
}

/// A few stored runs.
pub fn history() -> Vec<RunRecord> {
    vec![
        record("20261118-091500-deploy-a1b2", "deploy", "production", RunStatus::Succeeded, -800, 95),
        record("20261118-090200-deploy-c3d4", "deploy", "staging", RunStatus::RolledBack, -1500, 41),
        record("20261117-171000-rollback-e5f6", "rollback", "production", RunStatus::Succeeded, -58_000, 30),
        record("20261117-160000-deploy-0a0b", "deploy", "staging", RunStatus::Interrupted, -62_000, 0),
    ]
}

/// A console of `size` after `msgs`.
pub fn app(size: (u16, u16), runs: Vec<RunRecord>, msgs: Vec<Msg>) -> App {
    let mut app = App::new(init(runs), size);
    for m in msgs {
        let _ = app.update(m);
    }
    app
}

pub(crate) fn ev(seq: u64, secs: i64, kind: EventKind) -> Msg {
    Msg::Engine(Event { run: RUN.into(), life: 1, seq, at: at(secs), kind })
}

fn step(id: &str, label: &str, kind: &str) -> StepInfo {
    StepInfo {
        id: id.into(),
        label: label.into(),
        kind: kind.into(),
        group: None,
        status: StepStatus::Pending,
    }
}

/// The deploy run up to the approval gate, with output.
#[allow(clippy::too_many_lines)] // fixture data
pub fn run_until_gate(env: &str) -> Vec<Msg> {
    let steps = vec![
        step("preflight", "Preflight: sandbox up, live version", "run"),
        step("migrate.backup", "migrate › Back up the database", "run"),
        step("migrate.apply", "migrate › Apply migrations", "run"),
        step("promote", "Approve the rollout", "approve"),
        step("rollout", "Roll out", "run"),
        step("verify", "Verify health", "run"),
    ];
    let mut m = vec![Msg::RunLaunched { run: RUN.into() }];
    let kind = EventKind::RunStarted {
        workflow: "deploy".into(),
        environment: env.into(),
        mode: "interactive".into(),
        operator: "diana".into(),
        steps,
    };
    m.push(ev(1, 0, kind));
    let mut seq = 2;
    for (i, (id, lines)) in [
        ("preflight", vec!["sandbox at http://127.0.0.1:7878 is running: UP, version 1.1.0"]),
        ("migrate.backup", vec!["backed up staging.db (12 pages, integrity ok)"]),
        (
            "migrate.apply",
            vec!["applied 0003_create_deploy_notes.sql", "staging.db: applied 1 migration(s); version 0003"],
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let t = i64::try_from(i).unwrap_or(0) * 3;
        m.push(ev(
            seq,
            t,
            EventKind::StepStarted { step: id.into(), attempt: 1, detail: format!("run {id}") },
        ));
        for l in lines {
            seq += 1;
            m.push(ev(
                seq,
                t + 1,
                EventKind::StepLog { step: id.into(), stream: Stream::Stdout, line: l.into() },
            ));
        }
        seq += 1;
        m.push(ev(
            seq,
            t + 2,
            EventKind::StepFinished {
                step: id.into(),
                attempt: 1,
                status: StepStatus::Succeeded,
                exit_code: Some(0),
                duration_ms: 2000,
                outputs: BTreeMap::new(),
                message: None,
            },
        ));
        seq += 1;
    }
    m
}

/// The gate of the deploy run, as yes/no (staging) or typed phrase (production).
pub fn gate(env: &str, approvals: Vec<Approval>, required: u32) -> Msg {
    let form = if env == "production" {
        GateForm::Phrase { phrase: "DEPLOY TO PRODUCTION".into() }
    } else {
        GateForm::YesNo { default_yes: false }
    };
    let facts = BTreeMap::from([
        ("environment".to_string(), env.to_string()),
        ("service".to_string(), "web".to_string()),
        ("version".to_string(), "1.2.0".to_string()),
        ("live".to_string(), "1.1.0".to_string()),
    ]);
    let info = GateInfo {
        gate: "promote#1".into(),
        step: "promote".into(),
        message: format!("Roll web 1.2.0 out to {env}"),
        form,
        facts,
        required,
        approvals,
        deadline: None,
        self_approval: env != "production",
    };
    ev(20, 10, EventKind::GateWaiting { info })
}

/// An approval by someone.
pub fn approval(name: &str, uid: u32) -> Approval {
    Approval { uid, name: name.into(), approved: true, choice: None, comment: None, at: at(11) }
}

/// The run after the gate: rollout ok, verify failing, the failure menu open.
#[allow(clippy::too_many_lines)] // fixture data, one event per line
pub fn failing_verify() -> Vec<Msg> {
    let mut m = run_until_gate("staging");
    m.push(ev(
        21,
        12,
        EventKind::StepFinished {
            step: "promote".into(),
            attempt: 1,
            status: StepStatus::Succeeded,
            exit_code: None,
            duration_ms: 9000,
            outputs: BTreeMap::new(),
            message: None,
        },
    ));
    m.push(ev(
        22,
        13,
        EventKind::StepStarted { step: "rollout".into(), attempt: 1, detail: "sandbox deploy".into() },
    ));
    m.push(ev(
        23,
        13,
        EventKind::StepLog {
            step: "rollout".into(),
            stream: Stream::Stdout,
            line: "rolling out 1.1.0 → 2.0.0-bad".into(),
        },
    ));
    m.push(ev(
        24,
        15,
        EventKind::StepFinished {
            step: "rollout".into(),
            attempt: 1,
            status: StepStatus::Succeeded,
            exit_code: Some(0),
            duration_ms: 2000,
            outputs: BTreeMap::new(),
            message: None,
        },
    ));
    m.push(ev(
        25,
        16,
        EventKind::StepStarted { step: "verify".into(), attempt: 1, detail: "sandbox verify".into() },
    ));
    m.push(ev(
        26,
        16,
        EventKind::StepLog {
            step: "verify".into(),
            stream: Stream::Stderr,
            line: "error: check 1/5 failed: HTTP 500 DOWN: version 2.0.0-bad is a bad build".into(),
        },
    ));
    m.push(ev(
        27,
        17,
        EventKind::StepFinished {
            step: "verify".into(),
            attempt: 1,
            status: StepStatus::Failed,
            exit_code: Some(6),
            duration_ms: 900,
            outputs: BTreeMap::new(),
            message: Some("exited with code 6".into()),
        },
    ));
    m.push(ev(
        28,
        17,
        EventKind::FailureMenu {
            step: "verify".into(),
            attempt: 1,
            error: "exited with code 6".into(),
            default: FailureAction::Rollback,
        },
    ));
    m
}

/// The failing run after the operator chose rollback: rolled back.
#[allow(clippy::too_many_lines)] // fixture data
pub fn rolled_back() -> Vec<Msg> {
    let mut m = failing_verify();
    m.push(ev(29, 18, EventKind::RollbackStarted { steps: vec!["rollout".into(), "migrate.backup".into()] }));
    m.push(ev(
        30,
        18,
        EventKind::StepLog {
            step: "rollout".into(),
            stream: Stream::Stdout,
            line: "1.1.0 is live again (was 2.0.0-bad)".into(),
        },
    ));
    m.push(ev(
        31,
        19,
        EventKind::StepFinished {
            step: "rollout".into(),
            attempt: 1,
            status: StepStatus::RolledBack,
            exit_code: Some(0),
            duration_ms: 1000,
            outputs: BTreeMap::new(),
            message: Some("rolled back".into()),
        },
    ));
    m.push(ev(
        32,
        20,
        EventKind::StepFinished {
            step: "migrate.backup".into(),
            attempt: 1,
            status: StepStatus::RolledBack,
            exit_code: Some(0),
            duration_ms: 300,
            outputs: BTreeMap::new(),
            message: Some("rolled back".into()),
        },
    ));
    m.push(ev(
        33,
        20,
        EventKind::RunFinished {
            status: RunStatus::RolledBack,
            exit_code: 3,
            message: Some("rolled back after: exited with code 6".into()),
        },
    ));
    m
}

/// The audit log and its verdict.
pub fn audit(ok: bool) -> Msg {
    let entry = |seq: i64, actor: &str, action: &str, detail: &str| AuditRecord {
        seq,
        at: at(seq * 7),
        uid: 1000,
        actor: actor.into(),
        action: action.into(),
        run: Some(RUN.into()),
        detail: detail.into(),
        prev_hash: String::new(),
        hash: String::new(),
    };
    let entries = vec![
        entry(4, "diana", "run.finish", r#"{"exit_code":3,"status":"rolled_back"}"#),
        entry(3, "diana", "step.failure_action", r#"{"action":"rollback","step":"verify"}"#),
        entry(2, "rita", "gate.approve", r#"{"gate":"promote#1"}"#),
        entry(1, "diana", "run.start", r#"{"mode":"interactive"}"#),
    ];
    let problems = if ok { Vec::new() } else { vec!["entry 2: hash does not match its content".to_string()] };
    Msg::AuditLoaded { entries, verdict: AuditVerdict { checked: 4, expected: 4, problems } }
}

/// The notification outbox: a delivered approval request, a failed one, one retrying, a mail.
pub fn notifications() -> Msg {
    use flightdeck_core::store::notify::NotificationRecord;
    let row = |id: i64, event: &str, channel: &str, state: &str, attempts: u32, err: Option<&str>| {
        NotificationRecord {
            id,
            key: format!("{RUN}/1.{id}/{channel}"),
            run: Some(RUN.into()),
            event: event.into(),
            channel: channel.into(),
            subject: format!("[flightdeck] deploy on production: {event}"),
            payload: String::new(),
            state: state.into(),
            attempts,
            max_attempts: 8,
            next_at: at(id * 60 + 30),
            last_error: err.map(str::to_string),
            created_at: at(id * 60),
            delivered_at: (state == "delivered").then(|| at(id * 60 + 1)),
        }
    };
    Msg::NotificationsLoaded {
        rows: vec![
            row(4, "rolled_back", "oncall", "delivered", 1, None),
            row(3, "failed", "ops", "pending", 2, Some("HTTP 503 Service Unavailable")),
            row(2, "approval_waiting", "pager", "failed", 1, Some("HTTP 404 Not Found")),
            row(1, "approval_waiting", "ops", "delivered", 1, None),
        ],
    }
}

/// The attempts of notification 3: two 503s.
pub fn notification_attempts() -> Msg {
    use flightdeck_core::store::notify::AttemptRecord;
    let a = |s: i64, ms: i64| AttemptRecord {
        at: at(s),
        status: Some(503),
        reply: None,
        error: Some("HTTP 503 Service Unavailable".into()),
        duration_ms: ms,
    };
    Msg::NotificationAttempts { id: 3, attempts: vec![a(180, 41), a(181, 38)] }
}

/// Keys as messages.
pub fn keys(codes: &[KeyCode]) -> Vec<Msg> {
    codes.iter().map(|c| Msg::Key(Key::new(*c))).collect()
}

/// Typed text as messages.
pub fn typed(text: &str) -> Vec<Msg> {
    text.chars().map(|c| Msg::Key(Key::ch(c))).collect()
}

/// A release plan: three commits since v1.4.2, one of them a feature.
pub fn release_plan() -> Msg {
    use flightdeck_core::release::changelog::{Section, group, render_section};
    use flightdeck_core::release::{Level, ReleaseCommit, TaggedVersion};
    let t = NOW.0 / 1_000_000;
    let commits = vec![
        ReleaseCommit::parse(
            "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
            "feat(api): paginate /v1/items",
            "Rita",
            t - 3600,
        ),
        ReleaseCommit::parse(
            "b2c3d4e5f60718293a4b5c6d7e8f901234567890",
            "fix(auth): refresh tokens before expiry",
            "Diana",
            t - 7200,
        ),
        ReleaseCommit::parse(
            "c3d4e5f60718293a4b5c6d7e8f90123456789012",
            "docs: runbook for the payments queue",
            "Phoenix",
            t - 9000,
        ),
    ];
    let groups = group(&commits);
    let section = Section {
        version: "1.5.0".into(),
        tag: "v1.5.0".into(),
        previous_tag: Some("v1.4.2".into()),
        date: "2026-11-18".into(),
        hotfix: false,
    };
    let changelog = render_section(&section, &groups, None);
    let plan = flightdeck_core::release::ReleasePlan {
        package: None,
        branch: Some("main".into()),
        head: commits[0].sha.clone(),
        current: Some(TaggedVersion {
            tag: "v1.4.2".into(),
            version: semver::Version::new(1, 4, 2),
            sha: "9f8e7d6".into(),
        }),
        next: Some(semver::Version::new(1, 5, 0)),
        next_tag: Some("v1.5.0".into()),
        level: Some(Level::Minor),
        reason: "minor bump from 1.4.2: 1 feature(s)".into(),
        drivers: vec![commits[0].clone()],
        commits: commits.clone(),
        groups,
        changelog,
        hotfix: false,
        links: None,
        date: "2026-11-18".into(),
    };
    Msg::ReleaseLoaded { plan: Ok(Box::new(plan)) }
}

/// A DORA dashboard over 30 days: eight production deployments of `web`, one of them failed and
/// remediated by a hotfix two hours later (or, with `empty`, a window with no deployments).
pub fn dora_dashboard(empty: bool) -> Msg {
    use flightdeck_core::dora::facts::{Commit, History, facts};
    use flightdeck_core::dora::{DashboardQuery, Window, dashboard_from_parts};
    use flightdeck_core::store::records::DeploymentRecord;
    let day = 86_400_000_000_i64;
    let mut deps = Vec::new();
    let mut shipped = Vec::new();
    let n = if empty { 0 } else { 8 };
    for i in 0..n {
        let finished = Micros(NOW.0 - (29 - i64::from(i) * 4) * day);
        let hotfix = i == 6;
        deps.push(DeploymentRecord {
            id: format!("dep-{i}"),
            service: "web".into(),
            environment: "production".into(),
            production: true,
            sha: Some(format!("{i:07x}abcdef")),
            version: Some(format!("1.{i}.0")),
            kind: if hotfix { "hotfix".into() } else { "normal".into() },
            status: "succeeded".into(),
            started_at: Micros(finished.0 - 600_000_000),
            finished_at: if hotfix { Micros(NOW.0 - (29 - 5 * 4) * day + 7_200_000_000) } else { finished },
            run: None,
            remediates: hotfix.then(|| "dep-5".to_string()),
            actor: Some("diana".into()),
            digest: None,
        });
        let commits = (0..=(i % 3)).map(|c| Commit {
            sha: format!("{i}{c}a1b2c3d4e5f6"),
            author_time: Micros(finished.0 - (i64::from(c) + 2) * 3_600_000_000),
            summary: format!("feat: change {i}.{c}"),
            reverts: Vec::new(),
        });
        shipped.push(commits.collect());
    }
    let history = History { rollback: vec![false; shipped.len()], shipped };
    let window = Window::last_days(NOW, 30, jiff::tz::TimeZone::UTC);
    let dashboard = window.map(|w| {
        let q = DashboardQuery { service: None, environment: None, window: w };
        Box::new(dashboard_from_parts(facts(&deps, &[], &history), &q, NOW, Vec::new()))
    });
    Msg::DoraLoaded { dashboard: dashboard.map_err(|e| e.to_string()) }
}

fn monitor(
    name: &str,
    state: flightdeck_core::health::MonitorState,
    latency: &[u64],
    failure: Option<(flightdeck_core::health::Reason, &str)>,
) -> flightdeck_core::health::MonitorView {
    use flightdeck_core::health::condition::ConditionResult;
    use flightdeck_core::health::view::{FailureView, ResponseView};
    let ok = failure.is_none();
    let recent = latency
        .iter()
        .rev()
        .take(10)
        .rev()
        .enumerate()
        .map(|(i, l)| ResponseView {
            at: Micros(NOW.0 - (10 - i64::try_from(i).unwrap_or(0)) * 10_000_000),
            status: Some(if ok { 200 } else { 500 }),
            latency_ms: *l,
            success: ok,
            reason: failure.map(|f| f.0),
        })
        .collect();
    flightdeck_core::health::MonitorView {
        name: name.into(),
        environment: "staging".into(),
        kind: "http".into(),
        target: format!("GET http://127.0.0.1:7878/{name}/health"),
        state,
        since: Some(Micros(NOW.0 - 3_600_000_000)),
        last_latency_ms: latency.last().copied(),
        latency_history: latency.to_vec(),
        window_ms: 3_600_000,
        uptime_pct: Some(if ok { 100.0 } else { 96.5 }),
        p50_ms: Some(12),
        p95_ms: Some(if ok { 31 } else { 240 }),
        cert_days_left: (name == "api").then_some(12),
        last_failure: failure.map(|(reason, message)| FailureView {
            at: Micros(NOW.0 - 10_000_000),
            reason,
            message: message.into(),
        }),
        conditions: vec![
            ConditionResult {
                condition: "[STATUS] == 200".into(),
                passed: ok,
                actual: if ok { "200".into() } else { "500".into() },
            },
            ConditionResult { condition: "[RESPONSE_TIME] < 300".into(), passed: true, actual: "14".into() },
        ],
        recent,
        checks: 360,
        consecutive_failures: if ok { 0 } else { 4 },
        truncated: false,
    }
}

/// Three monitors: web and api up, payments down with 500s.
pub fn health_snapshot() -> Msg {
    use flightdeck_core::health::{MonitorState, Reason};
    let snapshot = flightdeck_core::health::Snapshot {
        at: NOW,
        monitors: vec![
            monitor("web", MonitorState::Up, &[12, 14, 11, 13, 30, 12, 11, 12, 13, 12, 14, 12], None),
            monitor("api", MonitorState::Up, &[20, 22, 25, 21, 19, 23, 60, 22, 21, 20, 22, 21], None),
            monitor(
                "payments",
                MonitorState::Down,
                &[15, 16, 15, 90, 240, 200, 210, 230, 250, 240, 220, 230],
                Some((Reason::Status, "HTTP 500: [STATUS] == 200 failed")),
            ),
        ],
    };
    Msg::HealthSnapshot { snapshot: Box::new(snapshot) }
}
