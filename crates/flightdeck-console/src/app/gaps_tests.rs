//! Tests of this round's console gaps: a load step's live figures (run view and Load screen),
//! templated defaults in the launch form, and text that wraps at 80x24 instead of being cut.

use crate::app::launch::FieldValue;
use crate::app::load::LoadPhase;
use crate::app::{App, Screen};
use crate::fixtures::{self, app, keys, typed};
use crate::msg::{Effect, Key, KeyCode, Msg};
use crate::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn feed(app: &mut App, msgs: Vec<Msg>) -> Vec<Effect> {
    msgs.into_iter().flat_map(|m| app.update(m)).collect()
}

/// The screen as text, one string per row.
pub(super) fn screen_text(a: &App) -> Vec<String> {
    let mut t = Terminal::new(TestBackend::new(a.size.0, a.size.1)).expect("terminal");
    t.draw(|f| crate::view::view(a, &Theme::default_theme(), f)).expect("draw");
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect())
        .collect()
}

/// The words of `text` appear on screen in order (wrapped across rows is fine).
pub(super) fn shows_all_words(rows: &[String], text: &str) -> bool {
    let joined = rows.join(" ");
    let mut at = 0;
    text.split_whitespace().all(|w| match joined[at..].find(w) {
        Some(i) => {
            at += i + w.len();
            true
        }
        None => false,
    })
}

fn open(workflow: &str) -> Vec<Msg> {
    let mut m = vec![Msg::Key(Key::ch(':'))];
    m.extend(typed(&format!("run {workflow}")));
    m.push(Msg::Key(Key::new(KeyCode::Enter)));
    m
}

/// The form of `workflow` being edited (`:run` opens a complete form at its plan; a key leaves it).
fn open_form(workflow: &str) -> App {
    let mut a = app((80, 24), vec![], open(workflow));
    if matches!(a.screen(), Screen::Launch(f) if f.preview) {
        let _ = a.update(Msg::Key(Key::new(KeyCode::Up)));
    }
    a
}

#[test]
fn a_load_steps_progress_shows_in_the_run_view() {
    let a = app((80, 24), vec![], fixtures::load_step_running());
    let view = a.views.values().next().expect("the run's view");
    let s = view.load.get("load").expect("the load step's figures");
    assert!((s.elapsed_s - 12.0).abs() < f64::EPSILON);
    let rows = screen_text(&a);
    let step_row = rows.iter().find(|r| r.contains("Load test [")).expect("the load step's row");
    assert!(step_row.contains("req/s · 12/30s"), "{step_row}");
    let rows = screen_text(&app((120, 40), vec![], fixtures::load_step_running()));
    assert!(rows.iter().any(|r| r.contains("p50 1.40ms · p99 9.80ms · err ")), "{rows:#?}");
}

#[test]
fn the_load_screen_follows_a_workflows_load_step_until_dismissed() {
    let mut a = app((80, 24), vec![], fixtures::load_step_running());
    assert_eq!(a.load.phase, LoadPhase::Running);
    assert_eq!(a.load.from_run.as_ref().map(|(_, s)| s.as_str()), Some("load"));
    let _ = a.update(Msg::Key(Key::ch('L')));
    assert!(matches!(a.screen(), Screen::Load));
    // The footer offers what `x` does here: cancel the run the step belongs to, asked on its screen.
    assert!(screen_text(&a).last().is_some_and(|r| r.contains("x cancel its run")), "{:#?}", screen_text(&a));
    let effects = a.update(Msg::Key(Key::ch('x')));
    assert!(effects.is_empty(), "{effects:?}");
    let Screen::Run(rs) = a.screen() else { panic!("x did not open the run: {:?}", a.screen()) };
    assert!(rs.confirm_cancel, "the run screen does not ask to cancel");
    assert_eq!(a.dialog.as_deref(), Some("cancel"));
    let run = a.views.keys().next().cloned().unwrap_or_default();
    assert_eq!(a.update(Msg::Key(Key::ch('y'))), vec![Effect::Cancel { run }]);
    let _ = a.update(Msg::Key(Key::new(KeyCode::Esc)));
    assert!(matches!(a.screen(), Screen::Load), "{:?}", a.screen());
    // The step finishes; enter goes back to the form, and that step's figures do not come back.
    let finished = flightdeck_core::engine::event::EventKind::StepFinished {
        step: "load".into(),
        attempt: 1,
        status: flightdeck_core::engine::event::StepStatus::Succeeded,
        exit_code: Some(0),
        duration_ms: 30_000,
        outputs: std::collections::BTreeMap::new(),
        message: None,
    };
    let run = a.views.keys().next().cloned().unwrap_or_default();
    let ev = |seq, kind| {
        Msg::Engine(flightdeck_core::engine::event::Event {
            run: run.clone(),
            life: 1,
            seq,
            at: flightdeck_core::time::Micros(0),
            kind,
        })
    };
    let _ = a.update(ev(40, finished));
    assert_eq!(a.load.phase, LoadPhase::Finished);
    let _ = a.update(Msg::Key(Key::new(KeyCode::Enter)));
    assert_eq!(a.load.phase, LoadPhase::Setup);
    let data = serde_json::to_value(fixtures::load_snapshot(13, false)).unwrap_or_default();
    let _ = a.update(ev(
        41,
        flightdeck_core::engine::event::EventKind::StepProgress { step: "load".into(), data },
    ));
    assert_eq!(a.load.phase, LoadPhase::Setup, "a dismissed step took the screen again");
}

