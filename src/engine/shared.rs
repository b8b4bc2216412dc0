//! State shared by the runner and every step context: the store, the event sender with its
//! sequence counter, the decision receiver, the cancellation token and the run's fixed facts.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::engine::Stamped;
use crate::engine::event::{Event, EventKind, Stream};
use crate::identity::Operator;
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
    /// Re-runs that need a confirmation wait for one even without a terminal (runner recovery).
    pub await_confirmation: bool,
    pub cancel: CancellationToken,
    pub decisions: tokio::sync::Mutex<mpsc::Receiver<Stamped>>,
    /// `run.*` template variables.
    pub run_vars: BTreeMap<String, Value>,
    /// Secret values for `secrets.*` (and redaction).
    pub secrets: BTreeMap<String, String>,
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
        Arc::new(Shared {
            run_id: spec.run_id.clone(),
            life: spec.life,
            plan,
            store: spec.store.clone(),
            operator: spec.operator.clone(),
            flightdeck_bin: spec.flightdeck_bin.clone(),
            await_confirmation: spec.await_confirmation,
            cancel,
            decisions: tokio::sync::Mutex::new(decisions),
            run_vars,
            secrets: BTreeMap::new(),
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
        let event = self.envelope(kind);
        self.store.record(Some(&event), run, step).await?;
        // Nobody listening is fine: the store holds the truth.
        let _ = self.events.send(event).await;
        Ok(())
    }

    /// Sends a log line (already written to the step's log file; not journaled).
    pub async fn emit_log(&self, step: &str, stream: Stream, line: String) {
        let event = self.envelope(EventKind::StepLog { step: step.to_string(), stream, line });
        let _ = self.events.send(event).await;
    }

    /// Sends kind-specific progress (not journaled).
    pub async fn emit_progress(&self, step: &str, data: Value) {
        let event = self.envelope(EventKind::StepProgress { step: step.to_string(), data });
        let _ = self.events.send(event).await;
    }

    /// Appends to the audit log as this run's operator.
    pub async fn audit(&self, action: &str, detail: Value) -> Result<(), StoreError> {
        self.audit_as(&self.operator, action, detail).await
    }

    /// Appends to the audit log as `who`.
    pub async fn audit_as(&self, who: &Operator, action: &str, detail: Value) -> Result<(), StoreError> {
        let mut detail = detail;
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

    /// Replaces secret values in `text` with `[redacted]`.
    pub fn redact(&self, text: String) -> String {
        let mut out = text;
        for v in self.secrets.values().filter(|v| v.len() >= 4) {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), "[redacted]");
            }
        }
        out
    }
}
