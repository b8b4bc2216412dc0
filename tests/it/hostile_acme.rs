//! An ACME directory that accepts connections and never answers: the `cert` step fails after its
//! per-exchange limit with an error naming the directory and what to check, instead of holding the
//! run forever (the step has no `timeout` of its own here).

use std::net::TcpStream;
use std::time::Duration;

use crate::common::{LOCAL, Project, text};
use crate::hostile_notify::{RawServer, assert_terminal_safe};

fn silent(s: TcpStream) {
    std::thread::sleep(Duration::from_secs(60));
    drop(s);
}

#[test]
fn a_silent_acme_directory_fails_the_step_naming_it() {
    let srv = RawServer::start(silent);
    let dir = format!("https://127.0.0.1:{}/dir", srv.port);
    let wf = crate::infra_dns::dns_workflow(&[&format!(
        "id = \"cert\"\ncert = {{ directory = \"{dir}\", names = [\"app.ops.test\"], http = \"127.0.0.1:0\" }}"
    )]);
    let p = Project::new(LOCAL, &[("tls.toml", &wf)]);
    let out = p.run(&["run", "tls", "--env", "local", "--yes"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains(&format!("{dir} did not answer within 20 s")), "{}", text(&out));
    assert_terminal_safe("stdout", &out.stdout);
}