#[test]
fn the_loads_own_running_test_is_not_replaced_by_a_workflows() {
    let mut msgs = fixtures::load_running();
    msgs.extend(fixtures::load_step_running());
    let a = app((80, 24), vec![], msgs);
    assert!(a.load.from_run.is_none());
    assert!(matches!(a.load.started, Some(Effect::StartLoad { .. })));
}

#[test]
fn a_templated_default_shows_resolved_and_follows_the_environment() {
    let mut a = open_form("load-test");
    let Some(Screen::Launch(form)) = Some(a.screen().clone()) else { panic!("not on the form") };
    let save_as = form.fields.iter().find(|f| f.name == "save_as").expect("save_as");
    assert_eq!(save_as.text(), "staging-latest");
    let env = form.fields.iter().position(|f| f.name == "@env").expect("env");
    let rows = screen_text(&a);
    assert!(!rows.iter().any(|r| r.contains("{{")), "a raw template on screen: {rows:#?}");
    // Switch the environment: the untouched default follows it.
    let mut to_env = vec![Msg::Key(Key::new(KeyCode::Tab)); env - form.focus];
    to_env.push(Msg::Key(Key::new(KeyCode::Left)));
    let _ = feed(&mut a, to_env);
    let Screen::Launch(form) = a.screen() else { panic!("not on the form") };
    assert_eq!(form.environment(), "production");
    let save_as = form.fields.iter().find(|f| f.name == "save_as").expect("save_as");
    assert_eq!(save_as.text(), "production-latest");
    // The launch sends the value shown.
    let _ = feed(&mut a, keys(&[KeyCode::Enter]));
    let effects = feed(&mut a, keys(&[KeyCode::Enter]));
    let params = effects.iter().find_map(|e| match e {
        Effect::Launch { params, .. } => Some(params.clone()),
        _ => None,
    });
    assert_eq!(params.and_then(|p| p.get("save_as").cloned()).as_deref(), Some("production-latest"));
}

#[test]
fn an_edited_templated_default_is_kept_when_the_environment_changes() {
    let mut a = open_form("load-test");
    let Screen::Launch(form) = a.screen() else { panic!("not on the form") };
    let (save, env) = (
        form.fields.iter().position(|f| f.name == "save_as").expect("save_as"),
        form.fields.iter().position(|f| f.name == "@env").expect("env"),
    );
    let mut m = vec![Msg::Key(Key::new(KeyCode::Tab)); save - form.focus];
    m.extend(typed("-x"));
    m.extend(vec![Msg::Key(Key::new(KeyCode::Tab)); env - save]);
    m.push(Msg::Key(Key::new(KeyCode::Left)));
    let _ = feed(&mut a, m);
    let Screen::Launch(form) = a.screen() else { panic!("not on the form") };
    let FieldValue::Text(t) = &form.fields[save].value else { panic!("a text field") };
    assert_eq!(t.value(), "staging-latest-x");
}

