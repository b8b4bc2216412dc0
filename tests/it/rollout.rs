//! The `rollout` step against real podman containers behind a real haproxy: blue-green under load
//! from the load engine (no failed request during the switch), a canary of a version that fails one
//! request in five (the threshold fails, traffic goes back to the old version, the run rolls back,
//! the ledger says failed), rolling over three replicas (never more than one out of service), and
//! bad input that names the value and leaves traffic untouched.

use std::process::{Child, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{Project, events};
use crate::rollout_targets::Targets;

/// A deploying workflow with one rollout step; `rollout` is the inline table's body.
fn workflow(rollout: &str) -> String {
    format!(
        "title = \"Deploy\"\npersona = \"diana\"\nkind = \"deployment\"\n\n[params.version]\nprompt = \"Version\"\n\
         type = \"string\"\nrequired = true\n\n[deployment]\nservice = \"app\"\nversion = \"{{{{ params.version }}}}\"\n\n\
         [[steps]]\nid = \"rollout\"\non_fail = \"rollback\"\nrollout = {{ balancer = \"web\", image = \"app:{{{{ params.version }}}}\", \
         ready = \"/version\", drain = \"500ms\", stop_timeout = \"0s\", {rollout} }}\n"
    )
}

/// stdout and stderr, with JSON's escaped quotes unescaped.
fn text(o: &Output) -> String {
    crate::common::text(o).replace("\\\"", "\"")
}

fn project(t: &Targets, rollout: &str) -> Project {
    Project::new(&t.config(&[]), &[("deploy.toml", &workflow(rollout))])
}

fn deploy(t: &Targets, p: &Project, version: &str) -> Output {
    t.flightdeck(
        p,
        &["run", "deploy", "--env", "local", "--yes", "--json", "-p", &format!("version={version}")],
    )
    .output()
    .unwrap()
}

/// `flightdeck load URL --json` in the background for `secs` seconds.
fn background_load(t: &Targets, p: &Project, secs: u32) -> Child {
    let url = format!("http://127.0.0.1:{}/", t.frontend);
    t.flightdeck(p, &["load", &url, "-c", "4", "-z", &format!("{secs}s"), "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// (requests, failed requests, p99 ms) of a `flightdeck load --json` summary.
fn load_figures(out: &Output) -> (u64, u64, f64) {
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(out)));
    let stats = &v["flightdeck"]["stats"];
    let bad_status: u64 = v["statusCodeDistribution"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(code, _)| code.parse::<u16>().unwrap() >= 400)
        .map(|(_, n)| n.as_u64().unwrap())
        .sum();
    (
        stats["requests"].as_u64().unwrap(),
        stats["errors"].as_u64().unwrap() + bad_status,
        stats["latency"]["p99"].as_f64().unwrap(),
    )
}

fn step_outputs(out: &Output) -> serde_json::Value {
    events(out)
        .into_iter()
        .filter(|e| {
            e["kind"]["type"] == "step_finished" || e["type"] == "step_finished" || e.get("outputs").is_some()
        })
        .filter_map(|e| e.pointer("/kind/outputs").or_else(|| e.get("outputs")).cloned())
        .next_back()
        .unwrap_or_default()
}

fn ledger_statuses(t: &Targets, p: &Project) -> Vec<String> {
    let out = t.flightdeck(p, &["ledger", "list", "--json"]).output().unwrap();
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out)));
    v.as_array().unwrap().iter().map(|d| d["status"].as_str().unwrap().to_string()).collect()
}

