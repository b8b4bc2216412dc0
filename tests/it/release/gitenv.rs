//! Git for tests: a temp global config (identity, no signing, `main` as the default branch),
//! `GIT_CONFIG_NOSYSTEM=1`, and fixed author and committer dates, one hour apart per commit.

use std::cell::Cell;
use std::path::Path;
use std::process::Command;

use crate::common::{Project, text};

pub struct Git {
    pub home: tempfile::TempDir,
    clock: Cell<i64>,
}

impl Git {
    pub fn new() -> Git {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(
            home.path().join(".gitconfig"),
            "[user]\n\tname = Rita Release\n\temail = rita@example.com\n[commit]\n\tgpgSign = false\n\
             [tag]\n\tgpgSign = false\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n",
        )
        .unwrap();
        Git { home, clock: Cell::new(1_790_000_000) }
    }

    /// Sets the git environment on a command (for `git` and for `flightdeck`, whose git2 reads
    /// the same global file through `HOME`).
    pub fn env<'a>(&self, c: &'a mut Command) -> &'a mut Command {
        let t = self.clock.get();
        self.clock.set(t + 3600);
        let date = format!("@{t} +0000");
        c.env("HOME", self.home.path())
            .env("GIT_CONFIG_GLOBAL", self.home.path().join(".gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
    }

    /// Runs `git ARGS` in `dir`, panicking on failure; returns stdout.
    pub fn run(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.env(Command::new("git").args(args).current_dir(dir)).output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Writes `file` and commits it with `message`.
    pub fn commit(&self, dir: &Path, file: &str, content: &str, message: &str) {
        std::fs::write(dir.join(file), content).unwrap();
        self.run(dir, &["add", "--", file]);
        self.run(dir, &["commit", "-q", "-m", message]);
    }

    /// `flightdeck ARGS` in the project with the git environment.
    pub fn flightdeck(&self, p: &Project, args: &[&str]) -> std::process::Output {
        self.env(&mut p.cmd(args)).output().unwrap()
    }
}

pub const CARGO: &str = "# the service\n[package]\nname = \"web\"\nversion = \"1.2.3\" # managed by flightdeck\nedition = \"2024\"\n";

/// A project that is a git repository on `main` with Cargo.toml at 1.2.3, tagged v1.2.3 and pushed
/// to a bare remote (returned).
pub fn released_project(git: &Git, config: &str) -> (Project, tempfile::TempDir) {
    let p = Project::new(config, &[]);
    let remote = tempfile::tempdir().unwrap();
    git.run(remote.path(), &["init", "-q", "--bare", "-b", "main"]);
    let dir = p.path();
    git.run(dir, &["init", "-q", "-b", "main"]);
    std::fs::write(dir.join(".gitignore"), "target/\n").unwrap();
    std::fs::write(
        dir.join("CHANGELOG.md"),
        "# Changelog\n\n## [Unreleased]\n\n## [1.2.3] - 2026-01-02\n\n- first  release\n",
    )
    .unwrap();
    std::fs::write(dir.join("Cargo.toml"), CARGO).unwrap();
    git.run(dir, &["add", "."]);
    git.run(dir, &["commit", "-q", "-m", "chore: initial"]);
    git.run(dir, &["tag", "-a", "v1.2.3", "-m", "Release v1.2.3"]);
    git.run(dir, &["remote", "add", "origin", &remote.path().display().to_string()]);
    git.run(dir, &["push", "-q", "-u", "origin", "main", "v1.2.3"]);
    (p, remote)
}
