//! Release management end to end: `flightdeck run release` on a temp repository with a bare
//! remote, the refusals of `release tag` (exit 8), and the hotfix workflow (in `release/hotfix.rs`).

use crate::common::{LOCAL, text};

mod edges;
mod files;
mod gitenv;
mod histories;
mod hotfix;
mod real;

use gitenv::{CARGO, Git, released_project};

#[test]
fn release_workflow_bumps_commits_tags_and_pushes() {
    let git = Git::new();
    let (p, remote) = released_project(&git, LOCAL);
    let dir = p.path();
    let lock = "version = 4\n\n[[package]]\nname = \"web\"\nversion = \"1.2.3\"\n";
    git.commit(dir, "Cargo.lock", lock, "build: lock file");
    git.commit(dir, "search.rs", "// search\n", "feat(api): add search");
    git.commit(dir, "input.rs", "// input\n", "fix: handle empty input");
    git.commit(dir, "README.md", "# web\n", "docs: readme");

    let plan = git.flightdeck(&p, &["release", "plan", "--json"]);
    assert_eq!(plan.status.code(), Some(0), "{}", text(&plan));
    let plan: serde_json::Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(plan["current"]["tag"], "v1.2.3");
    assert_eq!(plan["next"], "1.3.0");
    assert_eq!(plan["drivers"][0]["summary"], "feat(api): add search");

    let out = git.flightdeck(&p, &["run", "release", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    assert_eq!(p.read("Cargo.toml"), CARGO.replace("1.2.3", "1.3.0"), "only the version changed");
    assert_eq!(p.read("Cargo.lock"), lock.replace("1.2.3", "1.3.0"), "the lock file follows");
    assert_eq!(git.run(dir, &["status", "--porcelain"]), "", "everything committed");
    let log = p.read("CHANGELOG.md");
    assert!(log.starts_with("# Changelog\n\n## [Unreleased]\n\n## [1.3.0] - "), "{log}");
    assert!(log.ends_with("\n## [1.2.3] - 2026-01-02\n\n- first  release\n"), "{log}");
    assert!(log.contains("### Added\n\n- **api:** add search ("), "{log}");
    assert_eq!(git.run(dir, &["log", "-1", "--format=%s"]), "chore(release): v1.3.0");
    assert_eq!(git.run(dir, &["cat-file", "-t", "v1.3.0"]), "tag", "an annotated tag");
    let message = git.run(dir, &["tag", "-l", "--format=%(contents)", "v1.3.0"]);
    assert!(message.starts_with("Release v1.3.0\n\n## [1.3.0] - "), "{message}");
    assert!(message.contains("### Fixed\n\n- handle empty input"), "{message}");
    let remote_tags = git.run(remote.path(), &["tag", "-l"]);
    assert!(remote_tags.lines().any(|t| t == "v1.3.0"), "{remote_tags}");
    let head = git.run(dir, &["rev-parse", "HEAD"]);
    assert_eq!(git.run(remote.path(), &["rev-parse", "main"]), head, "the branch was pushed");
    assert_eq!(git.run(remote.path(), &["rev-parse", "v1.3.0^{commit}"]), head);

    let again = git.flightdeck(&p, &["release", "tag"]);
    assert_eq!(again.status.code(), Some(8), "nothing to release: {}", text(&again));
}

#[test]
fn release_dry_run_changes_nothing() {
    let git = Git::new();
    let (p, _remote) = released_project(&git, LOCAL);
    git.commit(p.path(), "a.rs", "// a\n", "fix: a");
    let head = git.run(p.path(), &["rev-parse", "HEAD"]);
    let out = git.flightdeck(&p, &["run", "release", "--yes", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("would tag HEAD as v1.2.4"), "{}", text(&out));
    assert_eq!(git.run(p.path(), &["rev-parse", "HEAD"]), head);
    assert_eq!(p.read("Cargo.toml"), CARGO);
    assert_eq!(git.run(p.path(), &["tag", "-l", "v1.2.4"]), "");
}

#[test]
fn tag_refuses_dirty_tree_existing_tag_and_behind_upstream() {
    let git = Git::new();
    let (p, remote) = released_project(&git, LOCAL);
    let dir = p.path();
    git.commit(dir, "a.rs", "// a\n", "fix: a");

    std::fs::write(dir.join("Cargo.toml"), CARGO.replace("web", "web2")).unwrap();
    let out = git.flightdeck(&p, &["release", "tag"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("uncommitted changes (Cargo.toml)"),
        "{}",
        text(&out)
    );
    git.run(dir, &["checkout", "--", "Cargo.toml"]);

    git.run(dir, &["switch", "-q", "-c", "side", "v1.2.3"]);
    git.commit(dir, "side.rs", "// side\n", "fix: side");
    git.run(dir, &["tag", "-a", "v1.2.4", "-m", "elsewhere"]);
    git.run(dir, &["switch", "-q", "main"]);
    let out = git.flightdeck(&p, &["release", "tag"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("tag v1.2.4 already exists"), "{}", text(&out));

    let other = tempfile::tempdir().unwrap();
    let clone = other.path().join("c");
    git.run(other.path(), &["clone", "-q", &remote.path().display().to_string(), "c"]);
    git.commit(&clone, "b.rs", "// b\n", "fix: b");
    git.run(&clone, &["push", "-q", "origin", "main"]);
    git.run(dir, &["fetch", "-q", "origin"]);
    let out = git.flightdeck(&p, &["release", "tag", "--version", "1.2.5"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("behind origin/main"), "{}", text(&out));
}

#[test]
fn signed_tag_when_git_config_asks() {
    let git = Git::new();
    let (p, _remote) = released_project(&git, LOCAL);
    let dir = p.path();
    crate::common::ensure_tool("ssh-keygen");
    let key = git.home.path().join("signing");
    let keygen = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "rita", "-f"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(keygen.status.success(), "{}", text(&keygen));
    git.run(dir, &["config", "gpg.format", "ssh"]);
    git.run(dir, &["config", "user.signingkey", &format!("{}.pub", key.display())]);
    git.run(dir, &["config", "tag.gpgSign", "true"]);
    git.commit(dir, "a.rs", "// a\n", "fix: a");
    let out = git.flightdeck(&p, &["release", "tag", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let tagged: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(tagged["signed"], true);
    let object = git.run(dir, &["cat-file", "-p", "v1.2.4"]);
    assert!(object.contains("-----BEGIN SSH SIGNATURE-----"), "{object}");
    assert!(object.contains("Release v1.2.4\n\n## [1.2.4] - "), "{object}");
}

#[test]
fn changelog_generation_writes_the_section_the_release_keeps() {
    let git = Git::new();
    let (p, _remote) = released_project(&git, LOCAL);
    git.commit(p.path(), "a.rs", "// a\n", "perf(db): batch inserts");
    let preview = git.flightdeck(&p, &["release", "changelog"]);
    assert_eq!(preview.status.code(), Some(0), "{}", text(&preview));
    assert!(String::from_utf8_lossy(&preview.stdout).contains("### Performance\n\n- **db:** batch inserts"));
    let out = git.flightdeck(&p, &["run", "changelog-generation", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let written = p.read("CHANGELOG.md");
    assert!(written.contains("## [1.2.4] - "), "{written}");
    assert_eq!(
        git.run(p.path(), &["log", "-1", "--format=%s"]),
        "docs(changelog): update for the next release"
    );
    let out = git.flightdeck(&p, &["run", "release", "--yes", "-p", "push=false"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(p.read("CHANGELOG.md"), written, "the section written earlier is kept");
    assert_eq!(git.run(p.path(), &["cat-file", "-t", "v1.2.4"]), "tag");
}

#[test]
fn plan_text_and_bad_input() {
    let git = Git::new();
    let (p, _remote) = released_project(&git, LOCAL);
    git.commit(p.path(), "a.rs", "// a\n", "feat(ui)!: new layout");
    let out = git.flightdeck(&p, &["release", "plan"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("current  v1.2.3 (1.2.3) at "), "{stdout}");
    assert!(stdout.contains("next     v2.0.0  major bump from 1.2.3: 1 breaking change(s)\n"), "{stdout}");
    assert!(stdout.contains("### Breaking\n\n- **ui:** new layout ("), "{stdout}");
    let out = git.flightdeck(&p, &["release", "plan", "--level", "huge"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown level \"huge\""), "{}", text(&out));
    let out = git.flightdeck(&p, &["release", "plan", "--version", "1.0.0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}