#[test]
fn blue_green_switch_under_load_fails_no_request() {
    let t = Targets::new(4);
    let p = project(&t, "strategy = \"blue-green\", replicas = 2, hold = \"1s\"");
    let first = deploy(&t, &p, "1");
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert_eq!(t.weights(), [100, 100, 0, 0], "the first deployment serves from two slots");
    assert_eq!(t.get("/version"), "1");
    let mut load = background_load(&t, &p, 12);
    std::thread::sleep(Duration::from_secs(1));
    let out = deploy(&t, &p, "2");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(load.try_wait().unwrap().is_none(), "the load ran through the whole switch");
    let load = load.wait_with_output().unwrap();
    let (requests, failed, p99) = load_figures(&load);
    println!("blue-green switch under load: {requests} requests, {failed} failed, p99 {p99:.2} ms");
    assert!(requests > 100, "{}", text(&load));
    assert_eq!(failed, 0, "no request failed during the switch: {}", text(&load));
    assert_eq!(t.weights(), [0, 0, 100, 100], "all traffic switched to green at once");
    assert_eq!(t.get("/version"), "2");
    let names = t.containers();
    assert!(
        names.contains(&"fd-web-s3".to_string()) && !names.contains(&"fd-web-s1".to_string()),
        "{names:?}"
    );
    let o = step_outputs(&out);
    assert_eq!(o["servers"], "s3,s4", "{o}");
    let db = rusqlite::Connection::open(p.db()).unwrap();
    let live: Vec<String> = db
        .prepare("SELECT name FROM resources WHERE environment = 'local' AND removed_at IS NULL ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        live,
        ["podman:fd-web-s3", "podman:fd-web-s4", "haproxy:web/s3", "haproxy:web/s4"],
        "the inventory lists what is live"
    );
    assert_eq!(ledger_statuses(&t, &p), ["succeeded", "succeeded"]);
}

#[test]
fn canary_of_a_failing_version_rolls_back_by_the_25_percent_stage() {
    let t = Targets::new(2);
    let url = format!("http://127.0.0.1:{}/", t.frontend);
    let p = project(
        &t,
        &format!(
            "strategy = \"canary\", stages = [5, 25, 50, 100], hold = \"3s\", traffic = {{ url = \"{url}\", connections = 2, \
             thresholds = [\"error_rate < 1%\"] }}"
        ),
    );
    let first = deploy(&t, &p, "1");
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert_eq!(t.weights(), [100, 0]);
    let out = deploy(&t, &p, "bad");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(all.contains("stage 1/4 (5% new)") || all.contains("stage 2/4 (25% new)"), "{all}");
    assert!(!all.contains("stage 3/4 (50% new): holding"), "the threshold failed by the 25% stage: {all}");
    assert!(all.contains("error_rate < 1%") && all.contains("old weights restored"), "{all}");
    assert!(all.contains("rolled_back"), "the run ends rolled back: {all}");
    assert_eq!(t.weights(), [100, 0], "all traffic back on the old version");
    // The figure (not asserted: no timed assertions): from the failure to the old weights back.
    let evs = events(&out);
    let at = |needle: &str| {
        evs.iter()
            .find(|e| e["line"].as_str().is_some_and(|l| l.contains(needle)))
            .map(|e| e["at"].as_i64().unwrap())
    };
    let (failed_at, back_at) = (at("rollout failed:").unwrap(), at("weights: s1=100 s2=0").unwrap());
    let stage =
        evs.iter().filter_map(|e| e["line"].as_str()).rfind(|l| l.contains("traffic")).unwrap_or_default();
    println!("canary: {stage}; old weights back {} ms after the failure", (back_at - failed_at) / 1000);
    for _ in 0..20 {
        assert_eq!(t.get("/"), "version 1");
    }
    assert_eq!(t.containers(), ["fd-web-s1"], "the canary container was removed");
    assert_eq!(ledger_statuses(&t, &p), ["succeeded", "failed"]);
}

