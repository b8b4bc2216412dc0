//! State shared by the runner and every step context: the store, the event sender with its
//! sequence counter, the decision receiver, the cancellation token, the run's fixed facts, its
//! secret providers, and redaction: every event, state change, audit entry and log line passes
//! through [`Shared::redact`] here before it is written or sent, so no secret value read in the run
//! (in any encoding `secrets::redact` knows) leaves the engine.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::engine::Stamped;
use crate::engine::event::{Event, EventKind, Stream};
use crate::engine::kind::StepKinds;
use crate::identity::Operator;
use crate::secrets::{Redactor, SecretSet};
use crate::store::records::StepRecord;
use crate::store::{NewAudit, RunUpdate, Store, StoreError};
use crate::time::now;
use crate::workflow::plan::Plan;

/// Shared by the runner and the step contexts of one run.
#[derive(Debug)]
pub(crate) struct Shared {
    pub run_id: String,
    pub life: u32,
    pub plan: Arc<Plan>,
    pub store: Store,
    pub operator: Operator,
    pub flightdeck_bin: PathBuf,
    /// The kinds the plan's steps name.
    pub kinds: StepKinds,
    /// Re-runs that need a confirmation wait for one even without a terminal (runner recovery).
    pub await_confirmation: bool,
    /// Whose approval `--yes` supplies at a gate (the operator, or the colleague who resumed with it).
    pub yes_by: Operator,
    pub cancel: CancellationToken,
    pub decisions: tokio::sync::Mutex<mpsc::Receiver<Stamped>>,
    /// `run.*` template variables.
    pub run_vars: BTreeMap<String, Value>,
    /// Secret values for `secrets.*` outside a step (always empty: steps read their own).
    pub secrets: BTreeMap<String, String>,
    /// The project's secret providers and secrets (from `flightdeck.toml`, read at start).
    pub secret_set: SecretSet,
    /// Every value read in this run, in every encoding.
    pub redactor: Redactor,
    events: mpsc::Sender<Event>,
    seq: Mutex<u64>,
}

impl Shared {
    pub fn new(
        spec: &crate::engine::RunSpec,
        events: mpsc::Sender<Event>,
        decisions: mpsc::Receiver<Stamped>,
        cancel: CancellationToken,
    ) -> Arc<Shared> {
        let plan = Arc::clone(&spec.plan);
        let run_vars = BTreeMap::from([
            ("id".to_string(), Value::String(spec.run_id.clone())),
            ("operator".to_string(), Value::String(spec.operator.name.clone())),
            ("data_dir".to_string(), Value::String(plan.data_dir.display().to_string())),
            ("project_dir".to_string(), Value::String(plan.project_dir.display().to_string())),
            ("workflow".to_string(), Value::String(plan.workflow.clone())),
        ]);
        let secret_set =
            SecretSet::new(&Config::load(&plan.project_dir).unwrap_or_default(), &plan.project_dir);
        Arc::new(Shared {
            run_id: spec.run_id.clone(),
            life: spec.life,
            plan,
            store: spec.store.clone(),
            operator: spec.operator.clone(),
            flightdeck_bin: spec.flightdeck_bin.clone(),
            kinds: spec.kinds,
            await_confirmation: spec.await_confirmation,
            yes_by: spec.yes_by.clone().unwrap_or_else(|| spec.operator.clone()),
            cancel,
            decisions: tokio::sync::Mutex::new(decisions),
            run_vars,
            secrets: BTreeMap::new(),
            secret_set,
            redactor: Redactor::new(),
            events,
            seq: Mutex::new(0),
        })
    }

    fn envelope(&self, kind: EventKind) -> Event {
        let seq = {
            let mut guard = self.seq.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            *guard += 1;
            *guard
        };
        Event { run: self.run_id.clone(), life: self.life, seq, at: now(), kind }
    }

    /// Commits the event (and any state change), then sends it.
    pub async fn emit(
        &self,
        kind: EventKind,
        run: Option<RunUpdate>,
        step: Option<&StepRecord>,
    ) -> Result<(), StoreError> {
        let event = self.redact_event(self.envelope(kind));
        let run = run.map(|mut r| {
            r.message = r.message.map(|m| self.redact(m));
            r
        });
        let step = step.map(|r| self.redact_record(r));
        self.store.record(Some(&event), run, step.as_ref()).await?;
        // Nobody listening is fine: the store holds the truth.
        let _ = self.events.send(event).await;
        Ok(())
    }

