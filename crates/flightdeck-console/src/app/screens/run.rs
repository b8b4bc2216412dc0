//! The run screen's own state (the run itself is a [`RunView`] in `App::views`) and the text typed
//! on it: search, live filter and a phrase gate's phrase.

use crate::app::input::TextInput;
use crate::app::run_view::RunView;
use crate::app::secret_input::SecretInput;
use crate::msg::{Effect, Key, KeyCode};
use flightdeck_core::engine::event::{Decision, GateForm};

/// The run screen's own state (the run itself is in [`App::views`]).
#[allow(clippy::struct_excessive_bools)] // independent view switches
#[derive(Debug, Clone, PartialEq)]
pub struct RunScreen {
    /// Run id.
    pub run: String,
    /// Selected step.
    pub selected: usize,
    /// Follow: select the busy step and stick to the end of its log.
    pub follow: bool,
    /// Wrap long lines.
    pub wrap: bool,
    /// Lines scrolled up from the end of the log (when not following).
    pub scroll: usize,
    /// The search input while typing.
    pub search_input: Option<TextInput>,
    /// The last search.
    pub query: Option<String>,
    /// A search the runtime should perform: (query, forward).
    pub pending_search: Option<(String, bool)>,
    /// The line the last search found (0-based, in the whole log).
    pub found: Option<usize>,
    /// The typed-phrase input of a phrase gate.
    pub phrase: TextInput,
    /// The typed phrase was submitted and does not match.
    pub phrase_mismatch: bool,
    /// The highlighted option of a choice gate (0 = first).
    pub choice: usize,
    /// The gate this console already answered (so a key press sends one decision, once).
    pub answered: Option<String>,
    /// Asking "cancel this run?".
    pub confirm_cancel: bool,
    /// The dialog hidden with `esc` (the run keeps waiting; `enter` shows it again).
    pub hidden: Option<String>,
    /// Lines the dialog's text is scrolled.
    pub dialog_scroll: usize,
    /// The log takes the whole body (the steps panel hidden).
    pub zoom: bool,
    /// The current search match and the number of matching lines (0, 0 before a search).
    pub match_info: (usize, usize),
    /// The live filter: only lines containing it show.
    pub filter: Option<String>,
    /// The filter input while typing (the filter follows each key).
    pub filter_input: Option<TextInput>,
    /// The masked input of a secret prompt (shown as `•`, never as text; wiped when sent or hidden).
    pub secret: SecretInput,
    /// The secret dialog this console already sent a value for.
    pub secret_answered: Option<String>,
    /// Enter was pressed on a value shorter than the prompt takes.
    pub secret_short: bool,
}

impl RunScreen {
    /// The run screen of `run`, following it.
    pub fn for_run(run: &str) -> RunScreen {
        RunScreen::new(run)
    }

    pub(crate) fn new(run: &str) -> RunScreen {
        RunScreen {
            run: run.to_string(),
            selected: 0,
            follow: true,
            wrap: false,
            scroll: 0,
            search_input: None,
            query: None,
            pending_search: None,
            found: None,
            phrase: TextInput::new(""),
            phrase_mismatch: false,
            choice: 0,
            answered: None,
            confirm_cancel: false,
            hidden: None,
            dialog_scroll: 0,
            zoom: false,
            match_info: (0, 0),
            filter: None,
            filter_input: None,
            secret: SecretInput::new(),
            secret_answered: None,
            secret_short: false,
        }
    }
}

/// Text typed on the run screen: the search input and the phrase of a phrase gate (when its dialog
/// is on screen).
pub fn run_text_key(rs: &mut RunScreen, view: &RunView, key: Key, dialog_shown: bool) -> Option<Vec<Effect>> {
    if let Some(input) = rs.filter_input.as_mut() {
        // The filter applies as you type; enter keeps it, esc clears it.
        match key.code {
            KeyCode::Enter => rs.filter_input = None,
            KeyCode::Esc => {
                rs.filter_input = None;
                rs.filter = None;
            }
            _ => {
                input.key(key);
                let v = input.value();
                rs.filter = (!v.is_empty()).then_some(v);
                rs.scroll = 0;
            }
        }
        return Some(Vec::new());
    }
    if let Some(input) = rs.search_input.as_mut() {
        match key.code {
            KeyCode::Enter => {
                let q = input.value();
                rs.search_input = None;
                if !q.is_empty() {
                    rs.query = Some(q.clone());
                    rs.pending_search = Some((q, false));
                    rs.follow = false;
                }
            }
            KeyCode::Esc => rs.search_input = None,
            _ => {
                input.key(key);
            }
        }
        return Some(Vec::new());
    }
    let gate = view.gate.as_ref().filter(|_| dialog_shown)?;
    let GateForm::Phrase { phrase } = &gate.form else { return None };
    if rs.answered.as_deref() == Some(gate.gate.as_str()) || key.code == KeyCode::Esc {
        return None;
    }
    if key.ctrl && key.code == KeyCode::Char('r') {
        rs.answered = Some(gate.gate.clone());
        let decision = Decision::Reject { gate: gate.gate.clone(), comment: None };
        return Some(vec![Effect::Decide { run: rs.run.clone(), decision }]);
    }
    if key.code == KeyCode::Enter {
        let text = rs.phrase.value();
        if &text != phrase {
            // Nothing is sent until the phrase matches exactly; the dialog says so.
            rs.phrase_mismatch = !text.is_empty();
            return Some(Vec::new());
        }
        rs.answered = Some(gate.gate.clone());
        rs.phrase = TextInput::new("");
        let decision = Decision::Phrase { gate: gate.gate.clone(), text };
        return Some(vec![Effect::Decide { run: rs.run.clone(), decision }]);
    }
    rs.phrase_mismatch = false;
    rs.phrase.key(key).then(Vec::new)
}
