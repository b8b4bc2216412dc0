//! The flame view (`:profile RUN`): a run's CPU profile as an icicle (root on top, callees below,
//! widths by samples), the hottest functions with self and total share, and their change against
//! the baseline when the profile was compared. `↑`/`↓` (or `←`/`→`) pick a frame under the
//! current root, `enter` zooms into it, `esc` zooms out (and leaves at the top). A run with several
//! profiles (several profile steps, or the baseline it was compared with) starts on its last one;
//! `p` cycles through them.

use serde::{Deserialize, Serialize};

use flightdeck_core::profile::ProfileReport;
use flightdeck_core::profile::folded::stacks;

use crate::app::{App, Screen};
use crate::keymap::Intent;
use crate::msg::Effect;

impl App {
    /// `:profile RUN` opens the flame view of the run's last profile.
    pub(super) fn open_profile(&mut self, args: &[&str]) -> Vec<Effect> {
        let [run] = args else {
            self.notice = Some("give one run: `:profile RUN` (`r` lists the runs)".into());
            return Vec::new();
        };
        let (view, effects) = ProfileView::open(run);
        self.profile = view;
        self.screens.push(Screen::Profile);
        effects
    }
}

/// A stored profile as the console shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileData {
    /// Its id in the store.
    pub id: i64,
    /// The step that took it.
    pub step: Option<String>,
    /// Folded stacks.
    pub folded: String,
    /// The report.
    pub report: ProfileReport,
    /// Set when this is the named baseline the run's profile was compared with (not the run's own).
    #[serde(default)]
    pub baseline: Option<String>,
}

impl ProfileData {
    /// What the title calls it: `step profile` or `baseline release-1.4`.
    pub fn label(&self) -> String {
        match (&self.baseline, &self.step) {
            (Some(b), _) => format!("baseline {b}"),
            (None, Some(s)) => format!("step {s}"),
            (None, None) => format!("profile {}", self.id),
        }
    }
}

/// One frame of the icicle with the samples under it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Frame {
    pub name: String,
    pub samples: u64,
    /// Callees, most samples first.
    pub children: Vec<Frame>,
}

impl Frame {
    /// The call tree of folded stacks under a synthetic root `all`.
    pub fn tree(folded: &str) -> Frame {
        let mut root = Frame { name: "all".into(), ..Frame::default() };
        for (stack, count) in stacks(folded) {
            root.samples += count;
            let mut node = &mut root;
            for name in stack.split(';') {
                let i = node.children.iter().position(|c| c.name == name).unwrap_or_else(|| {
                    node.children.push(Frame { name: name.to_string(), ..Frame::default() });
                    node.children.len() - 1
                });
                node = &mut node.children[i];
                node.samples += count;
            }
        }
        root.sort();
        root
    }

    fn sort(&mut self) {
        self.children.sort_by(|a, b| b.samples.cmp(&a.samples).then(a.name.cmp(&b.name)));
        for c in &mut self.children {
            c.sort();
        }
    }

    /// The frame at `path` (names from the root's children down), as far as it exists.
    pub fn at(&self, path: &[String]) -> &Frame {
        let mut node = self;
        for name in path {
            match node.children.iter().find(|c| &c.name == name) {
                Some(c) => node = c,
                None => break,
            }
        }
        node
    }
}

/// The flame view's state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProfileView {
    /// The run asked for.
    pub run: String,
    /// The profile shown once read (or why it could not be).
    pub data: Option<Result<ProfileData, String>>,
    /// Every profile to pick from (baselines first, then the run's own, oldest first).
    pub all: Vec<ProfileData>,
    /// Which of `all` is shown.
    pub pick: usize,
    /// The call tree of the profile.
    pub tree: Frame,
    /// The frames zoomed into, from the root down.
    pub zoom: Vec<String>,
    /// The selected callee of the current root.
    pub sel: usize,
}

impl ProfileView {
    /// Opens the view for `run` (the profile is read by the effect).
    pub fn open(run: &str) -> (ProfileView, Vec<Effect>) {
        let view = ProfileView { run: run.to_string(), ..ProfileView::default() };
        (view, vec![Effect::LoadProfile { run: run.to_string() }])
    }

    /// Takes the profiles read from the store and shows the run's last one.
    pub fn loaded(&mut self, run: &str, data: Result<Vec<ProfileData>, String>) {
        if run != self.run {
            return;
        }
        match data {
            Ok(all) if !all.is_empty() => {
                self.pick = all.len() - 1;
                self.all = all;
                self.show();
            }
            Ok(_) => self.shown(Err(format!("run {run} took no profile"))),
            Err(e) => self.shown(Err(e)),
        }
    }

