//! The one module that reads git history (git2): assigns every commit to the deployment that first
//! shipped it, in one pass (DESIGN §10). Deployments are taken in finish order; from each SHA the
//! walk follows all parents (not first-parent only) and stops at commits already assigned, which
//! gives the same sets as "push d, hide every earlier one" in time linear in the history.
//!
//! It also finds revert commits ("This reverts commit X") and whether a deployment ships a proper
//! ancestor of its predecessor's SHA (a rollback; the same SHA again is a redeploy, not a rollback).
//! In a shallow clone, a deployment whose walk reaches the cut is left without lead times (and a
//! note says why) rather than credited with every older commit.
//! With `paths`, only commits touching them count (a merge counts when it differs from every parent
//! there, git's TREESAME rule), but all commits still stop the walk.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use git2::{Commit as GitCommit, DiffOptions, Oid, Repository};

use super::DoraError;
use super::facts::{Commit, History};
use crate::time::Micros;

/// Opens the repository at or above `path`. Reads skip libgit2's object cache and its per-object
/// hash check: each commit is read once, and those two cost a third of the walk.
pub fn open(path: &Path) -> Result<Repository, DoraError> {
    git2::opts::enable_caching(false);
    git2::opts::strict_hash_verification(false);
    Repository::discover(path)
        .map_err(DoraError::git(format!("opening a git repository at {}", path.display())))
}

/// Walks the history of deployments whose SHAs (or revisions) are `shas`, in finish order.
/// Returns the history and notes about SHAs that could not be found.
pub fn walk(repo: &Repository, shas: &[Option<&str>], paths: &[String]) -> (History, Vec<String>) {
    let mut assigned: HashMap<Oid, u32> = HashMap::new();
    let mut history = History { shipped: Vec::with_capacity(shas.len()), rollback: vec![false; shas.len()] };
    let mut notes = Vec::new();
    let shallow = shallow_boundary(repo);
    let mut missing = Vec::new();
    let mut prev: Option<Oid> = None;
    for (i, sha) in shas.iter().enumerate() {
        let oid = sha.and_then(|s| resolve(repo, s));
        if oid.is_none() {
            missing.push((i, sha.unwrap_or("")));
        }
        let walk = Walk { repo, idx: u32::try_from(i).unwrap_or(u32::MAX), paths, shallow: &shallow };
        let (mut shipped, new, cut) = match oid {
            Some(o) => walk.ship(o, &mut assigned),
            None => (Vec::new(), 0, false),
        };
        if cut && i > 0 {
            notes.push(shallow_note(i, sha.unwrap_or("")));
            shipped.clear();
        }
        if let (Some(p), Some(o)) = (prev, oid)
            && new == 0
            && p != o
        {
            history.rollback[i] = repo.graph_descendant_of(p, o).unwrap_or(false);
        }
        history.shipped.push(shipped);
        // Only the next deployment judges a rollback; without a SHA, neither side can be judged.
        prev = oid;
    }
    notes.splice(0..0, missing_notes(&missing, !shallow.is_empty()));
    (history, notes)
}

/// One note per deployment whose SHA is not in the repository, at most three, then a count.
fn missing_notes(missing: &[(usize, &str)], shallow: bool) -> Vec<String> {
    let mut notes: Vec<String> = missing
        .iter()
        .take(3)
        .map(|(i, sha)| format!("deployment #{} has SHA {sha:?}, not found in the repository", i + 1))
        .collect();
    if missing.len() > 3 {
        notes.push(format!("{} more deployments have SHAs not found in the repository", missing.len() - 3));
    }
    if shallow && !missing.is_empty() {
        notes.push(
            "the repository is a shallow clone (git clone --depth): run `git fetch --unshallow` so \
             every deployed commit is in it"
                .into(),
        );
    }
    notes
}

