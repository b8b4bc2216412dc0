use crate::app::{App, Screen};
use crate::fixtures::{self, app, approval, failing_verify, gate, history, keys, run_until_gate, typed};
use crate::msg::{Effect, Key, KeyCode, Msg};
use flightdeck_core::engine::event::{Decision, FailureAction};
use flightdeck_core::workflow::model::Persona;

fn feed(app: &mut App, msgs: Vec<Msg>) -> Vec<Effect> {
    msgs.into_iter().flat_map(|m| app.update(m)).collect()
}

fn decisions(effects: &[Effect]) -> Vec<&Decision> {
    effects
        .iter()
        .filter_map(|e| if let Effect::Decide { decision, .. } = e { Some(decision) } else { None })
        .collect()
}

#[test]
fn approving_emits_exactly_one_decision() {
    let mut msgs = run_until_gate("staging");
    msgs.push(gate("staging", vec![], 1));
    msgs.push(fixtures::after(1000));
    let mut a = app((80, 24), vec![], msgs);
    let first = a.update(Msg::Key(Key::ch('y')));
    assert_eq!(decisions(&first), vec![&Decision::Approve { gate: "promote#1".into(), comment: None }]);
    let again = a.update(Msg::Key(Key::ch('y')));
    assert!(decisions(&again).is_empty(), "a second key press sent another decision: {again:?}");
}

#[test]
fn a_phrase_that_does_not_match_emits_nothing() {
    let mut msgs = run_until_gate("production");
    msgs.push(gate("production", vec![approval("rita", 1001)], 2));
    msgs.push(fixtures::after(1000));
    let mut a = app((80, 24), vec![], msgs);
    let mut wrong = typed("deploy to production");
    wrong.push(Msg::Key(Key::new(KeyCode::Enter)));
    assert!(decisions(&feed(&mut a, wrong)).is_empty());
    let Screen::Run(rs) = a.screen() else { panic!("not on the run screen") };
    assert!(rs.phrase_mismatch);
    // 'y' and 'n' are text here, not approve/reject.
    let mut fixed: Vec<Msg> = std::iter::repeat_n(Msg::Key(Key::new(KeyCode::Backspace)), 30).collect();
    fixed.extend(typed("DEPLOY TO PRODUCTION"));
    fixed.push(Msg::Key(Key::new(KeyCode::Enter)));
    let effects = feed(&mut a, fixed);
    assert_eq!(
        decisions(&effects),
        vec![&Decision::Phrase { gate: "promote#1".into(), text: "DEPLOY TO PRODUCTION".into() }]
    );
}

#[test]
fn quitting_with_an_active_run_asks_first() {
    let mut a = app((80, 24), vec![], run_until_gate("staging"));
    assert!(a.run_active());
    assert!(a.update(Msg::Key(Key::ch('q'))).is_empty());
    assert!(a.confirm_quit);
    assert!(a.update(Msg::Key(Key::ch('n'))).is_empty(), "any key but y stays");
    assert!(!a.confirm_quit);
    let _ = a.update(Msg::Key(Key::ch('q')));
    assert_eq!(a.update(Msg::Key(Key::ch('y'))), vec![Effect::Quit]);
    let mut idle = app((80, 24), history(), vec![]);
    assert_eq!(idle.update(Msg::Key(Key::ch('q'))), vec![Effect::Quit]);
}

#[test]
fn failure_menu_sends_the_chosen_action() {
    let mut msgs = failing_verify();
    msgs.push(fixtures::after(1000));
    let mut a = app((80, 24), vec![], msgs.clone());
    let effects = a.update(Msg::Key(Key::new(KeyCode::Enter)));
    assert_eq!(
        decisions(&effects),
        vec![&Decision::OnFailure { step: "verify".into(), attempt: 1, action: FailureAction::Rollback }]
    );
    let mut b = app((80, 24), vec![], msgs);
    // `r` means "runs" everywhere else: it never retries; the highlight and enter do.
    assert!(decisions(&b.update(Msg::Key(Key::ch('r')))).is_empty());
    let _ = b.update(Msg::Key(Key::new(KeyCode::Esc)));
    let effects = feed(&mut b, keys(&[KeyCode::Enter, KeyCode::Left, KeyCode::Left]));
    assert!(decisions(&effects).is_empty(), "{effects:?}");
    let mut msgs = vec![fixtures::after(3000)];
    msgs.extend(keys(&[KeyCode::Left, KeyCode::Left, KeyCode::Enter]));
    let effects = feed(&mut b, msgs);
    assert_eq!(
        decisions(&effects),
        vec![&Decision::OnFailure { step: "verify".into(), attempt: 1, action: FailureAction::Retry }]
    );
}

