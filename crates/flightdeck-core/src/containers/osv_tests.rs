//! Unit tests of OSV range evaluation and version ordering, on advisories trimmed from real OSV
//! records (the ranges and versions as published; descriptions shortened).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cmp::Ordering;

use super::osv;
use super::sbom::Component;
use super::versions::{Scheme, verrevcmp};

/// GHSA-c2qf-rxjj-qqgw (npm `semver` `ReDoS`), three SEMVER ranges as OSV publishes them.
const SEMVER_GHSA: &str = r#"{"id":"GHSA-c2qf-rxjj-qqgw","summary":"semver vulnerable to Regular Expression Denial of Service",
 "database_specific":{"severity":"HIGH"},
 "affected":[
  {"package":{"ecosystem":"npm","name":"semver"},"ranges":[{"type":"SEMVER","events":[{"introduced":"7.0.0"},{"fixed":"7.5.2"}]}]},
  {"package":{"ecosystem":"npm","name":"semver"},"ranges":[{"type":"SEMVER","events":[{"introduced":"6.0.0"},{"fixed":"6.3.1"}]}]},
  {"package":{"ecosystem":"npm","name":"semver"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"5.7.2"}]}]}]}"#;

/// GHSA-j8r2-6x86-q33q (`PyPI` `requests`, CVE-2023-32681): an ECOSYSTEM range.
const PYPI_GHSA: &str = r#"{"id":"GHSA-j8r2-6x86-q33q","summary":"Unintended leak of Proxy-Authorization header in requests",
 "database_specific":{"severity":"MODERATE"},
 "affected":[{"package":{"ecosystem":"PyPI","name":"requests"},
  "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"2.3.0"},{"fixed":"2.31.0"}]}]}]}"#;

/// CVE-2023-42364 (busybox use-after-free) as Alpine v3.20 fixed it in `1.36.1-r30`.
const ALPINE: &str = r#"{"id":"ALPINE-CVE-2023-42364","summary":"busybox: use-after-free in awk",
 "affected":[{"package":{"ecosystem":"Alpine:v3.20","name":"busybox"},
  "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.36.1-r30"}]}]}]}"#;

fn advisory(json: &str) -> osv::Advisory {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.json"), json).unwrap();
    osv::load(d.path()).unwrap().remove(0)
}

fn hit(adv: &osv::Advisory, name: &str, version: &str) -> bool {
    let c = Component { name: name.into(), version: version.into(), purl: None };
    !osv::matches(std::slice::from_ref(adv), &[c]).is_empty()
}

#[test]
fn semver_ranges_of_a_real_ghsa_record() {
    let adv = advisory(SEMVER_GHSA);
    for v in ["7.5.1", "7.0.0", "6.3.0", "5.7.1", "0.1.0", "7.5.2-rc.1"] {
        assert!(hit(&adv, "semver", v), "{v} is affected");
    }
    for v in ["7.5.2", "7.6.0", "6.3.1", "5.7.2", "8.0.0", "v7.5.2"] {
        assert!(!hit(&adv, "semver", v), "{v} is fixed");
    }
    assert!(!hit(&adv, "other", "7.5.1"), "another package");
}

#[test]
fn ecosystem_ranges_of_real_pypi_and_alpine_records() {
    let requests = advisory(PYPI_GHSA);
    for v in ["2.3.0", "2.30.0", "2.31.0rc1", "2.31.0.dev1"] {
        assert!(hit(&requests, "requests", v), "{v} is affected");
    }
    for v in ["2.2.1", "2.31.0", "2.31.0.post1", "2.32.3", "1!2.30.0"] {
        assert!(!hit(&requests, "requests", v), "{v} is not affected");
    }
    let busybox = advisory(ALPINE);
    for v in ["1.36.1-r29", "1.36.1-r3", "1.35.0-r0", "1.36.1_rc1-r40"] {
        assert!(hit(&busybox, "busybox", v), "{v} is affected");
    }
    for v in ["1.36.1-r30", "1.36.1-r100", "1.37.0-r0"] {
        assert!(!hit(&busybox, "busybox", v), "{v} is fixed");
    }
}

