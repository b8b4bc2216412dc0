//! The `rollout` step with nginx as the balancer: flightdeck rewrites the upstream include, tests it
//! with `nginx -t` and reloads; a blue-green switch moves every request to the new version; a
//! configuration `nginx -t` refuses leaves the old upstream live and fails the step with nginx's words.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Project, ensure_tool, text};
use crate::rollout_targets::{Targets, free_ports};

/// nginx in the targets' temp dir, `daemon off`, killed on drop.
pub(crate) struct Nginx {
    child: Child,
    pub(crate) port: u16,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start_nginx(t: &Targets) -> Nginx {
    ensure_tool("nginx");
    let d = t.dir.path().join("nginx");
    std::fs::create_dir_all(d.join("logs")).unwrap();
    let include: String = t
        .slots
        .iter()
        .map(|(n, p)| format!("server 127.0.0.1:{p} down;  # flightdeck slot {n}"))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(d.join("upstream.conf"), include).unwrap();
    for _ in 0..10 {
        let port = free_ports(1)[0];
        let conf = format!(
            "daemon off;\npid {0}/nginx.pid;\nerror_log {0}/logs/error.log;\nevents {{}}\nhttp {{\n  access_log off;\n  \
             include {0}/extra*.conf;\n  upstream web {{\n    include {0}/upstream.conf;\n  }}\n  server {{\n    listen 127.0.0.1:{port};\n    \
             location / {{ proxy_pass http://web; }}\n  }}\n}}\n",
            d.display()
        );
        std::fs::write(d.join("nginx.conf"), conf).unwrap();
        let mut child = Command::new("nginx")
            .args(["-c", &d.join("nginx.conf").display().to_string(), "-p", &d.display().to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && child.try_wait().unwrap().is_none() {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Nginx { child, port };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("nginx did not start on any of 10 ports");
}

pub(crate) fn get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    buf.split("\r\n\r\n").nth(1).unwrap_or_default().trim().to_string()
}

/// A project whose balancer `web` is the nginx of `t`, with one blue-green rollout workflow.
fn nginx_project(t: &Targets) -> Project {
    let d = t.dir.path().join("nginx");
    let servers: Vec<String> =
        t.slots.iter().map(|(name, p)| format!("{{ name = \"{name}\", port = {p} }}")).collect();
    let config = format!(
        "[environments.local]\n\n[balancers.web]\nkind = \"nginx\"\ninclude = \"{0}/upstream.conf\"\n\
         config = \"{0}/nginx.conf\"\nprefix = \"{0}\"\nservers = [{1}]\n",
        d.display(),
        servers.join(", ")
    );
    let wf = "title = \"Deploy\"\npersona = \"diana\"\nkind = \"deployment\"\n\n[params.version]\nprompt = \"V\"\n\
              type = \"string\"\nrequired = true\n\n[[steps]]\nid = \"bg\"\nrollout = { strategy = \"blue-green\", \
              balancer = \"web\", image = \"app:{{ params.version }}\", ready = \"/version\", drain = \"200ms\", \
              stop_timeout = \"0s\" }\n";
    Project::new(&config, &[("deploy.toml", wf)])
}

fn deploy(t: &Targets, p: &Project, version: &str) -> std::process::Output {
    t.flightdeck(p, &["run", "deploy", "--env", "local", "--yes", "-p", &format!("version={version}")])
        .output()
        .unwrap()
}

/// Polls (bounded) until nginx answers `version` on /version.
pub(crate) fn wait_version(n: &Nginx, version: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(n.port, "/version") != version && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_config_nginx_refuses_leaves_the_old_upstream_live() {
    let t = Targets::new(2);
    let n = start_nginx(&t);
    let d = t.dir.path().join("nginx");
    let p = nginx_project(&t);
    let out = deploy(&t, &p, "1");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    wait_version(&n, "1");
    let live_include = std::fs::read_to_string(d.join("upstream.conf")).unwrap();
    // A broken include beside ours: the next `nginx -t` fails.
    std::fs::write(d.join("extra-broken.conf"), "bogus_directive on;\n").unwrap();
    let out = deploy(&t, &p, "2");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(all.contains("nginx -t refused the new upstream (old file restored)"), "{all}");
    assert!(all.contains("unknown directive \"bogus_directive\""), "nginx's own message: {all}");
    assert_eq!(
        std::fs::read_to_string(d.join("upstream.conf")).unwrap(),
        live_include,
        "the old upstream stays"
    );
    for _ in 0..5 {
        assert_eq!(get(n.port, "/version"), "1", "the old configuration is still live");
    }
    assert_eq!(t.containers(), ["fd-web-s1"], "the new container was removed");
}

#[test]
fn blue_green_on_nginx_rewrites_the_upstream_and_reloads() {
    let t = Targets::new(2);
    let n = start_nginx(&t);
    let d = t.dir.path().join("nginx");
    let p = nginx_project(&t);
    for (version, serving) in [("1", "s1 weight=100"), ("2", "s2 weight=100")] {
        let out = deploy(&t, &p, version);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let include = std::fs::read_to_string(d.join("upstream.conf")).unwrap();
        let slot = &serving[..2];
        let port = t.slots.iter().find(|(s, _)| s == slot).unwrap().1;
        assert!(
            include.contains(&format!("server 127.0.0.1:{port} weight=100;  # flightdeck slot {slot}")),
            "{include}"
        );
        assert_eq!(include.matches(" down;").count(), 1, "{include}");
        // The reload is asynchronous: old workers finish; poll until the new version answers.
        wait_version(&n, version);
        for _ in 0..5 {
            assert_eq!(get(n.port, "/version"), version);
        }
    }
}
