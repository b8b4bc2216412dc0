//! Evidence rules over stored data and live services: monitors and their states, verified backups,
//! certificates, the rollback workflow's runs, load baselines and Prometheus's rules.

use std::time::Duration;

use super::State::{Fail, Pass};
use super::evidence::{Finding, Inputs};
use crate::event::RunStatus;
use crate::store::RunFilter;
use crate::time::Micros;

const DAY_US: i64 = 86_400_000_000;

fn days_since(now: Micros, then: Micros) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let d = (now.0 - then.0) as f64 / DAY_US as f64;
    d
}

/// `monitors`: every service of `[services]` has a monitor (its `service` key, else named after
/// it), at least one monitor
/// applies to the environment, and each is UP now (its newest recorded state).
pub fn monitors(i: &Inputs<'_>) -> Finding {
    let applied: Vec<(&String, &crate::config::monitors::MonitorConfig)> = i
        .config
        .monitors
        .iter()
        .filter(|(n, m)| {
            !i.config.monitor_problems.contains_key(*n)
                && (m.environments.is_empty() || m.environments.iter().any(|e| e == i.environment))
        })
        .collect();
    let names: Vec<&String> = applied.iter().map(|(n, _)| *n).collect();
    if names.is_empty() {
        return Finding::new(Fail, format!("no monitor applies to {}", i.environment));
    }
    let uncovered: Vec<&String> =
        i.config.services.keys().filter(|s| !applied.iter().any(|(n, m)| m.watches(n, s))).collect();
    if !uncovered.is_empty() {
        let list: Vec<&str> = uncovered.iter().map(|s| s.as_str()).collect();
        return Finding::new(Fail, format!("no monitor for service {}", list.join(", ")));
    }
    let states = match i.store.monitor_states(i.environment) {
        Ok(s) => s,
        Err(e) => return Finding::unknown(e.to_string()),
    };
    let state_of = |n: &str| states.iter().find(|(m, _, _)| m == n).map(|(_, s, _)| s.as_str());
    let down: Vec<&str> = names.iter().filter(|n| state_of(n) == Some("DOWN")).map(|n| n.as_str()).collect();
    if !down.is_empty() {
        return Finding::new(Fail, format!("DOWN now: {}", down.join(", ")));
    }
    let unsure: Vec<&str> = names.iter().filter(|n| state_of(n) != Some("UP")).map(|n| n.as_str()).collect();
    if !unsure.is_empty() {
        return Finding::unknown(format!(
            "no UP state recorded for {} (run flightdeck health)",
            unsure.join(", ")
        ));
    }
    Finding::new(Pass, format!("{} monitors, all UP", names.len()))
}

/// `backup`: the newest verified backup is at most `backup_max_age_days` old.
pub fn backup(i: &Inputs<'_>) -> Finding {
    let n = i.config.assessment.backup_max_age_days;
    match i.store.has_table("backups") {
        Ok(true) => {}
        Ok(false) => return Finding::unknown("no backups table in the store (backups have not landed)"),
        Err(e) => return Finding::unknown(e.to_string()),
    }
    match i.store.backup_count() {
        Ok(0) => {
            return Finding::unknown(
                "flightdeck has recorded no backup (`flightdeck db backup` records them)",
            );
        }
        Ok(_) => {}
        Err(e) => return Finding::unknown(e.to_string()),
    }
    match i.store.newest_verified_backup() {
        Err(e) => Finding::unknown(format!("cannot read verified backups: {e}")),
        Ok(None) => Finding::new(Fail, "no recorded backup has passed verification"),
        Ok(Some(at)) => {
            let age = days_since(i.now, at);
            let state = if age <= f64::from(n) { Pass } else { Fail };
            Finding::new(state, format!("newest verified backup {age:.1} days old (limit {n})"))
        }
    }
}

fn not_after(detail: &serde_json::Value) -> Option<Micros> {
    let v = detail.get("not_after")?;
    if let Some(n) = v.as_i64() {
        return Some(Micros(n));
    }
    let ts: jiff::Timestamp = v.as_str()?.parse().ok()?;
    Some(Micros(ts.as_microsecond()))
}