#[test]
fn last_affected_limit_unsorted_events_and_debian_epochs() {
    let last = advisory(
        r#"{"id":"L","affected":[{"package":{"name":"busybox"},
        "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"last_affected":"1.35.0"}]}]}]}"#,
    );
    assert!(hit(&last, "busybox", "1.35.0") && hit(&last, "busybox", "1.9.0"));
    assert!(!hit(&last, "busybox", "1.35.1") && !hit(&last, "busybox", "1.100.0"));
    // Two intervals, written out of order: the events are sorted before the walk.
    let two = advisory(
        r#"{"id":"T","affected":[{"package":{"name":"lib"},"ranges":[{"type":"SEMVER","events":[
        {"fixed":"2.1.0"},{"introduced":"2.0.0"},{"fixed":"1.1.0"},{"introduced":"1.0.0"}]}]}]}"#,
    );
    let got: Vec<bool> =
        ["0.9.0", "1.0.5", "1.5.0", "2.0.1", "2.1.0"].iter().map(|v| hit(&two, "lib", v)).collect();
    assert_eq!(got, [false, true, false, true, false]);
    let limited = advisory(
        r#"{"id":"M","affected":[{"package":{"name":"lib"},"ranges":[{"type":"SEMVER","events":[
        {"introduced":"1.0.0"},{"limit":"1.2.0"}]}]}]}"#,
    );
    assert!(hit(&limited, "lib", "1.1.9") && !hit(&limited, "lib", "1.2.0"));
    let debian = advisory(
        r#"{"id":"D","affected":[{"package":{"ecosystem":"Debian:12","name":"busybox"},"ranges":[{"type":"ECOSYSTEM",
        "events":[{"introduced":"0"},{"fixed":"1:1.30.1-6"}]}]}]}"#,
    );
    assert!(hit(&debian, "busybox", "1.36.1-1"), "no epoch sorts below epoch 1");
    assert!(hit(&debian, "busybox", "1:1.30.1-5+deb10u1"));
    assert!(!hit(&debian, "busybox", "1:1.30.1-6") && !hit(&debian, "busybox", "1:1.35.0-4"));
}

#[test]
fn version_orderings() {
    assert_eq!(verrevcmp("1.10", "1.9"), Ordering::Greater);
    assert_eq!(verrevcmp("1.0~rc1", "1.0"), Ordering::Less);
    assert_eq!(verrevcmp("1.0a", "1.0"), Ordering::Greater);
    assert_eq!(verrevcmp("1.0.1", "1.0a"), Ordering::Greater, "letters sort before other characters");
    assert_eq!(verrevcmp("007", "7"), Ordering::Equal);
    let pypi = Scheme::for_ecosystem(Some("PyPI"));
    assert_eq!(pypi.compare("1.0.dev1", "1.0a1"), Ordering::Less);
    assert_eq!(pypi.compare("1.0a1", "1.0b1"), Ordering::Less);
    assert_eq!(pypi.compare("1.0b2", "1.0rc1"), Ordering::Less);
    assert_eq!(pypi.compare("1.0rc1", "1.0"), Ordering::Less);
    assert_eq!(pypi.compare("1.0", "1.0.post1"), Ordering::Less);
    assert_eq!(Scheme::Semver.compare("1.0.0+build.5", "1.0.0"), Ordering::Equal);
    assert_eq!(Scheme::Semver.compare("1.2", "1.10"), Ordering::Less, "not semver: dpkg fallback");
    assert_eq!(Scheme::for_ecosystem(Some("Debian:12")).compare("2:0.1-1", "1:9.9-9"), Ordering::Greater);
    assert_eq!(Scheme::for_ecosystem(Some("Alpine:v3.20")).compare("1.2_rc1", "1.2"), Ordering::Less);
    assert_eq!(Scheme::for_ecosystem(Some("Ünïcode")).compare("1.é", "1.e"), Ordering::Greater);
}

#[test]
fn bad_ranges_name_the_advisory_and_what_to_fix() {
    let d = tempfile::tempdir().unwrap();
    let path = d.path().join("bad.json");
    std::fs::write(
        &path,
        r#"{"id":"B","affected":[{"package":{"name":"x"},"ranges":[{"type":"CALVER","events":[{"introduced":"0"}]}]}]}"#,
    )
    .unwrap();
    let e = osv::load(d.path()).unwrap_err().to_string();
    assert!(
        e.contains("bad.json") && e.contains("\"CALVER\"") && e.contains("SEMVER, ECOSYSTEM or GIT"),
        "{e}"
    );
    std::fs::write(&path, r#"{"id":"B","affected":[{"package":{"name":"x"},"ranges":[{"type":"SEMVER","events":[{"fixed":"1.0.0"}]}]}]}"#)
        .unwrap();
    let e = osv::load(d.path()).unwrap_err().to_string();
    assert!(e.contains("advisory B") && e.contains("`introduced`"), "{e}");
    std::fs::write(&path, r#"{"id":"G","affected":[{"package":{"name":"x"},"ranges":[{"type":"GIT","repo":"https://x","events":[{"introduced":"abc"}]}]}]}"#)
        .unwrap();
    let adv = osv::load(d.path()).unwrap();
    assert!(adv[0].affected[0].ranges.is_empty(), "GIT ranges are skipped");
}
