//! A rollout that succeeded is undone by the run's rollback when a later step fails (real podman
//! behind a real haproxy): blue-green traffic goes back to blue, the green containers are removed,
//! and a blue-green `keep` records when the kept colour expires so `flightdeck env gc` removes it.

use std::process::Output;

use crate::common::Project;
use crate::rollout_targets::Targets;

/// A deploying workflow: a rollout, then a step that fails when `params.fail` is "yes".
fn workflow(rollout: &str) -> String {
    format!(
        "title = \"Deploy\"\npersona = \"diana\"\nkind = \"deployment\"\n\n[params.version]\nprompt = \"Version\"\n\
         type = \"string\"\nrequired = true\n\n[params.fail]\nprompt = \"Fail after\"\ntype = \"string\"\ndefault = \"no\"\n\n\
         [deployment]\nservice = \"app\"\nversion = \"{{{{ params.version }}}}\"\n\n\
         [[steps]]\nid = \"rollout\"\nrollout = {{ balancer = \"web\", image = \"app:{{{{ params.version }}}}\", \
         ready = \"/version\", drain = \"200ms\", stop_timeout = \"0s\", {rollout} }}\n\n\
         [[steps]]\nid = \"smoke\"\non_fail = \"rollback\"\nrun = \"test {{{{ params.fail }}}} = no\"\n"
    )
}

fn text(o: &Output) -> String {
    crate::common::text(o).replace("\\\"", "\"")
}

fn deploy(t: &Targets, p: &Project, version: &str, fail: &str) -> Output {
    let (v, f) = (format!("version={version}"), format!("fail={fail}"));
    t.flightdeck(p, &["run", "deploy", "--env", "local", "--yes", "--json", "-p", &v, "-p", &f])
        .output()
        .unwrap()
}

/// Live resource names of the `local` environment, oldest first.
fn live(p: &Project) -> Vec<String> {
    let db = rusqlite::Connection::open(p.db()).unwrap();
    db.prepare("SELECT name FROM resources WHERE environment = 'local' AND removed_at IS NULL ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn a_failing_step_after_a_blue_green_rollout_puts_traffic_back_on_blue() {
    let t = Targets::new(4);
    let p = Project::new(
        &t.config(&[]),
        &[("deploy.toml", &workflow("strategy = \"blue-green\", replicas = 2"))],
    );
    let first = deploy(&t, &p, "1", "no");
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert_eq!(t.weights(), [100, 100, 0, 0]);
    let out = deploy(&t, &p, "2", "yes");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(all.contains("switching all traffic from s1,s2 to s3,s4"), "the switch happened first: {all}");
    assert!(all.contains("rolled_back"), "the run ends rolled back: {all}");
    assert!(all.contains("switching traffic back to the previous version"), "{all}");
    assert_eq!(t.weights(), [100, 100, 0, 0], "traffic is back on blue");
    for _ in 0..8 {
        assert_eq!(t.get("/version"), "1", "blue serves again");
    }
    let names = t.containers();
    assert!(
        names.contains(&"fd-web-s1".to_string()) && !names.contains(&"fd-web-s3".to_string()),
        "blue restarted, green removed: {names:?}"
    );
    assert_eq!(
        live(&p),
        ["podman:fd-web-s1", "podman:fd-web-s2", "haproxy:web/s1", "haproxy:web/s2"],
        "the inventory lists blue again"
    );
}

#[test]
fn a_kept_blue_colour_is_removed_by_env_gc_once_its_keep_expires() {
    let t = Targets::new(4);
    let p = Project::new(
        &t.config(&[]),
        &[("deploy.toml", &workflow("strategy = \"blue-green\", replicas = 2, keep = \"2s\""))],
    );
    let first = deploy(&t, &p, "1", "no");
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let out = deploy(&t, &p, "2", "no");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("`flightdeck env gc local` removes them"), "{}", text(&out));
    assert_eq!(t.weights(), [0, 0, 100, 100]);
    let names = t.containers();
    assert!(names.contains(&"fd-web-s1".to_string()), "blue is kept at weight 0: {names:?}");
    let listing = t.flightdeck(&p, &["env", "resources", "local", "--json"]).output().unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&listing.stdout).unwrap();
    let kept: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["detail"]["keep_until"].as_i64().is_some())
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(kept, ["podman:fd-web-s1", "podman:fd-web-s2"], "{rows}");
    let listing = t.flightdeck(&p, &["env", "resources", "local"]).output().unwrap();
    assert!(text(&listing).contains("kept"), "{}", text(&listing));
    // The keep is short: poll `env gc` (bounded) until it removes the kept colour.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let removed = loop {
        let gc = t.flightdeck(&p, &["env", "gc", "local", "--json"]).output().unwrap();
        assert_eq!(gc.status.code(), Some(0), "{}", text(&gc));
        let v: Vec<String> = serde_json::from_slice(&gc.stdout).unwrap();
        if !v.is_empty() || std::time::Instant::now() > deadline {
            break v;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    assert_eq!(removed, ["podman:fd-web-s1", "podman:fd-web-s2"]);
    let names = t.containers();
    assert!(
        !names.contains(&"fd-web-s1".to_string()) && names.contains(&"fd-web-s3".to_string()),
        "{names:?}"
    );
    assert_eq!(t.weights(), [0, 0, 100, 100], "green keeps serving");
    assert_eq!(t.get("/version"), "2");
    assert_eq!(live(&p), ["podman:fd-web-s3", "podman:fd-web-s4", "haproxy:web/s3", "haproxy:web/s4"]);
}

