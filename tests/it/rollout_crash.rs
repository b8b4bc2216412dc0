//! A rollout's own rollback survives a SIGKILL of the runner (real podman behind a real nginx): the
//! run rolls a blue-green rollout back after a later step fails, and the test kills the runner while
//! the undo is paused inside podman or nginx (shims in `PATH` that wait while a pause pattern matches,
//! then run the real tool). The next runner finishes the undo: nginx's upstream and the containers end
//! exactly as before the rollout, with no duplicate. When the undo cannot be finished (the old image
//! is gone), the run stops interrupted with the environment's state and the command to finish it,
//! and that command finishes it once the image is back.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use crate::common::{Project, text};
use crate::rollout_nginx::{Nginx, get, start_nginx, wait_version};
use crate::rollout_targets::Targets;

/// A shim for `tool` in `dir`: while `dir/armed` and `dir/pause` exist and the arguments contain the
/// pause pattern, it lets `dir/skip` (a count, if present) such calls pass first; the next one
/// records its pid in `dir/paused` and waits (bounded) for `dir/go`; then it runs the real tool.
pub(crate) fn shim(dir: &Path, tool: &str) {
    let real = std::process::Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output().unwrap();
    let real = String::from_utf8_lossy(&real.stdout).trim().to_string();
    assert!(!real.is_empty(), "{tool} not found");
    let d = dir.display();
    let script = format!(
        "#!/bin/sh\nif [ -f {d}/armed ] && [ -f {d}/pause ] && printf '%s\\n' \"$*\" | grep -qF -e \"$(cat {d}/pause)\"; then\n  \
         n=$(cat {d}/skip 2>/dev/null || echo 0)\n  if [ \"$n\" -gt 0 ]; then echo $((n-1)) > {d}/skip; else\n  \
         echo $$ > {d}/paused.tmp && mv {d}/paused.tmp {d}/paused\n  i=0\n  \
         while [ ! -f {d}/go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\n  fi\nfi\nexec {real} \"$@\"\n"
    );
    let path = dir.join(tool);
    std::fs::write(&path, script).unwrap();
    std::process::Command::new("chmod").arg("755").arg(&path).status().unwrap();
}

/// A project whose balancer `web` is the nginx of `t`: a blue-green rollout, then a smoke step that
/// fails (arming the shims) when `params.fail` is "yes".
fn project(t: &Targets, shims: &Path, extra: &[(&str, &str)]) -> Project {
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
              type = \"string\"\nrequired = true\n\n[params.fail]\nprompt = \"Fail\"\ntype = \"string\"\ndefault = \"no\"\n\n\
              [[steps]]\nid = \"bg\"\nrollout = { strategy = \"blue-green\", balancer = \"web\", \
              image = \"app:{{ params.version }}\", ready = \"/version\", drain = \"200ms\", stop_timeout = \"0s\" }\n\n\
              [[steps]]\nid = \"smoke\"\non_fail = \"rollback\"\nrun = \"test {{ params.fail }} = no || { touch ARMED; exit 1; }\"\n"
        .replace("ARMED", &shims.join("armed").display().to_string());
    let mut files = vec![("deploy.toml", wf.as_str())];
    files.extend_from_slice(extra);
    Project::new(&config, &files)
}

/// `flightdeck ARGS` with the targets' environment and the shims first in `PATH`.
pub(crate) fn fd(t: &Targets, p: &Project, shims: &Path, args: &[&str]) -> Output {
    let path = format!("{}:{}", shims.display(), std::env::var("PATH").unwrap_or_default());
    t.flightdeck(p, args).env("PATH", path).output().unwrap()
}

fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub(crate) fn alive(pid: i32) -> bool {
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
}

pub(crate) fn sigkill(pid: i32) {
    let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
    wait_until("a killed process to die", || !alive(pid));
}

pub(crate) fn read_pid(path: &PathBuf) -> i32 {
    std::fs::read_to_string(path).unwrap().trim().parse().unwrap()
}

/// Starts the failing deploy of version 2 detached, waits until the undo pauses on `pattern`, and
/// SIGKILLs the runner. The paused tool is then killed too (it never ran), or with `finish` let go
/// (it runs while no runner is alive). Returns the run id.
fn crash_during_undo(t: &Targets, p: &Project, shims: &Path, pattern: &str, finish: bool) -> String {
    let run = ["run", "deploy", "--env", "local", "--yes", "-p", "version=2", "-p", "fail=yes", "--detach"];
    crash_at(t, p, shims, &run, (pattern, 0, false), finish)
}

