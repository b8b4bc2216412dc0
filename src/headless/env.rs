//! `flightdeck env resources ENV [--json] [--all]`: the inventory of what flightdeck created in an
//! environment (DNS records, certificates, infrastructure-as-code applies, containers), oldest first,
//! as `environment-teardown` removes it (in reverse). A certificate shows the days left on the
//! certificate file it recorded (`days_left` in JSON); a kept blue-green container shows until when.
//! `flightdeck env gc ENV [--json]`: removes the kept containers whose `keep` has expired.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::cli::{EnvCommand, EnvGcArgs};
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::sanitize::one_line;
use crate::store::ResourceRecord;

/// `flightdeck env ...`.
pub async fn env(ctx: &Project, c: &EnvCommand) -> Result<i32, Error> {
    match c {
        EnvCommand::Resources(a) => {
            let mut history = crate::headless::history::History::open(ctx, "env resources").await?;
            let rows = history.resources(&a.env, a.all).await?;
            let now = crate::time::now();
            if a.json {
                let rows: Vec<Value> = rows.iter().map(|r| with_state(r, now)).collect::<Result<_, _>>()?;
                let text = serde_json::to_string_pretty(&rows)
                    .map_err(|e| Error::Internal(format!("encoding resources: {e}")))?;
                crate::outln!("{text}");
            } else {
                crate::out!("{}", table(&a.env, &rows, now));
            }
            Ok(exit::OK)
        }
        EnvCommand::Gc(a) => gc(ctx, a).await,
    }
}

/// `env gc ENV`: the expired kept containers removed, one line each (or a JSON list of names).
async fn gc(ctx: &Project, a: &EnvGcArgs) -> Result<i32, Error> {
    let store = ctx.store()?;
    let removed = crate::rollout::keep::collect(&store, &a.env, crate::time::now())
        .await
        .map_err(|e| Error::Internal(format!("env gc {}: {e}", one_line(&a.env))))?;
    if a.json {
        crate::outln!("{}", json!(removed));
    } else if removed.is_empty() {
        crate::outln!("nothing expired in {}", one_line(&a.env));
    } else {
        for name in &removed {
            crate::outln!("removed {} (its keep expired)", one_line(name));
        }
    }
    Ok(exit::OK)
}

/// A resource as JSON, plus `days_left` and `not_after` for a certificate (read from its file).
fn with_state(r: &ResourceRecord, now: crate::time::Micros) -> Result<Value, Error> {
    let mut v = serde_json::to_value(r).map_err(|e| Error::Internal(format!("encoding resources: {e}")))?;
    if let Some((days, end)) = cert_days(r, now) {
        v["days_left"] = json!(days);
        v["not_after"] = json!(end);
    }
    Ok(v)
}

/// Days left (and the end date) of a recorded certificate whose file is readable.
fn cert_days(r: &ResourceRecord, now: crate::time::Micros) -> Option<(i64, String)> {
    if r.kind != "certificate" || r.removed_at.is_some() {
        return None;
    }
    let pem = std::fs::read_to_string(r.detail.get("cert")?.as_str()?).ok()?;
    crate::infra::acme::days_left(&pem, now.0 / 1_000_000).ok()
}

/// What the listing says about a resource's state.
fn state(r: &ResourceRecord, now: crate::time::Micros) -> String {
    if let Some(t) = r.removed_at {
        return format!("removed {}", t.to_rfc3339());
    }
    if let Some((days, end)) = cert_days(r, now) {
        return format!("live, {days} days left (until {})", one_line(&end));
    }
    if r.kind == "certificate" {
        return "live, certificate file unreadable".into();
    }
    match crate::rollout::keep::keep_until(r) {
        Some(t) if t <= now => format!("kept, expired {} (`flightdeck env gc`)", t.to_rfc3339()),
        Some(t) => format!("kept until {}", t.to_rfc3339()),
        None => "live".into(),
    }
}

/// The text listing: one line per resource.
fn table(env: &str, rows: &[ResourceRecord], now: crate::time::Micros) -> String {
    let mut out = String::new();
    if rows.is_empty() {
        let _ = writeln!(out, "no resources recorded in {}", one_line(env));
        return out;
    }
    let _ = writeln!(out, "{:<5} {:<16} {:<40} {:<20} {:<12} STATE", "ID", "KIND", "NAME", "CREATED", "RUN");
    for r in rows {
        let _ = writeln!(
            out,
            "{:<5} {:<16} {:<40} {:<20} {:<12} {}",
            r.id,
            one_line(&r.kind),
            one_line(&r.name),
            r.created_at.to_rfc3339(),
            one_line(r.run.as_deref().unwrap_or("-")),
            state(r, now)
        );
    }
    out
}
