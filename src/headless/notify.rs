//! `flightdeck notify check|test|list|flush|resend`: the notification outbox from the command line.
//! Channel URLs and passwords are never printed: a channel shows as its name, kind and host.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::json;

use crate::cli::{NotifyCommand, NotifyFlushArgs, NotifyListArgs, NotifyResendArgs, NotifyTestArgs};
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::notify::deliver::Sender;
use crate::notify::{EventName, message, scan};
use crate::time::{now, parse_duration};

/// Dispatches one `notify` subcommand.
pub async fn notify(ctx: &Project, c: NotifyCommand) -> Result<i32, Error> {
    match c {
        NotifyCommand::Check(a) => Ok(check(ctx, a.json)),
        NotifyCommand::Test(a) => test(ctx, &a).await,
        NotifyCommand::List(a) => list(ctx, &a).await,
        NotifyCommand::Flush(a) => flush(ctx, &a).await,
        NotifyCommand::Resend(a) => resend(ctx, &a).await,
    }
}

fn duration(text: &str, flag: &str) -> Result<Duration, Error> {
    parse_duration(text)
        .map(Duration::from_millis)
        .ok_or_else(|| Error::Invalid(format!("{flag} {text:?} is not a duration (write e.g. 30s or 500ms)")))
}

fn sender(ctx: &Project) -> Result<Sender, Error> {
    Ok(Sender::new(ctx.store()?, ctx.config.notify.clone(), &ctx.paths.project_dir))
}

fn check(ctx: &Project, json_out: bool) -> i32 {
    let n = &ctx.config.notify;
    let templates = n.templates.as_ref().map(|t| ctx.paths.project_dir.join(t));
    let mut problems = Vec::new();
    for ev in message::EVENTS {
        let file = templates.as_ref().map(|d| d.join(format!("{ev}.txt"))).filter(|p| p.exists());
        let at =
            file.map_or_else(|| format!("built-in template {ev}"), |p| format!("{} ({ev})", p.display()));
        match message::template_text(templates.as_deref(), ev) {
            Err(e) => problems.push(format!("template {ev}: {e}")),
            Ok(t) => {
                if let Err(e) = message::check_template(&t, ev) {
                    problems.push(format!("{at}: {e}"));
                }
            }
        }
    }
    if json_out {
        let channels: BTreeMap<&str, &str> =
            n.channels.iter().map(|(k, c)| (k.as_str(), kind_name(c.kind))).collect();
        crate::outln!("{}", json!({ "channels": channels, "routes": n.routes, "problems": problems }));
    } else {
        for (name, ch) in &n.channels {
            crate::outln!("channel {name}: {}", kind_name(ch.kind));
        }
        for r in &n.routes {
            let envs = if r.environments.is_empty() {
                "every environment".into()
            } else {
                r.environments.join(", ")
            };
            let names: Vec<&str> = r.events.iter().map(|e| e.as_str()).collect();
            let events = if names.is_empty() { "every event".into() } else { names.join(", ") };
            crate::outln!("route {events} in {envs} → {}", r.channels.join(", "));
        }
        if n.channels.is_empty() {
            crate::outln!("no channels: add [notify.channels.NAME] to flightdeck.toml");
        }
        for p in &problems {
            crate::errln!("flightdeck: {p}");
        }
    }
    if problems.is_empty() { exit::OK } else { exit::USAGE }
}

fn kind_name(k: crate::notify::ChannelKind) -> &'static str {
    match k {
        crate::notify::ChannelKind::Webhook => "webhook",
        crate::notify::ChannelKind::Slack => "slack",
        crate::notify::ChannelKind::Discord => "discord",
        crate::notify::ChannelKind::Smtp => "smtp",
    }
}

