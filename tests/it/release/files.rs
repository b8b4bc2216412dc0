//! Version files stay consistent after a bump, checked by the tools that own them: a Cargo
//! workspace (`version.workspace = true` members, their `Cargo.lock` entries) passes
//! `cargo metadata --locked`, and `package-lock.json` (both `version` fields) passes `npm ci`.

use std::process::Command;

use super::gitenv::Git;
use crate::common::{LOCAL, Project, ensure_tool, text};

fn ok(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(out.status.success(), "{c:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write(p: &Project, file: &str, content: &str) {
    let path = p.path().join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

fn init_and_tag(git: &Git, p: &Project) {
    std::fs::write(p.path().join(".gitignore"), "target/\nnode_modules/\n").unwrap();
    git.run(p.path(), &["init", "-q", "-b", "main"]);
    git.run(p.path(), &["add", "."]);
    git.run(p.path(), &["commit", "-q", "-m", "chore: initial"]);
    git.run(p.path(), &["tag", "-a", "v0.4.0", "-m", "v0.4.0"]);
    git.commit(p.path(), "crates/a/src/lib.rs", "// fixed\n", "fix(a): off by one");
}

#[test]
fn cargo_workspace_members_and_lock_follow_and_cargo_metadata_locked_passes() {
    let git = Git::new();
    // The members' own manifest is the version file: its `version.workspace = true` leads to the root.
    let p = Project::new(&format!("{LOCAL}[release]\nversion_files = [\"crates/a/Cargo.toml\"]\n"), &[]);
    write(
        &p,
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n\n[workspace.package]\nversion = \"0.4.0\" # shared\nedition = \"2021\"\n",
    );
    let member = |name: &str, dep: &str| {
        format!(
            "[package]\nname = \"{name}\"\nversion.workspace = true\nedition.workspace = true\n\n[dependencies]\n{dep}"
        )
    };
    write(&p, "crates/a/Cargo.toml", &member("a", ""));
    write(&p, "crates/a/src/lib.rs", "");
    write(&p, "crates/b/Cargo.toml", &member("b", "a = { path = \"../a\" }\n"));
    write(&p, "crates/b/src/lib.rs", "");
    write(&p, "crates/c/Cargo.toml", "[package]\nname = \"c\"\nversion = \"3.1.0\"\nedition = \"2021\"\n");
    write(&p, "crates/c/src/lib.rs", "");
    let cargo = || {
        let mut c = Command::new(env!("CARGO"));
        c.args(["metadata", "--offline", "--format-version", "1"]).current_dir(p.path());
        c
    };
    ok(&mut cargo());
    assert!(p.read("Cargo.lock").contains("name = \"a\"\nversion = \"0.4.0\""), "{}", p.read("Cargo.lock"));
    init_and_tag(&git, &p);

    let out = git.flightdeck(&p, &["release", "bump", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let listed = String::from_utf8_lossy(&out.stdout);
    for file in ["would write 0.4.1 in Cargo.toml (was 0.4.0)", "would write Cargo.lock", "CHANGELOG.md"] {
        assert!(listed.contains(file), "the dry run lists every file: {listed}");
    }
    assert_eq!(git.run(p.path(), &["status", "--porcelain"]), "", "a dry run writes nothing");

    let out = git.flightdeck(&p, &["release", "bump"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(p.read("Cargo.toml").contains("version = \"0.4.1\" # shared"), "{}", p.read("Cargo.toml"));
    let lock = p.read("Cargo.lock");
    for entry in [
        "name = \"a\"\nversion = \"0.4.1\"",
        "name = \"b\"\nversion = \"0.4.1\"",
        "name = \"c\"\nversion = \"3.1.0\"",
    ] {
        assert!(lock.contains(entry), "{entry} in {lock}");
    }
    assert_eq!(p.read("crates/a/Cargo.toml"), member("a", ""), "the member's manifest is untouched");
    assert_eq!(git.run(p.path(), &["status", "--porcelain"]), "", "everything committed");
    ok(cargo().arg("--locked"));
}

#[test]
fn package_lock_both_versions_follow_and_npm_ci_passes() {
    ensure_tool("npm");
    let git = Git::new();
    let p = Project::new(LOCAL, &[]);
    write(&p, "package.json", "{\n  \"name\": \"web\",\n  \"version\": \"0.4.0\",\n  \"private\": true\n}\n");
    write(&p, "crates/a/src/lib.rs", "");
    let npm = |args: &[&str]| {
        let mut c = Command::new("npm");
        c.args(args)
            .args(["--offline", "--no-audit", "--no-fund"])
            .current_dir(p.path())
            .env("HOME", git.home.path());
        c
    };
    ok(&mut npm(&["install", "--package-lock-only"]));
    assert!(p.read("package-lock.json").contains("\"version\": \"0.4.0\""));
    init_and_tag(&git, &p);

    let out = git.flightdeck(&p, &["release", "bump"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let lock: serde_json::Value = serde_json::from_str(&p.read("package-lock.json")).unwrap();
    assert_eq!(lock["version"], "0.4.1");
    assert_eq!(lock["packages"][""]["version"], "0.4.1");
    assert!(p.read("package.json").contains("\"version\": \"0.4.1\",\n  \"private\": true"));
    assert_eq!(git.run(p.path(), &["status", "--porcelain"]), "", "everything committed");
    ok(&mut npm(&["ci"]));
}

/// A major bump of a workspace whose members require each other by version: every `path`
/// requirement the new version no longer meets follows it (its form kept), the rest stay as they
/// were, and `cargo metadata --locked` still resolves.
#[test]
fn a_major_bump_moves_member_requirements_and_cargo_metadata_locked_passes() {
    let git = Git::new();
    let p = Project::new(LOCAL, &[]);
    write(
        &p,
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\"]\nresolver = \"2\"\n\n[workspace.package]\nversion = \"1.2.0\"\nedition = \"2021\"\n\n[workspace.dependencies]\na = { path = \"crates/a\", version = \"1.2.0\" } # shared\n",
    );
    let member = |name: &str, deps: &str| {
        format!("[package]\nname = \"{name}\"\nversion.workspace = true\nedition.workspace = true\n\n{deps}")
    };
    write(&p, "crates/a/Cargo.toml", &member("a", ""));
    write(&p, "crates/a/src/lib.rs", "");
    let b_deps = "[dependencies]\na = { path = \"../a\", version = \"1.2\" }\n\n[dev-dependencies]\nc = { path = \"../c\", version = \"3.1\" }\n";
    write(&p, "crates/b/Cargo.toml", &member("b", b_deps));
    write(&p, "crates/b/src/lib.rs", "");
    write(
        &p,
        "crates/c/Cargo.toml",
        "[package]\nname = \"c\"\nversion = \"3.1.0\"\nedition = \"2021\"\n\n[dependencies]\na.workspace = true\n",
    );
    write(&p, "crates/c/src/lib.rs", "");
    let cargo = || {
        let mut c = Command::new(env!("CARGO"));
        c.args(["metadata", "--offline", "--format-version", "1"]).current_dir(p.path());
        c
    };
    ok(&mut cargo());
    std::fs::write(p.path().join(".gitignore"), "target/\n").unwrap();
    git.run(p.path(), &["init", "-q", "-b", "main"]);
    git.run(p.path(), &["add", "."]);
    git.run(p.path(), &["commit", "-q", "-m", "chore: initial"]);
    git.run(p.path(), &["tag", "-a", "v1.2.0", "-m", "v1.2.0"]);
    git.commit(p.path(), "crates/a/src/lib.rs", "// new api\n", "feat(a)!: a new API");

    let out = git.flightdeck(&p, &["release", "bump"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(p.read("Cargo.toml").contains("version = \"2.0.0\"\n"), "{}", p.read("Cargo.toml"));
    assert!(
        p.read("Cargo.toml").contains("a = { path = \"crates/a\", version = \"2.0.0\" } # shared"),
        "{}",
        p.read("Cargo.toml")
    );
    let b = p.read("crates/b/Cargo.toml");
    assert!(b.contains("a = { path = \"../a\", version = \"2.0\" }"), "{b}");
    assert!(b.contains("c = { path = \"../c\", version = \"3.1\" }"), "c did not move: {b}");
    assert!(p.read("Cargo.lock").contains("name = \"b\"\nversion = \"2.0.0\""), "{}", p.read("Cargo.lock"));
    assert_eq!(git.run(p.path(), &["status", "--porcelain"]), "", "everything committed");
    ok(cargo().arg("--locked"));
}
