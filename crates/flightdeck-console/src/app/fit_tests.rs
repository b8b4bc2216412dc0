//! At 80 columns what matters gives way last: the header keeps waiting gates and the health
//! summary (the branch, the summary's environment name and the operator go first), the run
//! screen's footer keeps `x cancel` and `esc back`, and an ended run's footer offers no cancel.

use crate::app::gaps_tests::{screen_text, shows_all_words};
use crate::fixtures::{self, after, app, gate, rolled_back, run_until_gate};
use crate::msg::Msg;
use crate::theme::Theme;

#[test]
fn the_header_keeps_waiting_gates_and_the_whole_health_summary_at_80_columns() {
    let Msg::HealthSnapshot { snapshot } = fixtures::health_snapshot() else { panic!("not a snapshot") };
    let summary: String = crate::view::health::summary(&snapshot, &Theme::default_theme())
        .iter()
        .map(|s| s.content.to_string())
        .collect();
    let mut msgs = vec![fixtures::health_snapshot()];
    msgs.extend(run_until_gate("staging"));
    msgs.extend([gate("staging", vec![], 1), after(1000)]);
    let a = app((80, 24), vec![], msgs);
    let header = screen_text(&a).remove(0);
    assert!(header.contains("⏸ 1 waiting"), "{header:?}");
    assert!(header.contains(summary.trim_end()), "health summary {summary:?} cut: {header:?}");
    assert!(header.trim_end().ends_with("UTC"), "{header:?}");
    let wide = screen_text(&app((160, 48), vec![], {
        let mut m = vec![fixtures::health_snapshot()];
        m.extend(run_until_gate("staging"));
        m
    }))
    .remove(0);
    assert!(wide.contains(&a.init.operator) && wide.contains(&a.init.branch), "{wide:?}");
}

#[test]
fn the_run_footer_keeps_cancel_and_back_and_an_ended_run_offers_no_cancel() {
    let live = screen_text(&app((80, 24), vec![], run_until_gate("staging")));
    let footer = live.last().cloned().unwrap_or_default();
    assert!(footer.contains("x cancel") && footer.contains("esc back"), "{footer:?}");
    let ended = screen_text(&app((160, 48), vec![], rolled_back()));
    let footer = ended.last().cloned().unwrap_or_default();
    assert!(!footer.contains("cancel"), "an ended run's footer offers cancel: {footer:?}");
    assert!(footer.contains("esc back"), "{footer:?}");
}

#[test]
fn homes_dora_line_shows_every_figure_whole_and_its_hint_never_cut() {
    for empty in [false, true] {
        let msg = fixtures::dora_dashboard(empty);
        let Msg::DoraLoaded { dashboard: Ok(d) } = &msg else { panic!("not a dashboard") };
        let figures: Vec<String> = d.metrics.iter().map(|c| c.display.clone()).collect();
        let rows = screen_text(&app((80, 24), vec![], vec![msg]));
        let line = rows.iter().find(|r| r.contains(" DORA ")).cloned().unwrap_or_default();
        let mut at = 0;
        for f in &figures {
            let found = line[at..].find(f.as_str());
            assert!(found.is_some(), "figure {f:?} cut from {line:?}");
            at += found.unwrap_or(0) + f.len();
        }
        assert!(line.contains("d: dashboard") || line.contains("d ▸"), "no whole hint on {line:?}");
    }
}

#[test]
fn help_lists_every_command_and_none_it_lists_is_unknown() {
    for size in [(80, 24), (160, 48)] {
        let mut a = app(size, vec![], vec![]);
        let _ = a.update(Msg::Key(crate::msg::Key::ch('?')));
        let text = screen_text(&a).join(" ");
        for c in crate::app::COMMANDS {
            assert!(
                text.split(|ch: char| !ch.is_alphanumeric()).any(|w| w == *c),
                "help at {size:?} lacks :{c}"
            );
        }
    }
    for c in crate::app::COMMANDS {
        let line = match *c {
            "run" => "run deploy",
            "theme" => "theme light",
            "persona" => "persona diana",
            "profile" => "profile 20261118-092800-deploy-3f2a",
            other => other,
        };
        let mut a = app((80, 24), vec![], vec![]);
        let _ = a.command(line);
        assert!(
            !a.notice.as_deref().is_some_and(|n| n.starts_with("unknown command")),
            ":{line}: {:?}",
            a.notice
        );
    }
}

