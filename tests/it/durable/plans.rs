//! The stored plan: an edited one is refused (its command never runs), and a long history of large
//! plans still lists.

use super::{CONFIG, KILL_ENGINE, newest_run, restart_runner, runner_killed_by_step, runner_log, start};
use crate::common::{Project, text};

fn edited_plan(title: &str) -> (Project, String, i32) {
    let wf = format!(
        r#"
title = "{title}"
[[steps]]
id = "crash"
run = '''{KILL_ENGINE}; sleep 0.3'''
[[steps]]
id = "after"
run = "echo after >> trace"
"#
    );
    let p = Project::new(CONFIG, &[(&format!("{title}.toml"), &wf)]);
    let run = start(&p, title, None);
    let dead = runner_killed_by_step(&p);
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    let changed = conn
        .execute("UPDATE runs SET plan_json = replace(plan_json, 'echo after', 'touch pwned; echo after') WHERE id = ?1", [&run])
        .unwrap();
    assert_eq!(changed, 1);
    (p, run, dead)
}

#[test]
fn an_edited_stored_plan_is_refused_and_its_command_never_runs() {
    let (p, run, dead) = edited_plan("plan");
    // The new runner refuses to recover it on start...
    restart_runner(&p, dead, &run, None);
    assert!(runner_log(&p).contains("plan"), "{}", runner_log(&p));
    assert!(!p.path().join("pwned").exists(), "the edited command ran");
    assert_eq!(newest_run(&p).1, 1, "a refused recovery consumed a life");
    // ...and so does `resume`.
    let out = p.run(&["resume", &run, "--yes"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("plan"), "{}", text(&out));
    assert!(!p.path().join("pwned").exists(), "the edited command ran");
    assert_eq!(newest_run(&p).1, 1, "a refused resume consumed a life");
}

#[test]
fn an_edited_stored_plan_is_refused_when_resume_starts_the_runner() {
    let (p, run, _) = edited_plan("plan2");
    let out = p.run(&["resume", &run, "--yes"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("plan"), "{}", text(&out));
    assert!(!p.path().join("pwned").exists(), "the edited command ran");
    assert_eq!(newest_run(&p).1, 1, "a refused resume consumed a life");
}

#[test]
fn a_long_history_of_large_plans_still_lists() {
    // The crash script's 178th run broke `flightdeck runs`: the list carried every stored plan and
    // outgrew the 4 MiB message limit. 200 copies of a run with a 30 kB plan make 6 MB of plans.
    let p = Project::new(CONFIG, &[("one.toml", "title = \"one\"\n[[steps]]\nid = \"a\"\nrun = \"true\"\n")]);
    let out = p.run(&["run", "one"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let conn = rusqlite::Connection::open(p.db()).unwrap();
    conn.execute_batch(
        "CREATE TEMP TABLE t AS SELECT * FROM runs;
         UPDATE t SET plan_json = plan_json || replace(hex(zeroblob(15000)), '0', ' ');",
    )
    .unwrap();
    for i in 0..200 {
        conn.execute("UPDATE t SET id = ?1", [format!("copy-{i:03}")]).unwrap();
        conn.execute("INSERT INTO runs SELECT * FROM t", []).unwrap();
    }
    let out = p.run(&["runs", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().map(Vec::len), Some(20), "{}", text(&out));
}
