//! Cases on fixture ledgers alone: a hotfix remediating a deployment, incidents linked to
//! deployments, an unresolved failure, an empty window, a failed attempt, the dashboard's cards.

use super::*;
use crate::dora::dashboard::{DashboardQuery, dashboard_from_parts};

fn fixture() -> (Vec<DeploymentRecord>, Vec<IncidentRecord>) {
    let mut d3 = dep("d3", "c", "2026-03-03T13:00:00Z");
    d3.kind = "hotfix".into();
    d3.remediates = Some("d2".into());
    let mut attempt = dep("x", "d", "2026-03-03T20:00:00Z");
    attempt.status = "failed".into();
    let deps = vec![
        dep("d1", "a", "2026-03-02T10:00:00Z"),
        dep("d2", "b", "2026-03-03T10:00:00Z"),
        d3,
        attempt,
        dep("d4", "d", "2026-03-04T10:00:00Z"),
        dep("d5", "e", "2026-03-05T10:00:00Z"),
    ];
    let incidents = vec![
        incident("i1", "d2", "2026-03-03T11:00:00Z", Some("2026-03-03T15:00:00Z")),
        incident("i2", "d4", "2026-03-04T12:00:00Z", None),
        incident("i3", "d5", "2026-03-05T10:30:00Z", Some("2026-03-05T12:30:00Z")),
        incident("i4", "d5", "2026-03-05T11:00:00Z", Some("2026-03-05T16:30:00Z")),
    ];
    (deps, incidents)
}

fn fixture_facts() -> Vec<Fact> {
    let (deps, incidents) = fixture();
    let q = DashboardQuery {
        service: None,
        environment: None,
        window: window("2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z"),
    };
    let all = crate::dora::dashboard::select(deps, &q).remove("web").unwrap();
    facts(&all, &incidents, &no_history())
}

#[test]
fn hotfix_and_incidents_by_hand() {
    let f = fixture_facts();
    // The failed attempt x is not a deployment.
    assert_eq!(f.iter().map(|f| f.dep.id.as_str()).collect::<Vec<_>>(), ["d1", "d2", "d3", "d4", "d5"]);
    assert_eq!(f[1].failed, ["remediated by d3", "caused incident i1"]);
    let m = metrics_of(&f, "2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z");
    // Failed: d2 (hotfix + incident), d4 (incident), d5 (two incidents): 3 of 5.
    assert_eq!(m.failed, 3);
    assert_eq!(m.change_fail_rate, Some(0.6));
    // d2: impaired 11:00 (i1 start), restored by the hotfix at 13:00 (before i1's resolution): 2 h.
    // d5: impaired 10:30 (earliest start), restored 16:30 (latest resolution): 6 h. d4 unresolved.
    // Median of 2 h and 6 h = 4 h.
    assert_eq!(m.recovery.median_secs, Some(4.0 * HOUR));
    assert_eq!(m.recovery.restored, 2);
    assert_eq!(m.recovery.unresolved, ["d4"]);
    assert_eq!(m.rework_rate, Some(0.2)); // the hotfix d3
    assert_eq!(m.lead_time.median_secs, None); // no repository: no commits
}

#[test]
fn an_empty_window_is_zero_frequency_and_na_elsewhere() {
    let f = fixture_facts();
    let m = metrics_of(&f, "2026-04-01T00:00:00Z", "2026-04-08T00:00:00Z");
    assert_eq!((m.deployments, m.per_day), (0, 0.0));
    assert_eq!(m.deploy_days_per_week, None);
    assert_eq!(m.lead_time.median_secs, None);
    assert_eq!(m.change_fail_rate, None);
    assert_eq!(m.recovery.median_secs, None);
    assert_eq!(m.rework_rate, None);
    let q = DashboardQuery {
        service: None,
        environment: None,
        window: window("2026-04-01T00:00:00Z", "2026-04-08T00:00:00Z"),
    };
    let d = dashboard_from_parts(f, &q, at("2026-04-10T00:00:00Z"), vec![]);
    let shown: Vec<&str> = d.metrics.iter().map(|c| c.display.as_str()).collect();
    assert_eq!(shown, ["0.00/day", "n/a", "n/a", "n/a", "n/a"]);
    assert!(d.metrics.iter().all(|c| c.band.is_none() && c.cluster.is_none()));
    assert!(d.deployments.is_empty());
}

#[test]
fn the_dashboard_cards_trend_and_weekly_series() {
    let f = fixture_facts();
    // Two weeks: 2–8 March holds all five deployments, 9–15 March none.
    let q = DashboardQuery {
        service: Some("web".into()),
        environment: None,
        window: window("2026-03-02T00:00:00Z", "2026-03-16T00:00:00Z"),
    };
    let d = dashboard_from_parts(f, &q, at("2026-03-16T00:00:00Z"), vec![]);
    let labels: Vec<&str> = d.weeks.iter().map(|w| w.label.as_str()).collect();
    assert_eq!(labels, ["2026-W10", "2026-W11"]);
    let freq = &d.metrics[0];
    // 5 deployments in 14 days; deploy days per week 4 (2, 3, 4, 5 March) and 0: median 2.
    assert_eq!(freq.value, Some(5.0 / 14.0));
    assert_eq!(d.current.deploy_days_per_week, Some(2.0));
    assert_eq!(freq.band.as_ref().unwrap().score, 4);
    assert_eq!(freq.cluster.as_ref().unwrap().text(), "High (2024 DORA clusters)");
    assert_eq!(freq.series, vec![Some(5.0 / 7.0), Some(0.0)]);
    assert_eq!(freq.trend.direction, super::super::TrendDirection::Better);
    let cfr = &d.metrics[2];
    assert_eq!(cfr.value, Some(60.0));
    assert!(cfr.cluster.is_none(), "change fail rate alone never assigns a cluster");
    let recovery = &d.metrics[3];
    assert_eq!(recovery.value, Some(4.0));
    assert_eq!(recovery.band.as_ref().unwrap().label, "Less than one day");
    assert_eq!(d.deployments.len(), 5);
    assert_eq!(d.deployments[0].deployment.id, "d5");
    assert_eq!(d.unresolved.len(), 1);
    // d4 impaired at 4 March 12:00, window ends 16 March 00:00: 11.5 days.
    assert_eq!(d.unresolved[0].age_hours, 276.0);
    // The view-model is data: it survives JSON both ways.
    let json = serde_json::to_string(&d).unwrap();
    assert_eq!(serde_json::from_str::<crate::dora::Dashboard>(&json).unwrap(), d);
}

#[test]
fn deploy_days_are_counted_in_the_configured_time_zone() {
    let deps = [dep("d1", "a", "2026-03-03T03:00:00Z"), dep("d2", "b", "2026-03-03T20:00:00Z")];
    let f = facts(&deps, &[], &no_history());
    // UTC: both on 3 March, one deploy day in the week of 2 March.
    assert_eq!(
        metrics_of(&f, "2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z").deploy_days_per_week,
        Some(1.0)
    );
    // New York (UTC-5): 2 March 22:00 and 3 March 15:00, two deploy days. The ISO week ends at
    // 04:00Z: daylight saving time starts on Sunday 8 March.
    let ny = TimeZone::get("America/New_York").unwrap();
    let w = Window::new(at("2026-03-02T05:00:00Z"), at("2026-03-09T04:00:00Z"), ny).unwrap();
    assert_eq!(w.weeks().len(), 1);
    assert_eq!(compute(&f, &w).deploy_days_per_week, Some(2.0));
}
