//! Each screen's own state, one struct per screen, with its own key handling returning effects.
//! [`crate::app::App`] holds the screen stack, these states and what every screen shares (runs,
//! the clock, the notice, overlays).

use crate::keymap::Intent;

pub mod dora;
pub mod health;
pub mod home;
pub mod lists;
pub mod run;

/// Moves a selection within `n` rows.
pub fn move_row(row: usize, n: usize, intent: Intent) -> usize {
    let last = n.saturating_sub(1);
    match intent {
        Intent::Up => row.saturating_sub(1),
        Intent::Down => (row + 1).min(last),
        Intent::PageUp => row.saturating_sub(10),
        Intent::PageDown => (row + 10).min(last),
        Intent::Top => 0,
        Intent::Bottom => last,
        _ => row.min(last),
    }
}
