//! From the journal to the outbox: gate and finish events of runs become one queued notification
//! per routed channel, keyed by run, life, sequence and channel, so a scan repeated by any number
//! of processes queues each once. The cursor moves in the same transaction as the rows it queued.

use std::collections::BTreeMap;
use std::path::Path;

use crate::event::{Event, EventKind, GateInfo, RunStatus};
use crate::notify::{EventName, NotifyConfig, message};
use crate::store::notify::NewNotification;
use crate::store::records::RunRecord;
use crate::store::{Store, StoreError};

/// Journal event kinds the scanner reads.
const KINDS: &[&str] = &["gate_waiting", "run_finished"];

/// Rows read per scan.
const BATCH: usize = 500;

/// Scans the journal past the cursor and queues what the routes ask for. Returns how many were
/// queued. `templates` is the project's template directory, if any.
pub async fn scan(
    store: &Store,
    config: &NotifyConfig,
    templates: Option<&Path>,
) -> Result<usize, StoreError> {
    let mut queued = 0;
    loop {
        let cursor = store.notify_cursor()?;
        let rows = store.journal_after(cursor, KINDS, BATCH)?;
        let Some(last) = rows.last().map(|r| r.0) else {
            // Nothing of interest: jump the cursor to the journal's end so later scans stay short.
            let end = store.journal_end()?;
            if end > cursor {
                store.enqueue_notifications(Vec::new(), Some(end)).await?;
            }
            return Ok(queued);
        };
        let mut new = Vec::new();
        for (_, run, json) in &rows {
            let Ok(event) = serde_json::from_str::<Event>(json) else { continue };
            let Some(record) = store.run(run)? else { continue };
            let facts = crate::notify::facts::run_facts(store, &record);
            new.extend(notifications_for(config, templates, &record, &event, &facts));
        }
        queued += store.enqueue_notifications(new, Some(last)).await?;
        if rows.len() < BATCH {
            return Ok(queued);
        }
    }
}

/// The notifications one journal event asks for; `facts` are the run's `params.*`,
/// `steps.ID.outputs.*` and `deploy.*` ([`crate::notify::facts::run_facts`]).
pub fn notifications_for(
    config: &NotifyConfig,
    templates: Option<&Path>,
    run: &RunRecord,
    event: &Event,
    facts: &BTreeMap<String, String>,
) -> Vec<NewNotification> {
    let (name, mut fields) = match &event.kind {
        EventKind::GateWaiting { info } => (EventName::ApprovalWaiting, gate_fields(run, info)),
        EventKind::RunFinished { status, message, .. } => match finish_event(*status) {
            Some(name) => (name, finish_fields(run, *status, message.as_deref(), event)),
            None => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    for (k, v) in facts {
        fields.entry(k.clone()).or_insert_with(|| v.clone());
    }
    let key = format!("{}/{}.{}", run.id, event.life, event.seq);
    queue(config, templates, &run.environment, name, &key, Some(&run.id), &fields)
}

/// One row per channel the routes give for `event` in `environment`, rendered from the template.
pub fn queue(
    config: &NotifyConfig,
    templates: Option<&Path>,
    environment: &str,
    event: EventName,
    key: &str,
    run: Option<&str>,
    fields: &BTreeMap<String, String>,
) -> Vec<NewNotification> {
    let channels = config.route(environment, event);
    to_channels(config, templates, &channels, event, key, run, fields)
}

/// One row per named channel, rendered from the event's template.
pub fn to_channels(
    config: &NotifyConfig,
    templates: Option<&Path>,
    channels: &[String],
    event: EventName,
    key: &str,
    run: Option<&str>,
    fields: &BTreeMap<String, String>,
) -> Vec<NewNotification> {
    let msg = message::template_text(templates, event).and_then(|t| message::render(&t, event, fields));
    let msg = match msg {
        Ok(m) => m,
        Err(e) => {
            // A broken project template must not silence the event: fall back to the default.
            tracing::warn!("notification template for {event}: {e}; using the built-in one");
            match message::render(message::default_template(event), event, fields) {
                Ok(m) => m,
                Err(_) => return Vec::new(),
            }
        }
    };
    let payload = serde_json::to_string(&msg).unwrap_or_default();
    channels
        .iter()
        .filter_map(|c| config.channels.get(c).map(|ch| (c, ch)))
        .map(|(c, ch)| NewNotification {
            key: format!("{key}/{c}"),
            run: run.map(str::to_string),
            event: event.as_str().to_string(),
            channel: c.clone(),
            subject: msg.subject.clone(),
            payload: payload.clone(),
            max_attempts: ch.attempts(),
        })
        .collect()
}

fn finish_event(status: RunStatus) -> Option<EventName> {
    match status {
        RunStatus::Succeeded => Some(EventName::Finished),
        RunStatus::Failed => Some(EventName::Failed),
        RunStatus::RolledBack => Some(EventName::RolledBack),
        _ => None,
    }
}

fn base_fields(run: &RunRecord) -> BTreeMap<String, String> {
    let mut f = BTreeMap::new();
    f.insert("run".into(), run.id.clone());
    f.insert("id".into(), run.id.clone());
    f.insert("workflow".into(), run.workflow.clone());
    f.insert("title".into(), run.title.clone());
    f.insert("environment".into(), run.environment.clone());
    f.insert("production".into(), run.production.to_string());
    f.insert("operator".into(), run.operator.clone());
    f.insert("host".into(), run.host.clone());
    f
}

fn gate_fields(run: &RunRecord, info: &GateInfo) -> BTreeMap<String, String> {
    let mut f = base_fields(run);
    f.insert("gate".into(), info.gate.clone());
    f.insert("gate_message".into(), info.message.clone());
    f.insert("required".into(), info.required.to_string());
    f.insert("approvals".into(), info.approvals.len().to_string());
    let who = if info.self_approval {
        format!("{} distinct people may approve, {} included.", info.required, run.operator)
    } else {
        format!("{} distinct people other than {} must approve.", info.required, run.operator)
    };
    f.insert("eligible".into(), who);
    f.insert("approve_command".into(), format!("flightdeck approve {} {}", run.id, info.gate));
    f.insert("status".into(), "waiting".into());
    // `approval.*` names the same facts as the older `run.gate`, `run.approve_command`, ...
    for (key, from) in [
        ("gate", "gate"),
        ("message", "gate_message"),
        ("required", "required"),
        ("approvals", "approvals"),
        ("eligible", "eligible"),
        ("command", "approve_command"),
    ] {
        let v = f.get(from).cloned().unwrap_or_default();
        f.insert(format!("approval.{key}"), v);
    }
    f.insert("approval.step".into(), info.step.clone());
    f.insert(
        "approval.deadline".into(),
        info.deadline.map(crate::time::Micros::to_rfc3339).unwrap_or_default(),
    );
    f
}

fn finish_fields(
    run: &RunRecord,
    status: RunStatus,
    message: Option<&str>,
    event: &Event,
) -> BTreeMap<String, String> {
    let mut f = base_fields(run);
    f.insert("status".into(), status.as_str().to_string());
    f.insert("message".into(), message.unwrap_or_default().to_string());
    let ms = event.at.millis_since(run.started_at).max(0);
    f.insert("duration".into(), crate::time::human_duration(ms));
    f
}
