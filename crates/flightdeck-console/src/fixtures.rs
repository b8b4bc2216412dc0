//! Fixture states of the console, built from messages only: the snapshot tests render them, and
//! the same states regenerate `screenshots/`, so the pictures cannot go stale.

use std::collections::BTreeMap;

use crate::app::{App, Init};
use crate::msg::{Key, KeyCode, Msg};
use flightdeck_core::engine::event::{
    Approval, Event, EventKind, FailureAction, GateForm, GateInfo, RunStatus, StepInfo, StepStatus, Stream,
};
use flightdeck_core::store::records::RunRecord;
use flightdeck_core::time::Micros;
use flightdeck_core::workflow::catalog::Catalog;

mod data;
mod gates;
mod load;
mod secret_prompt;
pub use data::{audit, dora_dashboard, health_snapshot, notification_attempts, notifications, release_plan};
pub use gates::{after, answered, long_prod_gate, prod_gate_with_refusal, system_line};
pub use load::{load_finished, load_running, load_snapshot, load_started, load_step_running};
pub use secret_prompt::secret_prompt;

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
pub fn rolled_back() -> Vec<Msg> {
    rolled_back_because("rolled back after: exited with code 6")
}

/// [`rolled_back`], the run ending with `reason`.
#[allow(clippy::too_many_lines)] // fixture data
pub fn rolled_back_because(reason: &str) -> Vec<Msg> {
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
        EventKind::RunFinished { status: RunStatus::RolledBack, exit_code: 3, message: Some(reason.into()) },
    ));
    m
}

/// Keys as messages.
pub fn keys(codes: &[KeyCode]) -> Vec<Msg> {
    codes.iter().map(|c| Msg::Key(Key::new(*c))).collect()
}

/// Typed text as messages.
pub fn typed(text: &str) -> Vec<Msg> {
    text.chars().map(|c| Msg::Key(Key::ch(c))).collect()
}
