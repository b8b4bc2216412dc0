//! The secret prompt dialog: which secret, for which environment, who may answer, and a masked
//! input (one `•` per character typed, never the text itself).

use ratatui::text::Line;

use crate::app::secret_prompt::SecretPrompt;
use crate::app::{App, RunScreen};
use crate::theme::{Role, Theme};
use crate::view::dialog::{Dialog, keys_line, wrapped};
use crate::view::widgets::span;

/// The most bullets shown (a longer value shows its length instead of more of them).
const MAX_BULLETS: usize = 40;

/// The dialog of an open secret prompt.
pub(super) fn secret_dialog<'a>(
    app: &App,
    rs: &RunScreen,
    p: &SecretPrompt,
    theme: &Theme,
    width: usize,
) -> Dialog<'a> {
    let mut body = wrapped(
        &format!("The run needs the value of secret {} for {}.", p.secret, p.environment),
        width,
        theme,
        Role::Title,
        "",
    );
    body.extend(wrapped(
        "It is not shown, logged or journaled: it goes to the secret provider only.",
        width,
        theme,
        Role::Text,
        "",
    ));
    body.extend(wrapped(
        &format!("Only {} (who started the run) may give it.", p.operator),
        width,
        theme,
        Role::Muted,
        "",
    ));
    let mut bottom = Vec::new();
    if let Some(why) = &p.again {
        bottom.extend(wrapped(&format!("✗ not taken: {why}; type it again"), width, theme, Role::Fail, ""));
    }
    if !p.answerable_by(&app.init.operator) {
        // A colleague's console: say so before anything is typed (the runner refuses and audits it).
        let text = format!("you are not {}: the run refuses a value sent from this console", p.operator);
        bottom.extend(wrapped(&text, width, theme, Role::Warn, ""));
    }
    if rs.secret_answered.as_deref() == Some(p.dialog_id().as_str()) {
        bottom.push(Line::from(span("value sent; waiting for the run to take it", theme, Role::Muted)));
        bottom.push(keys_line(app, "esc hide · the run keeps waiting", theme));
        return Dialog { title: format!("Secret needed — {}", p.environment), body, bottom };
    }
    let n = rs.secret.chars();
    let shown =
        if n > MAX_BULLETS { format!("{} ({n})", "•".repeat(MAX_BULLETS)) } else { "•".repeat(n) };
    bottom.push(Line::from(vec![
        span("> ", theme, Role::Accent),
        span(shown, theme, Role::Text),
        span("█", theme, Role::Accent),
    ]));
    if rs.secret_short {
        let text = format!("too short: at least {} characters", p.min_length);
        bottom.push(Line::from(span(text, theme, Role::Fail)));
    } else {
        bottom.push(keys_line(app, "enter submits · esc hide (the run keeps waiting)", theme));
    }
    Dialog { title: format!("Secret needed — {}", p.environment), body, bottom }
}