fn shallow_note(i: usize, sha: &str) -> String {
    format!(
        "deployment #{} ({}) reaches the end of a shallow clone (git clone --depth): the commits it \
         first shipped are unknown, so it adds no lead times; run `git fetch --unshallow` for them",
        i + 1,
        short(sha)
    )
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// The commits where a shallow clone's history is cut (`$GIT_DIR/shallow`; empty for a full
/// clone): their parents are missing, so a walk reaching one cannot tell which commits are new.
fn shallow_boundary(repo: &Repository) -> HashSet<Oid> {
    if !repo.is_shallow() {
        return HashSet::new();
    }
    let text = std::fs::read_to_string(repo.path().join("shallow")).unwrap_or_default();
    text.lines().filter_map(|l| Oid::from_str(l.trim()).ok()).collect()
}

fn resolve(repo: &Repository, rev: &str) -> Option<Oid> {
    // A full SHA that exists needs no parse here (the walk reads it next); anything else is a
    // revision for revparse.
    if rev.len() == 40
        && let Ok(oid) = Oid::from_str(rev)
        && repo.odb().is_ok_and(|odb| odb.exists(oid))
    {
        return Some(oid);
    }
    repo.revparse_single(rev).ok()?.peel_to_commit().ok().map(|c| c.id())
}

/// One deployment's part of the walk.
struct Walk<'a> {
    repo: &'a Repository,
    idx: u32,
    paths: &'a [String],
    shallow: &'a HashSet<Oid>,
}

impl Walk<'_> {
    /// Assigns the unassigned ancestors of `tip` (itself included) to this deployment; returns
    /// the kept commits, how many were newly assigned, and whether the walk reached the end of a
    /// shallow clone.
    fn ship(&self, tip: Oid, assigned: &mut HashMap<Oid, u32>) -> (Vec<Commit>, usize, bool) {
        let mut stack = vec![tip];
        let mut kept = Vec::new();
        let (mut new, mut cut) = (0, false);
        while let Some(oid) = stack.pop() {
            if assigned.contains_key(&oid) {
                continue;
            }
            assigned.insert(oid, self.idx);
            new += 1;
            cut |= self.shallow.contains(&oid);
            let Ok(commit) = self.repo.find_commit(oid) else { continue };
            stack.extend(commit.parent_ids().filter(|p| !assigned.contains_key(p)));
            if self.paths.is_empty() || touches(self.repo, &commit, self.paths) {
                kept.push(describe(&commit));
            }
        }
        (kept, new, cut)
    }
}

fn describe(c: &GitCommit<'_>) -> Commit {
    let message = decode(c.message_bytes(), c.message_encoding().ok().flatten());
    Commit {
        sha: c.id().to_string(),
        author_time: Micros(c.author().when().seconds().saturating_mul(1_000_000)),
        summary: message.lines().next().unwrap_or("").to_string(),
        reverts: reverted(&message),
    }
}

/// SHAs named by `This reverts commit X` in a message.
pub fn reverted(message: &str) -> Vec<String> {
    const KEY: &str = "This reverts commit ";
    let mut out = Vec::new();
    let mut rest = message;
    while let Some(at) = rest.find(KEY) {
        rest = &rest[at + KEY.len()..];
        let hex: String = rest.chars().take_while(char::is_ascii_hexdigit).collect();
        if hex.len() >= 7 {
            out.push(hex.to_ascii_lowercase());
        }
    }
    out
}

/// Whether `c` changes anything under `paths` (against every parent, or the empty tree for a root).
fn touches(repo: &Repository, c: &GitCommit<'_>, paths: &[String]) -> bool {
    let Ok(tree) = c.tree() else { return false };
    let differs = |parent: Option<&git2::Tree<'_>>| {
        let mut opts = DiffOptions::new();
        for p in paths {
            opts.pathspec(p);
        }
        repo.diff_tree_to_tree(parent, Some(&tree), Some(&mut opts)).is_ok_and(|d| d.deltas().len() > 0)
    };
    if c.parent_count() == 0 {
        return differs(None);
    }
    c.parents().all(|p| p.tree().is_ok_and(|t| differs(Some(&t))))
}

/// A commit message as text: UTF-8, or Latin-1 when the commit declares it (`encoding
/// ISO-8859-1`); other invalid bytes become U+FFFD. (The release module reads messages the same
/// way; the two stay separate so neither top-level module depends on the other.)
fn decode(bytes: &[u8], encoding: Option<&str>) -> String {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return s.to_string();
    }
    let latin1 = encoding
        .map(str::to_ascii_lowercase)
        .is_some_and(|e| matches!(e.as_str(), "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1"));
    if latin1 {
        bytes.iter().map(|&b| char::from(b)).collect()
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}
