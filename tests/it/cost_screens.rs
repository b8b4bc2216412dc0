//! The Cost screen's breakdowns and anomaly list: `b` cycles service → environment → `tag:KEY`
//! (each read afresh for the month on screen), `j`/`k` select an anomaly and the list scrolls to
//! keep it shown. Snapshots at 80x24 and 120x40, also written to `screenshots/` (SVG and PNG).

use flightdeck::cost::{Anomaly, Decimal, GroupBy, SeriesRow, compute_report};
use flightdeck::tui::app::Screen;
use flightdeck::tui::fixtures::{app, keys, typed};
use flightdeck::tui::msg::{Effect, Key, KeyCode, Msg};
use flightdeck::tui::ratatui::Terminal;
use flightdeck::tui::ratatui::backend::TestBackend;
use flightdeck::tui::theme::{Role, Theme};

/// October and September totals per group (whole currency units).
fn groups(by: &GroupBy) -> Vec<(&'static str, i64, i64)> {
    match by {
        GroupBy::Service => {
            vec![("api", 412, 388), ("web", 305, 311), ("worker", 220, 150), ("(untagged)", 12, 12)]
        }
        GroupBy::Environment => {
            vec![("production", 702, 611), ("staging", 180, 201), ("dev", 55, 37), ("(untagged)", 12, 12)]
        }
        GroupBy::Tag(_) => {
            vec![("platform", 537, 499), ("data", 200, 150), ("frontend", 200, 200), ("(untagged)", 12, 12)]
        }
    }
}

/// `n` anomalies on consecutive days of October.
fn anomalies(n: u8) -> Vec<Anomaly> {
    (1..=n)
        .map(|i| Anomaly {
            day: format!("2026-10-{:02}", i + 5).parse().unwrap(),
            service: ["api", "worker", "web"][usize::from(i % 3)].into(),
            environment: ["production", "staging"][usize::from(i % 2)].into(),
            currency: "USD".into(),
            amount: Decimal::new(20_000 + i64::from(i) * 1_000, 2),
            median: Decimal::new(4_000, 2),
            mad: Decimal::new(300, 2),
            threshold: Decimal::new(4_900, 2),
        })
        .collect()
}

fn loaded(by: &GroupBy, n: u8) -> Msg {
    let month: flightdeck::cost::Month = "2026-10".parse().unwrap();
    let mut rows = Vec::new();
    for (group, oct, sep) in groups(by) {
        for (day, amount) in [("2026-10-31", oct), ("2026-09-30", sep)] {
            let amount = Decimal::new(amount * 100 + 37, 2);
            rows.push(SeriesRow {
                day: day.parse().unwrap(),
                group: group.into(),
                currency: "USD".into(),
                amount,
            });
        }
    }
    let report = compute_report(month, by, &rows, anomalies(n), Decimal::TEN);
    Msg::CostLoaded { report: Ok(Box::new(report)), tags: vec!["team".into()] }
}

fn open(n: u8) -> Vec<Msg> {
    let mut m = vec![Msg::Key(Key::ch(':'))];
    m.extend(typed("cost 2026-10"));
    m.push(Msg::Key(Key::new(KeyCode::Enter)));
    m.push(loaded(&GroupBy::Service, n));
    m
}

fn states() -> Vec<(&'static str, Vec<Msg>)> {
    let mut env = open(2);
    env.extend([Msg::Key(Key::ch('b')), loaded(&GroupBy::Environment, 2)]);
    let mut tag = env.clone();
    tag.extend([Msg::Key(Key::ch('b')), loaded(&GroupBy::Tag("team".into()), 2)]);
    let mut scrolled = open(20);
    scrolled.extend(keys(&[KeyCode::Down; 15]));
    vec![("cost_by_environment", env), ("cost_by_tag", tag), ("cost_anomalies_scrolled", scrolled)]
}

#[test]
fn cost_breakdowns_and_scrolled_anomalies_at_80x24_and_120x40() {
    let theme = Theme::default_theme();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    for (name, msgs) in states() {
        for (w, h) in [(80, 24), (120, 40)] {
            let a = app((w, h), vec![], msgs.clone());
            let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
            t.draw(|f| flightdeck::tui::view::view(&a, &theme, f)).unwrap();
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
            if name == "cost_anomalies_scrolled" {
                assert_selected(t.backend().buffer(), &theme, "2026-10-21");
            }
            let svg = flightdeck::tui::svg::buffer_to_svg(t.backend().buffer());
            let svg_path = dir.join(format!("{name}_{w}x{h}.svg"));
            std::fs::write(&svg_path, svg).unwrap();
            crate::screens::to_png(&svg_path);
        }
    }
}

/// The row showing `day` is drawn in the selection style, and no other anomaly row is.
fn assert_selected(buf: &flightdeck::tui::ratatui::buffer::Buffer, theme: &Theme, day: &str) {
    let selection = theme.style(Role::Selection);
    let mut selected = Vec::new();
    for y in 0..buf.area.height {
        let text: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
        if text.contains("  threshold ") && buf[(2, y)].style().bg == selection.bg {
            selected.push(text);
        }
    }
    assert!(selected.len() == 1 && selected[0].contains(day), "{selected:?}");
}

fn by_of(effects: &[Effect]) -> Vec<(Option<String>, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::LoadCost { month, by } => Some((month.clone(), by.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn b_cycles_every_breakdown_for_the_month_on_screen_and_the_selection_stays_in_the_list() {
    // Opened without a month: the cycle asks for the month the report showed.
    let mut a = app((80, 24), vec![], vec![Msg::Key(Key::ch(':'))]);
    for m in typed("cost") {
        a.update(m);
    }
    assert_eq!(by_of(&a.update(Msg::Key(Key::new(KeyCode::Enter)))), vec![(None, "service".to_string())]);
    a.update(loaded(&GroupBy::Service, 3));
    assert_eq!(*a.screen(), Screen::Cost);
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.extend(by_of(&a.update(Msg::Key(Key::ch('b')))));
    }
    let month = Some("2026-10".to_string());
    let want = ["environment", "tag:team", "service", "environment"];
    assert_eq!(seen, want.iter().map(|b| (month.clone(), (*b).to_string())).collect::<Vec<_>>());
    for _ in 0..5 {
        a.update(Msg::Key(Key::ch('j')));
    }
    assert_eq!(a.cost.view.row, 2, "three anomalies: the selection stops at the last");
    a.update(Msg::Key(Key::ch('k')));
    assert_eq!(a.cost.view.row, 1);
    a.update(loaded(&GroupBy::Service, 1));
    assert_eq!(a.cost.view.row, 0, "a shorter list keeps the selection inside it");
}
