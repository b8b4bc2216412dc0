//! The console's secret prompt dialog (`create = "prompt"`), from fixture messages: masked input
//! (one `•` per character, never the text), the grace period, a value refused as too short, `esc`
//! hiding it (and wiping what was typed) with no key answering from behind, and the decision sent
//! only on `enter`; the value is never in a state dump. Snapshots
//! at 80x24 and 160x48 (also written to `screenshots/`).

use flightdeck::engine::event::Decision;
use flightdeck::tui::fixtures::{self, app, keys, typed};
use flightdeck::tui::msg::{Effect, KeyCode, Msg};
use flightdeck::tui::ratatui::Terminal;
use flightdeck::tui::ratatui::backend::TestBackend;
use flightdeck::tui::theme::Theme;

const TYPED: &str = "tok-3f9Q7xLm2";

fn screen(a: &flightdeck::tui::app::App) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(a.size.0, a.size.1)).unwrap();
    t.draw(|f| flightdeck::tui::view::view(a, &Theme::default_theme(), f)).unwrap();
    t
}

fn text_of(t: &Terminal<TestBackend>) -> String {
    t.backend().buffer().content().iter().map(flightdeck::tui::ratatui::buffer::Cell::symbol).collect()
}

#[test]
fn the_secret_dialog_masks_what_is_typed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, again) in [("run_secret_prompt", false), ("run_secret_prompt_again", true)] {
        for (w, h) in [(80, 24), (160, 48)] {
            let a = app((w, h), vec![], fixtures::secret_prompt(TYPED, again));
            let t = screen(&a);
            let shown = text_of(&t);
            assert!(shown.contains("Secret needed"), "{shown}");
            assert!(shown.contains(&"•".repeat(TYPED.len())), "{shown}");
            assert!(!shown.contains("tok-3f9"), "the typed text is on screen");
            assert_eq!(shown.contains("shorter than 8"), again, "{shown}");
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
            let svg_path = dir.join(format!("{name}_{w}x{h}.svg"));
            std::fs::write(&svg_path, flightdeck::tui::svg::buffer_to_svg(t.backend().buffer())).unwrap();
            crate::screens::to_png(&svg_path);
        }
    }
}

/// Every effect produced by feeding `msgs` to `a`.
fn effects(a: &mut flightdeck::tui::app::App, msgs: Vec<Msg>) -> Vec<Effect> {
    msgs.into_iter().flat_map(|m| a.update(m)).collect()
}

#[test]
fn only_enter_on_the_shown_dialog_sends_the_value() {
    // During the grace period keys are ignored: nothing typed reaches the input.
    let mut msgs = fixtures::secret_prompt("", false);
    msgs.retain(|m| !matches!(m, Msg::Tick { .. }));
    let mut a = app((80, 24), vec![], msgs);
    assert!(effects(&mut a, typed("early")).is_empty());
    assert!(effects(&mut a, vec![fixtures::after(1000)]).iter().all(|e| !matches!(e, Effect::Decide { .. })));
    assert!(!text_of(&screen(&a)).contains("•"), "keys typed during the grace period were taken");
    // Too short: refused in the dialog, nothing sent.
    let sent = effects(&mut a, [typed("short"), keys(&[KeyCode::Enter])].concat());
    assert!(sent.is_empty(), "{sent:?}");
    assert!(text_of(&screen(&a)).contains("too short: at least 8 characters"));
    // Hidden with esc: keys go to the run screen, none answers the prompt from behind.
    let behind = effects(&mut a, [keys(&[KeyCode::Esc]), typed("y"), keys(&[KeyCode::Enter])].concat());
    assert!(behind.iter().all(|e| !matches!(e, Effect::Decide { .. })), "{behind:?}");
    // Hiding wiped what was typed: it lingers nowhere in the console's state.
    assert!(!format!("{a:?}").contains("\"short\""), "the typed value stays in the state after esc");
    // Shown again by that enter (with a new grace period, an empty input), then typed and sent:
    // the value, to the prompt open now.
    let sent =
        effects(&mut a, [vec![fixtures::after(2000)], typed("short-more"), keys(&[KeyCode::Enter])].concat());
    let values: Vec<(String, String)> = sent
        .iter()
        .filter_map(|e| match e {
            Effect::Decide { decision: Decision::SecretValue { prompt, value }, .. } => {
                Some((prompt.clone(), value.expose().to_string()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(values, vec![("ensure#1/api_token".to_string(), "short-more".to_string())]);
    assert!(!format!("{sent:?}").contains("short-more"), "Debug shows the value: {sent:?}");
    // Sent: the input is empty and the state holds the value nowhere.
    assert!(!format!("{a:?}").contains("short-more"), "the sent value stays in the state");
}

#[test]
fn the_state_never_shows_a_value_being_typed() {
    let a = app((80, 24), vec![], fixtures::secret_prompt(TYPED, false));
    let dump = format!("{a:?}");
    assert!(dump.contains(&format!("SecretInput({} chars)", TYPED.len())), "{dump}");
    assert!(!dump.contains("tok-3f9"), "a state dump shows the value being typed");
}

/// The prompt as a colleague sees it: the run's operator is `rita`, this console's user `diana`.
fn someone_elses(msgs: Vec<Msg>) -> Vec<Msg> {
    msgs.into_iter()
        .map(|m| match m {
            Msg::Engine(mut e) => {
                if let flightdeck::engine::event::EventKind::StepProgress { data, .. } = &mut e.kind
                    && let Some(p) = data.get_mut("secret_prompt")
                {
                    p["operator"] = "rita".into();
                }
                Msg::Engine(e)
            }
            other => other,
        })
        .collect()
}

#[test]
fn a_colleagues_console_warns_that_only_the_operator_may_answer() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    for (w, h) in [(80, 24), (160, 48)] {
        let a = app((w, h), vec![], someone_elses(fixtures::secret_prompt(TYPED, false)));
        let t = screen(&a);
        let shown = text_of(&t);
        assert!(shown.contains("you are not rita: the run refuses a value sent from"), "{shown}");
        // Still masked: a value typed anyway goes to the runner, which refuses and audits it.
        assert!(shown.contains(&"•".repeat(TYPED.len())) && !shown.contains("tok-3f9"), "{shown}");
        insta::assert_snapshot!(format!("run_secret_prompt_colleague_{w}x{h}"), t.backend());
        let svg_path = dir.join(format!("run_secret_prompt_colleague_{w}x{h}.svg"));
        std::fs::write(&svg_path, flightdeck::tui::svg::buffer_to_svg(t.backend().buffer())).unwrap();
        crate::screens::to_png(&svg_path);
    }
    // The operator's own console has no such warning.
    let own = text_of(&screen(&app((80, 24), vec![], fixtures::secret_prompt(TYPED, false))));
    assert!(!own.contains("you are not"), "{own}");
}
