//! The Assessment screen: sections with score, coverage and bar; `enter` drills into a section's
//! items; `p a f n u` and `m` ask to set the selected item's state and note. Snapshots at 80x24 and
//! 120x40 (screenshots/ as SVG).

use flightdeck::assess::{Checklist, ItemResult, Report, Source, State};
use flightdeck::tui::app::App;
use flightdeck::tui::fixtures::{app, keys, typed};
use flightdeck::tui::msg::{Effect, Key, KeyCode, Msg};
use flightdeck::tui::ratatui::Terminal;
use flightdeck::tui::ratatui::backend::TestBackend;
use flightdeck::tui::theme::Theme;

const AT: i64 = 1_795_000_000_000_000;

/// A report over the bundled checklist: section 1 mixed, section 5 from evidence, 13-16 n/a,
/// the rest unknown; one critical item fails.
fn report() -> Report {
    let list = Checklist::bundled().unwrap();
    let items = list
        .items
        .iter()
        .map(|i| {
            let section = i.section_id().to_string();
            let (state, source) = match (section.as_str(), i.id.as_str()) {
                (_, "1.1.3") => (State::Fail, Source::Evidence),
                (_, "1.1.4" | "1.2.1") => (State::Partial, Source::Operator),
                ("1" | "2", _) => (State::Pass, Source::Operator),
                (_, "5.1.1") => (State::Pass, Source::Evidence),
                ("13" | "14" | "15" | "16", _) => (State::NotApplicable, Source::Config),
                _ => (State::Unknown, Source::None),
            };
            ItemResult {
                id: i.id.clone(),
                section,
                subsection: i.subsection.clone(),
                text: i.text.clone(),
                critical: i.critical,
                gate: list.is_gate(i),
                state,
                source,
                note: (i.id == "1.1.4").then(|| "IAM review booked for Q1".to_string()),
                detail: (i.id == "1.1.3")
                    .then(|| "the value of db_password is in tracked file deploy/prod.env".to_string()),
                evidence: i.evidence.clone(),
                at: Some(AT - 3 * 86_400_000_000),
                actor: (source == Source::Operator).then(|| "diana".to_string()),
            }
        })
        .collect();
    Report::compute("production", AT, &list.sections, items)
}

fn open() -> Vec<Msg> {
    let mut m = vec![Msg::Key(Key::ch(':'))];
    m.extend(typed("assess"));
    m.push(Msg::Key(Key::new(KeyCode::Enter)));
    m.push(Msg::AssessmentLoaded { report: Ok(Box::new(report())) });
    m
}

fn render(a: &App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(a.size.0, a.size.1)).unwrap();
    t.draw(|f| flightdeck::tui::view::view(a, &Theme::default_theme(), f)).unwrap();
    t
}

fn screen_text(t: &Terminal<TestBackend>) -> String {
    let b = t.backend().buffer();
    (0..b.area.height)
        .map(|y| (0..b.area.width).map(|x| b[(x, y)].symbol()).collect::<String>() + "\n")
        .collect()
}

#[test]
fn assessment_screen_snapshots_at_80x24_and_120x40() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    let mut drilled = open();
    drilled.extend(keys(&[KeyCode::Enter, KeyCode::Down, KeyCode::Down, KeyCode::Down]));
    for (name, msgs) in [("assessment", open()), ("assessment_items", drilled)] {
        for (w, h) in [(80, 24), (120, 40)] {
            let a = app((w, h), vec![], msgs.clone());
            let t = render(&a);
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
            let svg = flightdeck::tui::svg::buffer_to_svg(t.backend().buffer());
            std::fs::write(dir.join(format!("{name}_{w}x{h}.svg")), svg).unwrap();
        }
    }
}

#[test]
fn the_screen_shows_the_computed_numbers() {
    let r = report();
    // Section 1: 17 pass, 2 partial, 1 fail of 20 → (17 + 1) / 20 = 90.
    assert_eq!(r.sections[0].score, Some(90));
    assert!(!r.ready, "1.1.3 is critical and fails");
    let t = screen_text(&render(&app((120, 40), vec![], open())));
    let overall = r.overall.unwrap();
    assert!(t.contains(&format!("overall {overall} / 100")), "{t}");
    assert!(t.contains("NOT READY"), "{t}");
    assert!(t.contains("Security & Compliance") && t.contains("   90"), "{t}");
}

#[test]
fn keys_ask_to_set_the_selected_items_state_and_note() {
    let mut a = app((120, 40), vec![], open());
    let effects = a.update(Msg::Key(Key::ch('f')));
    assert!(effects.is_empty(), "states are set on items, not sections");
    a.update(Msg::Key(Key::new(KeyCode::Enter)));
    a.update(Msg::Key(Key::ch('j')));
    let effects = a.update(Msg::Key(Key::ch('p')));
    assert_eq!(
        effects,
        vec![Effect::SetAssessmentItem { item: "1.1.2".into(), state: "pass".into(), note: None }]
    );
    a.update(Msg::Key(Key::ch('m')));
    for m in typed("rota signed off") {
        a.update(m);
    }
    let effects = a.update(Msg::Key(Key::new(KeyCode::Enter)));
    assert_eq!(
        effects,
        vec![Effect::SetAssessmentItem {
            item: "1.1.2".into(),
            state: "pass".into(),
            note: Some("rota signed off".into())
        }]
    );
    a.update(Msg::Key(Key::new(KeyCode::Esc)));
    assert_eq!(a.assessment.section, None, "esc leaves the section first");
    assert!(matches!(a.screen(), flightdeck::tui::app::Screen::Assessment));
}

#[test]
fn the_health_screen_lists_received_alerts_firing_and_resolved() {
    use flightdeck::store::AlertRecord;
    let alert = |status: &str, secs: i64| AlertRecord {
        id: 0,
        received_at: flightdeck::time::Micros(AT + secs * 1_000_000),
        fingerprint: "f1".into(),
        alertname: "FlightdeckMonitorDown".into(),
        monitor: Some("web".into()),
        status: status.into(),
        summary: Some("web is down\x1b[2J".into()),
        starts_at: String::new(),
        ends_at: String::new(),
    };
    let msgs = vec![
        flightdeck::tui::fixtures::health_snapshot(),
        Msg::AlertsLoaded { alerts: vec![alert("resolved", 20), alert("firing", 0)] },
        Msg::Key(Key::ch('H')),
    ];
    let t = screen_text(&render(&app((120, 40), flightdeck::tui::fixtures::history(), msgs)));
    assert!(t.contains("alerts from Alertmanager"), "{t}");
    assert!(t.contains("resolved FlightdeckMonitorDown web"), "{t}");
    assert!(t.contains("firing   FlightdeckMonitorDown web"), "{t}");
    assert!(!t.contains('\x1b'), "control characters never reach the screen");
}
