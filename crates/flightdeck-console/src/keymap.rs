//! One table maps keys to intents, per screen. Screens react to intents, never to raw keys
//! (text inputs excepted), so the keys people know from k9s and lazygit live in one place.

use crate::msg::{Key, KeyCode};

/// Where a key was pressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ctx {
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
pub const TABLE: &[(Ctx, Key, Intent)] = &[
    // Dialogs answer only to keys that mean nothing else on the run screen: `y`, `ctrl-r`, and
    // `enter` on the highlighted option (never `n`, `r`, `s`, `a`: search, runs, audit elsewhere).
    (Ctx::Gate, c('y'), I::Approve),
    (Ctx::Gate, Key { code: K::Char('r'), ctrl: true, alt: false }, I::Reject),
    (Ctx::Gate, k(K::Left), I::Left),
    (Ctx::Gate, c('h'), I::Left),
    (Ctx::Gate, k(K::BackTab), I::Left),
    (Ctx::Gate, k(K::Right), I::Right),
    (Ctx::Gate, c('l'), I::Right),
    (Ctx::Gate, k(K::Tab), I::Right),
    (Ctx::Gate, k(K::Enter), I::Select),
    (Ctx::Gate, k(K::Esc), I::HideDialog),
    (Ctx::FailureMenu, k(K::Left), I::Left),
    (Ctx::FailureMenu, c('h'), I::Left),
    (Ctx::FailureMenu, k(K::BackTab), I::Left),
    (Ctx::FailureMenu, k(K::Right), I::Right),
    (Ctx::FailureMenu, c('l'), I::Right),
    (Ctx::FailureMenu, k(K::Tab), I::Right),
    (Ctx::FailureMenu, k(K::Enter), I::Select),
    (Ctx::FailureMenu, k(K::Esc), I::HideDialog),
    (Ctx::HiddenDialog, k(K::Enter), I::ShowDialog),
    (Ctx::Run, c('f'), I::Follow),
    (Ctx::Run, c('w'), I::Wrap),
    (Ctx::Run, c('z'), I::Zoom),
    (Ctx::Run, c('c'), I::Copy),
    (Ctx::Run, c('&'), I::Filter),
    (Ctx::Run, c('n'), I::SearchNext),
    (Ctx::Run, c('N'), I::SearchPrev),
    (Ctx::Run, c('x'), I::Cancel),
    (Ctx::Run, c('R'), I::Resume),
    (Ctx::Runs, c('R'), I::Resume),
    (Ctx::Notifications, c('R'), I::Resend),
    (Ctx::List, c('l'), I::Launch),
    (Ctx::List, c('1'), I::Persona(0)),
    (Ctx::List, c('2'), I::Persona(1)),
    (Ctx::List, c('3'), I::Persona(2)),
    (Ctx::Global, c('q'), I::Quit),
    (Ctx::Global, Key { code: K::Char('c'), ctrl: true, alt: false }, I::Quit),
    (Ctx::Global, k(K::Esc), I::Back),
    (Ctx::Global, c('?'), I::Help),
    (Ctx::Global, c(':'), I::Command),
    (Ctx::Global, c('/'), I::Search),
    (Ctx::Global, k(K::Up), I::Up),
    (Ctx::Global, c('k'), I::Up),
    (Ctx::Global, k(K::Down), I::Down),
    (Ctx::Global, c('j'), I::Down),
    (Ctx::Global, k(K::Left), I::Left),
    (Ctx::Global, c('h'), I::Left),
    (Ctx::Global, k(K::Right), I::Right),
    (Ctx::Global, c('l'), I::Right),
    (Ctx::Global, k(K::PageUp), I::PageUp),
    (Ctx::Global, k(K::PageDown), I::PageDown),
    (Ctx::Global, c('g'), I::Top),
    (Ctx::Global, k(K::Home), I::Top),
    (Ctx::Global, c('G'), I::Bottom),
    (Ctx::Global, k(K::End), I::Bottom),
    (Ctx::Global, k(K::Enter), I::Select),
    (Ctx::Global, k(K::Tab), I::NextPane),
    (Ctx::Global, c('r'), I::Runs),
    (Ctx::Global, c('a'), I::Audit),
    (Ctx::Global, c('v'), I::Release),
    (Ctx::Global, c('d'), I::Dora),
    (Ctx::Global, c('H'), I::Health),
    (Ctx::Global, c('L'), I::Load),
    (Ctx::Global, c('S'), I::Secrets),
    (Ctx::Dora, c('w'), I::CycleWindow),
    (Ctx::Dora, c('s'), I::CycleService),
    (Ctx::Load, c('x'), I::Cancel),
    (Ctx::Health, c('e'), I::CycleEnv),
    (Ctx::Assessment, c('p'), I::SetState(0)),
    (Ctx::Assessment, c('a'), I::SetState(1)),
    (Ctx::Assessment, c('f'), I::SetState(2)),
    (Ctx::Assessment, c('n'), I::SetState(3)),
    (Ctx::Assessment, c('u'), I::SetState(4)),
    (Ctx::Assessment, c('m'), I::Note),
    (Ctx::Incident, c('n'), I::Note),
    (Ctx::Incident, c('j'), I::Join),
    (Ctx::Incident, c('s'), I::CycleSource),
    (Ctx::Cost, c('b'), I::CycleBy),
    (Ctx::Profile, c('p'), I::NextProfile),
];