#[test]
fn an_empty_screens_notice_wraps_instead_of_being_cut() {
    let mut a = app((80, 24), vec![], vec![]);
    let _ = a.command("images");
    let _ = a.update(Msg::ImagesLoaded { rows: Vec::new() });
    let said = "no images yet: run the container-build workflow (or flightdeck image build/scan/push)";
    assert!(shows_all_words(&screen_text(&a), said), "{:#?}", screen_text(&a));
}

#[test]
fn the_audit_log_shows_whole_run_ids_at_80_columns() {
    let a = app((80, 24), vec![], vec![Msg::Key(crate::msg::Key::ch('a')), fixtures::audit(true)]);
    let rows = screen_text(&a);
    assert!(rows.iter().any(|r| r.contains("20261118-092800-deploy-3f2a")), "no whole run id: {rows:#?}");
}

#[test]
fn the_load_footer_offers_what_the_tests_phase_allows() {
    let running = screen_text(&app((80, 24), vec![], fixtures::load_running()));
    let footer = running.last().cloned().unwrap_or_default();
    assert!(footer.contains("x cancel") && !footer.contains("new test"), "{footer:?}");
    // A key clears the "load test passed" notice; `j` means nothing on a finished test.
    let mut finished = fixtures::load_finished(false, false);
    finished.push(Msg::Key(crate::msg::Key::ch('j')));
    let done = screen_text(&app((80, 24), vec![], finished));
    let footer = done.last().cloned().unwrap_or_default();
    assert!(footer.contains("enter new test") && !footer.contains("cancel"), "{footer:?}");
}

#[test]
fn a_persona_screens_footer_offers_no_tab_it_does_not_honour() {
    let mut a = app((80, 24), vec![], vec![Msg::Key(crate::msg::Key::ch('2'))]);
    let before = a.screen().clone();
    let _ = a.update(Msg::Key(crate::msg::Key::new(crate::msg::KeyCode::Tab)));
    assert_eq!(*a.screen(), before, "tab changed the persona screen");
    let footer = screen_text(&a).last().cloned().unwrap_or_default();
    assert!(!footer.contains("tab"), "{footer:?}");
    assert!(footer.contains("1 2 3 persona") && footer.contains("esc back"), "{footer:?}");
}

#[test]
fn a_monitors_conditions_show_whole_at_80_columns() {
    let key = |c: char| Msg::Key(crate::msg::Key::ch(c));
    let enter = Msg::Key(crate::msg::Key::new(crate::msg::KeyCode::Enter));
    let Msg::HealthSnapshot { snapshot } = fixtures::health_snapshot() else { panic!("not a snapshot") };
    for row in 0..snapshot.monitors.len() {
        let mut msgs = vec![fixtures::health_snapshot(), key('H')];
        msgs.extend((0..row).map(|_| key('j')));
        msgs.push(enter.clone());
        let rows = screen_text(&app((80, 24), vec![], msgs));
        for c in &snapshot.monitors[row].conditions {
            assert!(shows_all_words(&rows, &c.condition), "{:?} cut: {rows:#?}", c.condition);
        }
    }
}

#[test]
fn dora_card_titles_are_never_cut_at_80_columns() {
    let msgs = vec![Msg::Key(crate::msg::Key::ch('d')), fixtures::dora_dashboard(false)];
    let rows = screen_text(&app((80, 24), vec![], msgs));
    let cards = rows.iter().find(|r| r.contains("Lead time")).cloned().unwrap_or_default();
    assert!(!cards.contains('…'), "a card title is cut: {cards:?}");
    for t in ["Deploys", "Fail rate", "Recovery", "Rework"] {
        assert!(cards.contains(t), "{t:?} missing from {cards:?}");
    }
}
