//! Snapshot tests of every screen in its key states, at 80x24 and 160x48, built from fixture
//! messages; the same states regenerate `screenshots/` (SVG). The snapshot tests stay in this file,
//! so their snapshots stay `snapshots/it__screens__*` beside it; the loaded-data fixtures are in
//! `screens/loaded.rs`, the text tests in `screens/text.rs`.

use flightdeck::tui::app::App;
use flightdeck::tui::fixtures::{
    self, app, approval, failing_verify, gate, history, keys, rolled_back, run_until_gate, typed,
};
use flightdeck::tui::msg::{Key, KeyCode, Msg};
use flightdeck::tui::ratatui::Terminal;
use flightdeck::tui::ratatui::backend::TestBackend;
use flightdeck::tui::theme::Theme;

mod loaded;
mod text;

use loaded::{backups_loaded, cost_loaded, images_loaded, secrets_loaded};

fn render(app: &App, theme: &Theme) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| flightdeck::tui::view::view(app, theme, f)).unwrap();
    t
}

/// An ended run's reason longer than 80 columns (its last words must show).
pub(crate) const LONG_REASON: &str = "rolled back after: step verify failed: check 1/5 failed: HTTP 500 from \
    http://127.0.0.1:8080/health: DOWN: version 2.0.0-bad is a bad build; the previous release 1.1.0 \
    serves again (end of reason)";

/// Every fixture state: name and the messages that lead there.
#[allow(clippy::too_many_lines)] // one fixture state per line
fn states() -> Vec<(&'static str, Vec<flightdeck::store::records::RunRecord>, Vec<Msg>)> {
    let mut gate_grace = run_until_gate("staging");
    gate_grace.push(gate("staging", vec![], 1));
    gate_grace.push(fixtures::after(200));
    let mut gate_staging = gate_grace.clone();
    gate_staging.push(fixtures::after(1000));
    let mut gate_prod = run_until_gate("production");
    gate_prod.push(gate("production", vec![approval("rita", 1001)], 2));
    gate_prod.push(fixtures::after(1000));
    gate_prod.extend(typed("DEPLOY TO PROD"));
    let mut gate_tally = run_until_gate("production");
    gate_tally.extend(fixtures::prod_gate_with_refusal());
    gate_tally.push(fixtures::after(1000));
    let mut gate_scrolled = gate_tally.clone();
    gate_scrolled.extend(keys(&[KeyCode::PageDown]));
    let mut gate_hidden = gate_staging.clone();
    gate_hidden.extend(keys(&[KeyCode::Esc]));
    let mut relaunch = gate_staging.clone();
    relaunch.extend(keys(&[KeyCode::Esc]));
    relaunch.push(Msg::Key(Key::ch(':')));
    relaunch.extend(typed("run deploy version=1.2.1"));
    relaunch.extend(keys(&[KeyCode::Enter, KeyCode::Enter]));
    // The run screen's own questions: the footer lists only their keys.
    let mut cancel = run_until_gate("staging");
    cancel.push(Msg::Key(Key::ch('x')));
    let mut quit = run_until_gate("staging");
    quit.push(Msg::Key(Key::ch('q')));
    let mut failed_menu = failing_verify();
    failed_menu.push(fixtures::after(1000));
    // The deploy form, opened by name: more built-in workflows may sort before it on Home.
    let open_deploy = || {
        let mut m = vec![Msg::Key(Key::ch(':'))];
        m.extend(typed("run deploy"));
        m.push(Msg::Key(Key::new(KeyCode::Enter)));
        m
    };
    let mut launch_error = open_deploy();
    launch_error.extend(keys(&[KeyCode::Enter, KeyCode::Tab]));
    // `:run` focuses the first required field (the version).
    let mut launch_preview = open_deploy();
    launch_preview.extend(typed("1.2.0"));
    launch_preview.push(Msg::Key(Key::new(KeyCode::Enter)));
    let mut runs = vec![Msg::Key(Key::ch('r'))];
    runs.push(Msg::RunsLoaded { runs: history() });
    vec![
        ("home_empty", vec![], vec![]),
        ("home", history(), vec![fixtures::dora_dashboard(false), fixtures::health_snapshot()]),
        ("health", history(), vec![fixtures::health_snapshot(), Msg::Key(Key::ch('H'))]),
        (
            "health_detail",
            history(),
            vec![
                fixtures::health_snapshot(),
                Msg::Key(Key::ch('H')),
                Msg::Key(Key::ch('j')),
                Msg::Key(Key::ch('j')),
                Msg::Key(Key::new(KeyCode::Enter)),
            ],
        ),
        ("persona_diana", history(), vec![Msg::Key(Key::ch('1'))]),
        ("launch_error", vec![], launch_error),
        ("launch_preview", vec![], launch_preview),
        ("run_running", vec![], run_until_gate("staging")),
        ("run_gate_grace", vec![], gate_grace),
        ("run_gate", vec![], gate_staging),
        ("run_gate_hidden", vec![], gate_hidden),
        ("run_gate_tally", vec![], gate_tally),
        ("run_gate_scrolled", vec![], gate_scrolled),
        ("run_relaunch", vec![], relaunch),
        ("run_phrase_gate", vec![], gate_prod),
        ("run_failed_menu", vec![], failed_menu),
        ("run_cancel", vec![], cancel),
        ("run_quit", vec![], quit),
        ("run_finished", vec![], rolled_back()),
        // A reason longer than the status line wraps onto rows of its own, never cut.
        ("run_finished_long_reason", vec![], fixtures::rolled_back_because(LONG_REASON)),
        ("runs", history(), runs),
        ("audit", vec![], vec![Msg::Key(Key::ch('a')), fixtures::audit(true)]),
        ("audit_broken", vec![], vec![Msg::Key(Key::ch('a')), fixtures::audit(false)]),
        ("notifications", vec![], {
            let mut m = vec![Msg::Key(Key::ch(':'))];
            m.extend(typed("notifications"));
            m.extend([Msg::Key(Key::new(KeyCode::Enter)), fixtures::notifications()]);
            m
        }),
        ("notifications_attempts", vec![], {
            let mut m = vec![Msg::Key(Key::ch(':'))];
            m.extend(typed("notifications"));
            m.extend([Msg::Key(Key::new(KeyCode::Enter)), fixtures::notifications(), Msg::Key(Key::ch('j'))]);
            m.extend([Msg::Key(Key::new(KeyCode::Enter)), fixtures::notification_attempts()]);
            m
        }),
        ("help", history(), vec![Msg::Key(Key::ch('?'))]),
        ("release", history(), vec![Msg::Key(Key::ch('v')), fixtures::release_plan()]),
        ("dora", history(), vec![Msg::Key(Key::ch('d')), fixtures::dora_dashboard(false)]),
        (
            "dora_commits",
            history(),
            vec![
                Msg::Key(Key::ch('d')),
                fixtures::dora_dashboard(false),
                Msg::Key(Key::ch('j')),
                Msg::Key(Key::new(KeyCode::Enter)),
            ],
        ),
        ("dora_empty", vec![], vec![Msg::Key(Key::ch('d')), fixtures::dora_dashboard(true)]),
        ("load_setup", vec![], vec![Msg::Key(Key::ch('L'))]),
        ("load_setup_error", vec![], {
            let mut m = vec![Msg::Key(Key::ch('L'))];
            m.extend(keys(&[KeyCode::Tab, KeyCode::Tab, KeyCode::Tab]));
            m.extend(typed("fast"));
            m.extend(keys(&[KeyCode::Tab, KeyCode::Right, KeyCode::Right, KeyCode::Tab]));
            m.extend(typed("p95 < 50ms, error_rate <"));
            m.push(Msg::Key(Key::new(KeyCode::Enter)));
            m
        }),
        ("load_running", vec![], fixtures::load_running()),
        ("load_finished_pass", vec![], fixtures::load_finished(false, false)),
        ("load_finished_fail", vec![], fixtures::load_finished(true, false)),
        ("load_baseline", vec![], fixtures::load_finished(false, true)),
        ("secrets", vec![], vec![Msg::Key(Key::ch('S')), secrets_loaded()]),
        ("images", vec![], images_loaded()),
        ("backups", vec![], {
            let mut m = vec![Msg::Key(Key::ch(':'))];
            m.extend(typed("backups"));
            m.extend([Msg::Key(Key::new(KeyCode::Enter)), backups_loaded()]);
            m
        }),
        ("cost", vec![], {
            let mut m = vec![Msg::Key(Key::ch(':'))];
            m.extend(typed("cost 2026-10"));
            m.extend([Msg::Key(Key::new(KeyCode::Enter)), cost_loaded()]);
            m
        }),
        ("command_line", history(), {
            let mut m = vec![Msg::Key(Key::ch(':'))];
            m.extend(typed("ru"));
            m
        }),
    ]
}