async fn test(ctx: &Project, a: &NotifyTestArgs) -> Result<i32, Error> {
    let limit = duration(&a.timeout, "--timeout")?;
    let n = &ctx.config.notify;
    let channels: Vec<String> = match &a.channel {
        Some(c) if n.channels.contains_key(c) => vec![c.clone()],
        Some(c) => {
            let known: Vec<&str> = n.channels.keys().map(String::as_str).collect();
            let defined = if known.is_empty() {
                "none is defined: add [notify.channels.NAME] to flightdeck.toml".to_string()
            } else {
                format!("defined: {}", known.join(", "))
            };
            return Err(Error::Invalid(format!("no channel {c:?} in [notify.channels] ({defined})")));
        }
        None => n.channels.keys().cloned().collect(),
    };
    if channels.is_empty() {
        return Err(Error::Invalid(
            "no channels configured: add [notify.channels.NAME] to flightdeck.toml".into(),
        ));
    }
    let store = ctx.store()?;
    let stamp = now().0;
    let mut rows = Vec::new();
    for c in &channels {
        let fields = BTreeMap::from([
            ("channel".to_string(), c.clone()),
            ("host".to_string(), crate::identity::hostname()),
        ]);
        rows.extend(scan::to_channels(
            n,
            None,
            std::slice::from_ref(c),
            EventName::Test,
            &format!("test/{stamp}"),
            None,
            &fields,
        ));
    }
    let keys: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
    store.enqueue_notifications(rows, None).await?;
    let s = sender(ctx)?;
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        s.send_due().await?;
        let mine: Vec<_> =
            store.notifications(10_000)?.into_iter().filter(|r| keys.contains(&r.key)).collect();
        let settled = mine.iter().all(|r| r.state != "pending");
        if settled || tokio::time::Instant::now() >= deadline {
            return Ok(report_test(&mine, a.json));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn report_test(rows: &[crate::store::notify::NotificationRecord], json_out: bool) -> i32 {
    let failed = rows.iter().filter(|r| r.state != "delivered").count();
    if json_out {
        crate::outln!("{}", serde_json::to_string(rows).unwrap_or_default());
    } else {
        for r in rows {
            match r.state.as_str() {
                "delivered" => crate::outln!("✓ {}: delivered ({} attempt(s))", r.channel, r.attempts),
                "failed" => {
                    crate::outln!("✗ {}: failed: {}", r.channel, r.last_error.clone().unwrap_or_default());
                }
                _ => crate::outln!(
                    "… {}: not delivered yet: {} (retrying in the background: flightdeck notify flush)",
                    r.channel,
                    r.last_error.clone().unwrap_or_default()
                ),
            }
        }
    }
    if failed == 0 { exit::OK } else { exit::STEP_FAILED }
}

/// `notify list [--id N] [--json]`: from the store, or through the runner for an operator who
/// cannot read it.
async fn list(ctx: &Project, a: &NotifyListArgs) -> Result<i32, Error> {
    let mut history = crate::headless::history::History::open(ctx, "notify list").await?;
    if let Some(id) = a.id {
        let (Some(rec), attempts) = history.notification(id).await? else {
            return Err(Error::Invalid(format!("no notification {id}; `flightdeck notify list` shows them")));
        };
        if a.json {
            crate::outln!("{}", json!({ "notification": rec, "attempts": attempts }));
        } else {
            crate::outln!("#{} {} → {}  {}  {}", rec.id, rec.event, rec.channel, rec.state, rec.subject);
            for t in &attempts {
                let what = t.reply.clone().or_else(|| t.error.clone()).unwrap_or_default();
                crate::outln!("  {}  {:>6} ms  {what}", t.at.to_rfc3339(), t.duration_ms);
            }
        }
        return Ok(exit::OK);
    }
    let rows = history.notifications(a.limit).await?;
    if a.json {
        crate::outln!("{}", serde_json::to_string(&rows).unwrap_or_default());
        return Ok(exit::OK);
    }
    if rows.is_empty() {
        crate::outln!("no notifications yet");
    }
    for r in &rows {
        let next =
            if r.state == "pending" { format!("  next {}", r.next_at.to_rfc3339()) } else { String::new() };
        let err = r.last_error.as_deref().map(|e| format!("  last error: {e}")).unwrap_or_default();
        crate::outln!(
            "#{:<5} {:<17} {:<10} {:<9} {} attempt(s){next}{err}",
            r.id,
            r.event,
            r.channel,
            r.state,
            r.attempts
        );
    }
    Ok(exit::OK)
}

async fn flush(ctx: &Project, a: &NotifyFlushArgs) -> Result<i32, Error> {
    let limit = duration(&a.timeout, "--timeout")?;
    let left = sender(ctx)?.flush(limit).await?;
    let rows = ctx.store()?.notifications(100_000)?;
    let failed = rows.iter().filter(|r| r.state == "failed").count();
    crate::outln!("{left} pending, {failed} failed (of {} in the outbox)", rows.len());
    Ok(exit::OK)
}

async fn resend(ctx: &Project, a: &NotifyResendArgs) -> Result<i32, Error> {
    let limit = duration(&a.timeout, "--timeout")?;
    let store = ctx.store()?;
    if !store.resend_notification(a.id).await? {
        return Err(Error::Invalid(format!("no notification {}; `flightdeck notify list` shows them", a.id)));
    }
    let s = sender(ctx)?;
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        s.send_due().await?;
        let rec = store.notification(a.id)?;
        let Some(rec) = rec else { return Ok(exit::INTERNAL) };
        if rec.state != "pending" || tokio::time::Instant::now() >= deadline {
            return Ok(report_test(&[rec], false));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
