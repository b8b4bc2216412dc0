//! A rollout's own abort survives a SIGKILL of the runner (real podman, real nginx or haproxy). The
//! rollout's stage check fails (it asks the new containers for a page they do not have), so the
//! rollout aborts: old weights back, new containers removed, kept containers brought back. The test
//! kills the runner while the abort (or, once, the rollout before it) is paused inside podman or
//! nginx (the shims of `rollout_crash`), then `flightdeck resume RUN` without `--yes`: the balancer
//! serves only the old version, the new containers are gone, kept ones run their old image with
//! their original keep, a rolling batch's replica runs its old image again, the run ends rolled
//! back with exit 3 and the ledger row says failed.

use std::path::Path;

use crate::common::{Project, text};
use crate::rollout_crash::{assert_pre_rollout, crash_at, deployed_v1_with, fd, shim};
use crate::rollout_targets::Targets;
use crate::rollout_undo::{kept, running_image};

/// A deploying workflow whose blue-green rollout's check fails once traffic has switched.
fn aborting(extra: &str) -> String {
    format!(
        "title = \"Deploy\"\npersona = \"diana\"\nkind = \"deployment\"\n\n[params.version]\nprompt = \"V\"\n\
         type = \"string\"\nrequired = true\n\n[deployment]\nservice = \"app\"\nversion = \"{{{{ params.version }}}}\"\n\n\
         [[steps]]\nid = \"bg\"\non_fail = \"rollback\"\nrollout = {{ strategy = \"blue-green\", balancer = \"web\", \
         image = \"app:{{{{ params.version }}}}\", ready = \"/version\", drain = \"200ms\", stop_timeout = \"0s\", \
         check = {{ url = \"http://127.0.0.1:{{port}}/missing\", for = \"1s\" }}{extra} }}\n"
    )
}

/// The statuses of the deployment ledger's rows, oldest first.
fn ledger(t: &Targets, p: &Project, shims: &Path) -> Vec<String> {
    let out = fd(t, p, shims, &["ledger", "list", "--json"]);
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", text(&out)));
    v.as_array().unwrap().iter().map(|d| d["status"].as_str().unwrap().to_string()).collect()
}

