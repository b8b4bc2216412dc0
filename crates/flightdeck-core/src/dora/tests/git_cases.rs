//! Cases on real repositories: several commits per deployment, the baseline, merge commits, a
//! rollback to an older SHA (and a redeploy that is not one), a revert, clock skew, a path filter.

use super::*;

#[test]
fn several_commits_per_deployment_and_the_baseline() {
    let r = Repo::new();
    r.commit("a", "c1", "2026-03-02T00:00:00Z");
    let c2 = r.commit("a", "c2", "2026-03-02T06:00:00Z");
    r.commit("a", "c3", "2026-03-03T00:00:00Z");
    r.commit("a", "c4", "2026-03-03T12:00:00Z");
    let c5 = r.commit("a", "c5", "2026-03-04T00:00:00Z");
    let c6 = r.commit("a", "c6", "2026-03-05T00:00:00Z");
    let deps = [
        dep("d1", &c2, "2026-03-02T12:00:00Z"),
        dep("d2", &c5, "2026-03-04T12:00:00Z"),
        dep("d3", &c6, "2026-03-05T06:00:00Z"),
    ];
    let f = r.facts(&deps, &[], &[]);
    // d1 is the baseline: it ships c1 and c2, which are not counted.
    assert!(f[0].baseline);
    assert_eq!(f[0].commits.len(), 2);
    assert_eq!(f[1].commits.len(), 3);
    assert_eq!(f[2].commits.len(), 1);
    // Lead times: c3 36 h, c4 24 h, c5 12 h (by d2), c6 6 h (by d3).
    // Sorted 6, 12, 24, 36: median (12 + 24) / 2 = 18 h; p90 = ceil(3.6) = 4th = 36 h.
    // Window: the ISO week Monday 2 March to Sunday 8 March.
    let m = metrics_of(&f, "2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z");
    assert_eq!(m.deployments, 3);
    assert!((m.per_day - 3.0 / 7.0).abs() < 1e-12);
    assert_eq!(m.deploy_days_per_week, Some(3.0)); // 2, 4 and 5 March
    assert_eq!(m.lead_time.median_secs, Some(18.0 * HOUR));
    assert_eq!(m.lead_time.p90_secs, Some(36.0 * HOUR));
    assert_eq!((m.lead_time.commits, m.lead_time.dropped), (4, 0));
    assert_eq!(m.change_fail_rate, Some(0.0));
    assert_eq!(m.rework_rate, Some(0.0));
    assert_eq!(m.recovery.median_secs, None);
}