#[test]
fn every_screen_at_80x24_and_160x48() {
    let theme = Theme::default_theme();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, runs, msgs) in states() {
        for (w, h) in [(80, 24), (160, 48)] {
            let a = app((w, h), runs.clone(), msgs.clone());
            let t = render(&a, &theme);
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
            let svg = flightdeck::tui::svg::buffer_to_svg(t.backend().buffer());
            let svg_path = dir.join(format!("{name}_{w}x{h}.svg"));
            std::fs::write(&svg_path, svg).unwrap();
            to_png(&svg_path);
        }
    }
}

#[test]
fn too_small_and_monochrome() {
    let a = app((60, 20), history(), vec![]);
    let t = render(&a, &Theme::default_theme());
    insta::assert_snapshot!("too_small_60x20", t.backend());
    let mut gate_prod = run_until_gate("production");
    gate_prod.push(gate("production", vec![], 2));
    let a = app((80, 24), vec![], gate_prod);
    let mono = Theme::load("mono", None).unwrap();
    let t = render(&a, &mono);
    // Without colour, the production badge and the waiting state still stand out by attributes.
    let buf = t.backend().buffer();
    let badge = (0..80).find(|&x| buf[(x, 0)].symbol() == "▲").expect("production badge");
    assert!(buf[(badge, 0)].modifier.contains(flightdeck::tui::ratatui::style::Modifier::REVERSED));
    let svg = flightdeck::tui::svg::buffer_to_svg(buf);
    std::fs::write(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots/run_phrase_gate_mono_80x24.svg"),
        svg,
    )
    .unwrap();
}

/// Writes a PNG beside the SVG with rsvg-convert (librsvg2-bin, installed by
/// `scripts/install-test-deps.sh`); a missing or failing converter fails the test.
pub fn to_png(svg: &std::path::Path) {
    crate::common::ensure_tool("rsvg-convert");
    let png = svg.with_extension("png");
    let out = std::process::Command::new("rsvg-convert").arg(svg).arg("-o").arg(&png).output().unwrap();
    assert!(
        out.status.success() && png.is_file(),
        "rsvg-convert {} failed: {}",
        svg.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}
