//! A new user following README.md and workflows/README.md: what they type in a project of their
//! own, and the messages they meet when something is missing.

use crate::common::{Project, text};

const URL_STEP: &str = "title = \"Ping\"\n\n[[steps]]\nid = \"ping\"\nrun = \"echo {{ environment.url }}\"\n";

const HELLO: &str = "title = \"Hello\"\n\n[[steps]]\nid = \"hi\"\nrun = \"echo hi\"\n";

/// `flightdeck list` keeps a long workflow name apart from its title.
#[test]
fn list_keeps_a_long_name_apart_from_its_title() {
    let p = Project::new("[environments.staging]\n", &[("infrastructure-provision-eu.toml", URL_STEP)]);
    let out = p.run(&["list"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find(|l| l.contains("infrastructure-provision-eu")).unwrap();
    assert!(line.contains("infrastructure-provision-eu  Ping"), "{line:?}");
    let deploy = stdout.lines().find(|l| l.trim_start().starts_with("deploy ")).unwrap();
    assert_eq!(deploy.find("Deploy a service"), line.find("Ping"), "titles line up:\n{stdout}");
}

/// `flightdeck show` names the kind as workflows/README.md spells it (`kind = "deployment"`).
#[test]
fn show_names_the_kind_as_the_file_writes_it() {
    let p = Project::new(crate::common::LOCAL, &[]);
    let out = p.run(&["show", "deploy"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("kind deployment "), "{}", text(&out));
}

/// A workflow naming `{{ environment.url }}` in an environment without `url` says where to add it.
#[test]
fn a_missing_environment_key_names_the_table_to_add_it_to() {
    let p = Project::new("[environments.staging]\nallow_root_approval = true\n", &[("ping.toml", URL_STEP)]);
    let out = p.run(&["run", "ping", "--yes"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let all = text(&out);
    assert!(
        all.contains("environment staging has no key `url`")
            && all.contains("add `url = ...` under [environments.staging] in flightdeck.toml"),
        "{all}"
    );
}

/// `runs` with a filter nothing matches says so, rather than "no runs yet".
#[test]
fn runs_with_a_filter_that_matches_nothing_says_so() {
    let p = Project::new(crate::common::LOCAL, &[("hello.toml", HELLO)]);
    let out = p.run(&["run", "hello", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = p.run(&["runs", "--workflow", "deploy", "--status", "failed"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("no run matches --workflow deploy --status failed"), "{}", text(&out));
    assert!(!stdout.contains("no runs yet"), "{}", text(&out));
}

/// A user outside the runner's group (README "Shared bastion") is told who may connect and what
/// to do, with exit 8, by the client commands and the history ones alike.
#[test]
fn a_user_outside_the_runners_group_is_told_who_may_connect() {
    use crate::users::{RootRunner, data_dir, ensure_users, shared_project};
    ensure_users();
    let p = shared_project(crate::common::LOCAL, &[("hello.toml", HELLO)]);
    let _runner = RootRunner::start(&p);
    for args in [&["runs"][..], &["run", "hello", "--yes"], &["approve", "x"], &["audit"], &["log", "x"]] {
        let out = std::process::Command::new("setpriv")
            .args(["--reuid", "nobody", "--regid", "nogroup", "--clear-groups"])
            .arg(crate::common::bin())
            .arg("--data-dir")
            .arg(data_dir(&p))
            .args(args)
            .current_dir(p.path())
            .env_remove("FLIGHTDECK_HOME")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(8), "{args:?}: {}", text(&out));
        assert!(
            err.contains("you may not connect to the runner")
                && err.contains("ask to be added to that group"),
            "{args:?}: {}",
            text(&out)
        );
    }
}

/// README "Modes": a dry run passes gates without asking, also a gate whose message names the
/// output of a step the dry run skipped.
#[test]
fn a_dry_run_passes_a_gate_that_names_a_skipped_steps_output() {
    const GATED: &str = "title = \"Gated\"\n\n[[steps]]\nid = \"count\"\nrun = \"echo n=3 >> $FLIGHTDECK_OUTPUT\"\n\n[[steps]]\nid = \"ok\"\napprove = { message = \"Remove {{ steps.count.outputs.n }} things?\", facts = { n = \"{{ steps.count.outputs.n }}\" } }\n";
    let p = Project::new(crate::common::LOCAL, &[("gated.toml", GATED)]);
    let out = p.run(&["run", "gated", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("dry run: gate not asked"), "{}", text(&out));
    let out = p.run(&["run", "environment-teardown", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// `notify test CHANNEL` in a project with no channels says how to define one (not "defined: ").
#[test]
fn notify_test_of_a_channel_with_none_defined_says_how_to_add_one() {
    let p = Project::new(crate::common::LOCAL, &[]);
    let out = p.run(&["notify", "test", "ops"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("none is defined: add [notify.channels.NAME] to flightdeck.toml"), "{}", text(&out));
}

/// `cost report` before any import says so, without a "days 1-0" span.
#[test]
fn cost_report_before_any_import_says_what_to_do() {
    let p = Project::new(crate::common::LOCAL, &[]);
    let out = p.run(&["cost", "report", "--month", "2026-10"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout, "no cost imported for 2026-10; run `flightdeck cost import FILE`\n", "{}", text(&out));
}

/// `flightdeck runner --group` naming no group is invalid input (exit 2) saying what to do.
#[test]
fn a_runner_group_that_does_not_exist_is_invalid_input() {
    let p = Project::new(crate::common::LOCAL, &[]);
    let out = p.run(&["runner", "--group", "fd-no-such-group", "--idle-exit", "1"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("group \"fd-no-such-group\" does not exist: create it"), "{}", text(&out));
}

/// `flightdeck runs` keeps its columns aligned when a workflow's name is longer than 12.
#[test]
fn runs_keeps_columns_aligned_with_a_long_workflow_name() {
    let p = Project::new(
        crate::common::LOCAL,
        &[("hello.toml", HELLO), ("a-rather-long-workflow-name.toml", HELLO)],
    );
    for w in ["hello", "a-rather-long-workflow-name"] {
        let out = p.run(&["run", w, "--yes"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let out = p.run(&["runs"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let cols: Vec<Option<usize>> = stdout.lines().map(|l| l.find(" local ")).collect();
    assert_eq!(cols.len(), 2, "{stdout}");
    assert_eq!(cols[0], cols[1], "the environment column lines up:\n{stdout}");
}
