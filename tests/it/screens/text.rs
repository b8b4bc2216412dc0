//! What the screens do with text: untrusted output is made visible, never sent as control codes,
//! and the live filter shows only matching lines.

use flightdeck::tui::fixtures::{self, app, run_until_gate, typed};
use flightdeck::tui::msg::{Key, Msg};
use flightdeck::tui::theme::Theme;

use super::render;

#[test]
fn untrusted_text_is_made_visible_never_sent_as_control_codes() {
    use flightdeck::engine::event::{Event, EventKind, Stream};
    let mut msgs = run_until_gate("staging");
    let run = "20261118-092800-deploy-3f2a".to_string();
    let line = "\x1b[2J\x1b]52;c;aGk=\x07 owned\r50%";
    msgs.push(Msg::Engine(Event {
        run,
        life: 1,
        seq: 99,
        at: fixtures::NOW,
        kind: EventKind::StepLog { step: "migrate.apply".into(), stream: Stream::Stdout, line: line.into() },
    }));
    let a = app((80, 24), vec![], msgs);
    let t = render(&a, &Theme::default_theme());
    let text: String =
        t.backend().buffer().content().iter().map(flightdeck::tui::ratatui::buffer::Cell::symbol).collect();
    assert!(text.contains("␛[2J␛]52;c;aGk=␇ owned␍50%"), "{text}");
    assert!(!text.chars().any(char::is_control), "a control character reached the screen");
}

#[test]
fn the_live_filter_shows_only_matching_lines() {
    let mut msgs = run_until_gate("staging");
    msgs.push(Msg::Key(Key::ch('&')));
    msgs.extend(typed("version"));
    let a = app((80, 24), vec![], msgs);
    let t = render(&a, &Theme::default_theme());
    let rows: Vec<String> = (0..24)
        .map(|y| (0..80).map(|x| t.backend().buffer()[(x, y)].symbol().to_string()).collect())
        .collect();
    let screen = rows.join("\n");
    assert!(screen.contains("staging.db: applied 1 migration(s); version 0003"), "{screen}");
    assert!(
        !screen.contains("applied 0003_create_deploy_notes.sql"),
        "a line without the filter shows:\n{screen}"
    );
    assert!(screen.contains("&version"), "the footer shows the filter as typed:\n{screen}");
}

/// An ended run's reason longer than the status line shows whole on rows of its own, and the log
/// area the runtime reads and scrolls (`view::log_area`) is exactly where the log is drawn: the
/// panel's title just above it, the log's first line on its first row. A short reason stays on
/// the status line and leaves the layout as it was.
#[test]
fn a_long_reason_wraps_whole_and_the_log_area_follows_it() {
    let rows = |a: &flightdeck::tui::app::App| -> Vec<String> {
        let t = render(a, &Theme::default_theme());
        (0..a.size.1)
            .map(|y| (0..a.size.0).map(|x| t.backend().buffer()[(x, y)].symbol().to_string()).collect())
            .collect()
    };
    for (reason, below) in [(super::LONG_REASON, 3), ("rolled back after: exited with code 6", 0)] {
        let a = app((80, 24), vec![], fixtures::rolled_back_because(reason));
        let shown = rows(&a);
        let run = a.views.keys().next().expect("the run's view");
        let area = flightdeck::tui::view::log_area(a.size, a.views.get(run), false);
        let y = usize::from(area.y);
        assert!(shown[y - 1].starts_with(" Verify health — "), "{reason}: {shown:#?}");
        assert!(shown[y].starts_with("error: check 1/5 failed"), "{reason}: {shown:#?}");
        let words: Vec<&str> = shown[1..=1 + below].iter().flat_map(|r| r.split_whitespace()).collect();
        let expected: Vec<&str> = reason.split_whitespace().collect();
        assert!(words.ends_with(&expected), "{reason}: the whole reason, got {words:?}");
        assert_eq!(shown[2 + below].chars().next(), Some('╭'), "the steps panel follows: {shown:#?}");
    }
}