/// `certificates`: every certificate of the environment's resources (`detail.not_after`) stays
/// valid for more than `certificate_min_days`.
pub fn certificates(i: &Inputs<'_>) -> Finding {
    let n = i.config.assessment.certificate_min_days;
    let certs = match i.store.resources(i.environment, false) {
        Ok(r) => r.into_iter().filter(|r| r.kind == "certificate").collect::<Vec<_>>(),
        Err(e) => return Finding::unknown(e.to_string()),
    };
    let dated: Vec<(String, f64)> = certs
        .iter()
        .filter_map(|c| not_after(&c.detail).map(|t| (c.name.clone(), -days_since(i.now, t))))
        .collect();
    if dated.is_empty() {
        return Finding::unknown(format!("no certificate with an expiry recorded for {}", i.environment));
    }
    let short: Vec<String> =
        dated.iter().filter(|(_, d)| *d <= f64::from(n)).map(|(c, d)| format!("{c} ({d:.0} days)")).collect();
    if short.is_empty() {
        Finding::new(Pass, format!("{} certificates valid for more than {n} days", dated.len()))
    } else {
        Finding::new(Fail, format!("expiring within {n} days: {}", short.join(", ")))
    }
}

/// `rollback`: the rollback workflow succeeded in the environment within `rollback_max_age_days`.
pub fn rollback(i: &Inputs<'_>) -> Finding {
    let a = &i.config.assessment;
    let filter = RunFilter {
        workflow: Some(a.rollback_workflow.clone()),
        environment: Some(i.environment.to_string()),
        status: Some(RunStatus::Succeeded),
        limit: 1,
    };
    let runs = match i.store.runs(&filter) {
        Ok(r) => r,
        Err(e) => return Finding::unknown(e.to_string()),
    };
    let Some(run) = runs.first() else {
        return Finding::new(
            Fail,
            format!("workflow {} never succeeded in {}", a.rollback_workflow, i.environment),
        );
    };
    let at = run.finished_at.unwrap_or(run.started_at);
    let age = days_since(i.now, at);
    let state = if age <= f64::from(a.rollback_max_age_days) { Pass } else { Fail };
    Finding::new(
        state,
        format!(
            "{} succeeded {age:.1} days ago (run {}, limit {})",
            a.rollback_workflow, run.id, a.rollback_max_age_days
        ),
    )
}

/// `load_baseline`: a load baseline is saved and the newest result for its URL passed.
pub fn load_baseline(i: &Inputs<'_>) -> Finding {
    let rows = match i.store.baseline_status() {
        Ok(r) => r,
        Err(e) => return Finding::unknown(e.to_string()),
    };
    if rows.is_empty() {
        return Finding::new(Fail, "no load baseline saved (flightdeck load --save-baseline NAME)");
    }
    let failing: Vec<String> = rows.iter().filter(|r| !r.2).map(|r| format!("{} ({})", r.0, r.1)).collect();
    if failing.is_empty() {
        Finding::new(Pass, format!("{} baselines, newest results pass", rows.len()))
    } else {
        Finding::new(Fail, format!("newest result fails: {}", failing.join(", ")))
    }
}

/// `prometheus_rules`: Prometheus (`[assessment] prometheus`) has alerting rules loaded, all healthy.
pub async fn prometheus_rules(i: &Inputs<'_>) -> Finding {
    let Some(base) = &i.config.assessment.prometheus else {
        return Finding::unknown("[assessment] prometheus is not set");
    };
    let url = format!("{}/api/v1/rules", base.trim_end_matches('/'));
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => return Finding::unknown(e.to_string()),
    };
    let body = match crate::http_guard::get_json(&client, &url, 32 << 20).await {
        Ok(v) => v,
        Err(why) => return Finding::unknown(why),
    };
    let rules: Vec<&serde_json::Value> = body["data"]["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|g| g["rules"].as_array().into_iter().flatten())
        .collect();
    if rules.is_empty() {
        return Finding::new(Fail, format!("no rules loaded in {base}"));
    }
    let bad = rules.iter().filter(|r| r["health"].as_str().is_some_and(|h| h != "ok")).count();
    if bad > 0 {
        return Finding::new(super::State::Partial, format!("{} rules loaded, {bad} unhealthy", rules.len()));
    }
    Finding::new(Pass, format!("{} rules loaded in {base}", rules.len()))
}
