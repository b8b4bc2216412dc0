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
