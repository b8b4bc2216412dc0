//! The launch form and templated defaults it cannot resolve: the field shows the template and
//! why, and the run does not start until the operator types a value.

use crate::app::{App, Screen};
use crate::fixtures::{self, keys, typed};
use crate::msg::{Effect, Key, KeyCode, Msg};
use crate::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn feed(app: &mut App, msgs: Vec<Msg>) -> Vec<Effect> {
    msgs.into_iter().flat_map(|m| app.update(m)).collect()
}

fn screen_text(a: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(a.size.0, a.size.1)).expect("terminal");
    t.draw(|f| crate::view::view(a, &Theme::default_theme(), f)).expect("draw");
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The console with load-test's `save_as` defaulting to `default`, its form opened with `:run`.
fn form_with_default(default: &str) -> App {
    let mut init = fixtures::init(vec![]);
    for wf in &mut init.workflows {
        for p in &mut wf.params {
            if wf.name == "load-test" && p.name == "save_as" {
                p.default = Some(serde_json::Value::String(default.into()));
            }
        }
    }
    let mut a = App::new(init, (100, 30));
    let mut m = vec![Msg::Key(Key::ch(':'))];
    m.extend(typed("run load-test"));
    m.push(Msg::Key(Key::new(KeyCode::Enter)));
    let _ = feed(&mut a, m);
    a
}

fn save_as_error(a: &App) -> Option<String> {
    let Screen::Launch(form) = a.screen() else { return None };
    form.fields.iter().find(|f| f.name == "save_as").and_then(|f| f.error.clone())
}

#[test]
fn a_default_naming_a_steps_output_is_an_error_and_the_run_waits_for_a_value() {
    let mut a = form_with_default("{{ steps.build.outputs.tag }}");
    let Screen::Launch(form) = a.screen() else { panic!("not on the form: {:?}", a.screen()) };
    assert!(!form.preview, "a form with an unresolved default went to its plan");
    let err = save_as_error(&a).expect("an error on save_as");
    assert!(err.contains("{{ steps.build.outputs.tag }}") && err.contains("before the run"), "{err}");
    assert!(screen_text(&a).contains("✗ default {{ steps.build.outputs.tag }}"), "{}", screen_text(&a));
    // Enter does not start it (nor preview it): the error stays.
    let effects = feed(&mut a, keys(&[KeyCode::Enter, KeyCode::Enter]));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Launch { .. })), "{effects:?}");
    assert!(matches!(a.screen(), Screen::Launch(f) if !f.preview));
    assert!(save_as_error(&a).is_some());
    // Typed into (validation focused the field), the value starts the run.
    let _ = feed(&mut a, typed("v1-base"));
    assert_eq!(save_as_error(&a), None, "the error stays on a typed field");
    let effects = feed(&mut a, keys(&[KeyCode::Enter, KeyCode::Enter]));
    let params = effects.iter().find_map(|e| match e {
        Effect::Launch { params, .. } => Some(params.clone()),
        _ => None,
    });
    assert_eq!(params.and_then(|p| p.get("save_as").cloned()).as_deref(), Some("v1-base"));
}

#[test]
fn a_default_naming_a_key_the_environment_lacks_is_unresolved_until_one_has_it() {
    let mut a = form_with_default("{{ environment.url }}/");
    let err = save_as_error(&a).expect("an error on save_as");
    assert!(err.contains("environment.url") && err.contains("\"staging\""), "{err}");
    assert!(!screen_text(&a).contains("{{ environment.url }}/]"), "the raw template as the value");
    // An environment that has the key resolves it and the error goes.
    let mut init = fixtures::init(vec![]);
    if let Some(vars) = init.env_vars.get_mut("staging") {
        vars.insert("url".into(), serde_json::Value::String("http://127.0.0.1:9".into()));
    }
    a.init.env_vars = init.env_vars;
    let Some(Screen::Launch(form)) = a.screens.last_mut() else { panic!("not on the form") };
    let resolved = form.clone().with_env_vars(a.init.env_vars.clone());
    let save_as = resolved.fields.iter().find(|f| f.name == "save_as").expect("save_as");
    assert_eq!(save_as.text(), "http://127.0.0.1:9/");
    assert_eq!(save_as.error, None);
    assert!(resolved.unresolved.is_empty());
}
