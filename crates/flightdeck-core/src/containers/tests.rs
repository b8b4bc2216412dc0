//! Unit tests: reports, advisories, the gate's arithmetic, input checks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use super::build::{BuildRecord, Builder, check_image, check_tag, containerfile};
use super::sbom::Component;
use super::scan::ScanReport;
use super::{ContainerError, Severity, findings, osv};

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn busybox() -> Vec<Component> {
    vec![Component { name: "busybox".into(), version: "1.35.0".into(), purl: None }]
}

#[test]
fn severities_order_and_parse_the_tools_words() {
    assert!(Severity::Critical > Severity::High && Severity::High > Severity::Medium);
    assert_eq!(Severity::parse("MODERATE"), Some(Severity::Medium));
    assert_eq!(Severity::parse("Negligible"), Some(Severity::Low));
    assert_eq!(Severity::parse("severe"), None);
}

#[test]
fn trivy_and_grype_reports_give_findings() {
    let d = tempfile::tempdir().unwrap();
    let trivy = write(
        &d,
        "t.json",
        r#"{"SchemaVersion":2,"Results":[{"Target":"app","Vulnerabilities":[
        {"VulnerabilityID":"CVE-2024-1","PkgName":"openssl","InstalledVersion":"3.0.1","Severity":"HIGH","Title":"bad"}],
        "Secrets":[{"RuleID":"aws-access-key-id","Severity":"CRITICAL","Title":"AWS Access Key ID","StartLine":3}]}]}"#,
    );
    let f = findings::read_report(&trivy).unwrap();
    assert_eq!(f.len(), 2);
    assert_eq!((f[0].id.as_str(), f[0].severity), ("CVE-2024-1", Severity::High));
    assert_eq!(f[1].id, "secret:aws-access-key-id:app:3");
    let grype = write(
        &d,
        "g.json",
        r#"{"matches":[{"vulnerability":{"id":"GHSA-x","severity":"Medium"},
        "artifact":{"name":"zlib","version":"1.2"}}]}"#,
    );
    let g = findings::read_report(&grype).unwrap();
    assert_eq!(
        (g[0].id.as_str(), g[0].severity, g[0].package.as_deref()),
        ("GHSA-x", Severity::Medium, Some("zlib"))
    );
}

#[test]
fn unparsable_reports_name_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    let broken = write(&d, "broken.json", "{\n  \"Results\": [\n    {\"Target\": \"x\",,}\n");
    let e = findings::read_report(&broken).unwrap_err().to_string();
    assert!(e.contains("broken.json:3:"), "{e}");
    assert!(e.contains("trivy"), "{e}");
    let other = write(&d, "other.json", "{\"hello\": 1}");
    let e = findings::read_report(&other).unwrap_err().to_string();
    assert!(e.contains("other.json") && e.contains("`matches`"), "{e}");
    let sev = write(&d, "sev.json", r#"{"matches":[{"vulnerability":{"id":"X","severity":"dire"}}]}"#);
    assert!(findings::read_report(&sev).unwrap_err().to_string().contains("\"dire\""));
}

#[test]
fn osv_matches_only_the_exact_version() {
    let d = tempfile::tempdir().unwrap();
    write(
        &d,
        "a.json",
        r#"{"id":"OSV-BB-1","summary":"busybox bug","database_specific":{"severity":"HIGH"},
        "affected":[{"package":{"name":"busybox","ecosystem":"Debian"},"versions":["1.35.0","1.36.0"]}]}"#,
    );
    write(
        &d,
        "b.json",
        r#"[{"id":"OSV-BB-2","affected":[{"package":{"name":"busybox"},"versions":["1.34.1"]}],
        "severity":[{"type":"CVSS_V3","score":"9.8"}]}]"#,
    );
    let adv = osv::load(d.path()).unwrap();
    assert_eq!(adv.len(), 2);
    assert_eq!(adv[1].severity, Severity::Critical);
    let hits = osv::matches(&adv, &busybox());
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].id.as_str(), hits[0].severity), ("OSV-BB-1", Severity::High));
    write(&d, "c.json", r#"{"summary":"no id"}"#);
    let e = osv::load(d.path()).unwrap_err().to_string();
    assert!(e.contains("c.json") && e.contains("`id`"), "{e}");
}

#[test]
fn the_gate_blocks_at_and_above_fail_on() {
    let build = BuildRecord {
        image: "web".into(),
        tags: vec!["1.0.0".into()],
        builder: Builder::Buildah,
        containerfile: "Containerfile".into(),
        archive: "image.tar".into(),
        sbom: "sbom.cdx.json".into(),
        components: busybox(),
    };
    let f = |id: &str, severity| findings::Finding {
        id: id.into(),
        severity,
        source: "osv".into(),
        package: None,
        version: None,
        title: id.into(),
    };
    let found = vec![f("LOW-1", Severity::Low), f("CRIT-1", Severity::Critical), f("HIGH-1", Severity::High)];
    let r = ScanReport::new(&build, Severity::High, found.clone(), vec![]);
    assert_eq!(r.blocking, vec!["CRIT-1".to_string(), "HIGH-1".to_string()]);
    assert_eq!(r.findings[0].id, "CRIT-1");
    assert_eq!(r.counts()["low"], 1);
    assert!(
        ScanReport::new(&build, Severity::Critical, found, vec![]).blocking == vec!["CRIT-1".to_string()]
    );
}

#[test]
fn bad_names_tags_and_missing_containerfiles_are_refused() {
    assert!(check_image("team/web").is_ok());
    assert!(check_image("Web").unwrap_err().to_string().contains("\"Web\""));
    assert!(check_image("127.0.0.1:5000/web").is_err());
    assert!(check_tag("1.2.0").is_ok() && check_tag("abc123f").is_ok());
    assert!(check_tag("-x").is_err() && check_tag("a b").is_err());
    let d = tempfile::tempdir().unwrap();
    let e = containerfile(d.path(), None).unwrap_err();
    assert!(matches!(e, ContainerError::MissingContainerfile { .. }));
    assert!(e.to_string().contains("Containerfile") && e.to_string().contains("--file"), "{e}");
    write(&d, "Dockerfile", "FROM scratch\n");
    assert_eq!(containerfile(d.path(), None).unwrap(), d.path().join("Dockerfile"));
}
