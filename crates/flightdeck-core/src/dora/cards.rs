//! The five metric cards of the dashboard: value in the card's unit, display text, band, dated
//! cluster, trend against the previous window and the weekly series. Pure.

use serde::{Deserialize, Serialize};

use super::bands::{
    Band, Cluster, duration_band, frequency_band, frequency_cluster, lead_time_cluster, recovery_cluster,
};
use super::metrics::Metrics;

/// Which metric a card shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKey {
    /// Deployment frequency (unit: per day).
    DeploymentFrequency,
    /// Change lead time (unit: hours).
    ChangeLeadTime,
    /// Change fail rate (unit: %).
    ChangeFailRate,
    /// Failed deployment recovery time (unit: hours).
    RecoveryTime,
    /// Deployment rework rate (unit: %).
    ReworkRate,
}

impl MetricKey {
    /// The key as in JSON: `deployment_frequency`, `change_lead_time`, ...
    pub fn name(self) -> &'static str {
        match self {
            MetricKey::DeploymentFrequency => "deployment_frequency",
            MetricKey::ChangeLeadTime => "change_lead_time",
            MetricKey::ChangeFailRate => "change_fail_rate",
            MetricKey::RecoveryTime => "recovery_time",
            MetricKey::ReworkRate => "rework_rate",
        }
    }
}

/// Which way a metric moved against the previous window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrendDirection {
    /// Better than before.
    Better,
    /// Worse than before.
    Worse,
    /// Unchanged.
    Same,
    /// One side is n/a.
    Unknown,
}

/// A metric against the previous window of the same length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// The previous window's value, in the card's unit.
    pub previous: Option<f64>,
    /// value - previous.
    pub delta: Option<f64>,
    /// Better, worse, same or unknown.
    pub direction: TrendDirection,
}

/// One metric card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    /// Which metric.
    pub key: MetricKey,
    /// `Deployment frequency`.
    pub title: String,
    /// The value in `unit`; `None` is "n/a".
    pub value: Option<f64>,
    /// `per day`, `hours` or `%`.
    pub unit: String,
    /// The value for people: `2.4/day`, `3.1 d`, `12.5 %`, `n/a`.
    pub display: String,
    /// Supporting numbers: `p90 4.2 d · 41 commits · 2 dropped (clock skew)`.
    pub detail: String,
    /// Survey bucket (headline), where the survey has one.
    pub band: Option<Band>,
    /// 2024 cluster (secondary, dated), where the value alone can assign one.
    pub cluster: Option<Cluster>,
    /// Against the previous window.
    pub trend: Trend,
    /// One value per week of the dashboard's `weeks`.
    pub series: Vec<Option<f64>>,
}

/// The card's value of `key` in `m`, in the card's unit.
pub fn value(key: MetricKey, m: &Metrics) -> Option<f64> {
    match key {
        MetricKey::DeploymentFrequency => Some(m.per_day),
        MetricKey::ChangeLeadTime => m.lead_time.median_secs.map(|s| s / 3600.0),
        MetricKey::ChangeFailRate => m.change_fail_rate.map(|r| r * 100.0),
        MetricKey::RecoveryTime => m.recovery.median_secs.map(|s| s / 3600.0),
        MetricKey::ReworkRate => m.rework_rate.map(|r| r * 100.0),
    }
}

/// Builds the five cards from the window's metrics, the previous window's and the weekly ones.
pub fn cards(m: &Metrics, previous: &Metrics, weekly: &[Metrics]) -> Vec<Card> {
    use MetricKey::{ChangeFailRate, ChangeLeadTime, DeploymentFrequency, RecoveryTime, ReworkRate};
    [DeploymentFrequency, ChangeLeadTime, ChangeFailRate, RecoveryTime, ReworkRate]
        .into_iter()
        .map(|key| card(key, m, previous, weekly))
        .collect()
}