#[test]
fn launch_form_validates_then_launches() {
    let mut a = app((80, 24), vec![], vec![]);
    // Diana's menu: move down to deploy (deployments come first), then enter.
    let before = a.workflows_of(Persona::Diana).iter().take_while(|w| w.name != "deploy").count();
    let _ = feed(&mut a, vec![Msg::Key(Key::ch('j')); before]);
    let _ = a.update(Msg::Key(Key::new(KeyCode::Enter)));
    let Screen::Launch(form) = a.screen() else { panic!("enter on Home opens the launch form") };
    assert_eq!(form.workflow.name, "deploy");
    // Enter without the required version: an error beside the field, no launch.
    let effects = feed(&mut a, keys(&[KeyCode::Enter, KeyCode::Enter]));
    assert!(effects.is_empty());
    let Screen::Launch(form) = a.screen() else { panic!() };
    assert!(form.fields.iter().any(|f| f.name == "version" && f.error.as_deref() == Some("required")));
    let mut msgs = typed("1.2");
    msgs.push(Msg::Key(Key::new(KeyCode::Enter)));
    assert!(feed(&mut a, msgs).is_empty());
    let Screen::Launch(form) = a.screen() else { panic!() };
    assert!(form.fields.iter().any(|f| f.error.as_deref().is_some_and(|e| e.contains("does not match"))));
    let mut msgs = typed(".0");
    msgs.extend(keys(&[KeyCode::Enter, KeyCode::Enter]));
    let effects = feed(&mut a, msgs);
    let Some(Effect::Launch { workflow, environment, params, dry_run }) = effects.first() else {
        panic!("no launch: {effects:?}")
    };
    assert_eq!((workflow.as_str(), environment.as_str(), *dry_run), ("deploy", "staging", false));
    assert_eq!(params.get("version").map(String::as_str), Some("1.2.0"));
}

#[test]
fn command_line_completes_and_runs() {
    let mut a = app((80, 24), vec![], vec![]);
    let mut msgs = vec![Msg::Key(Key::ch(':'))];
    msgs.extend(typed("ru"));
    let _ = feed(&mut a, msgs);
    assert_eq!(a.completions, vec!["run".to_string(), "runs".to_string()]);
    let mut msgs = typed("n dep");
    msgs.push(Msg::Key(Key::new(KeyCode::Tab)));
    let _ = feed(&mut a, msgs);
    assert_eq!(a.cmdline.as_ref().map(crate::app::input::TextInput::value).as_deref(), Some("run deploy "));
    let mut msgs = typed("--env production version=1.3.0");
    msgs.push(Msg::Key(Key::new(KeyCode::Enter)));
    let _ = feed(&mut a, msgs);
    let Screen::Launch(form) = a.screen() else { panic!("`:run` opens the filled-in form") };
    assert!(form.preview, "a valid :run goes straight to the plan preview");
    assert_eq!(form.environment(), "production");
    assert_eq!(a.command("theme light"), vec![Effect::SetTheme { name: "light".into() }]);
    assert_eq!(
        a.command("break"),
        vec![Effect::Sandbox { action: "break".into(), environment: "staging".into() }]
    );
    assert!(a.command("run deplyo").is_empty());
    assert!(
        a.notice.as_deref().is_some_and(|n| n.contains("no workflow \"deplyo\" (did you mean \"deploy\"?)")),
        "{:?}",
        a.notice
    );
}

#[test]
fn messages_round_trip_as_json() {
    for m in fixtures::rolled_back() {
        let text = serde_json::to_string(&m).unwrap();
        let back: Msg = serde_json::from_str(&text).unwrap();
        assert_eq!(back, m);
    }
}

