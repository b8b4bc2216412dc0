//! Home's and a persona menu's state: the selected persona column and workflow row.

use super::move_row;
use crate::keymap::Intent;

/// Home / persona menu selection.
#[derive(Debug, Clone, Default)]
pub struct HomeState {
    /// Home: selected persona column.
    pub col: usize,
    /// Home / persona: selected row.
    pub row: usize,
}

impl HomeState {
    /// Moves between columns (Home) or rows; `rows_in` gives the workflow count of a column.
    pub fn intent(&mut self, intent: Intent, rows_in: impl Fn(usize) -> usize) {
        match intent {
            Intent::Left => self.col = (self.col + 2) % 3,
            Intent::Right | Intent::NextPane => self.col = (self.col + 1) % 3,
            _ => {}
        }
        let n = rows_in(self.col);
        if matches!(intent, Intent::Left | Intent::Right | Intent::NextPane) {
            self.row = self.row.min(n.saturating_sub(1));
        } else {
            self.row = move_row(self.row, n, intent);
        }
    }
}
