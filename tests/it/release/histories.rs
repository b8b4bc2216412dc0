//! Release histories the way real projects have them, built in temp repositories (no network):
//! git-cliff's own shape (release candidates, a feature branch merged with `feat(ui)!:`, a
//! `BREAKING-CHANGE:` footer, a revert, an upper-case type), tags that are not release tags (a tag
//! of a tree, as Linux's `v2.6.11-tree`; `nightly`), a release-plz-style Cargo workspace whose
//! packages are tagged `NAME-vX.Y.Z` and count only the commits in their own directory, and the
//! refusals outside a repository and in one without commits; a JavaScript monorepo tagged
//! `@scope/name@X.Y.Z` (Lerna, Changesets). The expected versions follow
//! git-cliff's `--bumped-version` and release-plz's rules (README, Releases).

use super::gitenv::Git;
use crate::common::{LOCAL, Project, text};

/// `release plan --json` (exit 0 asserted).
fn plan(git: &Git, p: &Project, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["release", "plan", "--json"];
    all.extend_from_slice(args);
    let out = git.flightdeck(p, &all);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Writes `file` (creating its directory) and commits everything with `message`.
fn commit(git: &Git, p: &Project, file: &str, message: &str) {
    let path = p.path().join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    std::fs::write(&path, format!("{old}{message}\n")).unwrap();
    git.run(p.path(), &["add", "-A"]);
    git.run(p.path(), &["commit", "-q", "-m", message]);
}

fn repo(git: &Git) -> Project {
    let p = Project::new(LOCAL, &[]);
    git.run(p.path(), &["init", "-q", "-b", "main"]);
    p
}

#[test]
fn tags_of_trees_and_blobs_and_non_version_tags_are_skipped() {
    let git = Git::new();
    let p = repo(&git);
    commit(&git, &p, "a.txt", "feat: first");
    git.run(p.path(), &["tag", "-a", "v1.0.0", "-m", "v1.0.0"]);
    commit(&git, &p, "a.txt", "fix: second");
    git.run(p.path(), &["tag", "v9.9.9", "HEAD^{tree}"]);
    let blob = git.run(p.path(), &["rev-parse", "HEAD:a.txt"]);
    git.run(p.path(), &["tag", "-a", "v8.0.0", "-m", "a blob", &blob]);
    git.run(p.path(), &["tag", "nightly"]);
    commit(&git, &p, "b.txt", "feat(cli): third");
    let j = plan(&git, &p, &[]);
    assert_eq!(j["current"]["tag"], "v1.0.0", "{j}");
    assert_eq!(j["next_tag"], "v1.1.0", "{j}");
    assert_eq!(j["commits"].as_array().unwrap().len(), 2, "{j}");
}

/// git-cliff's history from v2.9.1 to v2.10.0 in miniature: a release candidate continued by
/// features, finalised with `--final`; then a merged branch with a breaking feature.
#[test]
fn a_git_cliff_shaped_history_bumps_and_groups_as_git_cliff_does() {
    let git = Git::new();
    let p = repo(&git);
    commit(&git, &p, "core.rs", "feat: first");
    git.run(p.path(), &["tag", "-a", "v2.9.1", "-m", "v2.9.1"]);
    commit(&git, &p, "core.rs", "feat(template): add group_by_scope filter (#1547)");
    git.run(p.path(), &["tag", "-a", "v2.10.0-rc.0", "-m", "v2.10.0-rc.0"]);
    commit(&git, &p, "core.rs", "fix(git): handle nested annotated tags (#1360)");
    let j = plan(&git, &p, &[]);
    assert_eq!(j["next_tag"], "v2.10.0-rc.1", "a pre-release continues: {j}");
    let j = plan(&git, &p, &["--final"]);
    assert_eq!(j["next_tag"], "v2.10.0", "{j}");
    let log = j["changelog"].as_str().unwrap();
    assert!(log.contains("**template:** add group_by_scope filter (#1547)"), "since v2.9.1: {log}");
    assert!(log.contains("**git:** handle nested annotated tags (#1360)"), "{log}");
    git.run(p.path(), &["tag", "-a", "v2.10.0", "-m", "v2.10.0"]);

    git.run(p.path(), &["checkout", "-q", "-b", "layout"]);
    commit(&git, &p, "ui.rs", "feat(ui)!: new layout");
    commit(&git, &p, "ui.rs", "test: cover the layout");
    git.run(p.path(), &["checkout", "-q", "main"]);
    commit(&git, &p, "core.rs", "fix(core): z");
    git.run(p.path(), &["merge", "-q", "--no-ff", "layout", "-m", "Merge branch 'layout'"]);
    commit(&git, &p, "core.rs", "Revert \"fix(core): z\"\n\nThis reverts commit 0000000.");
    commit(&git, &p, "cfg.rs", "feat: something\n\nRefs: #12\nBREAKING-CHANGE: config renamed");
    commit(&git, &p, "cfg.rs", "Feat(Scope): capital type");
    let j = plan(&git, &p, &[]);
    assert_eq!(j["next_tag"], "v3.0.0", "{j}");
    let log = j["changelog"].as_str().unwrap();
    let section = |title: &str| {
        let start = log.find(&format!("### {title}\n")).unwrap_or_else(|| panic!("no {title}: {log}"));
        log[start..].split("\n### ").next().unwrap().to_string()
    };
    let breaking = section("Breaking");
    assert!(breaking.contains("**ui:** new layout"), "{log}");
    assert!(breaking.contains("something — config renamed"), "{log}");
    assert!(section("Added").contains("**Scope:** capital type"), "{log}");
    assert!(section("Fixed").contains("**core:** z"), "{log}");
    assert!(section("Maintenance").contains("cover the layout"), "{log}");
    // A `git revert` is listed under Reverted; the merge commit is no entry (git-cliff's default
    // `filter_unconventional` leaves it out too; the merged commits are the entries).
    assert!(section("Reverted").contains("- fix(core): z ("), "{log}");
    assert!(!log.contains("Merge branch") && !log.contains("### Other"), "{log}");
}

const WORKSPACE: &str = "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n";

fn member(name: &str) -> String {
    format!("[package]\nname = \"{name}\"\nversion = \"1.0.0\"\nedition = \"2024\"\n")
}

/// release-plz's rule: a package's release counts the commits that change its files.
#[test]
fn a_workspace_package_counts_only_commits_in_its_own_directory() {
    let git = Git::new();
    let p = repo(&git);
    std::fs::write(p.path().join("Cargo.toml"), WORKSPACE).unwrap();
    for name in ["api", "web_ui"] {
        let dir = p.path().join("crates").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("Cargo.toml"), member(name)).unwrap();
    }
    commit(&git, &p, "README.md", "chore: initial");
    git.run(p.path(), &["tag", "api-v1.0.0"]);
    git.run(p.path(), &["tag", "web_ui-v1.0.0"]);
    commit(&git, &p, "crates/web_ui/src/lib.rs", "feat(web): dark mode");
    commit(&git, &p, "crates/api/src/lib.rs", "fix(api): empty input");
    commit(&git, &p, ".github/workflows/ci.yml", "ci!: drop the old runner");

    let out = git.flightdeck(&p, &["release", "plan"]);
    assert_eq!(out.status.code(), Some(2), "two packages' tags: {}", text(&out));
    assert!(text(&out).contains("--package"), "{}", text(&out));
    let api = plan(&git, &p, &["--package", "api"]);
    assert_eq!(api["next_tag"], "api-v1.0.1", "only the fix is in crates/api: {api}");
    assert_eq!(api["commits"].as_array().unwrap().len(), 1, "{api}");
    let web = plan(&git, &p, &["--package", "web_ui"]);
    assert_eq!(web["next_tag"], "web_ui-v1.1.0", "{web}");

    let all = format!("{LOCAL}[release]\npaths = [\"crates\", \".github\"]\n");
    std::fs::write(p.path().join("flightdeck.toml"), all).unwrap();
    let api = plan(&git, &p, &["--package", "api"]);
    assert_eq!(api["next_tag"], "api-v2.0.0", "configured paths win: {api}");
}

