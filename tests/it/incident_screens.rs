//! The incident banner in the header of every screen while an incident is open: snapshots at
//! 80x24 and 120x40 in the dark (default) and mono themes; in mono the banner stands out by
//! attributes alone (reversed).

use flightdeck::incident::{EventKind, IncidentEvent, OpenIncident};
use flightdeck::store::records::IncidentRecord;
use flightdeck::time::Micros;
use flightdeck::tui::app::App;
use flightdeck::tui::fixtures::{app, history};
use flightdeck::tui::msg::{Key, Msg};
use flightdeck::tui::ratatui::Terminal;
use flightdeck::tui::ratatui::backend::TestBackend;
use flightdeck::tui::ratatui::style::Modifier;
use flightdeck::tui::theme::Theme;

fn render(app: &App, theme: &Theme) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| flightdeck::tui::view::view(app, theme, f)).unwrap();
    t
}

fn event(id: i64, at: Micros, uid: u32, actor: &str, kind: EventKind, role: &str) -> IncidentEvent {
    IncidentEvent {
        id,
        incident: "inc-42".into(),
        at,
        uid,
        actor: actor.into(),
        kind,
        text: role.into(),
        data: serde_json::json!({ "role": role }),
        late: false,
    }
}

/// An open sev1 started 42 min 17 s before `now`, commanded by diana, three people on it.
fn open_incident(now: Micros) -> Msg {
    let started = Micros(now.0 - (42 * 60 + 17) * 1_000_000);
    let record = IncidentRecord {
        id: "inc-42".into(),
        service: "web".into(),
        environment: "production".into(),
        severity: "sev1".into(),
        title: "checkout returns 502".into(),
        started_at: started,
        detected_at: Some(started),
        mitigated_at: None,
        resolved_at: None,
        caused_by: None,
    };
    let events = vec![
        event(1, started, 1001, "diana", EventKind::Declared, "commander"),
        event(2, started, 1002, "rita", EventKind::Joined, "responder"),
        event(3, started, 1003, "sam", EventKind::Joined, "scribe"),
    ];
    Msg::IncidentLoaded { open: Some(Box::new(OpenIncident { record, events })) }
}

#[test]
fn the_banner_heads_every_screen_in_dark_and_mono() {
    let mono = Theme::load("mono", None).unwrap();
    for (theme_name, theme) in [("dark", Theme::default_theme()), ("mono", mono)] {
        for (w, h) in [(80, 24), (120, 40)] {
            for (screen, keys) in [("home", vec![]), ("runs", vec![Msg::Key(Key::ch('r'))])] {
                let mut a = app((w, h), history(), keys);
                let now = a.now;
                let _ = a.update(open_incident(now));
                let t = render(&a, &theme);
                let buf = t.backend().buffer();
                let row: String = (0..w).map(|x| buf[(x, 1)].symbol().to_string()).collect();
                assert!(
                    row.contains("SEV1 inc-42 00:42:17 · commander diana · 3 on it"),
                    "{theme_name} {screen} {w}x{h}: {row}"
                );
                if theme_name == "mono" {
                    assert!(buf[(3, 1)].modifier.contains(Modifier::REVERSED), "mono banner is reversed");
                }
                insta::assert_snapshot!(
                    format!("incident_banner_{screen}_{theme_name}_{w}x{h}"),
                    t.backend()
                );
            }
        }
    }
}

#[test]
fn without_an_open_incident_there_is_no_banner() {
    let mut a = app((80, 24), history(), vec![]);
    let _ = a.update(Msg::IncidentLoaded { open: None });
    let t = render(&a, &Theme::default_theme());
    let row: String = (0..80).map(|x| t.backend().buffer()[(x, 1)].symbol().to_string()).collect();
    assert!(!row.contains("SEV"), "{row}");
}

/// A timeline of inc-42 as the runtime reads it: incident events, health, a linked run and its
/// approval, and a note carrying an escape sequence.
fn timeline(now: Micros) -> flightdeck::tui::app::incident::IncidentTimeline {
    use flightdeck::incident::timeline::{Entry, Source};
    let at = |min: i64| Micros(now.0 - (42 - min) * 60_000_000);
    let entry = |min, source, text: &str, run: Option<&str>| Entry {
        at: at(min),
        source,
        text: text.into(),
        run: run.map(str::to_string),
    };
    let run = Some("20261204-0301-rollback-a1b2");
    flightdeck::tui::app::incident::IncidentTimeline {
        id: "inc-42".into(),
        heading: "SEV1 checkout returns 502 (web/production, open)".into(),
        entries: vec![
            entry(0, Source::Incident, "declared sev1 by diana (commander)", None),
            entry(1, Source::Health, "web DOWN: [STATUS] == 200 failed: got 502", None),
            entry(3, Source::Incident, "rita joined as responder", None),
            entry(9, Source::Run, "rollback started by diana (linked)", run),
            entry(10, Source::Approval, "rita approved promote#1 on rollback", run),
            entry(14, Source::Health, "web UP", None),
            entry(15, Source::Incident, "note by sam: 5xx gone after the rollback \u{1b}[2J", None),
        ],
    }
}

