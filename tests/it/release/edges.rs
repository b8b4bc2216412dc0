//! Release edge cases against real temp repositories: tag pattern detection and the refusal when
//! no tag fits, pre-releases (`next_version`'s rules), `release tag` tagging what `bump` committed,
//! and the changelog written twice with its `[unreleased]` link.

use super::gitenv::{Git, released_project};
use crate::common::{LOCAL, Project, text};

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn plan_next(git: &Git, p: &Project, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["release", "plan", "--json"];
    all.extend_from_slice(args);
    let out = git.flightdeck(p, &all);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["next_tag"].clone()
}

/// A repository on `main` with one commit per tag in `tags` and a fix on top.
fn tagged_repo(git: &Git, config: &str, tags: &[&str]) -> Project {
    let p = Project::new(config, &[]);
    let dir = p.path();
    git.run(dir, &["init", "-q", "-b", "main"]);
    for (i, t) in tags.iter().enumerate() {
        git.commit(dir, "history.txt", &format!("{i}\n"), &format!("fix: change {i}"));
        git.run(dir, &["tag", "-a", t, "-m", t]);
    }
    git.commit(dir, "fix.rs", "// fix\n", "fix: on top");
    p
}

#[test]
fn unmatched_tags_exit_8_naming_the_highest_and_patterns_are_detected() {
    let git = Git::new();
    let p = tagged_repo(&git, LOCAL, &["release-1.9.0", "release-1.10.2", "nightly"]);
    let out = git.flightdeck(&p, &["release", "plan"]);
    assert_eq!(out.status.code(), Some(8), "never a silent v0.1.0: {}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the highest release-1.10.2"), "{err}");
    assert!(err.contains("tag_pattern = \"release-{version}\""), "{err}");

    let set = format!("{LOCAL}[release]\ntag_pattern = \"release-{{version}}\"\n");
    std::fs::write(p.path().join("flightdeck.toml"), set).unwrap();
    assert_eq!(plan_next(&git, &p, &[]), "release-1.10.3");

    let bare = tagged_repo(&git, LOCAL, &["1.0.0", "1.1.0"]);
    assert_eq!(plan_next(&git, &bare, &[]), "1.1.1", "{{version}} detected");
    let pkg = tagged_repo(&git, LOCAL, &["api-v2.0.0", "api-v2.1.0"]);
    assert_eq!(plan_next(&git, &pkg, &[]), "api-v2.1.1", "NAME-v{{version}} detected");
    let fresh = tagged_repo(&git, LOCAL, &["deploy-prod"]);
    assert_eq!(plan_next(&git, &fresh, &[]), "v0.1.0", "no version tag at all: the first release");
}

#[test]
fn pre_releases_continue_finalise_on_request_and_never_go_back() {
    let git = Git::new();
    let p = tagged_repo(&git, LOCAL, &["v1.0.0-rc.1"]);
    git.commit(p.path(), "api.rs", "// api\n", "feat!: new api");
    // next_version 0.3.5 src/lib.rs: pre-releases increment "independently by the type of commits".
    assert_eq!(plan_next(&git, &p, &[]), "v1.0.0-rc.2");
    assert_eq!(plan_next(&git, &p, &["--final"]), "v1.0.0");
    let out = git.flightdeck(&p, &["release", "plan", "--pre", "beta"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--pre beta would go backwards from 1.0.0-rc.1"));

    git.run(p.path(), &["tag", "-a", "v1.0.0-rc.2", "-m", "rc.2"]);
    let none = plan_next(&git, &p, &[]);
    assert!(none.is_null(), "no commits since rc.2: {none}");
    assert_eq!(plan_next(&git, &p, &["--final"]), "v1.0.0", "--final needs no new commit");
    assert_eq!(plan_next(&git, &p, &["--version", "1.0.0"]), "v1.0.0");
    let out = git.flightdeck(&p, &["release", "bump", "--final"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = git.flightdeck(&p, &["release", "tag"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(stdout(&out).contains("tagged HEAD as v1.0.0"), "{}", text(&out));
}

#[test]
fn tag_tags_the_version_bump_committed() {
    let git = Git::new();
    let (p, _remote) = released_project(&git, LOCAL);
    git.commit(p.path(), "a.rs", "// a\n", "fix: a");
    let out = git.flightdeck(&p, &["release", "bump", "--version", "1.5.0"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // Recomputed from the commits this would be v1.2.4.
    let out = git.flightdeck(&p, &["release", "tag", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(t["tag"], "v1.5.0");
    assert!(t["message"].as_str().unwrap().contains("## [1.5.0] - "), "{t}");
    assert_eq!(
        git.run(p.path(), &["rev-parse", "v1.5.0^{commit}"]),
        git.run(p.path(), &["rev-parse", "HEAD"])
    );

    git.commit(p.path(), "b.rs", "// b\n", "feat: b");
    let out = git.flightdeck(&p, &["release", "bump", "--pre", "rc", "--no-commit"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    git.run(p.path(), &["commit", "-qam", "build: version 1.6.0-rc.1 by hand"]);
    let out = git.flightdeck(&p, &["release", "tag"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(stdout(&out).contains("tagged HEAD as v1.6.0-rc.1"), "from the version file: {}", text(&out));
}

#[test]
fn changelog_write_twice_keeps_one_section_and_moves_the_unreleased_link() {
    let git = Git::new();
    let (p, _remote) = released_project(&git, LOCAL);
    let dir = p.path();
    let log = "# Changelog\n\n## [Unreleased]\n\n## [1.2.3] - 2026-01-02\n\n- first  release\n\n\
               [unreleased]: https://github.com/acme/web/compare/v1.2.3...HEAD\n\
               [1.2.3]: https://github.com/acme/web/releases/tag/v1.2.3\n";
    git.commit(dir, "CHANGELOG.md", log, "docs: links");
    git.commit(dir, "sign.sh", "#!/bin/sh\n", "chore(release): sign the tarballs");
    git.commit(dir, "a.rs", "// a\n", "fix: a");
    for _ in 0..2 {
        let out = git.flightdeck(&p, &["release", "changelog", "--write"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let written = p.read("CHANGELOG.md");
    assert_eq!(written.matches("## [1.2.4] - ").count(), 1, "{written}");
    assert!(
        written.contains("[unreleased]: https://github.com/acme/web/compare/v1.2.4...HEAD\n"),
        "{written}"
    );
    assert!(written.contains("[1.2.4]: https://github.com/acme/web/compare/v1.2.3...v1.2.4\n"), "{written}");
    assert_eq!(written.matches("[1.2.4]: ").count(), 1, "{written}");
    // Only flightdeck's own `chore(release): TAG` is left out (git-cliff's shipped configurations skip only their own
    // "chore(release): prepare for").
    assert!(written.contains("### Maintenance\n\n- **release:** sign the tarballs ("), "{written}");
    assert!(written.contains("### Fixed\n\n- a ("), "{written}");
    git.run(dir, &["commit", "-qam", "docs: changelog"]);

    let out = git.flightdeck(&p, &["release", "bump", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(stdout(&out).contains("would write 1.2.4 in Cargo.toml (was 1.2.3)"), "{}", text(&out));
    assert!(!stdout(&out).contains("CHANGELOG.md"), "its section is written already: {}", text(&out));
    let out = git.flightdeck(&p, &["release", "bump"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.read("CHANGELOG.md"), written, "bump keeps the section written earlier");
    let out = git.flightdeck(&p, &["release", "tag"]);
    assert!(stdout(&out).contains("tagged HEAD as v1.2.4"), "{}", text(&out));
}
