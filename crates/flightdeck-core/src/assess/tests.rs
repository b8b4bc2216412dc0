//! Unit tests: the bundled checklist's shape, the formula on hand-computed examples, the project's
//! additions and disabled items.

use std::path::Path;

use super::*;

fn item(id: &str, state: State, critical: bool, gate: bool) -> ItemResult {
    ItemResult {
        id: id.into(),
        section: id.split('.').next().unwrap_or(id).into(),
        subsection: "s".into(),
        text: format!("item {id}"),
        critical,
        gate,
        state,
        source: Source::Operator,
        note: None,
        detail: None,
        evidence: None,
        at: None,
        actor: None,
    }
}

fn sections() -> Vec<Section> {
    vec![
        Section { id: "1".into(), title: "One".into(), gate: false },
        Section { id: "G".into(), title: "Gate".into(), gate: true },
    ]
}

#[test]
fn bundled_checklist_has_16_sections_270_items_and_a_12_item_gate() {
    let list = Checklist::bundled().unwrap();
    let gate: Vec<_> = list.items.iter().filter(|i| list.is_gate(i)).collect();
    assert_eq!(list.sections.len(), 17);
    assert_eq!(list.items.len() - gate.len(), 270);
    assert_eq!(gate.len(), 12);
    assert_eq!(list.item("5.2.1").unwrap().evidence.as_deref(), Some("prometheus_rules"));
    let mut ids: Vec<&str> = list.items.iter().map(|i| i.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 282, "item ids are unique");
}

#[test]
fn three_pass_one_partial_one_fail_one_na_scores_70() {
    use State::{Fail, NotApplicable, Partial, Pass};
    let states = [Pass, Pass, Pass, Partial, Fail, NotApplicable];
    // (3 + 0.5 + 0) / 5 = 0.7
    assert_eq!(score_items(&states), (Some(70), Some(100)));
    let items: Vec<ItemResult> =
        states.iter().enumerate().map(|(n, s)| item(&format!("1.1.{}", n + 1), *s, false, false)).collect();
    let r = Report::compute("prod", 0, &sections(), items);
    assert_eq!(r.sections[0].score, Some(70));
    assert_eq!(r.sections[0].applicable, 5);
    assert_eq!(r.overall, Some(70));
    assert_eq!(r.sections[1].score, None, "an empty section has no score");
    assert!(r.ready, "no gate item and no critical fail");
}

#[test]
fn unknown_counts_zero_and_lowers_coverage() {
    use State::{Pass, Unknown};
    assert_eq!(score_items(&[Pass, Pass, Pass, Unknown]), (Some(75), Some(75)));
    assert_eq!(score_items(&[State::NotApplicable]), (None, None));
}

#[test]
fn a_critical_fail_keeps_not_ready_at_98() {
    let mut items: Vec<ItemResult> =
        (1..=49).map(|n| item(&format!("1.1.{n}"), State::Pass, false, false)).collect();
    items.push(item("1.2.1", State::Fail, true, false));
    let r = Report::compute("prod", 0, &sections(), items);
    assert_eq!(r.overall, Some(98));
    assert!(!r.ready);
    assert_eq!(r.blockers.len(), 1);
    assert!(r.blockers[0].contains("1.2.1"), "{:?}", r.blockers);
}

#[test]
fn overall_is_over_items_not_a_mean_of_sections() {
    // Section 1: 1 pass of 1 = 100; gate: 1 pass, 3 fail = 25; mean would be 62.5, items give 40.
    let items = vec![
        item("1.1.1", State::Pass, false, false),
        item("G.1", State::Pass, false, true),
        item("G.2", State::Fail, false, true),
        item("G.3", State::Fail, false, true),
        item("G.4", State::Fail, false, true),
    ];
    let r = Report::compute("prod", 0, &sections(), items);
    assert_eq!(r.sections[0].score, Some(100));
    assert_eq!(r.sections[1].score, Some(25));
    assert_eq!(r.overall, Some(40));
    assert!(!r.ready, "gate items fail");
}

