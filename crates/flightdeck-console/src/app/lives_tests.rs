//! A run's view across lives: when the runner restarts (or someone resumes the run), the next
//! life's `RunStarted` does not wipe what the view knows of the steps it left alone.

use crate::app::run_view::RunView;
use flightdeck_core::engine::event::{EventKind, StepInfo, StepStatus};
use flightdeck_core::time::Micros;

fn info(id: &str, status: StepStatus) -> StepInfo {
    StepInfo { id: id.into(), label: id.into(), kind: "run".into(), group: None, status }
}

fn started(steps: Vec<StepInfo>) -> EventKind {
    EventKind::RunStarted {
        workflow: "w".into(),
        environment: "local".into(),
        mode: "interactive".into(),
        operator: "diana".into(),
        steps,
    }
}

#[test]
fn a_later_life_keeps_the_finished_steps_timing_and_the_attempt_count() {
    let mut v = RunView::new("r", true);
    v.apply(Micros(0), &started(vec![info("prep", StepStatus::Pending), info("wait", StepStatus::Pending)]));
    v.apply(Micros(1_000), &EventKind::StepStarted { step: "prep".into(), attempt: 1, detail: "d".into() });
    v.apply(
        Micros(4_000),
        &EventKind::StepFinished {
            step: "prep".into(),
            attempt: 1,
            status: StepStatus::Succeeded,
            exit_code: Some(0),
            duration_ms: 3,
            outputs: std::collections::BTreeMap::new(),
            message: None,
        },
    );
    v.apply(Micros(5_000), &EventKind::StepStarted { step: "wait".into(), attempt: 1, detail: "d".into() });
    let prep = v.steps[0].clone();
    // The runner died; the next one starts life 2: prep done, wait to do again.
    v.apply(
        Micros(9_000),
        &started(vec![info("prep", StepStatus::Succeeded), info("wait", StepStatus::Pending)]),
    );
    assert_eq!(v.steps[0], prep, "the finished step lost what the view knew of it");
    assert_eq!(v.steps[0].finished, Some(Micros(4_000)));
    assert_eq!((v.steps[1].status, v.steps[1].attempt), (StepStatus::Pending, 1));
}
