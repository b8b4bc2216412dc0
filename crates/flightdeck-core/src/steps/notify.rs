//! `notify = { channels = ["ops"], subject = "...", message = "...", wait = "30s" }`: puts a message
//! in the notification outbox for the named channels (or, without `channels`, the channels the
//! project's routes give the `message` event in the run's environment). It succeeds once the
//! message is committed to the outbox; with `wait` it fails unless every channel delivered it by
//! then. Subject and message are templates like any step's and are redacted before they are queued.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use crate::config::Config;
use crate::engine::{StepCx, StepOutcome};
use crate::notify::deliver::Sender;
use crate::notify::{EventName, scan};
use crate::steps::{ActionKind, BoxFuture, StepKind, template_field};
use crate::time::parse_duration;
use crate::workflow::template::Template;

/// The `notify` kind.
pub struct Notify;

impl ActionKind for Notify {
    fn key(&self) -> &'static str {
        "notify"
    }

    fn parse(&self, action: &Value, _extras: &BTreeMap<String, Value>) -> Result<Value, String> {
        let Some(obj) = action.as_object() else {
            return Err("`notify` takes a table: notify = { channels = [\"ops\"], message = \"...\" }".into());
        };
        for k in obj.keys() {
            if !["channels", "subject", "message", "wait"].contains(&k.as_str()) {
                return Err(format!(
                    "notify: unknown key `{k}`; valid keys: channels, subject, message, wait"
                ));
            }
        }
        let message = obj.get("message").and_then(Value::as_str).filter(|m| !m.trim().is_empty());
        let Some(message) = message else {
            return Err("notify: `message` is required (the text to send)".into());
        };
        let channels = match obj.get("channels") {
            None => Vec::new(),
            Some(Value::Array(a)) if a.iter().all(Value::is_string) && !a.is_empty() => a.clone(),
            // One template rendering to a comma-separated list (a task's string parameter).
            Some(Value::String(s)) => vec![Value::String(s.clone())],
            Some(_) => {
                return Err(
                    "notify: `channels` is a list of channel names, or one comma-separated string".into()
                );
            }
        };
        if let Some(w) = obj.get("wait") {
            let ok = w.as_str().and_then(parse_duration).is_some_and(|ms| ms > 0);
            if !ok {
                return Err(format!("notify: bad `wait` {w}: write a duration such as \"30s\""));
            }
        }
        let subject = obj.get("subject").and_then(Value::as_str).unwrap_or("");
        Ok(json!({ "channels": channels, "subject": subject, "message": message, "wait": obj.get("wait") }))
    }

    fn templates(&self, spec: &Value) -> Vec<(String, Template)> {
        let mut out: Vec<(String, Template)> = ["subject", "message"]
            .iter()
            .filter_map(|f| template_field(spec, f).map(|t| ((*f).to_string(), t)))
            .collect();
        for c in
            spec.get("channels").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
        {
            out.push(("channels".into(), Template::new(c)));
        }
        out
    }

    fn describe(&self, spec: &Value) -> String {
        let ch: Vec<&str> = spec
            .get("channels")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let to = if ch.is_empty() { "routed channels".to_string() } else { ch.join(", ") };
        format!("notify {to}: {}", spec.get("subject").and_then(Value::as_str).unwrap_or_default())
    }
}

impl StepKind for Notify {
    fn execute<'a>(&'a self, spec: &'a Value, cx: &'a mut StepCx) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async move {
            match send(spec, cx).await {
                Ok(()) => StepOutcome::Succeeded,
                Err(e) => StepOutcome::failed(e),
            }
        })
    }
}

async fn send(spec: &Value, cx: &mut StepCx) -> Result<(), String> {
    let plan = std::sync::Arc::clone(&cx.shared.plan);
    let config = Config::load(&plan.project_dir).map_err(|d| d.to_string())?;
    let mut subject = cx.shared.redact(render(spec, "subject", cx)?);
    if subject.trim().is_empty() {
        subject = format!("[flightdeck] {} on {}", plan.workflow, plan.environment.name);
    }
    let text = cx.shared.redact(render(spec, "message", cx)?);
    let mut channels = Vec::new();
    for c in spec.get("channels").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        let rendered = cx.render(&Template::new(c))?;
        channels.extend(rendered.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string));
    }
    if channels.is_empty() {
        channels = config.notify.route(&plan.environment.name, EventName::Message);
    }
    let known: Vec<&str> = config.notify.channels.keys().map(String::as_str).collect();
    if let Some(bad) = channels.iter().find(|c| !config.notify.channels.contains_key(c.as_str())) {
        let defined = if known.is_empty() {
            "none is defined: add [notify.channels.NAME] to flightdeck.toml".to_string()
        } else {
            format!("defined: {}", known.join(", "))
        };
        return Err(format!("notify: no channel {bad:?} in [notify.channels] ({defined})"));
    }
    if channels.is_empty() {
        cx.started("notify: no route matches; nothing to send").await.map_err(|e| e.to_string())?;
        return Ok(());
    }
    cx.started(&format!("notify {}", channels.join(", "))).await.map_err(|e| e.to_string())?;
    let mut fields = BTreeMap::from([
        ("run".to_string(), cx.shared.run_id.clone()),
        ("workflow".to_string(), plan.workflow.clone()),
        ("environment".to_string(), plan.environment.name.clone()),
        ("production".to_string(), plan.environment.production.to_string()),
        ("subject".to_string(), subject),
        ("text".to_string(), text),
    ]);
    fields.insert("step".into(), cx.plan_step.id.clone());
    let key = format!("{}/step/{}#{}", cx.shared.run_id, cx.plan_step.id, cx.record.attempt);
    let rows = scan::to_channels(
        &config.notify,
        None,
        &channels,
        EventName::Message,
        &key,
        Some(&cx.shared.run_id),
        &fields,
    );
    let keys: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
    cx.shared.store.enqueue_notifications(rows, None).await.map_err(|e| e.to_string())?;
    let sender = Sender::new(cx.shared.store.clone(), config.notify.clone(), &plan.project_dir);
    let Some(wait) = spec.get("wait").and_then(Value::as_str).and_then(parse_duration) else {
        // Best effort now; the run's notifier or `flightdeck notify flush` sends what is left.
        tokio::spawn(async move { sender.send_due().await });
        return Ok(());
    };
    wait_delivered(&sender, cx, &keys, Duration::from_millis(wait)).await
}

fn render(spec: &Value, field: &str, cx: &StepCx) -> Result<String, String> {
    template_field(spec, field).map_or(Ok(String::new()), |t| cx.render(&t))
}

async fn wait_delivered(sender: &Sender, cx: &StepCx, keys: &[String], wait: Duration) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        sender.send_due().await.map_err(|e| e.to_string())?;
        let rows = cx.shared.store.notifications(10_000).map_err(|e| e.to_string())?;
        let mine: Vec<_> = rows.iter().filter(|r| keys.contains(&r.key)).collect();
        if mine.iter().all(|r| r.state == "delivered") {
            return Ok(());
        }
        if let Some(f) = mine.iter().find(|r| r.state == "failed") {
            return Err(format!(
                "notify: channel {} failed: {}",
                f.channel,
                f.last_error.clone().unwrap_or_default()
            ));
        }
        if tokio::time::Instant::now() >= deadline {
            let left: Vec<&str> =
                mine.iter().filter(|r| r.state != "delivered").map(|r| r.channel.as_str()).collect();
            return Err(format!(
                "notify: not delivered to {} within the wait (still retrying in the background)",
                left.join(", ")
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
