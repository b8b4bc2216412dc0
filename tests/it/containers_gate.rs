//! The scan gate on real images (see `containers` for the fixtures): trivy's offline secret scanner
//! finds a planted AWS key and blocks the push; OSV advisories (listed versions or ranges) matched
//! against syft's SBOM block a clean image.

use serde_json::Value;

use crate::common::{LOCAL, Project, text};
use crate::containers::{Registry, Tools, advisory, busybox_version, context, json_file, range_advisory};

#[test]
fn planted_key_blocks_the_push_and_osv_advisory_blocks_a_clean_image() {
    let tools = Tools::new();
    let registry = Registry::start(false);
    let p = Project::new(LOCAL, &[]);
    context(&p.path().join("leaky"), true);
    context(&p.path().join("clean"), false);
    let out = p.path().join("out-leaky");
    let o = tools.run(
        &p,
        &["image", "build", "--context", "leaky", "--image", "demo", "--tag", "0.9.0", "--out", "out-leaky"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let version = busybox_version(&out.join("sbom.cdx.json"));
    assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("busybox {version}")), "{}", text(&o));

    let o = tools.run(&p, &["image", "scan", "--dir", "out-leaky"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let scan = json_file(&out.join("scan.json"));
    let blocking: Vec<&str> = scan["blocking"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(blocking, ["secret:aws-access-key-id:/app/creds.env:1"], "{scan}");
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains("AKIAIOSFODNN7EXAMPLQ"),
        "the key itself is never printed"
    );
    assert!(!std::fs::read_to_string(out.join("scan.json")).unwrap().contains("AKIAIOSFODNN7EXAMPLQ"));

    let o =
        tools.run(&p, &["image", "push", "--dir", "out-leaky", "--registry", &registry.host(), "--insecure"]);
    assert_eq!(o.status.code(), Some(8), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("secret:aws-access-key-id"), "{}", text(&o));
    assert!(
        !tools.inspect(&format!("{}/demo:0.9.0", registry.host())).status.success(),
        "nothing was pushed"
    );

    advisories_block_a_clean_image(&tools, &registry, &p, &version);
}

/// A clean image: an advisory for another busybox version does not match, nor a range fixed at the
/// SBOM's version; a range-only advisory containing it blocks, and so does one listing it.
fn advisories_block_a_clean_image(tools: &Tools, registry: &Registry, p: &Project, version: &str) {
    let adv = p.path().join("advisories");
    advisory(&adv, "OSV-TEST-OTHER", "0.0.1");
    let o = tools.run(
        p,
        &["image", "build", "--context", "clean", "--image", "clean", "--tag", "1.0.0", "--out", "out-clean"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = tools.run(p, &["image", "scan", "--dir", "out-clean", "--advisories", "advisories"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("scan gate: passed"), "{}", text(&o));
    // Range-only advisories: fixed at the SBOM's version does not match; last affected at it does.
    let fixed = serde_json::json!([{ "introduced": "0" }, { "fixed": version }]);
    range_advisory(&adv, "OSV-TEST-RANGE-FIXED", "ECOSYSTEM", &fixed);
    let o = tools.run(p, &["image", "scan", "--dir", "out-clean", "--advisories", "advisories"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("scan gate: passed"), "{}", text(&o));
    let hit = serde_json::json!([{ "introduced": "1.0.0" }, { "last_affected": version }]);
    range_advisory(&adv, "OSV-TEST-RANGE", "SEMVER", &hit);
    let o = tools.run(p, &["image", "scan", "--dir", "out-clean", "--advisories", "advisories"]);
    let scan = json_file(&p.path().join("out-clean/scan.json"));
    assert_eq!(scan["blocking"], serde_json::json!(["OSV-TEST-RANGE"]), "{}", text(&o));
    let o =
        tools.run(p, &["image", "push", "--dir", "out-clean", "--registry", &registry.host(), "--insecure"]);
    assert_eq!(o.status.code(), Some(8), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("OSV-TEST-RANGE"), "{}", text(&o));
    std::fs::remove_file(adv.join("OSV-TEST-RANGE.json")).unwrap();
    advisory(&adv, "OSV-TEST-BUSYBOX", version);
    let o = tools.run(p, &["image", "scan", "--dir", "out-clean", "--advisories", "advisories"]);
    let scan = json_file(&p.path().join("out-clean/scan.json"));
    assert_eq!(scan["blocking"], serde_json::json!(["OSV-TEST-BUSYBOX"]), "{}", text(&o));
    let o =
        tools.run(p, &["image", "push", "--dir", "out-clean", "--registry", &registry.host(), "--insecure"]);
    assert_eq!(o.status.code(), Some(8), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("OSV-TEST-BUSYBOX"), "{}", text(&o));
}