fn card(key: MetricKey, m: &Metrics, previous: &Metrics, weekly: &[Metrics]) -> Card {
    let v = value(key, m);
    let (title, unit) = match key {
        MetricKey::DeploymentFrequency => ("Deployment frequency", "per day"),
        MetricKey::ChangeLeadTime => ("Change lead time", "hours"),
        MetricKey::ChangeFailRate => ("Change fail rate", "%"),
        MetricKey::RecoveryTime => ("Failed deployment recovery time", "hours"),
        MetricKey::ReworkRate => ("Deployment rework rate", "%"),
    };
    let (band, cluster) = match key {
        MetricKey::DeploymentFrequency => {
            let b = frequency_band(m);
            let c = b.as_ref().map(frequency_cluster);
            (b, c)
        }
        MetricKey::ChangeLeadTime => {
            let b = v.map(|h| duration_band(h * 3600.0));
            let c = b.as_ref().map(lead_time_cluster);
            (b, c)
        }
        MetricKey::RecoveryTime => {
            let b = v.map(|h| duration_band(h * 3600.0));
            let c = b.as_ref().and_then(recovery_cluster);
            (b, c)
        }
        MetricKey::ChangeFailRate | MetricKey::ReworkRate => (None, None),
    };
    Card {
        key,
        title: title.into(),
        value: v,
        unit: unit.into(),
        display: display(key, v),
        detail: detail(key, m),
        band,
        cluster,
        trend: trend(key, v, value(key, previous)),
        series: weekly.iter().map(|w| value(key, w)).collect(),
    }
}

fn trend(key: MetricKey, now: Option<f64>, before: Option<f64>) -> Trend {
    let delta = now.zip(before).map(|(a, b)| a - b);
    let direction = match delta {
        None => TrendDirection::Unknown,
        Some(d) if d.abs() < 1e-9 => TrendDirection::Same,
        Some(d) => {
            let higher_is_better = key == MetricKey::DeploymentFrequency;
            if (d > 0.0) == higher_is_better { TrendDirection::Better } else { TrendDirection::Worse }
        }
    };
    Trend { previous: before, delta, direction }
}

/// Text for a card's value.
pub fn display(key: MetricKey, v: Option<f64>) -> String {
    let Some(v) = v else { return "n/a".into() };
    match key {
        MetricKey::DeploymentFrequency if v >= 1.0 || v == 0.0 => format!("{v:.2}/day"),
        MetricKey::DeploymentFrequency => format!("{:.2}/week", v * 7.0),
        MetricKey::ChangeLeadTime | MetricKey::RecoveryTime => hours(v),
        MetricKey::ChangeFailRate | MetricKey::ReworkRate => format!("{v:.1} %"),
    }
}

/// `42 min`, `5.1 h`, `3.2 d`.
pub fn hours(h: f64) -> String {
    if h.abs() < 1.0 {
        format!("{:.0} min", h * 60.0)
    } else if h.abs() < 48.0 {
        format!("{h:.1} h")
    } else {
        format!("{:.1} d", h / 24.0)
    }
}

fn detail(key: MetricKey, m: &Metrics) -> String {
    match key {
        MetricKey::DeploymentFrequency => {
            let weekly = m.deploy_days_per_week.map_or("n/a".into(), |w| format!("{w}"));
            format!("{} deployments in {:.0} days · median {weekly} deploy days/week", m.deployments, m.days)
        }
        MetricKey::ChangeLeadTime => {
            let l = &m.lead_time;
            let p90 = l.p90_secs.map_or("n/a".into(), |s| hours(s / 3600.0));
            format!("p90 {p90} · {} commits · {} dropped (zero or negative span)", l.commits, l.dropped)
        }
        MetricKey::ChangeFailRate => format!("{} of {} deployments failed", m.failed, m.deployments),
        MetricKey::RecoveryTime => {
            let r = &m.recovery;
            format!("{} restored in the window · {} unresolved", r.restored, r.unresolved.len())
        }
        MetricKey::ReworkRate => format!("{} of {} deployments unplanned", m.unplanned, m.deployments),
    }
}