/// Resumes `run` (no `--yes`): it must end rolled back (exit 3) after finishing the abort, leaving
/// no resume file; returns its output.
fn resume_rolls_back(t: &Targets, p: &Project, shims: &Path, run: &str, what: &str) -> String {
    let resume_file = p.home.path().join("logs").join(run).join("bg.resume.json");
    assert!(resume_file.exists(), "{what}: the killed runner left its resume file");
    let out = fd(t, p, shims, &["resume", run, "--json"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{what}: {all}");
    assert!(all.contains("rolled_back"), "{what}: the run ends rolled back: {all}");
    assert!(all.contains("rollout aborted by a later runner"), "{what}: {all}");
    assert!(!resume_file.exists(), "{what}: the resume file is removed once the abort is finished");
    let log = text(&fd(t, p, shims, &["log", run]));
    assert!(log.contains("finishing the rollout an earlier runner left"), "{what}: {log}");
    all
}

#[test]
fn a_rollout_abort_killed_at_any_point_is_finished_by_the_next_runner() {
    let (t, n, shims, p) = deployed_v1_with(&[("abort.toml", &aborting(""))]);
    assert_pre_rollout(&t, &n, "after the first deployment");
    let run = ["run", "abort", "--env", "local", "--yes", "-p", "version=2", "--detach"];
    // (pause pattern, matching calls let through first, let the paused call run, the phase killed in).
    // The forward switch reloads nginx once and removes fd-web-s2 once (before starting it); the abort
    // reloads again and removes fd-web-s2 again.
    let points = [
        ("-s reload", 1, false, "aborting"),
        ("rm -f --time 0 fd-web-s2", 1, false, "aborting"),
        ("rm -f --time 0 fd-web-s2", 1, true, "aborting"),
        ("-s reload", 0, false, "rolling out"),
    ];
    for (i, (pattern, skip, finish, phase)) in points.into_iter().enumerate() {
        let what = format!("killed at {pattern:?} (skipping {skip}, {phase})");
        let id = crash_at(&t, &p, &shims, &run, (pattern, skip, true), finish);
        let marker = p.home.path().join("logs").join(&id).join("bg.resume.json");
        let body = std::fs::read_to_string(&marker).unwrap_or_default();
        assert!(body.contains(&format!("\"phase\":\"{phase}\"")), "{what}: {body}");
        let all = resume_rolls_back(&t, &p, &shims, &id, &what);
        if phase == "aborting" {
            assert!(all.contains("got 404"), "{what}: the failure that began the abort is kept: {all}");
        }
        assert_pre_rollout(&t, &n, &what);
        let rows = ledger(&t, &p, &shims);
        assert_eq!(rows.len(), i + 1, "{what}: one ledger row per run: {rows:?}");
        assert!(rows.iter().all(|r| r == "failed"), "{what}: never succeeded: {rows:?}");
    }
}

#[test]
fn kept_containers_an_aborting_rollout_replaced_are_restored_after_a_crash() {
    let t = Targets::new(4);
    let shims = t.dir.path().join("shims");
    std::fs::create_dir_all(&shims).unwrap();
    shim(&shims, "podman");
    let keep = ", replicas = 2, keep = \"10m\"";
    let ok =
        aborting(keep).replace(", check = { url = \"http://127.0.0.1:{port}/missing\", for = \"1s\" }", "");
    assert_ne!(ok, aborting(keep));
    let p = Project::new(&t.config(&[]), &[("deploy.toml", &ok), ("abort.toml", &aborting(keep))]);
    for v in ["1", "2"] {
        let out =
            fd(&t, &p, &shims, &["run", "deploy", "--env", "local", "--yes", "-p", &format!("version={v}")]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let logs = p.home.path().join("logs");
    let left: Vec<_> = std::fs::read_dir(&logs)
        .unwrap()
        .flat_map(|run| std::fs::read_dir(run.unwrap().path()).unwrap())
        .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".resume.json"))
        .collect();
    assert!(left.is_empty(), "a rollout that succeeded leaves no resume file: {left:?}");
    let before = kept(&t, &p);
    let names: Vec<&str> = before.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["podman:fd-web-s1", "podman:fd-web-s2"], "version 1 is kept");
    // Version 3 replaces the kept containers, fails its check, and the abort brings s1 back; the
    // runner dies while podman is about to start version 1 in s2 again (its old container removed).
    let run = ["run", "abort", "--env", "local", "--yes", "-p", "version=bad", "--detach"];
    let id = crash_at(&t, &p, &shims, &run, ("run -d --name fd-web-s2", 1, true), false);
    assert!(running_image(&t, "fd-web-s2").is_empty(), "s2 is empty when the runner dies");
    resume_rolls_back(&t, &p, &shims, &id, "kept");
    assert_eq!(t.weights(), [0, 0, 100, 100], "traffic on version 2 only");
    for _ in 0..10 {
        assert_eq!(t.get("/version"), "2");
    }
    for s in ["fd-web-s1", "fd-web-s2"] {
        assert_eq!(running_image(&t, s), "true localhost/app:1", "{s} runs version 1 again");
    }
    assert_eq!(kept(&t, &p), before, "kept again, until the same instant");
    let mut all = t.containers();
    all.sort();
    assert_eq!(all, ["fd-web-s1", "fd-web-s2", "fd-web-s3", "fd-web-s4"], "no version 3 container left");
    assert_eq!(ledger(&t, &p, &shims), ["succeeded", "succeeded", "failed"]);
}

/// Two replicas deployed at version 1 by a rolling `deploy`, with a rolling `abort` workflow whose
/// check fails; podman goes through the crash shim.
fn rolling_deployed_v1() -> (Targets, std::path::PathBuf, Project) {
    let t = Targets::new(2);
    let shims = t.dir.path().join("shims");
    std::fs::create_dir_all(&shims).unwrap();
    shim(&shims, "podman");
    let rolling = aborting(", replicas = 2").replace("blue-green", "rolling");
    let ok = rolling.replace(", check = { url = \"http://127.0.0.1:{port}/missing\", for = \"1s\" }", "");
    let p = Project::new(&t.config(&[]), &[("deploy.toml", &ok), ("abort.toml", &rolling)]);
    let out = fd(&t, &p, &shims, &["run", "deploy", "--env", "local", "--yes", "-p", "version=1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    (t, shims, p)
}

#[test]
fn a_rolling_batch_abort_killed_while_restarting_the_old_image_is_finished() {
    let (t, shims, p) = rolling_deployed_v1();
    assert_eq!(t.weights(), [100, 100]);
    // Batch 1 replaces s1 with version 2 and its check fails; the abort takes s1 out again and the
    // runner dies while podman is about to start version 1 there (the forward start was the first).
    let run = ["run", "abort", "--env", "local", "--yes", "-p", "version=2", "--detach"];
    let id = crash_at(&t, &p, &shims, &run, ("run -d --name fd-web-s1", 1, true), false);
    assert_eq!(t.weights(), [0, 100], "s1 is out of service when the runner dies");
    resume_rolls_back(&t, &p, &shims, &id, "rolling");
    assert_eq!(t.weights(), [100, 100], "both replicas serve again");
    for s in ["fd-web-s1", "fd-web-s2"] {
        assert_eq!(running_image(&t, s), "true localhost/app:1", "{s} runs version 1");
    }
    for _ in 0..10 {
        assert_eq!(t.get("/version"), "1");
    }
    assert_eq!(ledger(&t, &p, &shims), ["succeeded", "failed"]);
}

/// The balancer of a crashed abort may name as serving only a slot whose container is gone (a
/// runner that died after rewriting nginx's upstream file but before the reload leaves such a file;
/// here haproxy is set that way by hand): the next runner gives the slot still running the old
/// image its weight back before taking the other out, so no weights it writes serve from nothing.
#[test]
fn a_resumed_abort_never_writes_weights_that_serve_only_from_stopped_slots() {
    let (t, shims, p) = rolling_deployed_v1();
    let run = ["run", "abort", "--env", "local", "--yes", "-p", "version=2", "--detach"];
    let id = crash_at(&t, &p, &shims, &run, ("run -d --name fd-web-s1", 1, true), false);
    assert!(t.podman(&["container", "exists", "fd-web-s1"]).status.code() == Some(1), "s1 has no container");
    t.admin("set server web/s1 weight 100");
    t.admin("set server web/s2 weight 0");
    assert_eq!(t.weights(), [100, 0], "only the slot without a container is named as serving");
    resume_rolls_back(&t, &p, &shims, &id, "serving only from a stopped slot");
    let log = text(&fd(&t, &p, &shims, &["log", &id]));
    assert!(!log.contains("weights: s1=0 s2=0"), "every slot was taken out: {log}");
    assert!(log.contains("weights: s1=100 s2=100"), "s2 serves again before s1 is taken out: {log}");
    assert_eq!(t.weights(), [100, 100], "both replicas serve again");
    for s in ["fd-web-s1", "fd-web-s2"] {
        assert_eq!(running_image(&t, s), "true localhost/app:1", "{s} runs version 1");
    }
}

/// A resumed abort whose restore fails (the old image vanished while no runner was alive) must not
/// end `rolled_back`: the run stops interrupted (exit 8) with the environment's state and the
/// command that finishes it, keeps the resume file and writes no ledger row; once the image is back
/// that command finishes the abort and the run ends rolled back.
#[test]
fn a_resumed_abort_whose_restore_fails_stops_interrupted_until_it_can_be_finished() {
    let (t, n, shims, p) = deployed_v1_with(&[("abort.toml", &aborting(""))]);
    let rows = ledger(&t, &p, &shims);
    let run = ["run", "abort", "--env", "local", "--yes", "-p", "version=2", "--detach"];
    let id = crash_at(&t, &p, &shims, &run, ("rm -f --time 0 fd-web-s2", 1, true), false);
    let rmi = t.podman(&["rmi", "-f", "app:1"]);
    assert!(rmi.status.success(), "{}", String::from_utf8_lossy(&rmi.stderr));
    let out = fd(&t, &p, &shims, &["resume", &id, "--json"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(8), "the restore did not happen: {all}");
    assert!(all.contains("\"interrupted\""), "{all}");
    assert!(!all.contains("rolled_back"), "the run must not claim a rollback: {all}");
    assert!(all.contains("finishing its abort failed"), "{all}");
    assert!(all.contains(&format!("flightdeck resume {id}")), "the command to finish it: {all}");
    let resume_file = p.home.path().join("logs").join(&id).join("bg.resume.json");
    assert!(resume_file.exists(), "the resume file stays for the next try");
    assert_eq!(ledger(&t, &p, &shims), rows, "no ledger row for an unfinished run");
    t.build("1", "1", false);
    resume_rolls_back(&t, &p, &shims, &id, "after the image is back");
    assert_pre_rollout(&t, &n, "after the second resume");
}
