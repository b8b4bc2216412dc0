//! While a dialog shows, the footer lists that dialog's keys only (and `? help` where `?` is not
//! text), and the console's own y/n questions take every key: `y` says yes, `?` shows help over
//! the question, any other key says no and does nothing behind it.

use crate::app::gaps_tests::{screen_text, shows_all_words};
use crate::app::{App, Screen};
use crate::fixtures::{after, app, approval, failing_verify, gate, run_until_gate, typed};
use crate::msg::{Effect, Key, KeyCode, Msg};

fn footer(a: &App) -> String {
    screen_text(a).last().cloned().unwrap_or_default()
}

fn key(c: char) -> Msg {
    Msg::Key(Key::ch(c))
}

/// The run screen's own keys, which must not be offered while a dialog shows.
const RUN_KEYS: [&str; 4] = ["follow", "wrap", "full log", "copy line"];

fn assert_dialog_footer(a: &App, wanted: &[&str], help: bool) {
    let f = footer(a);
    for w in wanted {
        assert!(f.contains(w), "footer lacks {w:?}: {f:?}");
    }
    for k in RUN_KEYS {
        assert!(!f.contains(k), "footer lists the run screen's {k:?} behind the dialog: {f:?}");
    }
    assert_eq!(f.contains("? help"), help, "`? help` in {f:?}");
}

#[test]
fn the_footer_lists_only_the_dialogs_keys() {
    let mut cancel = run_until_gate("staging");
    cancel.push(key('x'));
    assert_dialog_footer(&app((80, 24), vec![], cancel), &["y cancel the run", "keep it"], true);
    let mut quit = run_until_gate("staging");
    quit.push(key('q'));
    assert_dialog_footer(&app((80, 24), vec![], quit), &["y quit", "stay"], true);
    let mut staging = run_until_gate("staging");
    staging.extend([gate("staging", vec![], 1), after(1000)]);
    assert_dialog_footer(&app((80, 24), vec![], staging), &["enter confirm", "y approve"], true);
    let mut failed = failing_verify();
    failed.push(after(1000));
    assert_dialog_footer(&app((80, 24), vec![], failed), &["←→ choose", "enter confirm"], true);
    // Typing a phrase, `?` is text: the footer does not offer help.
    let mut phrase = run_until_gate("production");
    phrase.extend([gate("production", vec![approval("rita", 1001)], 2), after(1000)]);
    phrase.extend(typed("DEPLOY"));
    assert_dialog_footer(&app((80, 24), vec![], phrase), &["the phrase", "enter submit"], false);
    // Without a dialog the run screen's keys come back.
    assert!(footer(&app((80, 24), vec![], run_until_gate("staging"))).contains("follow"));
}

#[test]
fn a_key_that_means_something_behind_the_cancel_question_only_closes_it() {
    let mut msgs = run_until_gate("staging");
    msgs.push(key('x'));
    let mut a = app((80, 24), vec![], msgs);
    assert_eq!(a.dialog.as_deref(), Some("cancel"));
    // `r` is "runs" on the run screen: here it keeps the run and stays put.
    assert!(a.update(key('r')).is_empty());
    assert!(matches!(a.screen(), Screen::Run(_)), "r opened another screen behind the question");
    assert_eq!(a.dialog, None, "the question is answered (keep the run)");
    // `?` shows help over the question; the next key closes help and the question stays.
    let _ = a.update(key('x'));
    let _ = a.update(key('?'));
    assert!(a.help);
    assert!(a.update(key('y')).is_empty(), "the key closing help answered the question");
    assert!(!a.help);
    assert_eq!(a.dialog.as_deref(), Some("cancel"));
    let effects = a.update(key('y'));
    assert!(matches!(effects.as_slice(), [Effect::Cancel { .. }]), "{effects:?}");
}

#[test]
fn help_over_the_quit_question_keeps_the_question() {
    let mut msgs = run_until_gate("staging");
    msgs.push(key('q'));
    let mut a = app((80, 24), vec![], msgs);
    assert!(a.confirm_quit);
    let said = "It goes on in the runner: `flightdeck attach RUN` or the runs list shows it again.";
    assert!(shows_all_words(&screen_text(&a), said), "the quit question is cut: {:#?}", screen_text(&a));
    let _ = a.update(key('?'));
    assert!(a.help && a.confirm_quit, "? answered the quit question");
    assert!(a.update(Msg::Key(Key::new(KeyCode::Esc))).is_empty());
    assert!(a.confirm_quit, "closing help answered the quit question");
    assert_eq!(a.update(key('y')), vec![Effect::Quit]);
}

#[test]
fn home_keeps_command_help_and_quit_visible_at_80_columns() {
    for size in [(80, 24), (90, 30), (120, 40)] {
        let a = app(size, vec![], vec![]);
        assert!(matches!(a.screen(), Screen::Home));
        let f = footer(&a);
        for essential in [": command", "? help", "q quit"] {
            assert!(f.contains(essential), "{size:?}: the footer lacks {essential:?}: {f:?}");
        }
        // What gives way is a screen's own keys, from the end; the first ones stay.
        assert!(f.contains("↑↓ select"), "{size:?}: {f:?}");
    }
}
