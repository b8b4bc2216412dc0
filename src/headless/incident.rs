//! `flightdeck incident ...`: changes (open, join, leave, note, severity, mitigated, resolve) are
//! runner requests, so who did it is the socket peer; reads (list, show, timeline) use the store.

use std::fmt::Write as _;

use crate::cli::{IncidentCommand, IncidentOpenArgs, IncidentShowArgs, IncidentTimelineArgs};
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::headless::ledger::{environment, instant};
use crate::headless::run::{client_error, connect};
use crate::incident::export::{Postmortem, markdown, postmortem, redacted};
use crate::incident::{IncidentAction, IncidentError, mttr, timeline};
use crate::runner::protocol::{Request, Response};
use crate::store::Store;
use crate::store::records::IncidentRecord;
use crate::time::{Micros, now};

/// `flightdeck incident ...`.
pub async fn incident(ctx: &Project, c: IncidentCommand) -> Result<i32, Error> {
    let (id, at, action) = match c {
        IncidentCommand::Open(a) => open_action(ctx, &a)?,
        IncidentCommand::Join(a) => (a.id, a.at, IncidentAction::Join { role: a.role }),
        IncidentCommand::Leave(a) => (a.id, a.at, IncidentAction::Leave),
        IncidentCommand::Note(a) => (a.id, a.at, IncidentAction::Note { text: a.text }),
        IncidentCommand::Severity(a) => (a.id, a.at, IncidentAction::Severity { level: a.level }),
        IncidentCommand::Mitigated(a) => (a.id, a.at, IncidentAction::Mitigated),
        IncidentCommand::Resolve(a) => {
            let mitigated = a.mitigated.as_ref().map(|m| instant(ctx, Some(m), Micros(0))).transpose()?;
            (a.id, a.at, IncidentAction::Resolve { mitigated })
        }
        IncidentCommand::List(j) => return crate::headless::ledger::list_incidents(ctx, j.json).await,
        IncidentCommand::Show(a) => return show(ctx, &a).await,
        IncidentCommand::Timeline(a) => return export(ctx, &a).await,
    };
    let at = at.as_ref().map(|t| instant(ctx, Some(t), Micros(0))).transpose()?;
    send(ctx, id, at, action).await
}

fn open_action(
    ctx: &Project,
    a: &IncidentOpenArgs,
) -> Result<(String, Option<String>, IncidentAction), Error> {
    let t = |v: &Option<String>| v.as_ref().map(|t| instant(ctx, Some(t), Micros(0))).transpose();
    let action = IncidentAction::Open {
        id: a.id.clone(),
        title: a.title.clone(),
        service: a.service.clone(),
        environment: environment(ctx, a.env.as_ref()).0,
        severity: a.severity.clone(),
        caused_by: a.caused_by.clone(),
        started: t(&a.started)?,
        detected: t(&a.detected)?,
        commander: a.commander,
    };
    Ok((String::new(), a.at.clone(), action))
}

/// Sends one change to the runner and prints what was recorded.
async fn send(ctx: &Project, id: String, at: Option<Micros>, action: IncidentAction) -> Result<i32, Error> {
    let mut client = connect(ctx, "incident").await?;
    match client.call(&Request::Incident { incident: id, at, action }).await.map_err(client_error)? {
        Response::Incident { event, incident } => {
            let text = crate::sanitize::one_line(&timeline::event_text(&event)).into_owned();
            crate::outln!("{} {}: {text}", incident.id, event.at.to_rfc3339());
            Ok(exit::OK)
        }
        Response::Error { code, message } => {
            crate::errln!("flightdeck: {}", crate::sanitize::one_line(&message));
            Ok(code)
        }
        other => Err(Error::Invalid(format!("unexpected answer from the runner: {other:?}"))),
    }
}

/// The stored incident `id`, or exit 2 listing the open ones.
fn find(store: &Store, id: &str) -> Result<IncidentRecord, Error> {
    let all = store.incidents()?;
    if let Some(i) = all.iter().find(|i| i.id == id) {
        return Ok(i.clone());
    }
    let open = all.into_iter().filter(|i| i.resolved_at.is_none()).map(|i| i.id).collect();
    Err(Error::Invalid(IncidentError::Unknown { id: id.to_string(), open }.to_string()))
}

