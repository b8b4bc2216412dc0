//! An assessment as text for the terminal and as Markdown; both show the same numbers as the JSON
//! export (`serde_json` of [`Report`]), which tests check.

use std::fmt::Write as _;

use super::{ItemResult, Report, State};
use crate::sanitize::one_line;
use crate::time::Micros;

/// The formula, as published in the README and the console's help.
pub const FORMULA: &str = "pass = 1, partial = 0.5, fail = 0, unknown = 0; n/a excluded. \
Section score = round(100 × Σ values ÷ applicable items). Overall = the same over all applicable items \
(final gate included), not a mean of sections. Coverage = items with a known state ÷ applicable items. \
Ready only when every final-gate item passes and no critical item fails, whatever the score.";

/// `70` or `-` when nothing applies.
pub fn pct(v: Option<u32>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

fn verdict(r: &Report) -> &'static str {
    if r.ready { "READY" } else { "NOT READY" }
}

fn cell(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}

/// The report as Markdown: summary, formula, section table, blockers, item table.
pub fn markdown(r: &Report) -> String {
    let mut s = String::new();
    let at = Micros(r.at).to_rfc3339();
    let _ = writeln!(s, "# Readiness assessment: {}\n", cell(&r.environment));
    let _ = writeln!(
        s,
        "Assessed {at}. Overall **{}** / 100, coverage {} %, **{}**.\n",
        pct(r.overall),
        pct(r.coverage),
        verdict(r)
    );
    let _ = writeln!(s, "Formula: {FORMULA}\n");
    let _ = writeln!(s, "## Sections\n");
    let _ = writeln!(
        s,
        "| Section | Title | Score | Coverage | Applicable | Pass | Partial | Fail | N/A | Unknown |"
    );
    let _ = writeln!(s, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for x in &r.sections {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            x.id,
            cell(&x.title),
            pct(x.score),
            pct(x.coverage),
            x.applicable,
            x.pass,
            x.partial,
            x.fail,
            x.na,
            x.unknown
        );
    }
    let _ = writeln!(s, "\n## Blockers\n");
    if r.blockers.is_empty() {
        let _ = writeln!(s, "None.");
    }
    for b in &r.blockers {
        let _ = writeln!(s, "- {}", cell(b));
    }
    let _ = writeln!(s, "\n## Items\n");
    let _ = writeln!(s, "| Item | State | Source | Critical | Text | Note | Evidence |");
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    for i in &r.items {
        let _ = writeln!(s, "{}", item_row(i));
    }
    s
}

fn item_row(i: &ItemResult) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} | {} |",
        i.id,
        i.state,
        i.source.as_str(),
        if i.critical { "yes" } else { "" },
        cell(&i.text),
        cell(i.note.as_deref().unwrap_or("")),
        cell(i.detail.as_deref().unwrap_or(""))
    )
}

/// The report for a terminal: summary, sections, blockers, and the items that are not pass or n/a
/// (all of them with `all`).
pub fn text(r: &Report, all: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: overall {} / 100, coverage {} %, {}",
        one_line(&r.environment),
        pct(r.overall),
        pct(r.coverage),
        verdict(r)
    );
    for x in &r.sections {
        let _ = writeln!(
            s,
            "  {:>3} {:<42} {:>4} {:>5}%  pass {} partial {} fail {} n/a {} unknown {}",
            x.id,
            one_line(&x.title),
            pct(x.score),
            pct(x.coverage),
            x.pass,
            x.partial,
            x.fail,
            x.na,
            x.unknown
        );
    }
    for b in &r.blockers {
        let _ = writeln!(s, "blocker: {}", one_line(b));
    }
    for i in r.items.iter().filter(|i| {
        all || !matches!(i.state, State::Pass | State::NotApplicable | State::Unknown) || i.detail.is_some()
    }) {
        let why = i.detail.as_deref().or(i.note.as_deref()).unwrap_or("");
        let _ = writeln!(
            s,
            "  {:<7} {:<8} {:<8} {} — {}",
            i.id,
            i.state,
            i.source.as_str(),
            one_line(&i.text),
            one_line(why)
        );
    }
    s
}
