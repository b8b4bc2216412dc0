//! The console's live state and this round's screens: in tmux, the Runs list follows a run started
//! by another process (through the runner, no key pressed) to its end, and a workflow's `load`
//! step shows its live figures in the run view and on the Load screen; snapshots at 80x24 and
//! 120x40 of the load step's figures, the Load screen following it, the launch form with a
//! templated default resolved, and the help box on the run screen.

use std::time::{Duration, Instant};

use crate::common::{Project, text};
use crate::e2e_tmux::Tmux;
use flightdeck::tui::fixtures::{self, app, typed};
use flightdeck::tui::msg::{Key, KeyCode, Msg};
use flightdeck::tui::ratatui::Terminal;
use flightdeck::tui::ratatui::backend::TestBackend;
use flightdeck::tui::theme::Theme;

const WAITS: &str = r#"
title = "waits"
[[steps]]
id = "wait"
run = "echo waiting; i=0; while [ ! -e go ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; [ -e go ]; rm go; echo done"
"#;

fn console(p: &Project, socket: &str, size: (u16, u16)) -> Tmux {
    Tmux::console(p, socket, size, "FLIGHTDECK_DEMO_FAST=1")
}

/// The newest run's id once it runs (from the CLI, which asks the runner).
fn newest_running(p: &Project) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = p.run(&["runs", "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        if let Some(r) = v.as_array().and_then(|a| a.first())
            && r["status"] == "running"
        {
            return r["id"].as_str().unwrap_or_default().to_string();
        }
        assert!(Instant::now() < deadline, "no run started: {}", text(&out));
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The screen row that names `id`, once it shows `status` (30 s at most).
fn row_with(tmux: &Tmux, id: &str, status: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let s = tmux.screen();
        if let Some(row) = s.lines().find(|l| l.contains(id) && l.contains(status)) {
            return row.to_string();
        }
        assert!(Instant::now() < deadline, "waited 30 s for {id} {status}; the screen shows:\n{s}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_runs_list_follows_a_run_started_elsewhere_without_a_key() {
    crate::common::ensure_tool("tmux");
    let p = Project::new(
        "project = \"live\"\n[environments.local]\nallow_root_approval = true\n",
        &[("waits.toml", WAITS)],
    );
    let tmux = console(&p, &format!("fd-live-{}", std::process::id()), (120, 30));
    tmux.wait_for("Diana");
    tmux.keys(&["r"]);
    tmux.wait_for("operator");
    // Another process (another operator's terminal) starts a run through the runner.
    let mut other = p.cmd(&["run", "waits"]).stdout(std::process::Stdio::null()).spawn().unwrap();
    let id = newest_running(&p);
    let row = row_with(&tmux, &id, "running");
    assert!(row.contains("waits"), "{row}");
    std::fs::write(p.path().join("go"), "").unwrap();
    let status = other.wait().unwrap();
    assert!(status.success(), "the run failed: {status}");
    // No key since: the list shows how it ended (the runner may have exited meanwhile).
    let row = row_with(&tmux, &id, "succeeded");
    assert!(row.contains('✓'), "{row}");
    tmux.keys(&["q"]);
}

#[test]
fn a_load_steps_figures_show_live_in_the_run_view_and_on_the_load_screen() {
    crate::common::ensure_tool("tmux");
    let p = Project::new("", &[]);
    let sandbox = crate::common::Sandbox::start(&p);
    let config = format!(
        "project = \"live\"\n[environments.staging]\nurl = \"{}\"\nallow_root_approval = true\n",
        sandbox.url
    );
    std::fs::write(p.path().join("flightdeck.toml"), config).unwrap();
    let tmux = console(&p, &format!("fd-loadstep-{}", std::process::id()), (120, 30));
    tmux.wait_for("Diana");
    tmux.keys(&[":", "run load-test duration=6s", "Enter"]);
    let plan = tmux.wait_for("enter starts the run");
    // The default baseline name is shown resolved for the environment, never as a template.
    assert!(plan.contains("save_as = staging-latest"), "{plan}");
    assert!(!plan.contains("{{"), "{plan}");
    tmux.keys(&["Enter"]);
    // The step's row and its log title carry the live figures while it runs.
    let s = tmux.wait_for("p99 ");
    assert!(s.contains("Load test ["), "{s}");
    assert!(s.contains("req/s"), "{s}");
    assert!(s.contains("/6s"), "{s}");
    tmux.keys(&["L"]);
    let s = tmux.wait_for("step load of run"); // 120 columns: the long form
    assert!(s.contains("req/s"), "{s}");
    tmux.keys(&["Escape"]);
    let s = tmux.wait_for("succeeded (exit 0)");
    // Finished, the step's figure is the test's mean rate (from the step's outputs).
    let row = s.lines().find(|l| l.contains("Load test [")).unwrap_or_default();
    assert!(row.contains("req/s mean · "), "{s}");
    tmux.keys(&["q"]);
    drop(sandbox);
}

fn render(a: &flightdeck::tui::app::App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(a.size.0, a.size.1)).unwrap();
    t.draw(|f| flightdeck::tui::view::view(a, &Theme::default_theme(), f)).unwrap();
    t
}

fn open_form(workflow: &str) -> Vec<Msg> {
    let mut m = vec![Msg::Key(Key::ch(':'))];
    m.extend(typed(&format!("run {workflow}")));
    // `:run` opens a complete form at its plan; a key goes back to the fields.
    m.extend([Msg::Key(Key::new(KeyCode::Enter)), Msg::Key(Key::new(KeyCode::Up))]);
    m
}

#[test]
fn snapshots_at_80x24_and_120x40() {
    let mut help = fixtures::run_until_gate("staging");
    help.push(Msg::Key(Key::ch('?')));
    let mut load_screen = fixtures::load_step_running();
    load_screen.push(Msg::Key(Key::ch('L')));
    let mut deploy_help = open_form("deploy");
    deploy_help.extend([Msg::Key(Key::new(KeyCode::Tab)), Msg::Key(Key::new(KeyCode::Tab))]);
    let states = [
        ("run_load_step", fixtures::load_step_running()),
        ("load_from_step", load_screen.clone()),
        // `x` there opens the run asking to cancel it (cancelling belongs to the run).
        ("load_from_step_cancel", [load_screen, vec![Msg::Key(Key::ch('x'))]].concat()),
        // A default naming a key the environment lacks (`{{ environment.url }}/`): an error on it.
        ("launch_unresolved_default", {
            let mut m = vec![Msg::Key(Key::ch(':'))];
            m.extend(typed("run rollout-canary"));
            m.push(Msg::Key(Key::new(KeyCode::Enter)));
            m
        }),
        ("launch_load_test", open_form("load-test")),
        ("launch_long_label", deploy_help),
        ("help_run", help),
    ];
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    for (name, msgs) in states {
        for (w, h) in [(80, 24), (120, 40)] {
            let a = app((w, h), vec![], msgs.clone());
            let t = render(&a);
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
            let svg = flightdeck::tui::svg::buffer_to_svg(t.backend().buffer());
            std::fs::write(dir.join(format!("{name}_{w}x{h}.svg")), svg).unwrap();
        }
    }
}
