//! Before a frame: the run screen's log lines are read from the step's log file through its line
//! index (only the visible window), and a pending search is run over the whole file. This is the
//! console's only file reading on the draw path, kept out of `update` and `view`; the index is
//! refreshed once per frame.

use crate::app::{App, LogWindow, Screen};
use crate::logindex::LogIndex;
use crate::msg::Msg;
use crate::runtime::Console;
use crate::view::{log_area, selected_step};

impl Console {
    /// Runs a pending log search (its result goes through `update`), then reads the visible lines
    /// of the selected step's log into `app.log_window`.
    pub(super) fn prepare(&mut self, app: &mut App) {
        app.log_window = None;
        let Some((run, step)) = current_step(app) else { return };
        let path = self.log_dir(&run).join(format!("{step}.log"));
        let index = self.indexes.entry((run.clone(), step.clone())).or_insert_with(|| LogIndex::new(&path));
        if index.refresh().is_err() {
            return;
        }
        if let Some(Screen::Run(rs)) = app.screens.last()
            && let Some((query, forward)) = &rs.pending_search
        {
            let (line, rank, matches) =
                index.search_counted(query, rs.found, *forward).unwrap_or((None, 0, 0));
            let total = index.len();
            let _ = app.update(Msg::LogSearched { run: run.clone(), line, total, rank, matches });
        }
        let Some(Screen::Run(rs)) = app.screens.last() else { return };
        if let Some(filter) = rs.filter.clone() {
            let height = usize::from(log_area(app.size, app.views.get(&rs.run), rs.zoom).height);
            app.log_window = filtered_window(index, &filter, rs.follow, rs.scroll, height)
                .map(|(first, lines, total)| LogWindow { run, step, first, lines, total });
            return;
        }
        let total = index.len();
        if total == 0 {
            return;
        }
        let height = usize::from(log_area(app.size, app.views.get(&rs.run), rs.zoom).height);
        let end = if rs.follow { total } else { total.saturating_sub(rs.scroll) };
        let first = end.saturating_sub(height);
        if let Ok(lines) = index.read(first, end - first) {
            app.log_window = Some(LogWindow { run, step, first, lines, total });
        }
    }
}

/// The window of a filtered log: (first match shown, its lines, matches in all).
fn filtered_window(
    index: &LogIndex,
    filter: &str,
    follow: bool,
    scroll: usize,
    height: usize,
) -> Option<(usize, Vec<String>, usize)> {
    let hits = index.matching(filter).ok()?;
    let end = hits.len().saturating_sub(if follow { 0 } else { scroll });
    let first = end.saturating_sub(height);
    let mut lines = Vec::with_capacity(end - first);
    for &n in &hits[first..end] {
        lines.extend(index.read(n, 1).ok()?);
    }
    Some((first, lines, hits.len()))
}

/// The run and step whose log the run screen shows, if it is on top.
fn current_step(app: &App) -> Option<(String, String)> {
    let Some(Screen::Run(rs)) = app.screens.last() else { return None };
    let view = app.views.get(&rs.run)?;
    let step = view.steps.get(selected_step(view, rs))?.id.clone();
    Some((rs.run.clone(), step))
}