fn starts(effects: &[Effect]) -> usize {
    effects.iter().filter(|e| matches!(e, Effect::StartLoad { .. })).count()
}

#[test]
fn enter_on_a_valid_load_setup_emits_exactly_one_start() {
    let mut a = app((80, 24), vec![], vec![Msg::Key(Key::ch('L'))]);
    assert_eq!(a.screen(), &Screen::Load);
    let effects = a.update(Msg::Key(Key::new(KeyCode::Enter)));
    assert_eq!(starts(&effects), 1, "{effects:?}");
    let Some(Effect::StartLoad { url, connections, rate, environment, .. }) = effects.first() else {
        panic!("no StartLoad: {effects:?}")
    };
    assert_eq!(
        (url.as_str(), *connections, *rate, environment.as_str()),
        ("http://127.0.0.1:7878/", 50, None, "staging")
    );
    // Running: enter again starts nothing; x cancels.
    assert_eq!(starts(&a.update(Msg::Key(Key::new(KeyCode::Enter)))), 0);
    assert_eq!(a.update(Msg::Key(Key::ch('x'))), vec![Effect::CancelLoad]);
}

#[test]
fn an_invalid_load_url_shows_an_error_and_emits_nothing() {
    let mut msgs = vec![Msg::Key(Key::ch('L'))];
    msgs.extend(std::iter::repeat_n(Msg::Key(Key::new(KeyCode::Backspace)), 40));
    msgs.extend(typed("ftp://example.com/"));
    msgs.push(Msg::Key(Key::new(KeyCode::Enter)));
    let mut a = app((80, 24), vec![], vec![]);
    let effects = feed(&mut a, msgs);
    assert!(effects.is_empty(), "{effects:?}");
    let url = a.load.fields.iter().find(|f| f.name == "url").expect("url field");
    assert!(url.error.as_deref().is_some_and(|e| e.contains("scheme")), "{:?}", url.error);
    assert_eq!(a.load.phase, crate::app::load::LoadPhase::Setup);
}

#[test]
fn a_bad_threshold_and_rate_are_refused_beside_their_fields() {
    let mut a = app((80, 24), vec![], vec![Msg::Key(Key::ch('L'))]);
    let mut msgs = keys(&[KeyCode::Tab, KeyCode::Tab, KeyCode::Tab]);
    msgs.extend(typed("fast"));
    msgs.extend(keys(&[KeyCode::Tab, KeyCode::Tab]));
    msgs.extend(typed("p95 <"));
    msgs.push(Msg::Key(Key::new(KeyCode::Enter)));
    assert!(feed(&mut a, msgs).is_empty());
    let errors: Vec<&str> =
        a.load.fields.iter().filter(|f| f.error.is_some()).map(|f| f.name.as_str()).collect();
    assert_eq!(errors, vec!["rate", "thresholds"]);
    assert_eq!(a.load.focus, 3, "focus moves to the first error");
}

#[test]
fn runs_follow_the_runner_and_screens_reload_on_return() {
    use crate::app::runs_watch::{ACTIVE_EVERY, IDLE_EVERY};
    let watches = |a: &mut App, secs: u32| {
        (1..=secs)
            .flat_map(|s| a.update(fixtures::after(1000 * i64::from(s))))
            .filter(|e| *e == Effect::WatchRuns)
            .count()
    };
    // Nothing active: Home asks the runner every IDLE_EVERY seconds (never the store each second).
    let mut a = app((80, 24), history(), vec![]);
    let ticks = a.update(fixtures::after(1000));
    assert_eq!(ticks, vec![Effect::LoadIncident], "no store poll each second");
    assert_eq!(watches(&mut a, IDLE_EVERY * 3), 3);
    // A running run in the list: every ACTIVE_EVERY seconds.
    let mut busy = history();
    busy[0].status = flightdeck_core::engine::event::RunStatus::Running;
    let mut a = app((80, 24), busy, vec![]);
    assert_eq!(watches(&mut a, ACTIVE_EVERY * 5), 5);
    // A followed run's state change: asked at the next tick.
    let mut a = app((80, 24), history(), fixtures::run_until_gate("staging"));
    let _ = a.update(Msg::Key(Key::new(KeyCode::Esc)));
    assert!(a.screens.len() == 1, "back on Home");
    assert_eq!(watches(&mut a, 1), 1, "a step finished in a followed run");
    assert_eq!(watches(&mut a, 1), 0, "and only once");
    let _ = a.update(Msg::Key(Key::ch('v')));
    assert_eq!(watches(&mut a, IDLE_EVERY * 2), 0, "the release screen does not watch runs");
    let _ = a.update(Msg::Key(Key::ch('r')));
    let back = a.update(Msg::Key(Key::new(KeyCode::Esc)));
    assert_eq!(back, vec![Effect::LoadRelease], "back on Release, the plan reloads");
}

