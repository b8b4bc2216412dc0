//! The `dora` evidence rule: all four DORA keys of the last 30 days in production, each computed by
//! the DORA code ([`crate::dora`]) and graded pass, warn or fail against `[assessment]`:
//!
//! - deployment frequency: its 2024 cluster at or above `dora_level` passes, one cluster below
//!   warns, lower fails;
//! - change lead time (median hours): at most `lead_time_target_hours` passes, above
//!   `lead_time_limit_hours` fails, warn between;
//! - change failure rate (percent): `change_fail_target_percent` / `change_fail_limit_percent`;
//! - time to restore (median hours of restored failures, or the age of the oldest failure not yet
//!   restored when nothing was): `restore_target_hours` / `restore_limit_hours`; no failed
//!   deployment passes.
//!
//! The item is fail if any key fails, partial if any warns, unknown if a key has no figure (no
//! production deployment, no counted commit), else pass. The detail names every key with its
//! figure, grade and threshold.

use super::State::{self, Fail, Partial, Pass, Unknown};
use super::evidence::{Finding, Inputs};
use crate::dora::dashboard::{Dashboard, DashboardQuery, compute_dashboard};
use crate::dora::{bands, window};

/// One key's grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grade {
    Pass,
    Warn,
    Fail,
    Unknown,
}

impl Grade {
    fn word(self) -> &'static str {
        match self {
            Grade::Pass => "pass",
            Grade::Warn => "warn",
            Grade::Fail => "fail",
            Grade::Unknown => "unknown",
        }
    }
}

/// Pass at or under `target`, fail above `limit`, warn between.
fn grade(figure: f64, target: f64, limit: f64) -> Grade {
    if figure <= target {
        Grade::Pass
    } else if figure <= limit {
        Grade::Warn
    } else {
        Grade::Fail
    }
}

fn rank(level: &str) -> i32 {
    match level {
        "elite" => 4,
        "high" => 3,
        "medium" => 2,
        _ => 1,
    }
}

/// `dora`: the four keys of the last 30 days against their thresholds.
pub fn dora(i: &Inputs<'_>) -> Finding {
    let tz = match window::time_zone(i.config.dora.time_zone.as_deref()) {
        Ok(t) => t,
        Err(e) => return Finding::unknown(e.to_string()),
    };
    let Ok(w) = window::Window::last_days(i.now, 30, tz) else {
        return Finding::unknown("cannot build the 30-day window");
    };
    let env = i.config.environments.get(i.environment).filter(|e| e.production).map(|e| e.name.clone());
    let q = DashboardQuery { service: None, environment: env, window: w };
    let d = match compute_dashboard(i.store, i.config, i.project_dir, &q, i.now) {
        Ok(d) => d,
        Err(e) => return Finding::unknown(e.to_string()),
    };
    if d.current.deployments == 0 {
        return Finding::unknown("no production deployment in the last 30 days");
    }
    let keys = [frequency(i, &d), lead_time(i, &d), change_fail(i, &d), restore(i, &d)];
    let grades: Vec<Grade> = keys.iter().map(|k| k.0).collect();
    let state: State = if grades.contains(&Grade::Fail) {
        Fail
    } else if grades.contains(&Grade::Warn) {
        Partial
    } else if grades.contains(&Grade::Unknown) {
        Unknown
    } else {
        Pass
    };
    let detail: Vec<String> = keys.iter().map(|(g, text)| format!("{text}: {}", g.word())).collect();
    Finding::new(state, detail.join("; "))
}

fn frequency(i: &Inputs<'_>, d: &Dashboard) -> (Grade, String) {
    let want = &i.config.assessment.dora_level;
    let Some(band) = bands::frequency_band(&d.current) else {
        return (Grade::Unknown, "deployment frequency n/a".into());
    };
    let cluster = bands::frequency_cluster(&band);
    let g = match rank(want) - rank(&cluster.label) {
        i32::MIN..=0 => Grade::Pass,
        1 => Grade::Warn,
        _ => Grade::Fail,
    };
    (g, format!("deployment frequency {} (pass at {want} or better, warn one below)", cluster.text()))
}

fn hours(secs: f64) -> f64 {
    secs / 3600.0
}

fn lead_time(i: &Inputs<'_>, d: &Dashboard) -> (Grade, String) {
    let cfg = &i.config.assessment;
    let (target, limit) = (cfg.lead_time_target_hours, cfg.lead_time_limit_hours);
    let limits = format!("pass at most {target} h, fail above {limit} h");
    match d.current.lead_time.median_secs.map(hours) {
        None => (Grade::Unknown, format!("change lead time n/a: no commit counted ({limits})")),
        Some(h) => (grade(h, target, limit), format!("change lead time {h:.1} h median ({limits})")),
    }
}

fn change_fail(i: &Inputs<'_>, d: &Dashboard) -> (Grade, String) {
    let cfg = &i.config.assessment;
    let (target, limit) = (cfg.change_fail_target_percent, cfg.change_fail_limit_percent);
    let limits = format!("pass at most {target} %, fail above {limit} %");
    let (failed, all) = (d.current.failed, d.current.deployments);
    match d.current.change_fail_rate.map(|r| r * 100.0) {
        None => (Grade::Unknown, format!("change failure rate n/a ({limits})")),
        Some(pct) => (
            grade(pct, target, limit),
            format!("change failure rate {pct:.1} % ({failed} of {all}, {limits})"),
        ),
    }
}

fn restore(i: &Inputs<'_>, d: &Dashboard) -> (Grade, String) {
    let cfg = &i.config.assessment;
    let (target, limit) = (cfg.restore_target_hours, cfg.restore_limit_hours);
    let limits = format!("pass at most {target} h, fail above {limit} h");
    let oldest_open = d.unresolved.iter().map(|u| u.age_hours).reduce(f64::max);
    match (d.current.recovery.median_secs.map(hours), oldest_open) {
        (Some(median), open) => {
            let g = grade(median.max(open.unwrap_or(0.0)), target, limit);
            let open = open.map(|o| format!(", oldest unrestored {o:.1} h")).unwrap_or_default();
            (g, format!("time to restore {median:.1} h median{open} ({limits})"))
        }
        (None, Some(open)) => {
            (grade(open, target, limit), format!("time to restore: unrestored for {open:.1} h ({limits})"))
        }
        (None, None) if d.current.failed == 0 => {
            (Grade::Pass, format!("time to restore: no failed deployment ({limits})"))
        }
        (None, None) => (Grade::Unknown, format!("time to restore n/a ({limits})")),
    }
}