#[test]
fn a_gate_item_that_is_unknown_blocks_ready() {
    let items = vec![item("1.1.1", State::Pass, false, false), item("G.1", State::Unknown, false, true)];
    let r = Report::compute("prod", 0, &sections(), items);
    assert!(!r.ready);
    assert!(r.blockers[0].contains("G.1 is unknown"), "{:?}", r.blockers);
}

fn cfg(text: &str) -> Result<Checklist, AssessError> {
    #[derive(serde::Deserialize)]
    struct Wrap {
        assessment: AssessmentConfig,
    }
    let w: Wrap = toml::from_str(text).unwrap();
    Checklist::load(&w.assessment, text, Path::new("flightdeck.toml"))
}

#[test]
fn project_items_are_added_and_items_disabled() {
    let list = cfg(
        "[assessment]\ndisable = [\"13\", \"14.2.1\"]\n\n[[assessment.items]]\nid = \"5.9.1\"\nsection = \"5\"\ntext = \"Pager rota\"\ncritical = true\n",
    )
    .unwrap();
    assert_eq!(list.items.len(), 283);
    assert!(list.disabled.contains(&"13.4.5".to_string()));
    assert!(list.disabled.contains(&"14.2.1".to_string()));
    assert!(!list.disabled.contains(&"14.2.2".to_string()));
    let pos = list.items.iter().position(|i| i.id == "5.9.1").unwrap();
    assert_eq!(list.items[pos - 1].id, "5.3.5", "added after its section's items");
}

#[test]
fn a_duplicate_id_names_the_file_and_line() {
    let text = "[assessment]\n[[assessment.items]]\nid = \"X.1\"\nsection = \"5\"\ntext = \"a\"\n\n[[assessment.items]]\nid = \"X.1\"\nsection = \"5\"\ntext = \"b\"\n";
    let Err(AssessError::Checklist(d)) = cfg(text) else { panic!("expected a checklist error") };
    assert_eq!(d.line, 8, "{d:?}");
    assert!(d.message.contains("duplicate checklist item id \"X.1\""), "{}", d.message);
    let bundled = "[assessment]\n[[assessment.items]]\nid = \"5.2.1\"\ntext = \"again\"\n";
    let Err(AssessError::Checklist(d)) = cfg(bundled) else { panic!("expected a checklist error") };
    assert_eq!(d.line, 3);
}

#[test]
fn an_unknown_rule_or_disabled_id_is_an_error_with_its_line() {
    let text = "[assessment]\n[[assessment.items]]\nid = \"5.9.1\"\ntext = \"a\"\nevidence = \"monitor\"\n";
    let Err(AssessError::Checklist(d)) = cfg(text) else { panic!("expected an error") };
    assert_eq!(d.line, 5);
    assert!(d.help.unwrap_or_default().contains("did you mean \"monitors\"?"));
    let Err(AssessError::Checklist(d)) = cfg("[assessment]\ndisable = [\"99.1\"]\n") else {
        panic!("expected an error")
    };
    assert_eq!(d.line, 2);
}

#[test]
fn states_parse_and_unknown_ids_suggest_the_nearest() {
    assert_eq!(State::parse("N/A"), Some(State::NotApplicable));
    assert_eq!(State::parse("passed"), None);
    let list = Checklist::bundled().unwrap();
    let e = list.item("5.2.9").unwrap_err().to_string();
    assert!(e.contains("unknown checklist item \"5.2.9\""), "{e}");
}

#[test]
fn markdown_shows_the_same_numbers_as_the_report() {
    let items = vec![item("1.1.1", State::Pass, false, false), item("1.1.2", State::Partial, true, false)];
    let r = Report::compute("prod", 0, &sections(), items);
    let md = markdown(&r);
    assert!(md.contains("Overall **75** / 100, coverage 100 %, **READY**"), "{md}");
    assert!(md.contains("| 1 | One | 75 | 100 | 2 | 1 | 1 | 0 | 0 | 0 |"), "{md}");
    assert!(md.contains("| 1.1.2 | partial | operator | yes |"), "{md}");
}
