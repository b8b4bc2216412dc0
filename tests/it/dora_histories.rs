//! DORA over histories the way real repositories have them (temp repositories, no network): a
//! shallow clone (`git clone --depth`, CI's default checkout) that cuts a deployment's range off,
//! an octopus merge, commits dated in the future, before 1970 and at the edge of what a commit
//! object can say, a Latin-1 message, and escape sequences in messages and author names.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use crate::common::{Project, text};

const CONFIG: &str = "[environments.prod]\nproduction = true\n";

/// A git config for these tests (identity, no signing), written once.
fn git_config() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        let text = "[user]\n\tname = T\n\temail = t@example.com\n[commit]\n\tgpgsign = false\n";
        std::fs::write(d.path().join(".gitconfig"), text).unwrap();
        d
    });
    dir.path()
}

/// Runs git in `dir` (private config, fixed dates); its stdout.
fn git(dir: &Path, args: &[&str], date: &str) -> String {
    let cfg = git_config().join(".gitconfig");
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", &cfg)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn commit(dir: &Path, name: &str, date: &str) -> String {
    std::fs::write(dir.join(name), name).unwrap();
    git(dir, &["add", name], date);
    git(dir, &["commit", "-q", "-m", name], date);
    git(dir, &["rev-parse", "HEAD"], date)
}

