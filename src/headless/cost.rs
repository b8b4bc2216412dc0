//! `flightdeck cost ...`: import billing files, print a month's report (text, JSON or CSV), its
//! anomalies, and the imports. Amounts are printed with two decimals in text and exactly in JSON.

use std::fmt::Write as _;

use crate::cli::{CostAnomaliesArgs, CostCommand, CostImportArgs, CostReportArgs};
use crate::cost::{CostError, GroupBy, GroupLine, Mapping, Month, Report, build_report, import_file};
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::sanitize::one_line;
use crate::time::now;

/// Maps a cost error to the command's error: store failures stay store errors, the rest is bad input.
fn err(e: CostError) -> Error {
    match e {
        CostError::Store(s) => Error::Store(s),
        other => Error::Invalid(other.to_string()),
    }
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(v).map_err(|e| Error::Internal(format!("writing JSON: {e}")))
}

/// `flightdeck cost`.
pub async fn cost(ctx: &Project, c: CostCommand) -> Result<i32, Error> {
    match c {
        CostCommand::Import(a) => import(ctx, &a).await,
        CostCommand::Report(a) => report(ctx, &a).await,
        CostCommand::Anomalies(a) => anomalies(ctx, &a).await,
        CostCommand::Imports(a) => imports(ctx, a.json).await,
    }
}

async fn import(ctx: &Project, a: &CostImportArgs) -> Result<i32, Error> {
    let store = ctx.store()?;
    let mapping = Mapping::from_config(&ctx.config.cost);
    let outcome = import_file(&store, &a.file, &mapping, now()).await.map_err(err)?;
    if a.json {
        crate::outln!("{}", json(&outcome)?);
        return Ok(exit::OK);
    }
    let r = &outcome.record;
    let totals: Vec<String> = r.import.totals.iter().map(|(c, t)| format!("{c} {t:.2}")).collect();
    let span = match (r.import.first_day, r.import.last_day) {
        (Some(f), Some(l)) => format!("{f}..{l}"),
        _ => "-".into(),
    };
    if outcome.imported {
        crate::outln!(
            "imported {} ({}, {} lines, {span}): {}",
            a.file.display(),
            r.import.source,
            r.import.lines,
            totals.join(", ")
        );
        for rep in &outcome.replaced {
            let account = if rep.bill.account.is_empty() {
                String::new()
            } else {
                format!(" of account {}", rep.bill.account)
            };
            crate::outln!(
                "  replaces billing period {}{account} from import {} ({})",
                rep.bill.period,
                rep.import,
                one_line(&rep.file)
            );
        }
    } else {
        crate::outln!(
            "{} was already imported (import {}, sha256 {}); nothing changed",
            a.file.display(),
            r.id,
            &r.import.sha256[..12.min(r.import.sha256.len())]
        );
    }
    Ok(exit::OK)
}

/// The month the flag names, or the month of the latest imported day.
fn month(ctx: &Project, flag: Option<&str>) -> Result<Month, Error> {
    if let Some(m) = flag {
        return m.parse().map_err(err);
    }
    let last = ctx.store()?.cost_imports()?.into_iter().filter_map(|i| i.import.last_day).max();
    last.map(Month::of).ok_or_else(|| {
        Error::Invalid(
            "no billing file imported yet; run `flightdeck cost import FILE` first, or pass --month".into(),
        )
    })
}

/// A month's report grouped `by`: from the store, or through the runner for an operator who cannot
/// read it (the runner builds it with the same function from the same project).
async fn built(ctx: &Project, month_flag: Option<&str>, by: &str) -> Result<Report, Error> {
    let mut history = crate::headless::history::History::open(ctx, "cost report").await?;
    if let Some(store) = history.store() {
        let month = month(ctx, month_flag)?;
        let by: GroupBy = by.parse().map_err(err)?;
        return build_report(store, &ctx.config.cost, month, &by).map_err(err);
    }
    history.cost(month_flag, by).await
}

async fn report(ctx: &Project, a: &CostReportArgs) -> Result<i32, Error> {
    let r = built(ctx, a.month.as_deref(), &a.by).await?;
    if a.json {
        crate::outln!("{}", json(&r)?);
    } else if a.csv {
        crate::out!("{}", csv(&r));
    } else {
        crate::out!("{}", text(&r));
    }
    Ok(exit::OK)
}