#[test]
fn rolling_keeps_all_but_one_replica_in_service() {
    let t = Arc::new(Targets::new(3));
    let p = project(&t, "strategy = \"rolling\", replicas = 3, hold = \"1s\"");
    let first = deploy(&t, &p, "1");
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert_eq!(t.weights(), [100, 100, 100]);
    let stop = Arc::new(AtomicBool::new(false));
    let worst = Arc::new(Mutex::new((0usize, 0u32)));
    let sampler = {
        let (t, stop, worst) = (Arc::clone(&t), Arc::clone(&stop), Arc::clone(&worst));
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let out = t.weights().iter().filter(|w| **w == 0).count();
                let mut w = worst.lock().unwrap();
                w.0 = w.0.max(out);
                w.1 += 1;
                drop(w);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let mut load = background_load(&t, &p, 20);
    std::thread::sleep(Duration::from_secs(1));
    let out = deploy(&t, &p, "2");
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(load.try_wait().unwrap().is_none(), "the load ran through the whole rollout");
    let load = load.wait_with_output().unwrap();
    let (requests, failed, p99) = load_figures(&load);
    let (most_out, sample_count) = *worst.lock().unwrap();
    println!(
        "rolling over 3: {requests} requests, {failed} failed, p99 {p99:.2} ms; {sample_count} samples, at most {most_out} out"
    );
    assert_eq!(most_out, 1, "one replica at a time was out of service ({sample_count} samples)");
    assert_eq!(failed, 0, "{}", text(&load));
    assert_eq!(t.weights(), [100, 100, 100]);
    for _ in 0..6 {
        assert_eq!(t.get("/version"), "2");
    }
}

#[test]
fn bad_input_names_the_value_and_changes_nothing() {
    let t = Targets::new(2);
    let p = project(&t, "strategy = \"blue-green\"");
    assert_eq!(deploy(&t, &p, "1").status.code(), Some(0));
    let before = t.weights();
    // A missing image.
    let out = deploy(&t, &p, "404");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(
        all.contains("image = \"app:404\"") && all.contains("line 14") && all.contains("nothing was changed"),
        "{all}"
    );
    // An unknown balancer.
    let p2 = Project::new(
        &t.config(&[]),
        &[("deploy.toml", &workflow("strategy = \"rolling\"").replace("\"web\"", "\"webb\""))],
    );
    let all = text(&deploy(&t, &p2, "2"));
    assert!(
        all.contains("balancer = \"webb\" is not defined in")
            && all.contains("flightdeck.toml (defined: web)"),
        "{all}"
    );
    // A server flightdeck.toml names that haproxy does not have.
    let p3 = Project::new(&t.config(&[("s9", 1)]), &[("deploy.toml", &workflow("strategy = \"rolling\""))]);
    let all = text(&deploy(&t, &p3, "2"));
    assert!(
        all.contains("server \"s9\"") && all.contains("does not exist in haproxy backend \"web\""),
        "{all}"
    );
    // Stages that do not end at 100: refused before the run starts, naming the file and line.
    let p4 = project(&t, "strategy = \"canary\", stages = [5, 50]");
    let out = deploy(&t, &p4, "2");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("deploy.toml:17") && all.contains("[5, 50] must end at 100"), "{all}");
    assert_eq!(t.weights(), before, "traffic untouched");
    assert_eq!(t.get("/version"), "1");
}

#[test]
fn a_failed_rolling_batch_gets_its_old_image_and_weight_back() {
    let t = Targets::new(3);
    let url = format!("http://127.0.0.1:{}/", t.frontend);
    let p = project(
        &t,
        &format!(
            "strategy = \"rolling\", replicas = 3, hold = \"2s\", traffic = {{ url = \"{url}\", connections = 2, \
             thresholds = [\"error_rate < 1%\"] }}"
        ),
    );
    let first = deploy(&t, &p, "1");
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let out = deploy(&t, &p, "bad");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(all.contains("batch 1/3") && !all.contains("batch 2/3"), "the first batch failed: {all}");
    assert!(all.contains("fd-web-s1 back on"), "{all}");
    assert_eq!(t.weights(), [100, 100, 100]);
    for _ in 0..9 {
        assert_eq!(t.get("/version"), "1", "every replica serves the old version again");
    }
    assert_eq!(ledger_statuses(&t, &p), ["succeeded", "failed"]);
}