/// The names of every resource of `local` (removed or not), in the order they were removed.
fn removal_order(t: &Targets, p: &Project) -> Vec<String> {
    let out = t.flightdeck(p, &["env", "resources", "local", "--all", "--json"]).output().unwrap();
    let rows: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out)));
    let mut rows: Vec<(i64, String)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["removed_at"].as_i64().unwrap_or(i64::MAX), r["name"].as_str().unwrap().to_string()))
        .collect();
    rows.sort();
    rows.into_iter().map(|(_, n)| n).collect()
}

#[test]
fn environment_teardown_takes_servers_out_before_removing_their_containers() {
    let t = Targets::new(2);
    let p = Project::new(
        &t.config(&[]),
        &[
            ("deploy.toml", &workflow("strategy = \"blue-green\", replicas = 2")),
            ("environment-teardown.toml", &crate::infra_dns::teardown_workflow()),
        ],
    );
    let first = deploy(&t, &p, "1", "no");
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert_eq!(live(&p), ["podman:fd-web-s1", "podman:fd-web-s2", "haproxy:web/s1", "haproxy:web/s2"]);
    let out = t.flightdeck(&p, &["run", "environment-teardown", "--env", "local", "--yes"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(t.weights(), [0, 0], "no traffic on the removed servers");
    assert!(t.containers().is_empty(), "{:?}", t.containers());
    assert!(live(&p).is_empty(), "the inventory is empty");
    assert_eq!(
        removal_order(&t, &p),
        ["haproxy:web/s2", "haproxy:web/s1", "podman:fd-web-s2", "podman:fd-web-s1"],
        "removed in global reverse creation order"
    );
}

/// Live `local` resources with a `keep_until`: (name, `keep_until`).
pub(crate) fn kept(t: &Targets, p: &Project) -> Vec<(String, i64)> {
    let listing = t.flightdeck(p, &["env", "resources", "local", "--json"]).output().unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&listing.stdout).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .filter_map(|r| Some((r["name"].as_str()?.to_string(), r["detail"]["keep_until"].as_i64()?)))
        .collect()
}

/// The image a container runs, if it is running.
pub(crate) fn running_image(t: &Targets, name: &str) -> String {
    let out = t.podman(&["inspect", "--format", "{{.State.Running}} {{.ImageName}}", name]);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn kept_containers_a_later_rollout_replaced_come_back_on_its_rollback_and_its_abort() {
    let t = Targets::new(4);
    let rollout = "strategy = \"blue-green\", replicas = 2, keep = \"10m\"";
    let failing_check = workflow(rollout).replace(
        "ready = \"/version\"",
        "ready = \"/version\", check = { url = \"http://127.0.0.1:{port}/missing\", for = \"1s\" }",
    );
    let p =
        Project::new(&t.config(&[]), &[("deploy.toml", &workflow(rollout)), ("never.toml", &failing_check)]);
    for v in ["1", "2"] {
        let out = deploy(&t, &p, v, "no");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let before = kept(&t, &p);
    assert_eq!(
        before.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["podman:fd-web-s1", "podman:fd-web-s2"],
        "version 1 is kept"
    );
    // Version 3 takes the kept slots; a later step fails and the run rolls it back.
    let out = deploy(&t, &p, "bad", "yes");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(all.contains("replacing the kept container fd-web-s1"), "{all}");
    assert!(all.contains("fd-web-s1 kept again on localhost/app:1"), "{all}");
    assert_eq!(t.weights(), [0, 0, 100, 100], "traffic back on version 2");
    assert_eq!(t.get("/version"), "2");
    for s in ["fd-web-s1", "fd-web-s2"] {
        assert_eq!(running_image(&t, s), "true localhost/app:1", "{s} runs version 1 again");
    }
    assert_eq!(kept(&t, &p), before, "kept again, until the same instant");
    // A rollout that aborts (its check fails after the switch) brings the kept ones back too.
    let out = t
        .flightdeck(&p, &["run", "never", "--env", "local", "--yes", "-p", "version=bad", "-p", "fail=no"])
        .output()
        .unwrap();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(all.contains("rollout aborted"), "{all}");
    assert!(all.contains("fd-web-s1 kept again on localhost/app:1"), "{all}");
    assert_eq!(t.weights(), [0, 0, 100, 100]);
    for s in ["fd-web-s1", "fd-web-s2"] {
        assert_eq!(running_image(&t, s), "true localhost/app:1", "{s} runs version 1 again");
    }
    assert_eq!(kept(&t, &p), before);
}
