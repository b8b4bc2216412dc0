//! One table maps keys to intents, per screen. Screens react to intents, never to raw keys
//! (text inputs excepted), so the keys people know from k9s and lazygit live in one place.

use crate::msg::{Key, KeyCode};

/// Where a key was pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyScope {
    /// Any screen (checked after the screen's own table).
    Global,
    /// Home and persona lists.
    List,
    /// A run.
    Run,
    /// The failure menu of a run.
    FailureMenu,
    /// A dialog on the run screen: a gate, a re-run confirmation, "cancel this run?".
    Gate,
    /// The run screen while its dialog is hidden with `esc` (the run still waits).
    HiddenDialog,
    /// Run history.
    Runs,
    /// The DORA dashboard.
    Dora,
    /// The Load screen (running or finished test).
    Load,
    /// The Load screen following a workflow run's `load` step (cancelling belongs to the run).
    LoadStep,
    /// The Health screen.
    Health,
    /// The Notifications screen.
    Notifications,
    /// The Assessment screen.
    Assessment,
    /// The Incident screen.
    Incident,
    /// The Cost screen.
    Cost,
    /// The flame view.
    Profile,
}

/// What a key means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Leave (asks first while a run is active).
    Quit,
    /// Back / close.
    Back,
    /// Help for this screen.
    Help,
    /// The `:` command line.
    Command,
    /// `/` filter or search.
    Search,
    /// Move up.
    Up,
    /// Move down.
    Down,
    /// Move left / previous option.
    Left,
    /// Move right / next option.
    Right,
    /// Page up.
    PageUp,
    /// Page down.
    PageDown,
    /// To the top.
    Top,
    /// To the bottom.
    Bottom,
    /// Open / confirm.
    Select,
    /// Next pane.
    NextPane,
    /// Follow the log.
    Follow,
    /// Wrap long lines.
    Wrap,
    /// Next search match.
    SearchNext,
    /// Previous search match.
    SearchPrev,
    /// Approve a gate.
    Approve,
    /// Reject a gate.
    Reject,
    /// Retry the failed step.
    Retry,
    /// Skip the failed step.
    Skip,
    /// Roll back.
    Rollback,
    /// Abort the run.
    Abort,
    /// Cancel the running run.
    Cancel,
    /// Run history.
    Runs,
    /// Audit log.
    Audit,
    /// Resume an interrupted run.
    Resume,
    /// Send a notification again.
    Resend,
    /// Launch the selected workflow.
    Launch,
    /// Open a persona's screen (1 Diana, 2 Rita, 3 Phoenix).
    Persona(u8),
    /// Rita's release screen.
    Release,
    /// The DORA dashboard.
    Dora,
    /// The health screen.
    Health,
    /// Next DORA window length.
    CycleWindow,
    /// Next service.
    CycleService,
    /// Next environment (Health).
    CycleEnv,
    /// Phoenix's Load screen.
    Load,
    /// Diana's Secrets screen.
    Secrets,
    /// Hide the dialog on screen (the run keeps waiting).
    HideDialog,
    /// Show the hidden dialog again.
    ShowDialog,
    /// The log full screen (steps hidden) and back.
    Zoom,
    /// The live filter of the log (`&`).
    Filter,
    /// Copy the current log line (the search match, else the newest line) with OSC 52.
    Copy,
    /// Set the selected assessment item's state (index into `assess::State::ALL`).
    SetState(u8),
    /// Write a note for the selected assessment item (or the incident).
    Note,
    /// Next timeline source (Incident screen).
    CycleSource,
    /// Join the incident as responder.
    Join,
    /// Next breakdown (Cost screen: service, environment, tag:KEY...).
    CycleBy,
    /// Next profile of the run (flame view).
    NextProfile,
}

use Intent as I;
use KeyCode as K;

const fn k(code: KeyCode) -> Key {
    Key { code, ctrl: false, alt: false }
}

const fn c(ch: char) -> Key {
    k(K::Char(ch))
}