    /// Shows the next profile of `all` (wrapping).
    pub fn next_profile(&mut self) {
        if self.all.len() > 1 {
            self.pick = (self.pick + 1) % self.all.len();
            self.show();
        }
    }

    fn show(&mut self) {
        let d = self.all.get(self.pick).cloned().ok_or_else(|| "no profile".to_string());
        self.shown(d);
    }

    fn shown(&mut self, data: Result<ProfileData, String>) {
        self.tree = data.as_ref().map(|d| Frame::tree(&d.folded)).unwrap_or_default();
        self.data = Some(data);
        self.zoom.clear();
        self.sel = 0;
    }

    /// The frame drawn at the top.
    pub fn root(&self) -> &Frame {
        self.tree.at(&self.zoom)
    }

    /// Moves the selection, zooms in (enter) or out (back); false when `Back` should leave.
    pub fn intent(&mut self, intent: Intent) -> bool {
        let n = self.root().children.len();
        match intent {
            Intent::Up | Intent::Left => self.sel = self.sel.saturating_sub(1),
            Intent::Down | Intent::Right => self.sel = (self.sel + 1).min(n.saturating_sub(1)),
            Intent::Top => self.sel = 0,
            Intent::Bottom => self.sel = n.saturating_sub(1),
            Intent::Select => {
                if let Some(c) = self.root().children.get(self.sel) {
                    self.zoom.push(c.name.clone());
                    self.sel = 0;
                }
            }
            Intent::NextProfile => self.next_profile(),
            Intent::Back => {
                let Some(name) = self.zoom.pop() else { return false };
                self.sel = self.root().children.iter().position(|c| c.name == name).unwrap_or(0);
            }
            _ => {}
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_sums_samples_and_zoom_walks_it() {
        let t = Frame::tree("main;serve;hot 60\nmain;serve;page 30\nmain;idle 10\n");
        assert_eq!(t.samples, 100);
        let main = &t.children[0];
        assert_eq!((main.name.as_str(), main.samples), ("main", 100));
        assert_eq!(
            main.children.iter().map(|c| (c.name.as_str(), c.samples)).collect::<Vec<_>>(),
            [("serve", 90), ("idle", 10)]
        );
        let mut v = ProfileView { run: "r".into(), tree: t, ..ProfileView::default() };
        assert!(v.intent(Intent::Select));
        assert!(v.intent(Intent::Select));
        assert_eq!(v.root().name, "serve");
        v.intent(Intent::Down);
        v.intent(Intent::Select);
        assert_eq!(v.zoom, ["main", "serve", "page"]);
        assert!(v.intent(Intent::Back));
        assert_eq!((v.root().name.as_str(), v.sel), ("serve", 1), "zooming out reselects the frame");
        assert!(v.intent(Intent::Back) && v.intent(Intent::Back));
        assert!(!v.intent(Intent::Back), "at the top, back leaves the view");
    }

    fn data(id: i64, folded: &str, baseline: Option<&str>) -> ProfileData {
        let report: ProfileReport = serde_json::from_value(serde_json::json!({
            "target": "pid 1", "frequency": 99, "duration_ms": 1000, "samples": 10, "top": []
        }))
        .unwrap();
        ProfileData {
            id,
            step: Some("profile".into()),
            folded: folded.into(),
            report,
            baseline: baseline.map(Into::into),
        }
    }

    #[test]
    fn p_cycles_the_profiles_starting_on_the_runs_last() {
        let mut v = ProfileView { run: "r".into(), ..ProfileView::default() };
        let all = vec![
            data(1, "base;cold 5\n", Some("release-1.4")),
            data(2, "a;b 5\n", None),
            data(3, "hot 9\n", None),
        ];
        v.loaded("r", Ok(all));
        assert_eq!((v.pick, v.tree.children[0].name.as_str()), (2, "hot"));
        v.intent(Intent::Select);
        assert!(v.intent(Intent::NextProfile));
        assert_eq!((v.pick, v.tree.children[0].name.as_str()), (0, "base"));
        assert!(v.zoom.is_empty(), "a new profile starts unzoomed");
        assert_eq!(v.all[0].label(), "baseline release-1.4");
        v.intent(Intent::NextProfile);
        assert_eq!(v.pick, 1);
        v.loaded("r", Ok(Vec::new()));
        assert!(matches!(&v.data, Some(Err(e)) if e.contains("took no profile")));
    }
}
