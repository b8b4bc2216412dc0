//! The step keys that control execution: `when`, `timeout`, `retries`, `on_fail`, `idempotent`.

use toml::de::DeTable;

use super::super::refs::{Site, Source};
use super::super::value::{Item, ParseState};
use crate::time::parse_duration;
use crate::workflow::expr::WhenExpr;
use crate::workflow::model::{OnFail, Retry, Step};

const DURATION_HELP: &str = "write a duration such as \"90s\", \"10m\", \"1h30m\" or \"500ms\"";

pub(super) fn control_keys(
    cx: &mut ParseState<'_>,
    table: &DeTable<'_>,
    step: &mut Step,
    sites: &mut Vec<Site>,
    index: usize,
) {
    if let Some(item) = table.get("when") {
        step.when = when(cx, item, sites, index);
    }
    if let Some(item) = table.get("timeout") {
        step.timeout_ms = duration(cx, item, "timeout");
    }
    if let Some(item) = table.get("retries") {
        step.retry = retries(cx, item).unwrap_or_default();
    }
    if let Some(item) = table.get("on_fail") {
        step.on_fail = match cx.one_of(item, "on_fail", &["halt", "continue", "rollback"]).as_deref() {
            Some("continue") => OnFail::Continue,
            Some("rollback") => OnFail::Rollback,
            _ => OnFail::Halt,
        };
    }
    if let Some(item) = table.get("idempotent") {
        step.idempotent = cx.boolean(item, "idempotent").unwrap_or(false);
    }
}

fn when(cx: &mut ParseState<'_>, item: &Item<'_>, sites: &mut Vec<Site>, index: usize) -> Option<WhenExpr> {
    let text = cx.string(item, "when")?;
    match WhenExpr::parse(&text) {
        Ok(expr) => {
            let src = Source::When(expr.clone());
            sites.push(Site { what: "`when`".into(), src, span: item.span(), before: Some(index) });
            Some(expr)
        }
        Err(e) => {
            let at = cx.in_string(&item.span(), &text, e.offset);
            let help = "e.g. when = \"environment.production and params.migrate == true\"";
            cx.error_at(at, format!("bad `when` expression: {}", e.message), Some(help.into()));
            None
        }
    }
}

/// A duration string in milliseconds, or a diagnostic quoting it.
fn duration(cx: &mut ParseState<'_>, item: &Item<'_>, what: &str) -> Option<u64> {
    let text = cx.string(item, what)?;
    let ms = parse_duration(&text);
    if ms.is_none() {
        cx.error(&item.span(), format!("`{what}` = {text:?} is not a duration"), Some(DURATION_HELP.into()));
    }
    ms
}

/// `retries = N` or `retries = { count = N, backoff = "1s", factor = 2.0 }`.
fn retries(cx: &mut ParseState<'_>, item: &Item<'_>) -> Option<Retry> {
    let mut retry = Retry::default();
    if item.get_ref().is_integer() {
        retry.count = count(cx, item)?;
        return Some(retry);
    }
    let Some(table) = item.get_ref().as_table() else {
        let found = item.get_ref().type_str();
        let help = "write retries = 3 or retries = { count = 3, backoff = \"2s\", factor = 2.0 }";
        cx.error(
            &item.span(),
            format!("`retries` must be a number or a table, found {found}"),
            Some(help.into()),
        );
        return None;
    };
    cx.check_keys(table, &["count", "backoff", "factor"], "`retries`");
    if let Some(c) = table.get("count") {
        retry.count = count(cx, c)?;
    }
    if let Some(b) = table.get("backoff") {
        retry.backoff_ms = duration(cx, b, "retries.backoff")?;
    }
    if let Some(f) = table.get("factor") {
        let value = super::super::value::to_json(f.get_ref()).as_f64();
        match value {
            Some(v) if (1.0..=10.0).contains(&v) => retry.factor = v,
            _ => {
                let help = "use a number from 1.0 (constant delay) to 10.0";
                cx.error(&f.span(), "`retries.factor` must be a number from 1 to 10", Some(help.into()));
                return None;
            }
        }
    }
    Some(retry)
}

fn count(cx: &mut ParseState<'_>, item: &Item<'_>) -> Option<u32> {
    let n = super::super::value::to_json(item.get_ref()).as_u64().and_then(|n| u32::try_from(n).ok());
    match n {
        Some(n) if n <= 100 => Some(n),
        _ => {
            let msg = "the retry count must be a whole number from 0 to 100";
            cx.error(&item.span(), msg, Some("e.g. retries = 3".into()));
            None
        }
    }
}
