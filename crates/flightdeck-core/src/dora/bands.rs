//! Survey buckets and 2024 clusters.
//!
//! Headline: the six answer buckets of the DORA survey (score 6 best .. 1 worst), for deployment
//! frequency, change lead time and failed deployment recovery time. Secondary, dated: the 2024
//! cluster (elite / high / medium / low) each of those values falls in. Change fail rate and rework
//! rate are shown as percentages with no bucket, and change fail rate alone never assigns a cluster
//! (the 2024 clusters are not monotonic in it: high 20 %, medium 10 %).
//!
//! Deployment frequency buckets, from m = median distinct deploy days per ISO week and the rate:
//! 6 on demand if m >= 5 and the window averages more than one deployment per deploy day; 5 if
//! m >= 5; 4 if m >= 1; 3 if at least one deployment per 30 days; 2 if at least one per 182.5 days;
//! else 1. Durations use the survey's cut-offs: 1 h, 24 h, 168 h, 730 h (a month), 4380 h.

use serde::{Deserialize, Serialize};

use super::metrics::Metrics;

/// A survey answer bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    /// 6 (best) to 1.
    pub score: u8,
    /// The survey's wording.
    pub label: String,
}

/// A performance cluster of a given report year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cluster {
    /// `elite`, `high`, `medium`, `low`, or `high or medium`.
    pub label: String,
    /// The report year (2024: the latest that publishes clusters).
    pub year: u16,
}

impl Cluster {
    fn y2024(label: &str) -> Cluster {
        Cluster { label: label.into(), year: 2024 }
    }

    /// `High (2024 DORA clusters)`.
    pub fn text(&self) -> String {
        let mut l = self.label.clone();
        if let Some(first) = l.get(..1) {
            l.replace_range(..1, &first.to_uppercase());
        }
        format!("{l} ({} DORA clusters)", self.year)
    }
}

const FREQUENCY: [&str; 6] = [
    "Less than once per six months",
    "Between once per month and once every six months",
    "Between once per week and once per month",
    "Between once per day and once per week",
    "Between once per hour and once per day",
    "On demand (multiple deploys per day)",
];

const DURATION: [&str; 6] = [
    "More than six months",
    "One to six months",
    "One week to one month",
    "One day to one week",
    "Less than one day",
    "Less than one hour",
];

fn band(score: u8, labels: &[&str; 6]) -> Band {
    Band { score, label: labels[usize::from(score.clamp(1, 6) - 1)].to_string() }
}

/// The deployment frequency bucket; `None` for an empty window.
pub fn frequency_band(m: &Metrics) -> Option<Band> {
    let weekly = m.deploy_days_per_week?;
    #[allow(clippy::cast_precision_loss)]
    let per_deploy_day = m.deployments as f64 / m.deploy_days.max(1) as f64;
    let score = if weekly >= 5.0 && per_deploy_day > 1.0 {
        6
    } else if weekly >= 5.0 {
        5
    } else if weekly >= 1.0 {
        4
    } else if m.per_day * 30.0 >= 1.0 {
        3
    } else if m.per_day * 182.5 >= 1.0 {
        2
    } else {
        1
    };
    Some(band(score, &FREQUENCY))
}

/// The 2024 cluster of a deployment frequency bucket.
pub fn frequency_cluster(b: &Band) -> Cluster {
    Cluster::y2024(match b.score {
        5 | 6 => "elite",
        4 => "high",
        3 => "medium",
        _ => "low",
    })
}

/// The survey bucket of a duration (lead time or recovery time).
pub fn duration_band(secs: f64) -> Band {
    let h = secs / 3600.0;
    let score = if h < 1.0 {
        6
    } else if h < 24.0 {
        5
    } else if h < 168.0 {
        4
    } else if h < 730.0 {
        3
    } else if h < 4380.0 {
        2
    } else {
        1
    };
    band(score, &DURATION)
}

/// The 2024 cluster of a median change lead time.
pub fn lead_time_cluster(b: &Band) -> Cluster {
    Cluster::y2024(match b.score {
        5 | 6 => "elite",
        4 => "high",
        3 => "medium",
        _ => "low",
    })
}

/// The 2024 cluster of a median recovery time; `None` for one day to one week, which no 2024
/// cluster covers.
pub fn recovery_cluster(b: &Band) -> Option<Cluster> {
    match b.score {
        6 => Some(Cluster::y2024("elite")),
        5 => Some(Cluster::y2024("high or medium")),
        4 => None,
        _ => Some(Cluster::y2024("low")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_cut_offs() {
        assert_eq!(duration_band(3599.0).score, 6);
        assert_eq!(duration_band(3600.0).score, 5);
        assert_eq!(duration_band(24.0 * 3600.0).score, 4);
        assert_eq!(duration_band(730.0 * 3600.0).score, 2);
        assert_eq!(duration_band(4380.0 * 3600.0).label, "More than six months");
        assert_eq!(recovery_cluster(&duration_band(2.0 * 86400.0)), None);
        assert_eq!(lead_time_cluster(&duration_band(3.0 * 86400.0)).text(), "High (2024 DORA clusters)");
    }
}
