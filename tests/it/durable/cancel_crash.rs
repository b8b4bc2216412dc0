//! A cancel the runner had begun when it was killed: the step ignores SIGTERM, so the runner waits
//! out the grace period before SIGKILL, and dies in it. The next runner adopts the step's group and
//! must finish the cancel (SIGTERM, then SIGKILL to the whole group): the run ends cancelled and the
//! stubborn step never runs to its end, nor does the step after it.

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use super::{kill_runner, restart_runner, status_of, wait_until};
use crate::common::{Project, text};

#[test]
fn a_cancel_interrupted_by_a_runner_kill_is_finished_by_the_next_runner() {
    let wf = "title = \"c\"\n[[steps]]\nid = \"stubborn\"\n\
              run = \"trap '' TERM; echo start >> trace; i=0; while [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo end >> trace\"\n\
              [[steps]]\nid = \"after\"\nrun = \"echo after >> trace\"\n";
    let p = Project::new(super::CONFIG, &[("c.toml", wf)]);
    let mut client = p
        .cmd(&["run", "c"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn run");
    wait_until("the step to start", || p.read("trace").contains("start"));
    let run = super::newest_run(&p).0;
    // Ctrl-C on the foreground client cancels the run; the step ignores the SIGTERM.
    let pid = Pid::from_raw(i32::try_from(client.id()).unwrap());
    kill(pid, Signal::SIGINT).unwrap();
    wait_until("the cancel to be audited", || text(&p.run(&["audit"])).contains("run.cancel"));
    // The client goes first (it would start a runner itself), then the runner, within the grace.
    kill(pid, Signal::SIGKILL).unwrap();
    let _ = client.wait();
    let dead = kill_runner(&p);
    restart_runner(&p, dead, &run, Some(2));
    wait_until("the run to end cancelled", || status_of(&p, &run) == "cancelled");
    assert_eq!(p.read("trace"), "start\n", "the step was killed, the next one never ran");
    let log = std::fs::read_to_string(p.home.path().join("runner.log")).unwrap_or_default();
    assert!(log.contains("finishing the cancel the previous runner had begun"), "{log}");
}
