//! Real deployment targets for the rollout tests: podman with its own storage and containers.conf
//! (real-components.md §3) holding FROM-scratch busybox images that serve a version, and haproxy
//! with an admin socket in front of them, on loopback ports. haproxy tries a random port and is
//! restarted on another when it cannot bind it; slot ports are random ports nothing listens on
//! (read from /proc/net/tcp, never bound and dropped). Everything is removed on drop.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Project, ensure_tool};

/// Ports something listens on (IPv4 and IPv6), from /proc/net/tcp*.
fn listening() -> Vec<u16> {
    let mut out = Vec::new();
    for f in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for l in text.lines().skip(1) {
            let cols: Vec<&str> = l.split_whitespace().collect();
            if cols.get(3) == Some(&"0A")
                && let Some(port) = cols.get(1).and_then(|a| a.rsplit(':').next())
            {
                out.push(u16::from_str_radix(port, 16).unwrap_or(0));
            }
        }
    }
    out
}

/// `n` distinct random ports in 20000..30000 that nothing listens on now.
pub fn free_ports(n: usize) -> Vec<u16> {
    let busy = listening();
    let mut seed = u64::from(std::process::id()) ^ u64::from(Instant::now().elapsed().subsec_nanos());
    seed ^=
        u64::from(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos());
    let mut out = Vec::new();
    while out.len() < n {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let p = 20000 + u16::try_from((seed >> 33) % 10000).unwrap();
        if !busy.contains(&p) && !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// A podman with its own storage, and haproxy in front of `slots` servers.
pub struct Targets {
    pub dir: tempfile::TempDir,
    haproxy: Child,
    pub frontend: u16,
    pub slots: Vec<(String, u16)>,
}

impl Targets {
    /// Podman storage and config in a temp dir, images app:1, app:2, app:bad, and haproxy.
    pub fn new(slots: usize) -> Targets {
        for t in ["podman", "haproxy", "busybox"] {
            ensure_tool(t);
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("containers.conf"),
            "[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\nnetns = \"none\"\n\
             [engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n",
        )
        .unwrap();
        std::fs::write(
            d.join("storage.conf"),
            format!(
                "[storage]\ndriver = \"vfs\"\ngraphroot = \"{0}/storage\"\nrunroot = \"{0}/run\"\n",
                d.display()
            ),
        )
        .unwrap();
        let names: Vec<String> = (1..=slots).map(|i| format!("s{i}")).collect();
        let ports = free_ports(slots);
        let mut t = Targets {
            dir,
            haproxy: Command::new("true").spawn().unwrap(),
            frontend: 0,
            slots: names.into_iter().zip(ports).collect(),
        };
        for (tag, version, bad) in [("1", "1", false), ("2", "2", false), ("bad", "bad", true)] {
            t.build(tag, version, bad);
        }
        t.start_haproxy();
        t
    }

    /// Environment podman needs: set on every flightdeck and podman process.
    pub fn env(&self) -> Vec<(String, String)> {
        let d = self.dir.path();
        vec![
            ("CONTAINERS_CONF".into(), d.join("containers.conf").display().to_string()),
            ("CONTAINERS_STORAGE_CONF".into(), d.join("storage.conf").display().to_string()),
        ]
    }

    pub fn podman(&self, args: &[&str]) -> std::process::Output {
        Command::new("podman").args(args).envs(self.env()).stdin(Stdio::null()).output().unwrap()
    }

    /// `app:TAG`: busybox httpd on 127.0.0.1:$PORT serving /version; `bad` answers `/` with a CGI
    /// that fails one request in five.
    pub fn build(&self, tag: &str, version: &str, bad: bool) {
        let ctx = self.dir.path().join(format!("ctx-{tag}"));
        std::fs::create_dir_all(ctx.join("www/cgi-bin")).unwrap();
        std::fs::copy("/bin/busybox", ctx.join("busybox")).unwrap();
        std::fs::write(ctx.join("www/version"), format!("{version}\n")).unwrap();
        if bad {
            let cgi = ctx.join("www/cgi-bin/index.cgi");
            std::fs::write(
                &cgi,
                "#!/bin/busybox sh\nif [ $((RANDOM % 5)) -eq 0 ]; then\n  printf 'Status: 500 Internal Server Error\\r\\nContent-Type: text/plain\\r\\n\\r\\nboom\\n'\nelse\n  printf 'Content-Type: text/plain\\r\\n\\r\\nbad\\n'\nfi\n",
            )
            .unwrap();
            Command::new("chmod").arg("755").arg(&cgi).status().unwrap();
        } else {
            std::fs::write(ctx.join("www/index.html"), format!("version {version}\n")).unwrap();
        }
        std::fs::write(
            ctx.join("Containerfile"),
            "FROM scratch\nCOPY busybox /bin/busybox\nCOPY www /www\n\
             ENTRYPOINT [\"/bin/busybox\", \"sh\", \"-c\", \"exec /bin/busybox httpd -f -p 127.0.0.1:$PORT -h /www\"]\n",
        )
        .unwrap();
        let ctx_s = ctx.display().to_string();
        let out = self.podman(&["build", "-q", "-t", &format!("app:{tag}"), &ctx_s]);
        assert!(out.status.success(), "podman build app:{tag}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn start_haproxy(&mut self) {
        let sock = self.socket();
        for _ in 0..10 {
            let port = free_ports(1)[0];
            let servers: String = self
                .slots
                .iter()
                .map(|(n, _)| format!("    server {n} 127.0.0.1:1 weight 0\n"))
                .collect::<Vec<_>>()
                .concat();
            let cfg = format!(
                "global\n    stats socket {} mode 600 level admin\ndefaults\n    mode http\n    timeout connect 2s\n    \
                 timeout client 30s\n    timeout server 30s\nfrontend fe\n    bind 127.0.0.1:{port}\n    default_backend web\n\
                 backend web\n    balance roundrobin\n{servers}",
                sock.display()
            );
            let path = self.dir.path().join("haproxy.cfg");
            std::fs::write(&path, cfg).unwrap();
            let _ = std::fs::remove_file(&sock);
            let mut child = Command::new("haproxy")
                .arg("-f")
                .arg(&path)
                .arg("-db")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if child.try_wait().unwrap().is_some() {
                    break; // could not bind: try another port
                }
                if UnixStream::connect(&sock).is_ok() && TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    let _ = self.haproxy.wait();
                    self.haproxy = child;
                    self.frontend = port;
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("haproxy did not start on any of 10 ports");
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("haproxy.sock")
    }

    /// One admin-socket command's answer.
    pub fn admin(&self, cmd: &str) -> String {
        let mut s = UnixStream::connect(self.socket()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        writeln!(s, "{cmd}").unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    }

    /// Every slot's weight in haproxy, in slot order.
    pub fn weights(&self) -> Vec<u32> {
        let text = self.admin("show servers state web");
        self.slots
            .iter()
            .map(|(n, _)| {
                text.lines()
                    .map(|l| l.split_whitespace().collect::<Vec<_>>())
                    .find(|c| c.get(3) == Some(&n.as_str()))
                    .and_then(|c| c.get(7)?.parse().ok())
                    .unwrap_or_else(|| panic!("no server {n}: {text}"))
            })
            .collect()
    }

    /// The body of `GET path` through haproxy.
    pub fn get(&self, path: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", self.frontend)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write!(s, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
        let mut buf = String::new();
        let _ = s.read_to_string(&mut buf);
        buf.split("\r\n\r\n").nth(1).unwrap_or_default().trim().to_string()
    }

    /// flightdeck.toml for a project using these targets.
    pub fn config(&self, extra_servers: &[(&str, u16)]) -> String {
        let mut servers: Vec<String> =
            self.slots.iter().map(|(n, p)| format!("{{ name = \"{n}\", port = {p} }}")).collect();
        servers.extend(extra_servers.iter().map(|(n, p)| format!("{{ name = \"{n}\", port = {p} }}")));
        format!(
            "[environments.local]\nallow_root_approval = true\n\n[balancers.web]\nkind = \"haproxy\"\nsocket = \"{}\"\n\
             backend = \"web\"\nservers = [{}]\n",
            self.socket().display(),
            servers.join(", ")
        )
    }

    /// `flightdeck ARGS` in the project, with podman's environment.
    pub fn flightdeck(&self, p: &Project, args: &[&str]) -> Command {
        let mut c = p.cmd(args);
        c.envs(self.env()).env_remove("FLIGHTDECK_DEMO_FAST");
        c
    }

    /// Names of the running containers.
    pub fn containers(&self) -> Vec<String> {
        let out = self.podman(&["ps", "--format", "{{.Names}}"]);
        String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
    }
}

impl Drop for Targets {
    fn drop(&mut self) {
        let _ = self.podman(&["rm", "-af", "--time", "0"]);
        let _ = self.haproxy.kill();
        let _ = self.haproxy.wait();
    }
}
