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
