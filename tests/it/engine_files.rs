//! The files a run leaves per step, as users read them: a step that printed nothing has no log (or
//! an empty one) and every reader treats a missing log as empty; a quiet step's log is the file its
//! command wrote to, so what a process it left behind prints later is kept, unless the run read a
//! secret (then nothing unredacted may reach the log).

use std::time::{Duration, Instant};

use crate::common::{LOCAL, Project, events, text};

/// The id of the run whose `--json` events are in `out`.
fn run_id(out: &std::process::Output) -> String {
    let evs = events(out);
    evs.iter()
        .find_map(|e| e["run"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no run id: {}", text(out)))
}

fn log_file(p: &Project, run: &str, step: &str) -> std::path::PathBuf {
    p.home.path().join(format!("logs/{run}/{step}.log"))
}

/// Polls `f` for up to 10 s.
fn eventually(mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    f()
}

#[test]
fn a_step_that_wrote_nothing_has_no_log_and_flightdeck_log_shows_it_empty() {
    let wf = "title = \"quiet\"\n[[steps]]\nid = \"deploy\"\nrun = \"echo deployed\"\ndry_run = \"echo would deploy\"\n\
              [[steps]]\nid = \"migrate\"\nrun = \"echo migrated\"\n";
    let p = Project::new(LOCAL, &[("quiet.toml", wf)]);
    let out = p.run(&["run", "quiet", "--dry-run", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let run = run_id(&out);
    // The dry run skips `migrate` (no dry_run command): nothing ran, nothing was written.
    assert!(!log_file(&p, &run, "migrate").exists(), "a log was created for a step that wrote nothing");
    assert_eq!(std::fs::read_to_string(log_file(&p, &run, "deploy")).unwrap(), "would deploy\n");
    for args in [vec!["log", &run], vec!["log", &run, "migrate"]] {
        let log = p.run(&args);
        assert_eq!(log.status.code(), Some(0), "{}", text(&log));
        let shown = String::from_utf8_lossy(&log.stdout);
        assert!(shown.contains("── migrate (skipped) ──"), "{}", text(&log));
        assert!(!shown.contains("cannot read"), "a missing log is an error: {}", text(&log));
    }
    let all = String::from_utf8_lossy(&p.run(&["log", &run]).stdout).into_owned();
    assert!(all.contains("would deploy"), "{all}");
}

#[test]
fn what_a_quiet_steps_leftover_process_prints_later_is_kept_in_its_log() {
    // The step starts a process that outlives it and prints once the step has ended.
    let wf = "title = \"bg\"\n[[steps]]\nid = \"spawn\"\nrun = \"(sleep 0.5; echo late line) &\"\n\
              [[steps]]\nid = \"after\"\nrun = \"echo after\"\n";
    let p = Project::new(LOCAL, &[("bg.toml", wf)]);
    let out = p.run(&["run", "bg", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let run = run_id(&out);
    let log = log_file(&p, &run, "spawn");
    assert!(
        eventually(|| std::fs::read_to_string(&log).is_ok_and(|t| t == "late line\n")),
        "the late line is lost: {:?}",
        std::fs::read_to_string(&log)
    );
    let dir = p.home.path().join(format!("logs/{run}"));
    let leftovers: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|f| f.extension().is_some_and(|x| x == "raw" || x == "copied"))
        .collect();
    assert!(leftovers.is_empty(), "working files left: {leftovers:?}");
}

#[test]
fn a_quiet_steps_leftover_process_never_writes_a_secret_into_the_log() {
    let store = tempfile::tempdir().unwrap();
    let file = store.path().join("secrets.json");
    let value = "s3cr3t-late-canary-7731";
    std::fs::write(&file, serde_json::json!({ "token": value }).to_string()).unwrap();
    let config = format!(
        "{LOCAL}\n[secret_providers.file]\nkind = \"dotenv\"\nfile = \"{}\"\n\n[secrets.token]\nprovider = \"file\"\n",
        file.display()
    );
    let wf =
        "title = \"bg\"\n[[steps]]\nid = \"spawn\"\nrun = \"(sleep 0.5; echo late {{ secrets.token }}) &\"\n";
    let p = Project::new(&config, &[("bg.toml", wf)]);
    let out = p.run(&["run", "bg", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let run = run_id(&out);
    std::thread::sleep(Duration::from_millis(1500));
    let log = std::fs::read_to_string(log_file(&p, &run, "spawn")).unwrap_or_default();
    assert!(!log.contains(value), "the secret reached the log: {log:?}");
    let shown = p.run(&["log", &run]);
    assert_eq!(shown.status.code(), Some(0), "{}", text(&shown));
    assert!(!String::from_utf8_lossy(&shown.stdout).contains(value), "{}", text(&shown));
}
