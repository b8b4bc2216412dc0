//! An approval overrides the scan gate (audited with the finding ids), the push's digest is read
//! back, pulling by digest gives the same digest, and deploys record it in the ledger (see
//! `containers` for the fixtures).

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use sha2::Digest as _;

use crate::common::{LOCAL, Project, text};
use crate::containers::{Registry, Tools, context, git_init};

const SHIP: &str = r#"
title = "Ship an image by digest"
persona = "diana"
kind = "deployment"

[params.image]
type = "string"
required = true

[params.digest]
type = "string"
required = true

[deployment]
service = "demo"
version = "1.0.0"
digest = "{{ params.digest }}"

[[steps]]
id = "pull"
run = 'skopeo inspect --tls-verify=false docker://{{ params.image }}@{{ params.digest }} > pulled.json'
"#;

#[test]
fn approval_overrides_the_gate_push_records_the_digest_and_a_deploy_ledgers_it() {
    let tools = Tools::new();
    let registry = Registry::start(false);
    let p = Project::new(LOCAL, &[("ship.toml", SHIP)]);
    context(p.path(), true);
    git_init(&p);
    let run_args = |yes: bool| {
        let reg = format!("registry={}", registry.host());
        let mut a: Vec<String> = [
            "run",
            "container-build",
            "--env",
            "local",
            "-p",
            "image=demo",
            "-p",
            "version=1.0.0",
            "-p",
            &reg,
            "-p",
            "insecure=true",
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        if yes {
            a.push("--yes".into());
        }
        a
    };
    // No terminal and no --yes: the override gate rejects, nothing is pushed.
    let args = run_args(false);
    let o = tools.run(&p, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(4), "{}", text(&o));
    assert!(
        !tools.inspect(&format!("{}/demo:1.0.0", registry.host())).status.success(),
        "nothing was pushed"
    );

    let args = run_args(true);
    let o = tools.run(&p, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let list: Value = serde_json::from_slice(&tools.run(&p, &["image", "list", "--json"]).stdout).unwrap();
    let rec = &list[0];
    let digest = rec["digest"].as_str().unwrap().to_string();
    assert_eq!(rec["image"], format!("{}/demo", registry.host()));
    assert_eq!(rec["scan_summary"]["verdict"], "overridden", "{rec}");
    let sha = rec["tags"][1].as_str().unwrap();
    assert!(sha.len() == 12 && sha.bytes().all(|b| b.is_ascii_hexdigit()), "tagged with the git SHA: {rec}");
    assert!(
        Path::new(rec["sbom_path"].as_str().unwrap()).starts_with(p.home.path().join("artifacts")),
        "{rec}"
    );

    audited_override(&p);
    pulled_by_digest(&tools, &registry, &digest);
    deploy_ledgers_digest(&tools, &p, &registry, &digest);
    builtin_deploy_records_the_image_digest(&p, &registry, &digest);
}

/// The built-in deploy with `-p image=REGISTRY/demo:1.0.0` reads the digest back and ledgers it; an
/// image the registry does not have fails the run (exit 3) before anything changes.
fn builtin_deploy_records_the_image_digest(p: &Project, registry: &Registry, digest: &str) {
    let sandbox = crate::common::Sandbox::start(p);
    let config =
        format!("{LOCAL}\n[environments.staging]\nurl = \"{}\"\nallow_root_approval = true\n", sandbox.url);
    std::fs::write(p.path().join("flightdeck.toml"), config).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sandbox");
    std::fs::create_dir_all(p.path().join("migrations/sandbox")).unwrap();
    for e in std::fs::read_dir(&repo).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), p.path().join("migrations/sandbox").join(e.file_name())).unwrap();
    }
    let deploy = |image: &str| {
        let image = format!("image={}/{image}", registry.host());
        let args = ["run", "deploy", "--env", "staging", "--yes", "-p", "version=1.1.0", "-p", &image];
        p.cmd(&[&args[..], &["-p", "image_insecure=true"]].concat()).output().unwrap()
    };
    let o = deploy("demo:no-such-tag");
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("Resolve the image digest failed") && !out.contains("Roll out succeeded"),
        "{}",
        text(&o)
    );
    let o = deploy("demo:1.0.0");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ledger: Value = serde_json::from_slice(&p.run(&["ledger", "list", "--json"]).stdout).unwrap();
    let dep = ledger.as_array().unwrap().iter().find(|d| d["service"] == "web" && d["status"] == "succeeded");
    assert_eq!(dep.unwrap_or_else(|| panic!("{ledger}"))["digest"], digest, "{ledger}");
}

/// The override is in the audit log with the finding ids, and the chain verifies.
fn audited_override(p: &Project) {
    let audit: Value = serde_json::from_slice(&p.run(&["audit", "--json"]).stdout).unwrap();
    let entry = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "image.scan-override")
        .expect("override audited");
    let detail: Value = serde_json::from_str(entry["detail"].as_str().unwrap()).unwrap();
    let ids = serde_json::json!(["secret:aws-access-key-id:/app/creds.env:1"]);
    assert_eq!(detail["findings"], ids, "{entry}");
    assert_eq!(p.run(&["audit", "verify"]).status.code(), Some(0));
}

/// Pulling by digest gives the same digest, and the manifest's bytes hash to it.
fn pulled_by_digest(tools: &Tools, registry: &Registry, digest: &str) {
    let reference = format!("{}/demo@{digest}", registry.host());
    let o = tools.inspect(&reference);
    assert!(o.status.success(), "{}", text(&o));
    let inspected: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(inspected["Digest"], digest);
    let manifest = manifest_bytes(registry.port, digest);
    assert_eq!(format!("sha256:{}", hex::encode(sha2::Sha256::digest(&manifest))), digest);
}

/// A deploy of that digest (its step pulls it) records it in the ledger.
fn deploy_ledgers_digest(tools: &Tools, p: &Project, registry: &Registry, digest: &str) {
    let image = format!("image={}/demo", registry.host());
    let dig = format!("digest={digest}");
    let o = tools.run(p, &["run", "ship", "--env", "local", "--yes", "-p", &image, "-p", &dig]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(p.read("pulled.json").contains(digest), "the deploy step pulled the digest");
    let ledger: Value = serde_json::from_slice(&p.run(&["ledger", "list", "--json"]).stdout).unwrap();
    assert_eq!(ledger[0]["digest"], digest, "{ledger}");
    let listed = String::from_utf8_lossy(&p.run(&["ledger", "list"]).stdout).into_owned();
    assert!(listed.contains(&digest[..19]), "{listed}");
}

/// `GET /v2/demo/manifests/DIGEST` over plain HTTP: the body.
fn manifest_bytes(port: u16, digest: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET /v2/demo/manifests/{digest} HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    buf[split + 4..].to_vec()
}
