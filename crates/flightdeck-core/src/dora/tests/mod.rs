//! Hand-computed DORA values on fixture ledgers and on temporary git repositories whose commits
//! carry fixed dates (git runs with `GIT_CONFIG_GLOBAL` pointing at a temp file, no system config).

#![allow(clippy::many_single_char_names, clippy::float_cmp)] // hand-computed exact values, short names

mod git_cases;
mod ledger_cases;

use std::path::Path;
use std::process::Command;

use jiff::tz::TimeZone;
use tempfile::TempDir;

use super::facts::{Fact, History, facts};
use super::metrics::{Metrics, compute};
use super::window::Window;
use crate::store::records::{DeploymentRecord, IncidentRecord};
use crate::time::Micros;

const HOUR: f64 = 3600.0;

/// An instant from RFC 3339 text.
fn at(text: &str) -> Micros {
    Micros(text.parse::<jiff::Timestamp>().unwrap().as_microsecond())
}

fn window(since: &str, until: &str) -> Window {
    Window::new(at(since), at(until), TimeZone::UTC).unwrap()
}

/// A successful production deployment of `web`.
fn dep(id: &str, sha: &str, finished: &str) -> DeploymentRecord {
    DeploymentRecord {
        id: id.into(),
        service: "web".into(),
        environment: "production".into(),
        production: true,
        sha: Some(sha.into()),
        version: None,
        kind: "normal".into(),
        status: "succeeded".into(),
        started_at: at(finished),
        finished_at: at(finished),
        run: None,
        remediates: None,
        actor: None,
        digest: None,
    }
}

fn incident(id: &str, caused_by: &str, started: &str, resolved: Option<&str>) -> IncidentRecord {
    IncidentRecord {
        id: id.into(),
        service: "web".into(),
        environment: "production".into(),
        severity: "sev2".into(),
        title: id.into(),
        started_at: at(started),
        detected_at: None,
        mitigated_at: None,
        resolved_at: resolved.map(at),
        caused_by: Some(caused_by.into()),
    }
}

/// A temporary repository; commits get fixed author and committer dates.
struct Repo {
    dir: TempDir,
    config: TempDir,
}

impl Repo {
    fn new() -> Repo {
        let config = TempDir::new().unwrap();
        std::fs::write(
            config.path().join("gitconfig"),
            "[user]\n\tname = Test\n\temail = test@example.com\n[commit]\n\tgpgsign = false\n[init]\n\tdefaultBranch = main\n",
        )
        .unwrap();
        let repo = Repo { dir: TempDir::new().unwrap(), config };
        repo.git(&["init", "-q", "."], "2026-01-01T00:00:00Z");
        repo
    }

    fn git(&self, args: &[&str], date: &str) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(self.dir.path())
            .env("GIT_CONFIG_GLOBAL", self.config.path().join("gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Writes `file` with `msg` as content and commits it at `date`; returns the SHA.
    fn commit(&self, file: &str, msg: &str, date: &str) -> String {
        let path = self.dir.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, msg).unwrap();
        self.git(&["add", "-A"], date);
        self.git(&["commit", "-q", "-m", msg], date);
        self.git(&["rev-parse", "HEAD"], date)
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Walks the history of `deps` and returns their facts.
    fn facts(&self, deps: &[DeploymentRecord], incidents: &[IncidentRecord], paths: &[String]) -> Vec<Fact> {
        let repo = super::git::open(self.path()).unwrap();
        let shas: Vec<Option<&str>> = deps.iter().map(|d| d.sha.as_deref()).collect();
        let (history, notes) = super::git::walk(&repo, &shas, paths);
        assert!(notes.is_empty(), "{notes:?}");
        facts(deps, incidents, &history)
    }
}

fn metrics_of(f: &[Fact], since: &str, until: &str) -> Metrics {
    compute(f, &window(since, until))
}

fn no_history() -> History {
    History::default()
}
