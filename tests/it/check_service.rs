//! `check = { service = "api", ... }` through the real binary against real HTTP servers on
//! 127.0.0.1: every monitor watching the service (its `service` key, or its name) is probed each
//! round, one sick monitor fails the step, a monitor of another service or of another environment
//! is left alone, and a service no monitor watches is refused when the workflow loads, naming the
//! nearest service, in a `check` step and in the `check` a `rollout` step runs at every stage.

use serde_json::Value;

use crate::common::{Project, events, text};
use crate::health_servers::{Behaviour, http};

fn gate(service: &str) -> String {
    format!(
        "title = \"g\"\n\n[[steps]]\nid = \"verify\"\ncheck = {{ service = \"{service}\", for = \"1s\", interval = \"200ms\" }}\n"
    )
}

/// A config with monitors `api-a` (named for the service), `backend` (`service = "api"`), `web`
/// (another service) and `api-eu` (only in `eu`) probing `urls` in that order.
fn config(urls: [&str; 4]) -> String {
    format!(
        "[environments.local]\n[environments.eu]\n\n[monitors.api-a]\nurl = \"{}\"\n\n\
         [monitors.backend]\nservice = \"api\"\nurl = \"{}\"\n\n[monitors.web]\nurl = \"{}\"\n\n\
         [monitors.api-eu]\nurl = \"{}\"\nenvironments = [\"eu\"]\n",
        urls[0], urls[1], urls[2], urls[3]
    )
}

/// The monitor names the check probed, with each one's results.
fn probed(out: &std::process::Output) -> Vec<(String, bool)> {
    events(out)
        .iter()
        .filter(|e| e["event"] == "step_progress" && e["step"] == "verify")
        .map(|e| {
            let d: &Value = &e["data"];
            (d["monitor"].as_str().unwrap_or_default().to_string(), d["result"]["success"] == true)
        })
        .collect()
}

#[test]
fn a_service_check_probes_every_monitor_of_the_service_in_the_environment() {
    let up = http(Behaviour::Fixed(200, "ok"));
    let down = http(Behaviour::Fixed(503, "no"));
    let (u, d) = (up.url("/"), down.url("/"));
    // web and api-eu are down, but neither is api's in local: the check passes.
    let p = Project::new(&config([&u, &u, &d, &d]), &[("gate.toml", &gate("api"))]);
    let out = p.run(&["run", "gate", "--env", "local", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let probes = probed(&out);
    for name in ["api-a", "backend"] {
        let n = probes.iter().filter(|(m, ok)| m == name && *ok).count();
        assert!(n >= 2, "{name} probed {n} times: {probes:?}");
    }
    assert!(probes.iter().all(|(m, _)| m == "api-a" || m == "backend"), "{probes:?}");

    // backend (api through its `service` key) is down: the step fails on it.
    let p = Project::new(&config([&u, &d, &u, &u]), &[("gate.toml", &gate("api"))]);
    let out = p.run(&["run", "gate", "--env", "local", "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let probes = probed(&out);
    assert_eq!(probes.last().map(|(m, ok)| (m.as_str(), *ok)), Some(("backend", false)), "{probes:?}");
    let done = events(&out).into_iter().find(|e| e["event"] == "step_finished").unwrap();
    assert!(done["message"].as_str().unwrap().contains("check backend"), "{done}");
}

#[test]
fn a_service_no_monitor_watches_is_refused_at_load_naming_the_nearest() {
    let up = http(Behaviour::Fixed(200, "ok"));
    let u = up.url("/");
    let p = Project::new(&config([&u, &u, &u, &u]), &[("gate.toml", &gate("apii"))]);
    for args in [&["validate"][..], &["run", "gate", "--env", "local"][..]] {
        let out = p.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("gate.toml:"), "{err}");
        assert!(err.contains("watches service \"apii\"") && err.contains("did you mean \"api\""), "{err}");
    }
    let runs = p.run(&["runs", "--json"]);
    assert_eq!(runs.status.code(), Some(0), "{}", text(&runs));
    let runs: Value = serde_json::from_slice(&runs.stdout).unwrap();
    assert_eq!(runs.as_array().map(Vec::len), Some(0), "nothing ran: {runs}");
}

#[test]
fn a_rollout_stage_check_of_a_service_no_monitor_watches_is_refused_at_load() {
    let up = http(Behaviour::Fixed(200, "ok"));
    let u = up.url("/");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let cfg = format!(
        "{}\n[balancers.web]\nkind = \"nginx\"\ninclude = \"{d}/upstream.conf\"\nconfig = \"{d}/nginx.conf\"\n\
         prefix = \"{d}\"\nservers = [{{ name = \"s1\", port = 18081 }}]\n",
        config([&u, &u, &u, &u])
    );
    let wf = |service: &str| {
        format!(
            "title = \"r\"\n\n[[steps]]\nid = \"roll\"\nrollout = {{ strategy = \"blue-green\", balancer = \"web\", \
             image = \"app:1\", check = {{ service = \"{service}\", for = \"1s\" }} }}\n"
        )
    };
    let good = Project::new(&cfg, &[("roll.toml", &wf("api"))]);
    let out = good.run(&["validate"]);
    assert_eq!(out.status.code(), Some(0), "a watched service loads: {}", text(&out));
    let bad = Project::new(&cfg, &[("roll.toml", &wf("apii"))]);
    let out = bad.run(&["validate"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("roll.toml:"), "{err}");
    assert!(err.contains("watches service \"apii\"") && err.contains("did you mean \"api\""), "{err}");
}
