//! Real secret servers for the secrets tests: an `OpenBao` dev server and a moto (AWS) server, each
//! on a loopback port it binds itself (a random port is tried; if the server cannot bind it, it
//! exits and another is tried), in a temp dir, killed when dropped. Their binaries come from the
//! repo's `.venv-infra`, installed by `scripts/install-test-deps.sh` when missing.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A tool from `.venv-infra/bin`, installing it if needed (fails the test if that fails).
pub fn venv_bin(name: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let p = root.join(".venv-infra/bin").join(name);
    if !p.exists() {
        let out = Command::new("bash").arg(root.join("scripts/install-test-deps.sh")).output().unwrap();
        assert!(
            p.exists(),
            "{} missing after install-test-deps.sh:\n{}",
            p.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    p
}

/// A running server, killed (by its pid) on drop.
pub struct Server {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Server {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops it now (its port then has no listener).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Status code of `GET path` on the port, if anything answers.
pub fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    buf.split_whitespace().nth(1)?.parse().ok()
}

fn random_port() -> u16 {
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    20_000 + u16::try_from((n ^ std::process::id()) % 30_000).unwrap()
}

/// Starts `make(port)` on random ports until one serves `ready_path` with `ready_status`.
fn start(make: impl Fn(u16, &std::path::Path) -> Command, ready_path: &str, ready_status: u16) -> Server {
    for _ in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let port = random_port();
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let child = make(port, dir.path())
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut server = Server { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if server.child.try_wait().unwrap().is_some() {
                break; // could not bind (or crashed): try another port
            }
            if http_status(port, ready_path) == Some(ready_status)
                && server.child.try_wait().unwrap().is_none()
            {
                return server;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        server.stop();
    }
    panic!("the server did not start on any of 10 ports");
}

/// `bao server -dev` (root token `root-token`, KV v2 at `secret/`).
pub fn openbao() -> Server {
    let bao = venv_bin("bao");
    start(
        |port, dir| {
            let mut c = Command::new(&bao);
            c.args(["server", "-dev", "-dev-root-token-id=root-token"])
                .arg(format!("-dev-listen-address=127.0.0.1:{port}"))
                .env("HOME", dir)
                .env("BAO_ADDR", format!("http://127.0.0.1:{port}"));
            c
        },
        "/v1/sys/health",
        200,
    )
}

/// `moto_server` (AWS emulator; any credentials are accepted).
pub fn moto() -> Server {
    moto_with_auth(None)
}

/// `moto_server`; with `Some(n)`, after `n` unauthenticated requests it checks IAM access keys
/// and `SigV4` signatures (`INITIAL_NO_AUTH_ACTION_COUNT`).
pub fn moto_with_auth(free_requests: Option<u32>) -> Server {
    let moto = venv_bin("moto_server");
    start(
        |port, _| {
            let mut c = Command::new(&moto);
            c.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
            if let Some(n) = free_requests {
                c.env("INITIAL_NO_AUTH_ACTION_COUNT", n.to_string());
            }
            c
        },
        "/moto-api/",
        200,
    )
}

/// Runs `bao ARGS` against `server` with the root token; its stdout.
pub fn bao(server: &Server, args: &[&str]) -> String {
    let out = Command::new(venv_bin("bao"))
        .args(args)
        .env("BAO_ADDR", server.url())
        .env("BAO_TOKEN", "root-token")
        .env("HOME", server.dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "bao {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs Python with boto3 (from the venv) against moto; `code` sees `sm`, a secretsmanager client.
pub fn boto(server: &Server, code: &str) -> String {
    let script = format!(
        "import boto3, json\nsm = boto3.client('secretsmanager', endpoint_url='{}', region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')\n{code}\n",
        server.url()
    );
    let out = Command::new(venv_bin("python")).arg("-c").arg(script).output().unwrap();
    assert!(out.status.success(), "boto3: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}
