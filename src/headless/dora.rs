//! `flightdeck dora`: the DORA dashboard as a text table, JSON (the whole view-model) or CSV (the
//! five metrics).

use std::fmt::Write as _;

use crate::cli::DoraArgs;
use crate::dora::bands::Band;
use crate::dora::dashboard::short_sha;
use crate::dora::window::{Window, parse_days, parse_instant, time_zone};
use crate::dora::{Dashboard, DashboardQuery, DoraError, compute_dashboard};
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::headless::history::History;
use crate::runner::query::Query;
use crate::time::{Micros, now};

/// Maps a DORA error to the command's error.
pub(crate) fn err(e: DoraError) -> Error {
    match e {
        DoraError::Store(s) => Error::Store(s),
        other => Error::Invalid(other.to_string()),
    }
}

/// The window the flags (or `[dora] window`) name, at `now`.
fn window(ctx: &Project, a: &DoraArgs, now: Micros) -> Result<Window, DoraError> {
    let tz = time_zone(ctx.config.dora.time_zone.as_deref())?;
    if let (Some(since), Some(until)) = (&a.since, &a.until) {
        return Window::new(parse_instant(since, &tz)?, parse_instant(until, &tz)?, tz);
    }
    let text = a.window.as_deref().or(ctx.config.dora.window.as_deref()).unwrap_or("90d");
    Window::last_days(now, parse_days(text)?, tz)
}

/// `flightdeck dora`: from the store, or through the runner for a user who cannot read it.
pub async fn dora(ctx: &Project, a: &DoraArgs) -> Result<i32, Error> {
    let now = now();
    let window = window(ctx, a, now).map_err(err)?;
    let mut history = History::open(ctx, "dora").await?;
    let d = if let Some(store) = history.store() {
        if let Some(name) = &a.service {
            crate::runner::query::check_service(&ctx.config, &store.deployments()?, name)
                .map_err(Error::Invalid)?;
        }
        let query = DashboardQuery { service: a.service.clone(), environment: a.env.clone(), window };
        compute_dashboard(store, &ctx.config, &ctx.paths.project_dir, &query, now).map_err(err)?
    } else {
        let q = Query::Dora {
            service: a.service.clone(),
            environment: a.env.clone(),
            since: window.since,
            until: window.until,
            time_zone: ctx.config.dora.time_zone.clone(),
            now,
        };
        history.dora(q).await?
    };
    let out = if a.json {
        serde_json::to_string_pretty(&d).map_err(|e| Error::Invalid(format!("writing JSON: {e}")))? + "\n"
    } else if a.csv {
        csv(&d)
    } else {
        text(&d)
    };
    crate::out!("{out}");
    Ok(exit::OK)
}

fn band_text(b: Option<&Band>) -> String {
    b.map_or_else(|| "-".into(), |b| b.label.clone())
}

/// The five metrics as CSV.
pub fn csv(d: &Dashboard) -> String {
    let mut s = String::from("metric,value,unit,display,band,cluster,previous,trend\n");
    for c in &d.metrics {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{:?}",
            c.key.name(),
            c.value.map_or(String::new(), |v| format!("{v}")),
            c.unit,
            quote(&c.display),
            quote(&band_text(c.band.as_ref())),
            quote(&c.cluster.as_ref().map_or(String::new(), crate::dora::bands::Cluster::text)),
            c.trend.previous.map_or(String::new(), |v| format!("{v}")),
            c.trend.direction,
        );
    }
    s
}

/// Quotes a CSV field when it needs it.
pub fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// The readable table.
pub fn text(d: &Dashboard) -> String {
    let mut s = String::new();
    let who = d.service.as_deref().unwrap_or("all services");
    let env = d.environment.as_deref().unwrap_or("production");
    let _ = writeln!(
        s,
        "DORA · {who} · {env} · {} to {} ({:.0} days, {})\n",
        d.window.since.to_rfc3339(),
        d.window.until.to_rfc3339(),
        d.window.days,
        d.window.time_zone
    );
    let _ = writeln!(s, "{:<32} {:>10}  {:<48} 2024 cluster", "metric", "value", "band");
    for c in &d.metrics {
        let cluster = c.cluster.as_ref().map_or_else(|| "-".into(), crate::dora::bands::Cluster::text);
        let prev =
            c.trend.previous.map_or_else(|| "n/a".into(), |p| crate::dora::cards::display(c.key, Some(p)));
        let _ =
            writeln!(s, "{:<32} {:>10}  {:<48} {cluster}", c.title, c.display, band_text(c.band.as_ref()));
        let _ = writeln!(s, "{:<32} {}; previous window {prev} ({:?})", "", c.detail, c.trend.direction);
    }
    deployments_table(&mut s, d);
    for u in &d.unresolved {
        let _ = writeln!(
            s,
            "unresolved: {} ({}) impaired {} ago",
            u.id,
            u.service,
            crate::dora::cards::hours(u.age_hours)
        );
    }
    for n in &d.notes {
        let _ = writeln!(s, "note: {n}");
    }
    s
}

const SHOWN: usize = 20;

fn deployments_table(s: &mut String, d: &Dashboard) {
    if d.deployments.is_empty() {
        s.push_str("\nno deployments in this window\n");
        return;
    }
    let _ = writeln!(
        s,
        "\n{:<20} {:<10} {:<9} {:<11} {:>7}  failed",
        "finished", "service", "sha", "kind", "commits"
    );
    for r in d.deployments.iter().take(SHOWN) {
        let dep = &r.deployment;
        let failed =
            if r.failure_reasons.is_empty() { "-".to_string() } else { r.failure_reasons.join("; ") };
        let kind = if r.baseline { format!("{} (base)", dep.kind) } else { dep.kind.clone() };
        let _ = writeln!(
            s,
            "{:<20} {:<10} {:<9} {:<11} {:>7}  {failed}",
            dep.finished_at.to_rfc3339(),
            dep.service,
            dep.sha.as_deref().map_or("-", short_sha),
            kind,
            r.commits.len()
        );
    }
    if d.deployments.len() > SHOWN {
        let _ = writeln!(s, "... and {} more (--json lists them all)", d.deployments.len() - SHOWN);
    }
}