/// The table: (context, key, intent). Earlier rows win.
pub const TABLE: &[(KeyScope, Key, Intent)] = &[
    // Dialogs answer only to keys that mean nothing else on the run screen: `y`, `ctrl-r`, and
    // `enter` on the highlighted option (never `n`, `r`, `s`, `a`: search, runs, audit elsewhere).
    (KeyScope::Gate, c('y'), I::Approve),
    (KeyScope::Gate, Key { code: K::Char('r'), ctrl: true, alt: false }, I::Reject),
    (KeyScope::Gate, k(K::Left), I::Left),
    (KeyScope::Gate, c('h'), I::Left),
    (KeyScope::Gate, k(K::BackTab), I::Left),
    (KeyScope::Gate, k(K::Right), I::Right),
    (KeyScope::Gate, c('l'), I::Right),
    (KeyScope::Gate, k(K::Tab), I::Right),
    (KeyScope::Gate, k(K::Enter), I::Select),
    (KeyScope::Gate, k(K::Esc), I::HideDialog),
    (KeyScope::FailureMenu, k(K::Left), I::Left),
    (KeyScope::FailureMenu, c('h'), I::Left),
    (KeyScope::FailureMenu, k(K::BackTab), I::Left),
    (KeyScope::FailureMenu, k(K::Right), I::Right),
    (KeyScope::FailureMenu, c('l'), I::Right),
    (KeyScope::FailureMenu, k(K::Tab), I::Right),
    (KeyScope::FailureMenu, k(K::Enter), I::Select),
    (KeyScope::FailureMenu, k(K::Esc), I::HideDialog),
    (KeyScope::HiddenDialog, k(K::Enter), I::ShowDialog),
    (KeyScope::Run, c('f'), I::Follow),
    (KeyScope::Run, c('w'), I::Wrap),
    (KeyScope::Run, c('z'), I::Zoom),
    (KeyScope::Run, c('c'), I::Copy),
    (KeyScope::Run, c('&'), I::Filter),
    (KeyScope::Run, c('n'), I::SearchNext),
    (KeyScope::Run, c('N'), I::SearchPrev),
    (KeyScope::Run, c('x'), I::Cancel),
    (KeyScope::Run, c('R'), I::Resume),
    (KeyScope::Runs, c('R'), I::Resume),
    (KeyScope::Notifications, c('R'), I::Resend),
    (KeyScope::List, c('l'), I::Launch),
    (KeyScope::List, c('1'), I::Persona(0)),
    (KeyScope::List, c('2'), I::Persona(1)),
    (KeyScope::List, c('3'), I::Persona(2)),
    (KeyScope::Global, c('q'), I::Quit),
    (KeyScope::Global, Key { code: K::Char('c'), ctrl: true, alt: false }, I::Quit),
    (KeyScope::Global, k(K::Esc), I::Back),
    (KeyScope::Global, c('?'), I::Help),
    (KeyScope::Global, c(':'), I::Command),
    (KeyScope::Global, c('/'), I::Search),
    (KeyScope::Global, k(K::Up), I::Up),
    (KeyScope::Global, c('k'), I::Up),
    (KeyScope::Global, k(K::Down), I::Down),
    (KeyScope::Global, c('j'), I::Down),
    (KeyScope::Global, k(K::Left), I::Left),
    (KeyScope::Global, c('h'), I::Left),
    (KeyScope::Global, k(K::Right), I::Right),
    (KeyScope::Global, c('l'), I::Right),
    (KeyScope::Global, k(K::PageUp), I::PageUp),
    (KeyScope::Global, k(K::PageDown), I::PageDown),
    (KeyScope::Global, c('g'), I::Top),
    (KeyScope::Global, k(K::Home), I::Top),
    (KeyScope::Global, c('G'), I::Bottom),
    (KeyScope::Global, k(K::End), I::Bottom),
    (KeyScope::Global, k(K::Enter), I::Select),
    (KeyScope::Global, k(K::Tab), I::NextPane),
    (KeyScope::Global, c('r'), I::Runs),
    (KeyScope::Global, c('a'), I::Audit),
    (KeyScope::Global, c('v'), I::Release),
    (KeyScope::Global, c('d'), I::Dora),
    (KeyScope::Global, c('H'), I::Health),
    (KeyScope::Global, c('L'), I::Load),
    (KeyScope::Global, c('S'), I::Secrets),
    (KeyScope::Dora, c('w'), I::CycleWindow),
    (KeyScope::Dora, c('s'), I::CycleService),
    (KeyScope::Load, c('x'), I::Cancel),
    (KeyScope::LoadStep, c('x'), I::Cancel),
    (KeyScope::Health, c('e'), I::CycleEnv),
    (KeyScope::Assessment, c('p'), I::SetState(0)),
    (KeyScope::Assessment, c('a'), I::SetState(1)),
    (KeyScope::Assessment, c('f'), I::SetState(2)),
    (KeyScope::Assessment, c('n'), I::SetState(3)),
    (KeyScope::Assessment, c('u'), I::SetState(4)),
    (KeyScope::Assessment, c('m'), I::Note),
    (KeyScope::Incident, c('n'), I::Note),
    (KeyScope::Incident, c('j'), I::Join),
    (KeyScope::Incident, c('s'), I::CycleSource),
    (KeyScope::Cost, c('b'), I::CycleBy),
    (KeyScope::Profile, c('p'), I::NextProfile),
];

