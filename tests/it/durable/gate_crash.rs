//! A gate open when the runner was killed: the next runner asks again as a new instance (answers
//! count only for the instance open when they arrive), and says so in the step's log and the audit
//! log, naming the answers that no longer count. An approver told "counted" is never dropped silently.

use super::{kill_runner, restart_runner, start_with, wait_until};
use crate::common::{Project, text};

#[test]
fn a_gate_open_when_the_runner_died_asks_again_and_says_which_answers_were_dropped() {
    let config = "[environments.local]\nallow_root_approval = true\napprovals = 2\n";
    let wf = "title = \"g\"\n[[steps]]\nid = \"before\"\nrun = \"echo before >> trace\"\n\
              [[steps]]\nid = \"gate\"\napprove = \"ship it?\"\n\
              [[steps]]\nid = \"after\"\nrun = \"echo after >> trace\"\n";
    let p = Project::new(config, &[("g.toml", wf)]);
    let run = start_with(&p, &["g", "--wait-approvals"]);
    let events = |p: &Project| String::from_utf8_lossy(&p.run(&["log", &run, "--events"]).stdout).to_string();
    wait_until("the gate to open", || events(&p).contains("\"gate#1\""));
    let out = p.run(&["approve", &run]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("1 of 2"), "{}", text(&out));
    let dead = kill_runner(&p);
    restart_runner(&p, dead, &run, Some(2));
    wait_until("the gate to open again", || events(&p).contains("\"gate#2\""));
    let log = text(&p.run(&["log", &run]));
    assert!(
        log.contains("the runner died while gate gate#1 was open; its 1 answer(s) (root (approved)) do not count for gate#2"),
        "{log}"
    );
    let audit = text(&p.run(&["audit"]));
    assert!(audit.contains("gate.asked_again"), "{audit}");
    assert_eq!(p.read("trace"), "before\n", "the gate did not pass on the dropped answer");
    kill_runner(&p);
}
