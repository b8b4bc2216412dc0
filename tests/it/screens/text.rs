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