/// Starts `flightdeck RUN_ARGS` (a detached run), waits until a shimmed tool pauses on the
/// `(pattern, skip, armed)` pause (the shims are armed from the start when `armed`, else by the
/// workflow), SIGKILLs the runner, and kills the paused tool or with `finish` lets it go. Returns
/// the run id.
pub(crate) fn crash_at(
    t: &Targets,
    p: &Project,
    shims: &Path,
    run_args: &[&str],
    (pattern, skip, armed): (&str, u32, bool),
    finish: bool,
) -> String {
    for f in ["armed", "go", "paused", "skip"] {
        let _ = std::fs::remove_file(shims.join(f));
    }
    std::fs::write(shims.join("pause"), pattern).unwrap();
    std::fs::write(shims.join("skip"), skip.to_string()).unwrap();
    if armed {
        std::fs::write(shims.join("armed"), "").unwrap();
    }
    let out = fd(t, p, shims, run_args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let run = String::from_utf8_lossy(&out.stdout).trim().to_string();
    wait_until(&format!("the undo to pause on {pattern:?}"), || shims.join("paused").exists());
    sigkill(read_pid(&p.home.path().join("runner.lock")));
    let tool = read_pid(&shims.join("paused"));
    std::fs::remove_file(shims.join("armed")).unwrap();
    if finish {
        std::fs::write(shims.join("go"), "").unwrap();
        wait_until("the paused tool to finish", || !alive(tool));
    } else {
        sigkill(tool);
    }
    run
}

/// Every container podman has (running or not), as `NAME IMAGE`.
pub(crate) fn all_containers(t: &Targets) -> Vec<String> {
    let out = t.podman(&["ps", "-a", "--format", "{{.Names}} {{.Image}}"]);
    let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
    v.sort();
    v
}

/// The state before the rollout of version 2: only s1 with version 1, all of nginx's traffic on it.
pub(crate) fn assert_pre_rollout(t: &Targets, n: &Nginx, what: &str) {
    let include = std::fs::read_to_string(t.dir.path().join("nginx/upstream.conf")).unwrap();
    let (s1, s2) = (t.slots[0].1, t.slots[1].1);
    assert!(include.contains(&format!("server 127.0.0.1:{s1} weight=100;")), "{what}: {include}");
    assert!(include.contains(&format!("server 127.0.0.1:{s2} down;")), "{what}: {include}");
    assert_eq!(all_containers(t), ["fd-web-s1 localhost/app:1"], "{what}: one container, the old one");
    wait_version(n, "1");
    for _ in 0..5 {
        assert_eq!(get(n.port, "/version"), "1", "{what}: nginx serves the old version");
    }
}

/// Two slots behind a real nginx, podman and nginx shimmed, and version 1 deployed.
fn deployed_v1() -> (Targets, Nginx, PathBuf, Project) {
    deployed_v1_with(&[])
}

/// [`deployed_v1`] with the workflow files `extra` in the project too.
pub(crate) fn deployed_v1_with(extra: &[(&str, &str)]) -> (Targets, Nginx, PathBuf, Project) {
    let t = Targets::new(2);
    let n = start_nginx(&t);
    let shims = t.dir.path().join("shims");
    std::fs::create_dir_all(&shims).unwrap();
    shim(&shims, "podman");
    shim(&shims, "nginx");
    let p = project(&t, &shims, extra);
    let first = fd(&t, &p, &shims, &["run", "deploy", "--env", "local", "--yes", "-p", "version=1"]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    (t, n, shims, p)
}

#[test]
fn a_rollout_undo_killed_at_any_point_is_finished_by_the_next_runner() {
    let (t, n, shims, p) = deployed_v1();
    assert_pre_rollout(&t, &n, "after the first deployment");
    // Killed while starting the old container, after rewriting nginx's include but before its
    // reload, and while removing the new container (which goes on without a runner).
    for (pattern, finish) in
        [("run -d --name fd-web-s1", false), ("-s reload", false), ("rm -f --time 0 fd-web-s2", true)]
    {
        let run = crash_during_undo(&t, &p, &shims, pattern, finish);
        let out = fd(&t, &p, &shims, &["resume", &run, "--json"]);
        let all = text(&out);
        assert_eq!(out.status.code(), Some(3), "killed at {pattern:?}: {all}");
        assert!(all.contains("rolled_back"), "killed at {pattern:?}: {all}");
        let log = text(&fd(&t, &p, &shims, &["log", &run]));
        assert!(log.contains("finishing the rollback an earlier runner began"), "{pattern:?}: {log}");
        assert_pre_rollout(&t, &n, &format!("killed at {pattern:?}"));
    }
}

#[test]
fn an_undo_that_cannot_be_finished_stops_the_run_with_the_state_and_the_command() {
    let (t, n, shims, p) = deployed_v1();
    let run = crash_during_undo(&t, &p, &shims, "run -d --name fd-web-s1", false);
    // The old image disappears while no runner is alive: the undo cannot start it again.
    let rmi = t.podman(&["rmi", "-f", "app:1"]);
    assert!(rmi.status.success(), "{}", String::from_utf8_lossy(&rmi.stderr));
    let out = fd(&t, &p, &shims, &["resume", &run, "--json"]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(8), "{all}");
    assert!(all.contains("interrupted"), "{all}");
    assert!(all.contains("the environment may be half restored"), "{all}");
    assert!(all.contains("app:1 of slot s1 is no longer on this host, so nothing was changed"), "{all}");
    assert!(all.contains("fd-web-s2 localhost/app:2 (should be none)"), "what each slot holds: {all}");
    assert!(all.contains(&format!("flightdeck resume {run}")), "the command to finish it: {all}");
    assert_eq!(get(n.port, "/version"), "2", "traffic stays where it was: nothing was half switched");
    // The image is back: the same command finishes the rollback.
    t.build("1", "1", false);
    let out = fd(&t, &p, &shims, &["resume", &run, "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("rolled_back"), "{}", text(&out));
    assert_pre_rollout(&t, &n, "after the second resume");
}