async fn anomalies(ctx: &Project, a: &CostAnomaliesArgs) -> Result<i32, Error> {
    let r = built(ctx, a.month.as_deref(), "service").await?;
    if a.count {
        crate::outln!("{}", r.anomalies.len());
    } else if a.json {
        crate::outln!("{}", json(&r.anomalies)?);
    } else {
        crate::out!("{}", anomaly_lines(&r));
    }
    Ok(exit::OK)
}

async fn imports(ctx: &Project, as_json: bool) -> Result<i32, Error> {
    let list = crate::headless::history::History::open(ctx, "cost imports").await?.cost_imports().await?;
    if as_json {
        crate::outln!("{}", json(&list)?);
        return Ok(exit::OK);
    }
    if list.is_empty() {
        crate::outln!("no billing files imported; run `flightdeck cost import FILE`");
    }
    for i in &list {
        let totals: Vec<String> = i.import.totals.iter().map(|(c, t)| format!("{c} {t:.2}")).collect();
        crate::outln!(
            "{:>4}  {}  {:<14} {:>9} lines  {}  {}",
            i.id,
            i.imported_at.to_rfc3339(),
            i.import.source,
            i.import.lines,
            totals.join(", "),
            one_line(&i.import.file)
        );
    }
    Ok(exit::OK)
}

fn pct(p: Option<crate::cost::Decimal>) -> String {
    p.map_or_else(|| "new".into(), |p| format!("{p:+.1}%"))
}

fn text_line(s: &mut String, l: &GroupLine, name: &str) {
    let _ = writeln!(
        s,
        "{:<28} {:<4} {:>14.2} {:>14.2} {:>+13.2} {:>9}",
        one_line(name),
        l.currency,
        l.total,
        l.previous,
        l.change,
        pct(l.change_pct)
    );
}

/// The report as text.
pub fn text(r: &Report) -> String {
    let mut s = String::new();
    if r.days == 0 {
        let _ = writeln!(s, "no cost imported for {}; run `flightdeck cost import FILE`", r.month);
        return s;
    }
    let span =
        if r.complete { "complete".to_string() } else { format!("days 1-{} of {}", r.days, r.days_in_month) };
    let _ = writeln!(
        s,
        "Cost {} by {} ({span}), compared with {} days 1-{}",
        r.month, r.by, r.previous_month, r.previous_days
    );
    let _ = writeln!(
        s,
        "{:<28} {:<4} {:>14} {:>14} {:>13} {:>9}",
        "GROUP", "CUR", "TOTAL", "PREVIOUS", "CHANGE", "CHANGE%"
    );
    for l in &r.groups {
        text_line(&mut s, l, &l.group);
    }
    for t in &r.totals {
        text_line(&mut s, t, "TOTAL");
    }
    s.push_str(&anomaly_lines(r));
    s
}

/// The anomalies as text lines, with the rule.
pub fn anomaly_lines(r: &Report) -> String {
    let mut s = format!("Anomalies in {} ({}): {}\n", r.month, r.rule, r.anomalies.len());
    for a in &r.anomalies {
        let _ = writeln!(
            s,
            "{}  {}/{}  {} {:.2} (median {:.2}, MAD {:.2}, threshold {:.2})",
            a.day,
            one_line(&a.service),
            one_line(&a.environment),
            a.currency,
            a.amount,
            a.median,
            a.mad,
            a.threshold
        );
    }
    s
}

/// One CSV cell. A text that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return; billing tags are anyone's text) gets a leading `'`, so it
/// shows as text (OWASP's CSV-injection rule); amounts never pass through here.
fn csv_cell(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{v}") } else { v.to_string() };
    if v.contains([',', '"', '\n', '\r']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v }
}

/// The breakdown as CSV (exact amounts), totals last with group `TOTAL`.
pub fn csv(r: &Report) -> String {
    let mut s = String::from("month,by,group,currency,total,previous,change,change_pct\n");
    let rows = r.groups.iter().map(|l| (l.group.as_str(), l)).chain(r.totals.iter().map(|t| ("TOTAL", t)));
    for (name, l) in rows {
        let p = l.change_pct.map(|p| p.to_string()).unwrap_or_default();
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{p}",
            r.month,
            csv_cell(&r.by),
            csv_cell(name),
            csv_cell(&l.currency),
            l.total,
            l.previous,
            l.change
        );
    }
    s
}
