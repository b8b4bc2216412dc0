//! The incident rules and the MTTR breakdown as pure functions, with injected instants.

use std::collections::HashSet;

use super::mttr::{breakdown, targets};
use super::plan::{IncidentAction, Known, plan_change};
use super::{EventKind, IncidentError, IncidentEvent, banner};
use crate::config::incidents::{IncidentsConfig, SeverityTargets};
use crate::store::records::IncidentRecord;
use crate::time::Micros;

const MIN: i64 = 60_000_000;

fn inc(resolved: Option<i64>) -> IncidentRecord {
    IncidentRecord {
        id: "inc-1".into(),
        service: "web".into(),
        environment: "prod".into(),
        severity: "sev1".into(),
        title: "down".into(),
        started_at: Micros(0),
        detected_at: Some(Micros(2 * MIN)),
        mitigated_at: Some(Micros(11 * MIN)),
        resolved_at: resolved.map(Micros),
        caused_by: None,
    }
}

fn ev(at: i64, uid: u32, kind: EventKind, role: &str) -> IncidentEvent {
    IncidentEvent {
        id: 0,
        incident: "inc-1".into(),
        at: Micros(at),
        uid,
        actor: format!("u{uid}"),
        kind,
        text: role.into(),
        data: serde_json::json!({ "role": role }),
        late: false,
    }
}

#[test]
fn mttr_phases_are_exact_and_compared_with_targets() {
    let events =
        [ev(5 * MIN, 1, EventKind::Declared, "commander"), ev(7 * MIN, 2, EventKind::Joined, "responder")];
    let t = targets(&IncidentsConfig::default(), "sev1").unwrap();
    let p = breakdown(&inc(Some(25 * MIN)), &events, t);
    let ms: Vec<_> = p.iter().map(|p| p.ms).collect();
    assert_eq!(ms, [Some(120_000), Some(180_000), Some(660_000), Some(1_500_000)]);
    assert_eq!(p[1].verdict, "met");
    assert_eq!(p[3].verdict, "no target");
    let mut cfg = IncidentsConfig::default();
    let tight =
        SeverityTargets { respond: Some("2m".into()), resolve: Some("20m".into()), ..Default::default() };
    cfg.severity.insert("sev1".into(), tight);
    let p = breakdown(&inc(Some(25 * MIN)), &events, targets(&cfg, "sev1").unwrap());
    assert_eq!((p[1].verdict.as_str(), p[3].verdict.as_str()), ("missed", "missed"));
    assert_eq!(targets(&IncidentsConfig::default(), "sev4").unwrap()[1], Some(14_400_000));
    cfg.severity
        .insert("sev2".into(), SeverityTargets { respond: Some("soon".into()), ..Default::default() });
    let err = targets(&cfg, "sev2").unwrap_err().to_string();
    assert!(err.contains("[incidents.severity.sev2] respond = \"soon\""), "{err}");
}

fn known<'a>(
    cur: Option<&'a IncidentRecord>,
    events: &'a [IncidentEvent],
    deps: &'a HashSet<String>,
) -> Known<'a> {
    Known { current: cur, events, open: &[], deployments: deps, uid: 2 }
}

#[test]
fn refusals_name_the_problem_and_late_notes_are_marked() {
    let deps = HashSet::new();
    let resolved = inc(Some(25 * MIN));
    let open = inc(None);
    let note = IncidentAction::Note { text: "later".into() };
    let c = plan_change(known(Some(&resolved), &[], &deps), "inc-1", Micros(30 * MIN), note).unwrap();
    assert!(c.late);
    let e =
        plan_change(known(Some(&resolved), &[], &deps), "inc-1", Micros(30 * MIN), IncidentAction::Mitigated);
    assert!(matches!(e, Err(IncidentError::Resolved { .. })), "{e:?}");
    let sev = IncidentAction::Severity { level: "sev9".into() };
    let e = plan_change(known(Some(&open), &[], &deps), "inc-1", Micros(MIN), sev).unwrap_err();
    assert_eq!(e, IncidentError::BadSeverity("sev9".into()));
    let e = plan_change(known(None, &[], &deps), "inc-x", Micros(MIN), IncidentAction::Leave).unwrap_err();
    assert!(matches!(e, IncidentError::Unknown { .. }));
    let early = IncidentAction::Resolve { mitigated: None };
    let mut fresh = open.clone();
    fresh.mitigated_at = None;
    fresh.started_at = Micros(10 * MIN);
    let e = plan_change(known(Some(&fresh), &[], &deps), "inc-1", Micros(MIN), early).unwrap_err();
    assert!(e.to_string().contains("is after resolved"), "{e}");
    let events = [ev(0, 2, EventKind::Joined, "responder")];
    let again = IncidentAction::Join { role: "responder".into() };
    assert!(plan_change(known(Some(&open), &events, &deps), "inc-1", Micros(MIN), again).is_err());
    let promote = IncidentAction::Join { role: "commander".into() };
    let c = plan_change(known(Some(&open), &events, &deps), "inc-1", Micros(MIN), promote).unwrap();
    assert_eq!(c.kind, EventKind::Role);
}

#[test]
fn the_banner_shows_severity_clock_commander_and_people() {
    let events = [
        ev(0, 1, EventKind::Declared, "commander"),
        ev(0, 2, EventKind::Joined, "responder"),
        ev(0, 3, EventKind::Joined, "scribe"),
        ev(MIN, 3, EventKind::Left, ""),
    ];
    let b = banner(&inc(None), &events, Micros(42 * MIN + 17_000_000));
    assert_eq!(b, "SEV1 inc-1 00:42:17 · commander u1 · 2 on it");
}
