//! Run data the runtime reports back: a run launched (or not), opened from the store, the recent
//! runs, and where a log search landed. They change the screen stack and the run views, which
//! `App` holds, so they are handled here rather than by one screen's state.

use crate::app::run_view::RunView;
use crate::app::{App, RunScreen, Screen};
use crate::msg::{Effect, Msg};
use flightdeck_core::engine::event::RunStatus;

impl App {
    /// `RunLaunched`, `LaunchFailed`, `RunsLoaded`, `RunOpened` and `LogSearched`.
    pub(super) fn run_data(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::RunLaunched { run } => {
                self.views.entry(run.clone()).or_insert_with(|| RunView::new(&run, true));
                if matches!(self.screen(), Screen::Launch(_)) {
                    self.screens.pop();
                }
                self.screens.push(Screen::Run(Box::new(RunScreen::new(&run))));
                return vec![Effect::LoadRuns];
            }
            Msg::LaunchFailed { message } => {
                if let Some(Screen::Launch(form)) = self.screen_mut() {
                    form.preview = false;
                }
                self.notice = Some(message);
            }
            Msg::RunsLoaded { runs } => self.recent = runs,
            Msg::RunOpened { run, steps: _, events } => self.run_opened(&run, &events),
            Msg::LogSearched { run, line, total, rank, matches } => {
                if let Some(Screen::Run(rs)) = self.screens.last_mut() {
                    rs.match_info = (rank, matches);
                }
                self.searched(&run, line, total);
            }
            _ => {}
        }
        Vec::new()
    }

    /// A stored run opened: its view is rebuilt from its events; it is not followed.
    fn run_opened(
        &mut self,
        run: &flightdeck_core::store::records::RunRecord,
        events: &[flightdeck_core::engine::event::Event],
    ) {
        let mut view = RunView::new(&run.id, false);
        for e in events {
            view.apply(e.at, &e.kind);
        }
        if view.finished.is_none() && run.status == RunStatus::Interrupted {
            view.finished = Some((RunStatus::Interrupted, 8, Some("the process died: R resumes it".into())));
        }
        self.views.insert(run.id.clone(), view);
        let mut screen = RunScreen::new(&run.id);
        screen.follow = false;
        self.screens.push(Screen::Run(Box::new(screen)));
    }

    fn searched(&mut self, run: &str, line: Option<usize>, total: usize) {
        let view = self.views.get(run);
        let Some(Screen::Run(rs)) = self.screens.last_mut() else { return };
        if rs.run != run {
            return;
        }
        rs.pending_search = None;
        match line {
            Some(l) => {
                rs.found = Some(l);
                rs.follow = false;
                // Show the match a few lines below the top of the log panel.
                let height = usize::from(crate::view::log_area(self.size, view, rs.zoom).height);
                rs.scroll = total.saturating_sub(l + height.saturating_sub(3)).min(total);
            }
            None => self.notice = Some(format!("no match for {:?}", rs.query.clone().unwrap_or_default())),
        }
    }
}