#[test]
fn long_labels_and_help_wrap_at_80x24() {
    let mut msgs = open("deploy");
    // Focus the migrations switch, whose label and help are longer than their columns.
    msgs.extend(keys(&[KeyCode::Tab]));
    let a = app((80, 24), vec![], msgs);
    let Screen::Launch(form) = a.screen() else { panic!("not on the form") };
    let field = &form.fields[form.focus];
    let rows = screen_text(&a);
    assert!(field.label.chars().count() > 20, "the test needs a long label: {}", field.label);
    assert!(shows_all_words(&rows, &field.label), "{rows:#?}");
    let help = field.help.clone().expect("the field's help");
    assert!(shows_all_words(&rows, &help), "help cut: {rows:#?}");
    assert!(!rows.iter().any(|r| r.contains('…')), "something is cut: {rows:#?}");
}

#[test]
fn the_help_box_keeps_every_key_at_80x24_and_uses_a_wide_terminal() {
    let mut msgs = fixtures::run_until_gate("staging");
    msgs.push(Msg::Key(Key::ch('?')));
    let a = app((80, 24), vec![], msgs.clone());
    let rows = screen_text(&a);
    for (_, label) in crate::keymap::hints(crate::keymap::KeyScope::Run) {
        assert!(shows_all_words(&rows, label), "{label:?} missing: {rows:#?}");
    }
    assert!(shows_all_words(&rows, &crate::app::COMMANDS.join(" ")), "{rows:#?}");
    assert!(rows.iter().any(|r| r.contains("any key closes this help")), "{rows:#?}");
    let wide = screen_text(&app((160, 48), vec![], msgs));
    let width = wide.iter().find(|r| r.contains("╭ Help")).map_or(0, |r| r.trim().chars().count());
    assert!(width > 100, "the help box stayed narrow: {width}");
}

#[test]
fn a_finished_load_step_shows_its_own_mean_rate() {
    let mut a = app((80, 24), vec![], fixtures::load_step_running());
    let run = a.views.keys().next().cloned().unwrap_or_default();
    let outputs = [("rps", "987.25"), ("p50", "2.500"), ("p99", "7.000"), ("error_rate", "0.000000")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let kind = flightdeck_core::engine::event::EventKind::StepFinished {
        step: "load".into(),
        attempt: 1,
        status: flightdeck_core::engine::event::StepStatus::Succeeded,
        exit_code: Some(0),
        duration_ms: 30_000,
        outputs,
        message: None,
    };
    let at = flightdeck_core::time::Micros(0);
    let _ = a.update(Msg::Engine(flightdeck_core::engine::event::Event { run, life: 1, seq: 50, at, kind }));
    let rows = screen_text(&a);
    let row = rows.iter().find(|r| r.contains("Load test [")).expect("the load step's row");
    assert!(row.contains("987 req/s mean · 12/30s"), "{row}");
    assert!(a.load.snapshot.as_ref().is_some_and(|s| s.finished && (s.latency.p99 - 7.0).abs() < 1e-9));
}

#[test]
fn the_plan_preview_wraps_step_descriptions_when_they_fit_and_keeps_every_step() {
    let mut msgs = open("deploy");
    msgs.extend(typed("1.2.0"));
    msgs.push(Msg::Key(Key::new(KeyCode::Enter)));
    for size in [(80, 24), (120, 40)] {
        let a = app(size, vec![], msgs.clone());
        let Screen::Launch(form) = a.screen() else { panic!("not on the form") };
        assert!(form.preview, "the plan is shown");
        let rows = screen_text(&a);
        for s in &form.workflow.steps {
            assert!(rows.iter().any(|r| r.contains(&format!(". {}", s.id))), "{} missing: {rows:#?}", s.id);
            // At 80x24 deploy's six steps do not all fit wrapped, so each keeps one cut line; at
            // 120x40 every title shows whole.
            if let (Some(t), (120, 40)) = (&s.title, size) {
                assert!(shows_all_words(&rows, t), "{t:?} cut at {size:?}: {rows:#?}");
            }
        }
    }
}
