//! Release histories shaped like the ones of semantic-release, commitizen and release-plz, built in
//! temp repositories (no network): GitHub merge commits (`Merge pull request #12 from ...`) and
//! `git revert` commits, a range holding nothing but a merge, hostile commit text (escape
//! sequences in the subject, scope and author; a multi-line `BREAKING CHANGE:` footer; a Latin-1
//! message), and shallow clones (`git clone --depth`). The expected versions and groups are
//! git-cliff 2.14.2's with its default configuration (`git-cliff --init`), compared by hand on
//! the same histories: entries oldest first within a group, merges left out.

use super::gitenv::Git;
use crate::common::{LOCAL, Project, text};

fn plan(git: &Git, p: &Project) -> serde_json::Value {
    let out = git.flightdeck(p, &["release", "plan", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn repo(git: &Git) -> Project {
    let p = Project::new(LOCAL, &[]);
    git.run(p.path(), &["init", "-q", "-b", "main"]);
    p
}

/// Appends to `file` and commits with `message`.
fn commit(git: &Git, p: &Project, file: &str, message: &str) {
    let path = p.path().join(file);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    std::fs::write(&path, format!("{old}{message}\n")).unwrap();
    git.run(p.path(), &["add", "-A"]);
    git.run(p.path(), &["commit", "-q", "-m", message]);
}

/// The entries (`- ...` lines) under `### title` in a changelog section.
fn entries(log: &str, title: &str) -> Vec<String> {
    let Some(at) = log.find(&format!("### {title}\n")) else { return Vec::new() };
    let rest = &log[at..];
    let body = rest[4..].find("\n### ").map_or(rest, |end| &rest[..end + 4]);
    body.lines().filter(|l| l.starts_with("- ")).map(str::to_string).collect()
}

/// A GitHub-flow history: a pull request merged with a merge commit, a feature reverted with
/// `git revert`. git-cliff (default config) bumps 1.0.0 to 2.0.0, leaves the merge commit out
/// and lists entries oldest first; so do we, and the revert shows under Reverted.
#[test]
fn merge_commits_and_git_reverts_group_like_git_cliff() {
    let git = Git::new();
    let p = repo(&git);
    commit(&git, &p, "a", "feat: first");
    git.run(p.path(), &["tag", "-a", "v1.0.0", "-m", "v1.0.0"]);
    commit(&git, &p, "a", "fix: one");
    commit(&git, &p, "a", "feat(api): two");
    git.run(p.path(), &["checkout", "-q", "-b", "br"]);
    commit(&git, &p, "b", "feat(ui): on branch");
    commit(&git, &p, "b", "fix(ui)!: breaking on branch");
    git.run(p.path(), &["checkout", "-q", "main"]);
    commit(&git, &p, "a", "docs: three");
    git.run(p.path(), &["merge", "-q", "--no-ff", "br", "-m", "Merge pull request #12 from x/br"]);
    commit(&git, &p, "c", "feat: to revert");
    git.run(p.path(), &["revert", "--no-edit", "HEAD"]);

    let j = plan(&git, &p);
    assert_eq!(j["next_tag"], "v2.0.0", "git-cliff --bumped-version says v2.0.0: {j}");
    assert_eq!(j["commits"].as_array().unwrap().len(), 8, "every commit is listed: {j}");
    let log = j["changelog"].as_str().unwrap();
    assert!(!log.contains("Merge pull request"), "a merge commit is no entry: {log}");
    let added: Vec<String> = entries(log, "Added");
    assert_eq!(added.len(), 3, "{log}");
    assert!(added[0].starts_with("- **api:** two ("), "oldest first: {added:?}");
    assert!(added[1].starts_with("- **ui:** on branch ("), "{added:?}");
    assert!(added[2].starts_with("- to revert ("), "{added:?}");
    assert!(entries(log, "Reverted")[0].starts_with("- feat: to revert ("), "{log}");
    assert!(entries(log, "Breaking")[0].starts_with("- **ui:** breaking on branch ("), "{log}");
    assert!(entries(log, "Other").is_empty(), "{log}");
}

/// After a release tagged on a branch, merging that branch into main adds nothing but a merge
/// commit: git-cliff says "There is nothing to bump", and so do we.
#[test]
fn a_range_of_nothing_but_a_merge_commit_releases_nothing() {
    let git = Git::new();
    let p = repo(&git);
    commit(&git, &p, "a", "feat: first");
    git.run(p.path(), &["tag", "-a", "v1.0.0", "-m", "v1.0.0"]);
    git.run(p.path(), &["checkout", "-q", "-b", "release/1.1"]);
    commit(&git, &p, "b", "feat: on the release branch");
    git.run(p.path(), &["tag", "-a", "v1.1.0", "-m", "v1.1.0"]);
    git.run(p.path(), &["checkout", "-q", "main"]);
    git.run(p.path(), &["merge", "-q", "--no-ff", "release/1.1", "-m", "Merge branch 'release/1.1'"]);
    let j = plan(&git, &p);
    assert_eq!(j["current"]["tag"], "v1.1.0", "{j}");
    assert_eq!(j["next"], serde_json::Value::Null, "only a merge commit since v1.1.0: {j}");
    assert_eq!(j["changelog"], "", "{j}");
    assert!(j["reason"].as_str().unwrap().contains("but 1 merge commit(s)"), "{j}");
    // A merge commit with a conventional message still counts.
    commit(&git, &p, "c", "fix: after");
    assert_eq!(plan(&git, &p)["next_tag"], "v1.1.1");
}

/// Commit text is untrusted: escape sequences in the subject, scope and author name, a
/// multi-line breaking-change note, a Latin-1 message and an empty one. The changelog file keeps
/// the text but never a raw control character; each entry stays on one line; `café` is read as
/// Latin-1; the empty message is still an entry.
#[test]
fn hostile_commit_text_never_writes_control_characters_to_the_changelog() {
    let git = Git::new();
    let p = repo(&git);
    commit(&git, &p, "a", "feat: first");
    git.run(p.path(), &["tag", "-a", "v1.0.0", "-m", "v1.0.0"]);
    std::fs::write(p.path().join("b"), "b").unwrap();
    git.run(p.path(), &["add", "-A"]);
    git.run(
        p.path(),
        &["-c", "user.name=Eve\x1b[31m", "commit", "-q", "-m", "feat(x\x1b[2J): evil \x1b]0;pwned\x07 title"],
    );
    let note = "fix: multi\n\nBREAKING CHANGE: line one\nline two\n\nline three";
    git.run(p.path(), &["commit", "-q", "--allow-empty", "-m", note]);
    let latin1 = p.path().join("msg");
    std::fs::write(&latin1, b"fix: caf\xe9 au lait\n").unwrap();
    let msg = latin1.to_str().unwrap();
    git.run(p.path(), &["-c", "i18n.commitEncoding=ISO-8859-1", "commit", "-q", "--allow-empty", "-F", msg]);

    git.run(p.path(), &["commit", "-q", "--allow-empty", "--allow-empty-message", "-m", ""]);
    let out = git.flightdeck(&p, &["release", "changelog", "--write"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let file = std::fs::read(p.path().join("CHANGELOG.md")).unwrap();
    assert!(
        !file.iter().any(|&b| (b < 0x20 && b != b'\n') || b == 0x7f),
        "{}",
        String::from_utf8_lossy(&file)
    );
    let log = String::from_utf8(file).unwrap();
    assert!(log.contains("- **x\\u001b[2J:** evil \\u001b]0;pwned\\u0007 title ("), "{log}");
    assert!(log.contains("- multi — line one line two line three ("), "one line: {log}");
    assert!(log.contains("- café au lait ("), "{log}");
    assert!(log.contains("- (no message) ("), "an empty message still reads as an entry: {log}");
    for args in [&["release", "plan"][..], &["release", "changelog"], &["release", "plan", "--json"]] {
        let out = git.flightdeck(&p, args);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(!out.stdout.contains(&0x1b), "{args:?}: {}", text(&out));
    }
}

/// `git clone --depth N` (CI's default checkout): when the history since the last release tag,
/// or before any tag, is cut off, the plan is refused (exit 8) with what to do, instead of a
/// first release `v0.1.0` or a range missing its oldest commits.
#[test]
fn a_shallow_clone_that_cuts_the_range_is_refused_with_what_to_do() {
    let git = Git::new();
    let p = repo(&git);
    commit(&git, &p, "a", "feat: first");
    git.run(p.path(), &["tag", "-a", "v1.0.0", "-m", "v1.0.0"]);
    for i in 0..4 {
        commit(&git, &p, "a", &format!("fix: number {i}"));
    }
    commit(&git, &p, "a", "feat: last");
    let url = format!("file://{}", p.path().display());
    let clone = |depth: &str, name: &str| {
        let q = Project::new(LOCAL, &[]);
        git.run(q.path(), &["clone", "-q", "--depth", depth, &url, name]);
        q
    };
    let q = clone("3", "shallow");
    let out = git.flightdeck(&q, &["release", "plan", "-C", "shallow"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("shallow clone") && err.contains("git fetch --unshallow"), "{err}");
    // Deep enough to hold the tag: the plan is the full clone's.
    let q = clone("10", "deep");
    let out = git.flightdeck(&q, &["release", "plan", "--json", "-C", "deep"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["next_tag"], "v1.1.0", "{j}");
    assert_eq!(j["commits"].as_array().unwrap().len(), 5, "{j}");
}

/// A maintenance line on a real history (commitizen has v4.13.1..v4.13.4 beside main's v4.14.0):
/// a hotfix from v1.0.0 while v1.0.1 exists would end in "tag exists" after the fix was written;
/// it is refused at the start, naming the newest release of the line, which works.
#[test]
fn a_hotfix_from_a_tag_whose_patch_exists_is_refused_at_the_start() {
    let git = Git::new();
    let p = repo(&git);
    commit(&git, &p, "a", "feat: first");
    git.run(p.path(), &["tag", "-a", "v1.0.0", "-m", "v1.0.0"]);
    git.run(p.path(), &["checkout", "-q", "-b", "maint/1.0"]);
    commit(&git, &p, "a", "fix: on the old line");
    git.run(p.path(), &["tag", "-a", "v1.0.1", "-m", "v1.0.1"]);
    git.run(p.path(), &["checkout", "-q", "main"]);
    commit(&git, &p, "b", "feat: second");
    git.run(p.path(), &["tag", "-a", "v1.1.0", "-m", "v1.1.0"]);
    let out = git.flightdeck(&p, &["release", "hotfix", "start", "--from", "v1.0.0", "--dry-run"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("v1.0.1 is tagged already") && err.contains("--from v1.0.1"), "{err}");
    let out = git.flightdeck(&p, &["release", "hotfix", "start", "--from", "v1.0.1", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("hotfix/1.0.2 from v1.0.1"), "{}", text(&out));
    let out = git.flightdeck(&p, &["release", "hotfix", "start", "--dry-run"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("hotfix/1.1.1 from v1.1.0"), "{}", text(&out));
}

/// conventional-changelog's shape: a pnpm monorepo (its workspaces are in pnpm-workspace.yaml,
/// not package.json) tagged `NAME-vX.Y.Z`. A package's plan counts only the commits in its own
/// directory, as git-cliff's `--include-path` does: a feature of another package bumps nothing.
#[test]
fn a_pnpm_monorepo_package_counts_only_its_own_commits() {
    let git = Git::new();
    let p = repo(&git);
    std::fs::write(p.path().join("package.json"), r#"{"private":true}"#).unwrap();
    let yaml = "packages:\n  - 'packages/*'\ncatalog:\n  semver: ^7.5.2\n";
    std::fs::write(p.path().join("pnpm-workspace.yaml"), yaml).unwrap();
    for name in ["angular", "writer"] {
        let dir = p.path().join("packages").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let json = format!(r#"{{"name":"conventional-changelog-{name}","version":"1.0.0"}}"#);
        std::fs::write(dir.join("package.json"), json).unwrap();
    }
    commit(&git, &p, "README.md", "chore: monorepo");
    git.run(p.path(), &["tag", "conventional-changelog-angular-v1.0.0"]);
    git.run(p.path(), &["tag", "conventional-changelog-writer-v1.0.0"]);
    commit(&git, &p, "packages/writer/index.js", "feat(writer): a new option");
    commit(&git, &p, "packages/angular/index.js", "fix(angular): a parser fix");
    let out =
        git.flightdeck(&p, &["release", "plan", "--json", "--package", "conventional-changelog-angular"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["next_tag"], "conventional-changelog-angular-v1.0.1", "{j}");
    assert_eq!(j["commits"].as_array().unwrap().len(), 1, "{j}");
    let out =
        git.flightdeck(&p, &["release", "plan", "--json", "--package", "conventional-changelog-writer"]);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["next_tag"], "conventional-changelog-writer-v1.1.0", "{j}");
}

/// Tags without a patch number (`v1.1`) and names that are no version (`latest`): git-cliff
/// stops with a semver error; we refuse (exit 8) naming the highest and how to continue,
/// instead of proposing a first release v0.1.0.
#[test]
fn short_version_tags_are_refused_instead_of_a_first_release() {
    let git = Git::new();
    let p = repo(&git);
    commit(&git, &p, "a", "feat: a");
    git.run(p.path(), &["tag", "v1.9"]);
    commit(&git, &p, "a", "fix: b");
    git.run(p.path(), &["tag", "v1.10"]);
    git.run(p.path(), &["tag", "latest"]);
    commit(&git, &p, "a", "feat: c");
    let out = git.flightdeck(&p, &["release", "plan"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("without a full X.Y.Z version, the highest v1.10"), "{err}");
    git.run(p.path(), &["tag", "-a", "v1.10.0", "v1.10^{}", "-m", "v1.10.0"]);
    let out = git.flightdeck(&p, &["release", "plan", "--json"]);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["next_tag"], "v1.11.0", "continues from v1.10.0: {j}");
}

/// A release tagged on a branch that was never merged back (v1.1.0 on release/1.1): from main,
/// the last release is v1.0.0 and the next version is v1.1.0 again, as git-cliff computes too;
/// the plan says that tag exists and what to do, rather than leaving it to `release tag`.
#[test]
fn a_next_tag_taken_on_an_unmerged_branch_is_called_out() {
    let git = Git::new();
    let p = repo(&git);
    commit(&git, &p, "a", "feat: first");
    git.run(p.path(), &["tag", "-a", "v1.0.0", "-m", "v1.0.0"]);
    git.run(p.path(), &["checkout", "-q", "-b", "release/1.1"]);
    commit(&git, &p, "b", "feat: on the release branch");
    git.run(p.path(), &["tag", "-a", "v1.1.0", "-m", "v1.1.0"]);
    git.run(p.path(), &["checkout", "-q", "main"]);
    commit(&git, &p, "c", "feat: on main");
    let j = plan(&git, &p);
    assert_eq!(j["current"]["tag"], "v1.0.0", "{j}");
    assert_eq!(j["next_tag"], "v1.1.0", "{j}");
    assert!(j["reason"].as_str().unwrap().contains("v1.1.0 is tagged already"), "{j}");
}

/// runc's pre-releases: `v1.0.0-rc9` then `v1.0.0-rc10` (no dot before the number). Semver
/// compares `rc10` and `rc9` as text; we take rc10 as the later one, as git-cliff does (it goes by
/// history), and continue it the way git-cliff's `--bumped-version` does: `v1.0.0-rc10.1`.
#[test]
fn undotted_release_candidates_continue_from_the_latest() {
    let git = Git::new();
    let p = repo(&git);
    commit(&git, &p, "a", "feat: a");
    git.run(p.path(), &["tag", "v1.0.0-rc9"]);
    commit(&git, &p, "a", "fix: b");
    git.run(p.path(), &["tag", "v1.0.0-rc10"]);
    commit(&git, &p, "a", "fix: c");
    let j = plan(&git, &p);
    assert_eq!(j["current"]["tag"], "v1.0.0-rc10", "{j}");
    assert_eq!(j["next_tag"], "v1.0.0-rc10.1", "{j}");
    assert_eq!(j["commits"].as_array().unwrap().len(), 1, "{j}");
}

/// semantic-release's history between v24.2.3 and v24.2.4: 63 of its 78 commits are Renovate's
/// `chore(deps): ...`. git-cliff's default configuration skips those (and `chore(pr)`,
/// `chore(pull)`): no entry, no bump; a `fix(deps)` is a fix. Ours agrees entry for entry.
#[test]
fn dependency_update_chores_are_left_out_like_git_cliff() {
    let git = Git::new();
    let p = repo(&git);
    commit(&git, &p, "a", "feat: first");
    git.run(p.path(), &["tag", "-a", "v1.0.0", "-m", "v1.0.0"]);
    commit(&git, &p, "package.json", "chore(deps): update dependency semver to v7.7.1 (#3600)");
    commit(&git, &p, "package.json", "chore(deps-dev): bump ava from 6.1 to 6.2");
    let j = plan(&git, &p);
    assert_eq!(j["next"], serde_json::Value::Null, "{j}");
    assert!(j["reason"].as_str().unwrap().contains("2 dependency update(s)"), "{j}");
    commit(&git, &p, "README.md", "docs: update the guidelines link (#3670)");
    commit(&git, &p, "package.json", "fix(deps): update dependency marked to v15 (#3610)");
    let j = plan(&git, &p);
    assert_eq!(j["next_tag"], "v1.0.1", "{j}");
    let log = j["changelog"].as_str().unwrap();
    assert!(!log.contains("semver to v7.7.1") && !log.contains("bump ava"), "{log}");
    assert_eq!(entries(log, "Documentation").len(), 1, "{log}");
    assert!(entries(log, "Fixed")[0].starts_with("- **deps:** update dependency marked to v15"), "{log}");
    assert!(entries(log, "Maintenance").is_empty(), "{log}");
}