fn add(p: &Project, sha: &str, finished: &str, extra: &[&str]) {
    let mut args = vec!["ledger", "add", "--service", "web", "--sha", sha, "--finished", finished];
    args.extend_from_slice(extra);
    let out = p.run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

fn dora(p: &Project) -> Value {
    let out =
        p.run(&["dora", "--json", "--service", "web", "--since", "2026-03-01", "--until", "2026-03-10"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!out.stdout.contains(&0x1b), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Deployments at c2 and c6 of c1..c6: the second ships c3..c6. In a clone of depth 2 (c5, c6)
/// the walk from c6 stops at the cut, and counting c5 and c6 alone would give a lead time too
/// short; the deployment adds no lead times and a note says why and what to do.
#[test]
fn a_shallow_clone_gives_a_note_not_a_lead_time_missing_its_oldest_commits() {
    let p = Project::new(CONFIG, &[]);
    let full = p.path().join("full");
    std::fs::create_dir(&full).unwrap();
    git(&full, &["init", "-q", "-b", "main"], "2026-03-01T00:00:00Z");
    let mut shas = Vec::new();
    for day in 1..=6 {
        shas.push(commit(&full, &format!("c{day}"), &format!("2026-03-0{day}T00:00:00Z")));
    }
    git(
        p.path(),
        &["clone", "-q", "--depth", "2", &format!("file://{}", full.display()), "shallow"],
        "2026-03-07T00:00:00Z",
    );
    let config = |repo: &str| {
        std::fs::write(
            p.path().join("flightdeck.toml"),
            format!("{CONFIG}\n[services.web]\nrepo = \"{repo}\"\n"),
        )
        .unwrap();
    };
    config("full");
    add(&p, &shas[1], "2026-03-02T12:00:00Z", &[]);
    add(&p, &shas[5], "2026-03-07T00:00:00Z", &[]);
    let d = dora(&p);
    assert_eq!(d["current"]["lead_time"]["commits"], 4, "c3..c6 in the full clone: {d}");
    assert_eq!(d["current"]["lead_time"]["median_secs"], 2.5 * 86400.0, "{d}");

    config("shallow");
    let d = dora(&p);
    assert_eq!(d["current"]["deployments"], 2, "{d}");
    assert_eq!(d["current"]["lead_time"]["commits"], 0, "no figure from a cut range: {d}");
    assert_eq!(d["current"]["lead_time"]["median_secs"], Value::Null, "{d}");
    let notes = d["notes"].to_string();
    assert!(notes.contains("shallow clone") && notes.contains("git fetch --unshallow"), "{notes}");
}

/// Writes a commit object by hand (`git hash-object --literally`: git itself refuses dates before
/// 1970) on `parent`, author `author` and time `secs`; returns its SHA.
fn raw_commit(dir: &Path, parent: &str, author: &str, secs: i64, message: &str) -> String {
    let tree = git(dir, &["write-tree"], "2026-03-04T00:00:00Z");
    let who = format!("{author} <a@example.com> {secs} +0000");
    let body = format!("tree {tree}\nparent {parent}\nauthor {who}\ncommitter {who}\n\n{message}\n");
    let file = dir.join(".raw-commit");
    std::fs::write(&file, body).unwrap();
    let args = ["hash-object", "-t", "commit", "-w", "--literally", file.to_str().unwrap()];
    let sha = git(dir, &args, "2026-03-04T00:00:00Z");
    std::fs::remove_file(&file).unwrap();
    sha
}

/// An octopus merge of three branches, a commit dated in 2099, one from 1960, one at a time
/// no clock can show, and escape sequences in a message and an author name: `dora` neither
/// crashes nor prints a control character; the future commit is dropped and counted, the others
/// counted (a span is never negative, and the far past saturates instead of overflowing).
#[test]
fn octopus_merges_odd_dates_and_escapes_give_figures_not_crashes() {
    let p = Project::new(CONFIG, &[]);
    let dir = p.path();
    git(dir, &["init", "-q", "-b", "main"], "2026-03-01T00:00:00Z");
    let base = commit(dir, "base", "2026-03-01T00:00:00Z");
    for b in ["b1", "b2", "b3"] {
        git(dir, &["checkout", "-q", "-b", b, &base], "2026-03-02T00:00:00Z");
        commit(dir, b, "2026-03-02T00:00:00Z");
    }
    git(dir, &["checkout", "-q", "main"], "2026-03-03T00:00:00Z");
    git(dir, &["merge", "-q", "--no-ff", "--no-edit", "b1", "b2", "b3"], "2026-03-03T00:00:00Z");
    std::fs::write(dir.join("evil"), "x").unwrap();
    git(dir, &["add", "evil"], "@4070908800 +0000");
    let evil = ["-c", "user.name=Eve\x1b]0;pwned\x07", "commit", "-q", "-m", "fix: \x1b[2Jcleared\x1b[31m"];
    git(dir, &evil, "@4070908800 +0000");
    std::fs::write(dir.join(".msg"), b"fix: caf\xe9 cr\xe8me\n").unwrap();
    let latin1 = ["-c", "i18n.commitEncoding=ISO-8859-1", "commit", "-q", "--allow-empty", "-F", ".msg"];
    git(dir, &latin1, "2026-03-03T12:00:00Z");
    std::fs::remove_file(dir.join(".msg")).unwrap();
    let head = git(dir, &["rev-parse", "HEAD"], "2026-03-04T00:00:00Z");
    let old = raw_commit(dir, &head, "Old \x1b[5mTimer", -315_619_200, "fix: from 1960");
    let edge = raw_commit(dir, &old, "Edge", -99_999_999_999_999, "fix: before time");
    git(dir, &["update-ref", "refs/heads/main", &edge], "2026-03-04T00:00:00Z");
    git(dir, &["reset", "-q", "--hard"], "2026-03-04T00:00:00Z");

    add(&p, &base, "2026-03-01T12:00:00Z", &[]);
    add(&p, &edge, "2026-03-05T00:00:00Z", &[]);
    let d = dora(&p);
    let lead = &d["current"]["lead_time"];
    // b1, b2, b3, the octopus merge, the Latin-1 fix, 1960 and the edge count; 2099 is dropped.
    assert_eq!(lead["commits"], 7, "{d}");
    assert_eq!(lead["dropped"], 1, "{d}");
    let shipped = d["deployments"][0]["commits"].as_array().unwrap();
    assert_eq!(shipped.len(), 8, "{d}");
    assert!(shipped.iter().any(|c| c["summary"] == "fix: café crème"), "Latin-1 read as such: {d}");
    assert!(shipped.iter().all(|c| c["lead_time_secs"].as_i64().is_some()), "{d}");
    let out = p.run(&["dora", "--service", "web", "--since", "2026-03-01", "--until", "2026-03-10"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b), "{}", text(&out));
}

/// Linux tags a tree (`v2.6.11-tree`) beside its release tags: bootstrapping a ledger from `v*`
/// skips the tags of a tree or a blob, which deployed nothing, instead of failing the import.
#[test]
fn ledger_from_tags_skips_tags_of_trees_and_blobs() {
    let p = Project::new(CONFIG, &[]);
    let dir = p.path();
    git(dir, &["init", "-q", "-b", "main"], "2026-03-01T00:00:00Z");
    commit(dir, "a", "2026-03-01T00:00:00Z");
    git(dir, &["tag", "v1.0.0"], "2026-03-01T00:00:00Z");
    git(dir, &["tag", "v1.0.0-tree", "HEAD^{tree}"], "2026-03-01T00:00:00Z");
    let blob = git(dir, &["rev-parse", "HEAD:a"], "2026-03-01T00:00:00Z");
    git(dir, &["tag", "-a", "v1.0.0-blob", "-m", "a blob", &blob], "2026-03-01T00:00:00Z");
    commit(dir, "b", "2026-03-03T00:00:00Z");
    git(dir, &["tag", "-a", "v1.1.0", "-m", "v1.1.0"], "2026-03-04T00:00:00Z");
    let out = p.run(&["ledger", "import", "--from-tags", "v*", "--service", "web"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("imported 2 deployments"), "{}", text(&out));
    let d = dora(&p);
    assert_eq!(d["current"]["deployments"], 2, "{d}");
    assert_eq!(d["current"]["lead_time"]["median_secs"], 86400.0, "b, written a day before v1.1.0: {d}");
}
