//! `flightdeck incident ...`: changes (open, join, leave, note, severity, mitigated, resolve) are
//! runner requests, so who did it is the socket peer; reads (list, show, timeline) use the store,
//! or the runner for an operator who cannot open it.

use std::fmt::Write as _;

use crate::cli::{IncidentCommand, IncidentOpenArgs, IncidentShowArgs, IncidentTimelineArgs};
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::headless::history::History;
use crate::headless::ledger::{environment, instant};
use crate::headless::run::{client_error, connect};
use crate::incident::export::{Postmortem, markdown};
use crate::incident::{IncidentAction, timeline};
use crate::runner::protocol::{Request, Response};
use crate::time::Micros;

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

/// Incident `id`'s redacted postmortem from the store or, for a client-only operator, the runner;
/// each secret that could not be looked for is named on stderr.
async fn redacted_postmortem(ctx: &Project, id: &str, what: &str) -> Result<Postmortem, Error> {
    let built = History::open(ctx, what).await?.postmortem(ctx, id).await?;
    for w in &built.warnings {
        crate::errln!("flightdeck: warning: {}", crate::sanitize::one_line(w));
    }
    Ok(built.postmortem)
}

async fn show(ctx: &Project, a: &IncidentShowArgs) -> Result<i32, Error> {
    let p = redacted_postmortem(ctx, &a.id, "incident show").await?;
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
    let p = redacted_postmortem(ctx, &a.id, "incident timeline").await?;
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
            // The file is read with `cat` and `less` too: serde escapes C0 controls in JSON but
            // not DEL, C1 or bidi controls, so the whole text is made terminal-safe (JSON stays
            // valid JSON with the same meaning).
            let text = crate::sanitize::for_terminal(&text);
            std::fs::write(path, text.as_bytes())
                .map_err(|source| Error::Io { context: format!("writing {}", path.display()), source })?;
            crate::outln!("wrote {}", path.display());
        }
        None => crate::out!("{text}"),
    }
    Ok(exit::OK)
}