/// The intent of `key` in `ctxs` (most specific first), falling back to the global table.
pub fn intent(ctxs: &[KeyScope], key: Key) -> Option<Intent> {
    ctxs.iter()
        .chain(std::iter::once(&KeyScope::Global))
        .find_map(|ctx| TABLE.iter().find(|(c, k, _)| c == ctx && *k == key).map(|(_, _, i)| *i))
}

/// The key hints of a context for the footer: (key, label).
#[allow(clippy::too_many_lines)] // a table: one row per context
pub fn hints(ctx: KeyScope) -> &'static [(&'static str, &'static str)] {
    match ctx {
        KeyScope::List => &[
            ("↑↓", "select"),
            ("enter", "launch"),
            ("tab", "persona"),
            ("r", "runs"),
            ("a", "audit"),
            ("v", "release"),
            (":", "command"),
            ("?", "help"),
            ("q", "quit"),
        ],
        // The keys that matter most come first: at 80 columns the last ones give way.
        KeyScope::Run => &[
            ("↑↓", "step"),
            ("x", "cancel"),
            ("esc", "back"),
            ("/", "search"),
            ("f", "follow"),
            ("w", "wrap"),
            ("z", "full log"),
            ("&", "filter"),
            ("c", "copy line"),
            ("PgUp/Dn", "scroll"),
            ("?", "help"),
        ],
        KeyScope::Gate => &[
            ("←→", "choose"),
            ("enter", "confirm"),
            ("y", "approve"),
            ("ctrl-r", "reject"),
            ("esc", "hide"),
            ("↑↓", "scroll"),
            ("?", "help"),
        ],
        KeyScope::FailureMenu => &[("←→", "choose"), ("enter", "confirm"), ("esc", "hide"), ("?", "help")],
        KeyScope::HiddenDialog => {
            &[("enter", "show the dialog"), ("↑↓", "step"), ("/", "search"), ("esc", "back"), ("?", "help")]
        }
        KeyScope::Runs => &[
            ("↑↓", "select"),
            ("enter", "open"),
            ("/", "filter"),
            ("R", "resume"),
            ("esc", "back"),
            ("?", "help"),
        ],
        KeyScope::Dora => &[
            ("w", "window"),
            ("s", "service"),
            ("↑↓", "deployment"),
            ("enter", "commits"),
            ("esc", "back"),
            ("?", "help"),
        ],
        KeyScope::Load => &[("x", "cancel"), ("enter", "new test"), ("esc", "back"), ("?", "help")],
        KeyScope::LoadStep => {
            &[("x", "cancel its run"), ("enter", "new test"), ("esc", "back"), ("?", "help")]
        }
        KeyScope::Health => {
            &[("↑↓", "monitor"), ("enter", "detail"), ("e", "environment"), ("esc", "back"), ("?", "help")]
        }
        KeyScope::Notifications => {
            &[("↑↓", "select"), ("enter", "attempts"), ("R", "resend"), ("esc", "back"), ("?", "help")]
        }
        KeyScope::Assessment => &[
            ("enter", "items"),
            ("p/a/f/n/u", "pass/partial/fail/n-a/unknown"),
            ("m", "note"),
            ("esc", "back"),
            ("?", "help"),
        ],
        KeyScope::Incident => &[
            ("↑↓", "select"),
            ("enter", "open run"),
            ("s", "source"),
            ("n", "note"),
            ("j", "join"),
            ("esc", "back"),
        ],
        KeyScope::Cost => &[("b", "breakdown"), ("↑↓", "anomaly"), ("esc", "back"), ("?", "help")],
        KeyScope::Profile => {
            &[("↑↓", "frame"), ("enter", "zoom"), ("esc", "out"), ("p", "next profile"), ("?", "help")]
        }
        KeyScope::Global => &[("esc", "back"), (":", "command"), ("?", "help"), ("q", "quit")],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specific_context_wins_over_global() {
        assert_eq!(intent(&[KeyScope::Run], c('n')), Some(I::SearchNext));
        assert_eq!(
            intent(&[KeyScope::Gate, KeyScope::Run], c('n')),
            Some(I::SearchNext),
            "n never answers a gate"
        );
        assert_eq!(intent(&[KeyScope::FailureMenu, KeyScope::Run], c('r')), Some(I::Runs), "r never retries");
        assert_eq!(intent(&[KeyScope::List], c('q')), Some(I::Quit));
        assert_eq!(intent(&[KeyScope::List], c('Z')), None);
    }
}