/// `:incident` with the open incident's timeline loaded.
fn incident_screen(size: (u16, u16)) -> App {
    use flightdeck::tui::fixtures::typed;
    use flightdeck::tui::msg::{Effect, KeyCode};
    let mut a = app(size, history(), vec![]);
    let now = a.now;
    let _ = a.update(open_incident(now));
    let mut effects = a.update(Msg::Key(Key::ch(':')));
    for m in typed("incident") {
        effects.extend(a.update(m));
    }
    effects.extend(a.update(Msg::Key(Key::new(KeyCode::Enter))));
    assert_eq!(effects, vec![Effect::LoadIncidentTimeline { id: None }]);
    let _ = a.update(Msg::IncidentTimelineLoaded { timeline: Ok(Box::new(timeline(now))) });
    a
}

/// The `:incident` screen shows the merged timeline in time order, untrusted text escaped.
#[test]
fn the_incident_screen_shows_the_merged_timeline() {
    for (w, h) in [(80, 24), (120, 40)] {
        let a = incident_screen((w, h));
        let t = render(&a, &Theme::default_theme());
        let screen = format!("{:?}", t.backend());
        assert!(screen.contains("rollback started by diana") && screen.contains("web UP"), "{screen}");
        assert!(!screen.contains('\u{1b}'), "a raw escape reached the screen");
        insta::assert_snapshot!(format!("incident_screen_{w}x{h}"), t.backend());
    }
}

/// `s` filters by source, `enter` on a run's entry opens the run, `j` joins and `n` sends a typed
/// note, both as runner requests.
#[test]
fn the_incident_screen_filters_opens_runs_joins_and_notes() {
    use flightdeck::incident::IncidentAction;
    use flightdeck::incident::timeline::Source;
    use flightdeck::tui::fixtures::typed;
    use flightdeck::tui::msg::{Effect, KeyCode};
    let mut a = incident_screen((80, 24));
    let press = |a: &mut App, k: char, n: usize| {
        for _ in 0..n {
            let _ = a.update(Msg::Key(Key::ch(k)));
        }
    };
    press(&mut a, 's', 1);
    assert_eq!(a.incident_screen.shown().len(), 3, "incident events only");
    press(&mut a, 's', 3);
    assert!(a.incident_screen.shown().iter().all(|e| e.source == Source::Health));
    press(&mut a, 's', 3);
    assert_eq!(a.incident_screen.shown().len(), 7, "back to all sources");
    for _ in 0..3 {
        let _ = a.update(Msg::Key(Key::new(KeyCode::Down)));
    }
    let open = a.update(Msg::Key(Key::new(KeyCode::Enter)));
    assert_eq!(open, vec![Effect::OpenRun { run: "20261204-0301-rollback-a1b2".into() }]);
    // diana declared it as commander: joining again would demote her, so `j` only says so.
    assert!(a.update(Msg::Key(Key::ch('j'))).is_empty());
    assert_eq!(a.notice.as_deref(), Some("you are on inc-42 already, as commander"));
    // Someone not on it (here: the commander left) joins as responder through the runner.
    if let Some(open) = a.incident.as_mut() {
        open.events.retain(|e| e.actor != "diana");
    }
    let join = a.update(Msg::Key(Key::ch('j')));
    let role = IncidentAction::Join { role: "responder".into() };
    assert_eq!(join, vec![Effect::Incident { incident: "inc-42".into(), action: role }]);
    let _ = a.update(Msg::Key(Key::ch('n')));
    let typing: Vec<Effect> = typed("rollback verified").into_iter().flat_map(|m| a.update(m)).collect();
    assert!(typing.is_empty(), "typing sends nothing");
    let sent = a.update(Msg::Key(Key::new(KeyCode::Enter)));
    let note = IncidentAction::Note { text: "rollback verified".into() };
    assert_eq!(sent, vec![Effect::Incident { incident: "inc-42".into(), action: note }]);
}