    /// Sends a log line (already written to the step's log file; not journaled).
    pub async fn emit_log(&self, step: &str, stream: Stream, line: String) {
        let line = self.redact(line);
        let event = self.envelope(EventKind::StepLog { step: step.to_string(), stream, line });
        let _ = self.events.send(event).await;
    }

    /// Sends kind-specific progress (not journaled).
    pub async fn emit_progress(&self, step: &str, data: Value) {
        let data = self.redact_value(data);
        let event = self.envelope(EventKind::StepProgress { step: step.to_string(), data });
        let _ = self.events.send(event).await;
    }

    /// Appends to the audit log as this run's operator.
    pub async fn audit(&self, action: &str, detail: Value) -> Result<(), StoreError> {
        self.audit_as(&self.operator, action, detail).await
    }

    /// Appends to the audit log as `who`.
    pub async fn audit_as(&self, who: &Operator, action: &str, detail: Value) -> Result<(), StoreError> {
        let mut detail = self.redact_value(detail);
        if let Value::Object(m) = &mut detail {
            m.entry("workflow").or_insert_with(|| json!(self.plan.workflow));
            m.entry("environment").or_insert_with(|| json!(self.plan.environment.name));
        }
        self.store
            .audit(NewAudit {
                at: now(),
                uid: who.uid,
                actor: who.name.clone(),
                action: action.to_string(),
                run: Some(self.run_id.clone()),
                detail,
            })
            .await
            .map(|_| ())
    }

    /// Audits an answer that did not count (a decision for something the run is not waiting for),
    /// as whoever sent it, so a refused answer leaves a trace like a counted one. Best effort: a
    /// store error here must not end the run.
    pub async fn audit_refused(
        &self,
        who: &Operator,
        decision: &crate::engine::event::Decision,
        reason: &str,
    ) {
        let detail = json!({ "decision": decision.for_record(), "counted": false, "reason": reason });
        if let Err(e) = self.audit_as(who, "decision.refused", detail).await {
            tracing::warn!("auditing a refused answer: {e}");
        }
    }

    /// Replaces every secret value read in this run, in every encoding, with `[redacted]`.
    pub fn redact(&self, text: String) -> String {
        if self.redactor.is_empty() { text } else { self.redactor.redact(&text) }
    }

    /// Redacts every string inside a JSON value.
    pub fn redact_value(&self, v: Value) -> Value {
        if self.redactor.is_empty() {
            return v;
        }
        match v {
            Value::String(s) => Value::String(self.redactor.redact(&s)),
            Value::Array(a) => Value::Array(a.into_iter().map(|x| self.redact_value(x)).collect()),
            Value::Object(m) => Value::Object(
                m.into_iter().map(|(k, x)| (self.redactor.redact(&k), self.redact_value(x))).collect(),
            ),
            other => other,
        }
    }

    /// An event with every string in it redacted (messages, outputs, gate facts, details).
    pub fn redact_event(&self, event: Event) -> Event {
        if self.redactor.is_empty() {
            return event;
        }
        match serde_json::to_value(&event).map(|v| serde_json::from_value::<Event>(self.redact_value(v))) {
            Ok(Ok(clean)) => clean,
            // An event that does not round-trip keeps only its envelope and says why.
            _ => Event {
                kind: EventKind::StepLog {
                    step: String::new(),
                    stream: Stream::System,
                    line: "[redacted event]".into(),
                },
                ..event
            },
        }
    }

    /// A step record with its message and outputs redacted.
    pub fn redact_record(&self, r: &StepRecord) -> StepRecord {
        let mut r = r.clone();
        r.message = r.message.map(|m| self.redact(m));
        r.outputs_json = self.redact(std::mem::take(&mut r.outputs_json));
        r
    }

    /// Rewrites a file a step process wrote (its `$FLIGHTDECK_OUTPUT`) with secrets redacted.
    pub fn scrub_file(&self, path: &std::path::Path) {
        if self.redactor.is_empty() {
            return;
        }
        if let Ok(text) = std::fs::read_to_string(path)
            && self.redactor.finds(&text)
        {
            let clean: Vec<String> = text.lines().map(|l| self.redactor.redact(l)).collect();
            let _ = std::fs::write(path, clean.join("\n") + "\n");
        }
    }
}
