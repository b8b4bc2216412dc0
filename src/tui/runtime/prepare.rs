//! Before a frame: the run screen's log lines are read from the step's log file through its line
//! index (only the visible window), and a pending search is run over the whole file. This is the
//! console's only file reading on the draw path, kept out of `update` and `view`.

use crate::tui::app::{App, LogWindow, Screen};
use crate::tui::logindex::LogIndex;
use crate::tui::msg::Msg;
use crate::tui::runtime::Console;
use crate::tui::view::{log_area, selected_step};

impl Console {
    /// Runs a pending log search; returns its result as a message.
    pub(super) fn prepare(&mut self, app: &App) -> Vec<Msg> {
        let Some((run, step, index)) = self.current_log(app) else { return Vec::new() };
        let Some(Screen::Run(rs)) = app.screens.last() else { return Vec::new() };
        let Some((query, forward)) = &rs.pending_search else { return Vec::new() };
        let line = index.search(query, rs.found, *forward).unwrap_or(None);
        let total = index.len();
        let _ = step;
        vec![Msg::LogSearched { run, line, total }]
    }

    /// Reads the visible lines of the selected step's log into `app.log_window`.
    pub(super) fn fill_window(&mut self, app: &mut App) {
        app.log_window = None;
        let Some((run, step, index)) = self.current_log(app) else { return };
        let Some(Screen::Run(rs)) = app.screens.last() else { return };
        let total = index.len();
        if total == 0 {
            return;
        }
        let height = usize::from(log_area(app.size).height);
        let end = if rs.follow { total } else { total.saturating_sub(rs.scroll) };
        let first = end.saturating_sub(height);
        if let Ok(lines) = index.read(first, end - first) {
            app.log_window = Some(LogWindow { run, step, first, lines, total });
        }
    }

    /// The run, step and refreshed log index the run screen shows, if any.
    fn current_log(&mut self, app: &App) -> Option<(String, String, &LogIndex)> {
        let Some(Screen::Run(rs)) = app.screens.last() else { return None };
        let view = app.views.get(&rs.run)?;
        let step = view.steps.get(selected_step(view, rs))?.id.clone();
        let path = self.store.log_dir(&rs.run).join(format!("{step}.log"));
        let index =
            self.indexes.entry((rs.run.clone(), step.clone())).or_insert_with(|| LogIndex::new(&path));
        index.refresh().ok()?;
        Some((rs.run.clone(), step, index))
    }
}