/// The intent of `key` in `ctxs` (most specific first), falling back to the global table.
pub fn intent(ctxs: &[Ctx], key: Key) -> Option<Intent> {
    ctxs.iter()
        .chain(std::iter::once(&Ctx::Global))
        .find_map(|ctx| TABLE.iter().find(|(c, k, _)| c == ctx && *k == key).map(|(_, _, i)| *i))
}

/// The key hints of a context for the footer: (key, label).
#[allow(clippy::too_many_lines)] // a table: one row per context
pub fn hints(ctx: Ctx) -> &'static [(&'static str, &'static str)] {
    match ctx {
        Ctx::List => &[
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
        Ctx::Run => &[
            ("↑↓", "step"),
            ("f", "follow"),
            ("w", "wrap"),
            ("/", "search"),
            ("z", "full log"),
            ("&", "filter"),
            ("c", "copy line"),
            ("PgUp/Dn", "scroll"),
            ("x", "cancel"),
            ("esc", "back"),
            ("?", "help"),
        ],
        Ctx::Gate => &[
            ("←→", "choose"),
            ("enter", "confirm"),
            ("y", "approve"),
            ("ctrl-r", "reject"),
            ("↑↓", "scroll"),
            ("esc", "hide"),
            ("?", "help"),
        ],
        Ctx::FailureMenu => &[("←→", "choose"), ("enter", "confirm"), ("esc", "hide"), ("?", "help")],
        Ctx::HiddenDialog => {
            &[("enter", "show the dialog"), ("↑↓", "step"), ("/", "search"), ("esc", "back"), ("?", "help")]
        }
        Ctx::Runs => &[
            ("↑↓", "select"),
            ("enter", "open"),
            ("/", "filter"),
            ("R", "resume"),
            ("esc", "back"),
            ("?", "help"),
        ],
        Ctx::Dora => &[
            ("w", "window"),
            ("s", "service"),
            ("↑↓", "deployment"),
            ("enter", "commits"),
            ("esc", "back"),
            ("?", "help"),
        ],
        Ctx::Load => &[("x", "cancel"), ("enter", "new test"), ("esc", "back"), ("?", "help")],
        Ctx::Health => {
            &[("↑↓", "monitor"), ("enter", "detail"), ("e", "environment"), ("esc", "back"), ("?", "help")]
        }
        Ctx::Notifications => {
            &[("↑↓", "select"), ("enter", "attempts"), ("R", "resend"), ("esc", "back"), ("?", "help")]
        }
        Ctx::Assessment => &[
            ("enter", "items"),
            ("p/a/f/n/u", "pass/partial/fail/n-a/unknown"),
            ("m", "note"),
            ("esc", "back"),
            ("?", "help"),
        ],
        Ctx::Incident => &[
            ("↑↓", "select"),
            ("enter", "open run"),
            ("s", "source"),
            ("n", "note"),
            ("j", "join"),
            ("esc", "back"),
        ],
        Ctx::Cost => &[("b", "breakdown"), ("↑↓", "anomaly"), ("esc", "back"), ("?", "help")],
        Ctx::Profile => {
            &[("↑↓", "frame"), ("enter", "zoom"), ("esc", "out"), ("p", "next profile"), ("?", "help")]
        }
        Ctx::Global => &[("esc", "back"), (":", "command"), ("?", "help"), ("q", "quit")],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specific_context_wins_over_global() {
        assert_eq!(intent(&[Ctx::Run], c('n')), Some(I::SearchNext));
        assert_eq!(intent(&[Ctx::Gate, Ctx::Run], c('n')), Some(I::SearchNext), "n never answers a gate");
        assert_eq!(intent(&[Ctx::FailureMenu, Ctx::Run], c('r')), Some(I::Runs), "r never retries");
        assert_eq!(intent(&[Ctx::List], c('q')), Some(I::Quit));
        assert_eq!(intent(&[Ctx::List], c('Z')), None);
    }
}