#[test]
fn an_open_incident_screen_reloads_its_timeline_each_second() {
    let mut a = app((80, 24), history(), vec![]);
    let mut msgs = vec![Msg::Key(Key::ch(':'))];
    msgs.extend(typed("incident inc-7"));
    msgs.push(Msg::Key(Key::new(KeyCode::Enter)));
    assert_eq!(feed(&mut a, msgs), vec![Effect::LoadIncidentTimeline { id: Some("inc-7".into()) }]);
    assert_eq!(
        a.update(fixtures::after(1000)),
        vec![Effect::LoadIncident, Effect::LoadIncidentTimeline { id: Some("inc-7".into()) }],
        "a colleague's note shows without a key pressed"
    );
    let _ = a.update(Msg::Key(Key::new(KeyCode::Esc)));
    assert!(
        !a.update(fixtures::after(2000)).iter().any(|e| matches!(e, Effect::LoadIncidentTimeline { .. }))
    );
}

#[test]
fn health_watches_the_chosen_environment_and_quoted_values_stay_whole() {
    let mut a = app((80, 24), history(), vec![fixtures::health_snapshot()]);
    assert_eq!(
        a.command("health production"),
        vec![Effect::WatchHealth { environment: "production".into() }]
    );
    assert_eq!(
        (a.screen(), a.health.env.as_str(), a.health.snapshot.is_none()),
        (&Screen::Health, "production", true)
    );
    assert_eq!(a.update(Msg::Key(Key::ch('e'))), vec![Effect::WatchHealth { environment: "staging".into() }]);
    assert!(a.command("health nowhere").is_empty());
    assert!(a.notice.as_deref().is_some_and(|n| n.contains("nowhere")));
    let _ = a.command(r#"run rollback reason="INC-42 test""#);
    let Screen::Launch(form) = a.screen() else { panic!("`:run` opens the form") };
    let reason = form.fields.iter().find(|f| f.name == "reason").expect("rollback has a reason");
    let crate::app::launch::FieldValue::Text(t) = &reason.value else { panic!("reason is text") };
    assert_eq!(t.value(), "INC-42 test");
    assert!(a.command(r#"run deploy reason="unclosed"#).is_empty());
    assert!(a.notice.as_deref().is_some_and(|n| n.contains("unbalanced")));
}

#[test]
fn dora_s_cycles_every_service_then_all() {
    let mut a = app((80, 24), history(), vec![Msg::Key(Key::ch('d')), fixtures::dora_dashboard(false)]);
    a.init.services.push("zeta-billing-service".into());
    let seen = a.init.services.clone();
    assert!(seen.len() >= 2, "{seen:?}");
    let mut order = Vec::new();
    for _ in 0..=seen.len() {
        let _ = a.update(Msg::Key(Key::ch('s')));
        order.push(a.dora.view.service.clone());
    }
    let mut want: Vec<Option<String>> = seen.iter().cloned().map(Some).collect();
    want.push(None);
    assert_eq!(order, want, "s visits every service once, then all");
}

#[test]
fn c_copies_the_newest_line_of_the_step_shown() {
    let mut a = app((80, 24), vec![], run_until_gate("staging"));
    let effects = a.update(Msg::Key(Key::ch('c')));
    assert_eq!(
        effects,
        vec![Effect::Copy { text: "staging.db: applied 1 migration(s); version 0003".into() }]
    );
}
