//! The hotfix workflow on a repository whose main has moved past the production release: the
//! patch derives from the production tag, the changelog covers the hotfix range only, the tag is
//! pushed, the run is linked to the deployment it remediates, and the fix reaches main.

use std::process::Stdio;

use super::gitenv::{CARGO, Git, released_project};
use crate::common::{LOCAL, Project, text};

/// Main moves past v1.2.3: a feature, a pre-release (its version written into Cargo.toml when
/// `bump_main`, so that merging the hotfix back conflicts), and a breaking change.
fn moved_on(git: &Git, bump_main: bool) -> (Project, tempfile::TempDir) {
    let (p, remote) = released_project(git, LOCAL);
    let dir = p.path();
    git.commit(dir, "new.rs", "// new\n", "feat: new stuff on main");
    if bump_main {
        git.commit(dir, "Cargo.toml", &CARGO.replace("1.2.3", "1.3.0-rc.1"), "chore(release): v1.3.0-rc.1");
    }
    git.run(dir, &["tag", "-a", "v1.3.0-rc.1", "-m", "rc"]);
    git.commit(dir, "more.rs", "// more\n", "feat!: even newer");
    (p, remote)
}

#[test]
fn hotfix_without_a_fix_halts() {
    let git = Git::new();
    let (p, _remote) = moved_on(&git, false);
    let out = git.flightdeck(&p, &["run", "hotfix", "--yes", "-p", "from=v1.2.3"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("no fix"), "{}", text(&out));
    assert_eq!(git.run(p.path(), &["tag", "-l", "v1.2.4"]), "");
}

#[test]
fn hotfix_dry_run_changes_nothing() {
    let git = Git::new();
    let (p, _remote) = moved_on(&git, false);
    let head = git.run(p.path(), &["rev-parse", "HEAD"]);
    let out = git.flightdeck(&p, &["run", "hotfix", "--yes", "--dry-run", "-p", "from=v1.2.3"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("would create hotfix/1.2.4 from v1.2.3"),
        "{}",
        text(&out)
    );
    assert_eq!(git.run(p.path(), &["branch", "--list", "hotfix/*"]), "");
    assert_eq!(git.run(p.path(), &["rev-parse", "HEAD"]), head);
}

#[test]
fn hotfix_patches_the_production_tag_and_merges_back() {
    let (p, out) = hotfix_run(false);
    assert!(String::from_utf8_lossy(&out.stdout).contains("merged hotfix/1.2.4 into main"), "{}", text(&out));
    assert_eq!(p.read("Cargo.toml"), CARGO.replace("1.2.3", "1.2.4"));
}

#[test]
fn hotfix_cherry_picks_when_the_merge_conflicts() {
    let (p, out) = hotfix_run(true);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("cherry-picked hotfix/1.2.4 into main"),
        "{}",
        text(&out)
    );
    assert_eq!(p.read("Cargo.toml"), CARGO.replace("1.2.3", "1.3.0-rc.1"), "main keeps its version");
    let log = p.read("CHANGELOG.md");
    assert!(
        log.contains("## [1.2.4] - ") && log.contains("[HOTFIX]"),
        "main's changelog has the hotfix: {log}"
    );
    assert!(log.ends_with("## [1.2.3] - 2026-01-02\n\n- first  release\n"), "{log}");
}

fn hotfix_run(bump_main: bool) -> (Project, std::process::Output) {
    let git = Git::new();
    let (p, remote) = moved_on(&git, bump_main);
    let dir = p.path();
    let args = ["run", "hotfix", "--wait-approvals", "-p", "from=v1.2.3", "-p", "deployment=dep-42"];
    let child = git.env(&mut p.cmd(&args)).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let run = crate::common::wait_for_newest_run(&p, "waiting");
    assert_eq!(git.run(dir, &["branch", "--show-current"]), "hotfix/1.2.4");
    git.commit(dir, "fix.rs", "// the fix\n", "fix(db): reconnect after failover");
    let out = p.run(&["approve", &run]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    assert_eq!(
        git.run(dir, &["show", "v1.2.4:Cargo.toml"]).lines().nth(3),
        Some("version = \"1.2.4\" # managed by flightdeck")
    );
    let message = git.run(dir, &["tag", "-l", "--format=%(contents)", "v1.2.4"]);
    assert!(message.contains("[HOTFIX]") && message.contains("reconnect after failover"), "{message}");
    assert!(
        !message.contains("new stuff") && !message.contains("even newer"),
        "hotfix range only: {message}"
    );
    assert!(git.run(remote.path(), &["tag", "-l"]).lines().any(|t| t == "v1.2.4"));

    assert_eq!(git.run(dir, &["branch", "--show-current"]), "main");
    assert_eq!(std::fs::read_to_string(dir.join("fix.rs")).unwrap(), "// the fix\n", "the fix is on main");
    assert!(dir.join("more.rs").exists(), "main keeps its newer work");
    assert_eq!(git.run(remote.path(), &["rev-parse", "main"]), git.run(dir, &["rev-parse", "HEAD"]));

    let store = flightdeck::store::Store::open(p.home.path()).unwrap();
    assert_eq!(store.run_links(&run).unwrap(), [("remediates".to_string(), "dep-42".to_string())]);
    let deployments = store.deployments().unwrap();
    assert_eq!(deployments.len(), 1);
    assert_eq!(deployments[0].kind, "hotfix");
    assert_eq!(deployments[0].version.as_deref(), Some("1.2.4"));
    (p, out)
}