#[test]
fn outside_a_repository_and_without_commits_release_exits_8_saying_what_to_do() {
    let git = Git::new();
    let p = Project::new(LOCAL, &[]);
    for args in [&["release", "plan"][..], &["release", "changelog"]] {
        let out = git.flightdeck(&p, args);
        assert_eq!(out.status.code(), Some(8), "{}", text(&out));
        assert!(text(&out).contains("is not in a git repository"), "{}", text(&out));
    }
    git.run(p.path(), &["init", "-q", "-b", "main"]);
    let out = git.flightdeck(&p, &["release", "plan"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(text(&out).contains("no commits yet"), "{}", text(&out));
}

/// A commit subject is someone else's text: escapes never reach the terminal.
#[test]
fn escape_sequences_in_commit_messages_are_escaped_in_plan_and_changelog() {
    let git = Git::new();
    let p = repo(&git);
    commit(&git, &p, "a.txt", "feat: first");
    git.run(p.path(), &["tag", "v1.0.0"]);
    commit(&git, &p, "a.txt", "feat: evil \u{1b}[2J\u{1b}]0;pwned\u{7} title");
    for args in [&["release", "plan"][..], &["release", "changelog"]] {
        let out = git.flightdeck(&p, args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{7}'), "{stdout:?}");
        assert!(stdout.contains("evil \\u001b[2J"), "{stdout}");
    }
}

/// A Lerna/Changesets monorepo: scoped packages tagged `NAME@X.Y.Z`, each counting the commits in
/// its own workspace directory.
#[test]
fn a_js_monorepo_with_scoped_name_at_version_tags() {
    let git = Git::new();
    let p = repo(&git);
    let root = r#"{"private": true, "workspaces": ["packages/*"]}"#;
    std::fs::write(p.path().join("package.json"), root).unwrap();
    for (dir, name) in [("core", "@acme/core"), ("ui", "@acme/ui")] {
        let d = p.path().join("packages").join(dir);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("package.json"), format!("{{\"name\": \"{name}\", \"version\": \"1.0.0\"}}\n"))
            .unwrap();
    }
    commit(&git, &p, "README.md", "chore: initial");
    git.run(p.path(), &["tag", "@acme/core@1.0.0"]);
    git.run(p.path(), &["tag", "@acme/ui@2.0.0"]);
    commit(&git, &p, "packages/core/index.js", "feat(core): streams");
    commit(&git, &p, "packages/ui/index.js", "fix(ui): focus ring\n\nCloses #4");

    let out = git.flightdeck(&p, &["release", "plan"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("several packages (@acme/core, @acme/ui)"), "{}", text(&out));
    let core = plan(&git, &p, &["--package", "@acme/core"]);
    assert_eq!(core["current"]["tag"], "@acme/core@1.0.0", "{core}");
    assert_eq!(core["next_tag"], "@acme/core@1.1.0", "{core}");
    assert_eq!(core["commits"].as_array().unwrap().len(), 1, "{core}");
    let ui = plan(&git, &p, &["--package", "@acme/ui"]);
    assert_eq!(ui["next_tag"], "@acme/ui@2.0.1", "{ui}");
}

/// A project that moved from `1.9.0` tags to `v2.0.0` continues from v2.0.0, though more of its
/// tags have no `v`.
#[test]
fn a_project_that_changed_its_tag_style_continues_from_the_highest_version() {
    let git = Git::new();
    let p = repo(&git);
    for t in ["1.0.0", "1.1.0", "1.9.0", "v2.0.0"] {
        commit(&git, &p, "a.txt", &format!("fix: before {t}"));
        git.run(p.path(), &["tag", t]);
    }
    commit(&git, &p, "a.txt", "feat: after");
    let j = plan(&git, &p, &[]);
    assert_eq!(j["current"]["tag"], "v2.0.0", "{j}");
    assert_eq!(j["next_tag"], "v2.1.0", "{j}");
}