#[test]
fn merge_commits_ship_every_parent_not_only_the_first() {
    let r = Repo::new();
    let m1 = r.commit("main.txt", "m1", "2026-03-02T00:00:00Z");
    r.git(&["checkout", "-q", "-b", "topic"], "2026-03-02T00:00:00Z");
    r.commit("topic.txt", "b1", "2026-03-02T02:00:00Z");
    r.commit("topic.txt", "b2", "2026-03-02T03:00:00Z");
    r.git(&["checkout", "-q", "main"], "2026-03-02T00:00:00Z");
    r.commit("main.txt", "m2", "2026-03-02T04:00:00Z");
    r.git(&["merge", "-q", "--no-ff", "-m", "merge topic", "topic"], "2026-03-02T05:00:00Z");
    let merge = r.git(&["rev-parse", "HEAD"], "2026-03-02T05:00:00Z");
    let deps = [dep("d1", &m1, "2026-03-02T01:00:00Z"), dep("d2", &merge, "2026-03-02T10:00:00Z")];
    let f = r.facts(&deps, &[], &[]);
    // d2 ships m2 (6 h), b1 (8 h), b2 (7 h) and the merge (5 h): median 6.5 h, p90 4th = 8 h.
    assert_eq!(f[1].commits.len(), 4);
    let m = metrics_of(&f, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z");
    assert_eq!(m.lead_time.median_secs, Some(6.5 * HOUR));
    assert_eq!(m.lead_time.p90_secs, Some(8.0 * HOUR));
    assert_eq!(m.lead_time.commits, 4);
}

#[test]
fn rollback_to_an_older_sha_fails_the_deployment_and_a_redeploy_does_not() {
    let r = Repo::new();
    let a = r.commit("f", "a", "2026-03-02T00:00:00Z");
    let b = r.commit("f", "b", "2026-03-02T02:00:00Z");
    let deps = [
        dep("d1", &a, "2026-03-02T01:00:00Z"),
        dep("d2", &b, "2026-03-02T03:00:00Z"),
        dep("d3", &a, "2026-03-02T04:00:00Z"), // back to a: a proper ancestor of b
        dep("d4", &a, "2026-03-02T05:00:00Z"), // the same SHA again: a redeploy
    ];
    let f = r.facts(&deps, &[], &[]);
    assert_eq!(f[1].failed, vec!["rolled back by d3".to_string()]);
    assert!(f[2].failed.is_empty(), "a redeploy of the same SHA is not a rollback");
    assert!(f[2].unplanned && !f[3].unplanned);
    let m = metrics_of(&f, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z");
    assert_eq!(m.deployments, 4);
    assert_eq!(m.change_fail_rate, Some(0.25));
    assert_eq!(m.rework_rate, Some(0.25));
    // impaired at d2's finish (03:00), restored by d3 (04:00).
    assert_eq!(m.recovery.median_secs, Some(HOUR));
    // Only b counts: 1 h. The rollback and the redeploy ship nothing.
    assert_eq!(m.lead_time.median_secs, Some(HOUR));
    assert_eq!(m.lead_time.commits, 1);
}

#[test]
fn a_revert_fails_the_deployment_that_shipped_the_reverted_commit() {
    let r = Repo::new();
    let a = r.commit("f", "a", "2026-03-02T00:00:00Z");
    let b = r.commit("f", "b", "2026-03-02T02:00:00Z");
    r.git(&["revert", "--no-edit", "HEAD"], "2026-03-02T04:00:00Z");
    let rev = r.git(&["rev-parse", "HEAD"], "2026-03-02T04:00:00Z");
    let deps = [
        dep("d1", &a, "2026-03-02T01:00:00Z"),
        dep("d2", &b, "2026-03-02T03:00:00Z"),
        dep("d3", &rev, "2026-03-02T05:00:00Z"),
    ];
    let f = r.facts(&deps, &[], &[]);
    assert_eq!(f[2].commits[0].reverts, vec![b.clone()]);
    assert_eq!(f[1].failed, vec![format!("commit {} reverted by {}", &b[..8], &rev[..8])]);
    let m = metrics_of(&f, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z");
    // 1 of 3 failed; restored by d3 at 05:00, impaired at 03:00: 2 h. d3 is a planned deployment.
    assert_eq!(m.failed, 1);
    assert!((m.change_fail_rate.unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(m.recovery.median_secs, Some(2.0 * HOUR));
    assert_eq!(m.rework_rate, Some(0.0));
    assert_eq!(m.lead_time.median_secs, Some(HOUR)); // b 1 h, the revert 1 h
}

#[test]
fn a_negative_lead_time_is_dropped_and_counted() {
    let r = Repo::new();
    let a = r.commit("f", "a", "2026-03-02T00:00:00Z");
    // Author clock 6 h ahead of the deployment's finish.
    r.commit("f", "skewed", "2026-03-02T09:00:00Z");
    let c = r.commit("f", "c", "2026-03-02T02:00:00Z");
    let deps = [dep("d1", &a, "2026-03-02T01:00:00Z"), dep("d2", &c, "2026-03-02T03:00:00Z")];
    let f = r.facts(&deps, &[], &[]);
    let m = metrics_of(&f, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z");
    assert_eq!((m.lead_time.commits, m.lead_time.dropped), (1, 1));
    assert_eq!(m.lead_time.median_secs, Some(HOUR));
}

#[test]
fn the_first_deployment_alone_counts_for_frequency_but_has_no_lead_time() {
    let r = Repo::new();
    let a = r.commit("f", "a", "2026-03-02T00:00:00Z");
    let f = r.facts(&[dep("d1", &a, "2026-03-02T01:00:00Z")], &[], &[]);
    let m = metrics_of(&f, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z");
    assert_eq!(m.deployments, 1);
    assert_eq!(m.lead_time.median_secs, None);
    assert_eq!(m.lead_time.commits, 0);
    assert_eq!(m.change_fail_rate, Some(0.0));
}

#[test]
fn a_path_filter_keeps_only_the_services_commits() {
    let r = Repo::new();
    let a = r.commit("api/x", "a", "2026-03-02T00:00:00Z");
    r.commit("web/y", "other service", "2026-03-02T01:00:00Z");
    let c = r.commit("api/x", "api change", "2026-03-02T02:00:00Z");
    let deps = [dep("d1", &a, "2026-03-02T00:30:00Z"), dep("d2", &c, "2026-03-02T04:00:00Z")];
    let f = r.facts(&deps, &[], &["api/".to_string()]);
    assert_eq!(f[1].commits.len(), 1);
    assert_eq!(f[1].commits[0].summary, "api change");
    let m = metrics_of(&f, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z");
    assert_eq!(m.lead_time.median_secs, Some(2.0 * HOUR));
}

#[test]
fn a_rollback_is_judged_on_the_next_deployment_only() {
    let r = Repo::new();
    let a = r.commit("f", "a", "2026-03-02T00:00:00Z");
    let b = r.commit("f", "b", "2026-03-02T01:00:00Z");
    let c = r.commit("f", "c", "2026-03-02T02:00:00Z");
    let deps = [
        dep("d1", &a, "2026-03-02T00:30:00Z"),
        dep("d2", &b, "2026-03-02T01:30:00Z"),
        dep("d3", &c, "2026-03-02T02:30:00Z"),
        dep("d4", &a, "2026-03-02T03:30:00Z"), // a is an ancestor of b and c: d3 failed, not d2
    ];
    let f = r.facts(&deps, &[], &[]);
    let failed: Vec<bool> = f.iter().map(|f| !f.failed.is_empty()).collect();
    assert_eq!(failed, [false, false, true, false]);
    assert!(f[3].unplanned);
}