/// The postmortem of incident `id` as of `now`, with the current value of every configured secret
/// (read from its provider for the incident's environment) and up to `[incidents]
/// redact_versions` (default 5) of its previous versions redacted. A secret that cannot be read
/// cannot be looked for: that is said on stderr, by name.
pub async fn build_redacted(
    ctx: &Project,
    store: &Store,
    id: &str,
    now: Micros,
) -> Result<Postmortem, Error> {
    let p = build(ctx, store, id, now)?;
    let set = crate::secrets::SecretSet::new(&ctx.config, &ctx.paths.project_dir);
    let redactor = crate::secrets::Redactor::new();
    let env = find(store, id)?.environment;
    let keep = ctx.config.incidents.redact_versions();
    for name in set.names() {
        match set.read(&name, Some(&env)).await {
            Ok((_, secret)) => redactor.add(&secret.value),
            Err(e) => crate::errln!(
                "flightdeck: warning: secret {name} could not be read, so its value is not looked for in this export: {}",
                crate::sanitize::one_line(&e.to_string())
            ),
        }
        // Rotated values may still sit in old step output: redact the previous versions too.
        match set.previous_values(&name, Some(&env), keep).await {
            Ok(old) => old.iter().for_each(|v| redactor.add(v)),
            Err(e) => crate::errln!(
                "flightdeck: warning: previous versions of secret {name} could not be read, so they are not looked for in this export: {}",
                crate::sanitize::one_line(&e.to_string())
            ),
        }
    }
    redacted(&p, &redactor).map_err(|e| Error::Internal(format!("redacting the postmortem: {e}")))
}

/// The postmortem of incident `id` as of `now`.
pub fn build(ctx: &Project, store: &Store, id: &str, now: Micros) -> Result<Postmortem, Error> {
    let inc = find(store, id)?;
    let parts = timeline::gather(store, &inc, now)?;
    let entries = timeline::merge(&parts);
    let targets =
        mttr::targets(&ctx.config.incidents, &inc.severity).map_err(|e| Error::Invalid(e.to_string()))?;
    let phases = mttr::breakdown(&inc, &parts.events, targets);
    Ok(postmortem(&inc, &parts, &entries, phases))
}

async fn show(ctx: &Project, a: &IncidentShowArgs) -> Result<i32, Error> {
    let store = ctx.store()?;
    let p = build_redacted(ctx, &store, &a.id, now()).await?;
    if a.json {
        crate::outln!("{}", serde_json::to_string_pretty(&p).unwrap_or_default());
        return Ok(exit::OK);
    }
    let clean = |s: &str| crate::sanitize::one_line(s).into_owned();
    crate::outln!("{} {} {}: {}", p.id, p.severity, p.status, clean(&p.summary));
    crate::outln!("impact: {}", clean(&p.impact));
    crate::outln!("started {}, resolved {}", p.started, p.resolved.as_deref().unwrap_or("-"));
    for r in &p.responders {
        crate::outln!("  {} ({}) since {}", clean(&r.name), r.role, r.joined.to_rfc3339());
    }
    for m in &p.mttr {
        crate::outln!("{:<11} {:>8}  target {:>8}  {}", m.name, m.shown(), m.target_shown(), m.verdict);
    }
    Ok(exit::OK)
}

async fn export(ctx: &Project, a: &IncidentTimelineArgs) -> Result<i32, Error> {
    let store = ctx.store()?;
    let p = build_redacted(ctx, &store, &a.id, now()).await?;
    let text = if a.json {
        serde_json::to_string_pretty(&p).map_err(|e| Error::Internal(e.to_string()))? + "\n"
    } else if a.markdown {
        markdown(&p)
    } else {
        let mut out = String::new();
        for r in &p.timeline {
            let _ = writeln!(out, "{}  {:<8} {}", r.at, r.source, crate::sanitize::one_line(&r.text));
        }
        out
    };
    match &a.output {
        Some(path) => {
            std::fs::write(path, &text)
                .map_err(|source| Error::Io { context: format!("writing {}", path.display()), source })?;
            crate::outln!("wrote {}", path.display());
        }
        None => crate::out!("{text}"),
    }
    Ok(exit::OK)
}
