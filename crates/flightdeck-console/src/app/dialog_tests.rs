//! Dialogs cannot be answered by accident: the grace period, keys that mean something else, the
//! too-small notice, the highlight, `esc`, the engine's tally, "start another run?".

use crate::app::{App, Screen};
use crate::fixtures::{self, after, app, gate, run_until_gate};
use crate::msg::{Effect, Key, KeyCode, Msg};
use flightdeck_core::engine::event::Decision;

fn feed(app: &mut App, msgs: Vec<Msg>) -> Vec<Effect> {
    msgs.into_iter().flat_map(|m| app.update(m)).collect()
}

fn decisions(effects: &[Effect]) -> Vec<&Decision> {
    effects
        .iter()
        .filter_map(|e| if let Effect::Decide { decision, .. } = e { Some(decision) } else { None })
        .collect()
}

fn key(c: char) -> Msg {
    Msg::Key(Key::ch(c))
}

fn enter() -> Msg {
    Msg::Key(Key::new(KeyCode::Enter))
}

fn staging_gate() -> App {
    let mut msgs = run_until_gate("staging");
    msgs.push(gate("staging", vec![], 1));
    app((80, 24), vec![], msgs)
}

#[test]
fn a_key_within_the_grace_period_answers_nothing() {
    let mut a = staging_gate();
    assert!(a.grace_left_ms().is_some(), "a gate that just opened is in its grace period");
    let early = feed(&mut a, vec![after(200), key('y'), enter(), Msg::Key(Key::ctrl('r'))]);
    assert!(decisions(&early).is_empty(), "answered within 200 ms: {early:?}");
    assert!(a.notice.as_deref().is_some_and(|n| n.contains("ignored")), "{:?}", a.notice);
    let later = feed(&mut a, vec![after(700), key('y')]);
    assert_eq!(decisions(&later), vec![&Decision::Approve { gate: "promote#1".into(), comment: None }]);
}

#[test]
fn n_pressed_on_the_run_screen_as_a_gate_appears_rejects_nothing() {
    let mut a = app((80, 24), vec![], run_until_gate("staging"));
    let _ = feed(&mut a, vec![key('/')]);
    let _ = feed(&mut a, fixtures::typed("applied"));
    let _ = a.update(enter());
    // The gate pops up between two `n` (next match) presses, then long after.
    let mut msgs = vec![key('n'), gate("staging", vec![], 1), key('n'), after(2000), key('n'), key('n')];
    msgs.extend([key('r'), key('s'), key('a')]);
    let effects = feed(&mut a, msgs);
    assert!(decisions(&effects).is_empty(), "{effects:?}");
}

#[test]
fn no_key_acts_behind_the_too_small_notice() {
    let mut a = staging_gate();
    let _ = a.update(after(2000));
    let _ = a.update(Msg::Resize { width: 60, height: 20 });
    for k in [key('y'), enter(), Msg::Key(Key::ctrl('r')), key('x'), key('q'), key('r')] {
        let effects = a.update(k);
        assert!(effects.is_empty(), "a key acted behind the notice: {effects:?}");
    }
    assert!(matches!(a.screen(), Screen::Run(_)));
    let _ = a.update(Msg::Resize { width: 80, height: 24 });
    let effects = feed(&mut a, vec![after(3000), key('y')]);
    assert_eq!(decisions(&effects).len(), 1, "at full size the dialog answers again");
}

#[test]
fn production_starts_on_reject_and_enter_confirms_the_highlight() {
    let mut msgs = run_until_gate("production");
    msgs.push(fixtures::long_prod_gate());
    msgs.push(after(1000));
    let mut a = app((80, 24), vec![], msgs);
    let Screen::Run(rs) = a.screen() else { panic!("not on the run screen") };
    assert_eq!(rs.choice, 1, "production highlights reject first");
    let effects = a.update(enter());
    assert_eq!(decisions(&effects), vec![&Decision::Reject { gate: "publish#1".into(), comment: None }]);
    let mut b = app((80, 24), vec![], {
        let mut m = run_until_gate("production");
        m.extend([fixtures::long_prod_gate(), after(1000)]);
        m
    });
    let effects = feed(&mut b, vec![Msg::Key(Key::new(KeyCode::Left)), enter()]);
    assert_eq!(decisions(&effects), vec![&Decision::Approve { gate: "publish#1".into(), comment: None }]);
}

#[test]
fn esc_hides_the_dialog_but_keeps_the_run_waiting() {
    let mut a = staging_gate();
    let _ = feed(&mut a, vec![after(1000), Msg::Key(Key::new(KeyCode::Esc))]);
    assert!(matches!(a.screen(), Screen::Run(_)), "esc keeps the run screen");
    assert_eq!(a.dialog, None);
    assert_eq!(a.waiting_runs(), 1, "the header still counts the waiting gate");
    // Hidden, `y` answers nothing; enter shows it again, with a fresh grace period.
    assert!(decisions(&feed(&mut a, vec![key('y'), enter(), enter()])).is_empty());
    assert_eq!(a.dialog.as_deref(), Some("gate:promote#1"));
}

#[test]
fn the_tally_is_the_engines_with_refusals() {
    let mut msgs = run_until_gate("production");
    msgs.extend(fixtures::prod_gate_with_refusal());
    let a = app((80, 24), vec![], msgs);
    let view = a.views.values().next().expect("a run");
    assert_eq!(view.tally.counted_n(), 1, "diana's refused approval does not count");
    assert_eq!(view.tally.counted, vec!["rita".to_string()]);
    assert_eq!(
        view.tally.refused,
        vec![("diana".to_string(), "the run's own operator may not approve in production".to_string())]
    );
}

#[test]
fn starting_a_workflow_with_a_run_waiting_asks_first() {
    let mut a = staging_gate();
    let _ = a.update(after(1000));
    let line = "run deploy --env staging version=1.2.1";
    let _ = a.command(line);
    let effects = a.update(enter());
    assert!(effects.is_empty(), "launched without asking: {effects:?}");
    assert!(a.relaunch.is_some());
    assert!(a.update(key('n')).is_empty(), "any key but y keeps one run");
    let _ = a.command(line);
    let _ = a.update(enter());
    let effects = a.update(key('y'));
    assert!(matches!(effects.as_slice(), [Effect::Launch { .. }]), "{effects:?}");
}

#[test]
fn a_hidden_gate_answered_elsewhere_leaves_nothing_to_show_again() {
    let mut a = staging_gate();
    let _ = feed(&mut a, vec![after(700), Msg::Key(Key::new(KeyCode::Esc))]);
    let hidden = |a: &App| matches!(a.screen(), Screen::Run(rs) if rs.hidden.is_some());
    assert!(hidden(&a), "esc did not hide the gate");
    // A colleague's console approves: the gate passes and the step ends, nothing is open.
    let done = flightdeck_core::engine::event::EventKind::StepFinished {
        step: "promote".into(),
        attempt: 1,
        status: flightdeck_core::engine::event::StepStatus::Succeeded,
        exit_code: None,
        duration_ms: 5,
        outputs: std::collections::BTreeMap::new(),
        message: None,
    };
    let _ = feed(&mut a, vec![fixtures::ev(40, 60, done)]);
    assert!(!hidden(&a), "the run screen still holds a dialog that closed");
    let footer = crate::app::gaps_tests::screen_text(&a).last().cloned().unwrap_or_default();
    assert!(!footer.contains("show the dialog"), "{footer:?}");
}
