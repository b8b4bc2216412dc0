//! The one module that reads git history (git2): assigns every commit to the deployment that first
//! shipped it, in one pass (DESIGN §10). Deployments are taken in finish order; from each SHA the
//! walk follows all parents (not first-parent only) and stops at commits already assigned, which
//! gives the same sets as "push d, hide every earlier one" in time linear in the history.
//!
//! It also finds revert commits ("This reverts commit X") and whether a deployment ships a proper
//! ancestor of its predecessor's SHA (a rollback; the same SHA again is a redeploy, not a rollback).
//! With `paths`, only commits touching them count (a merge counts when it differs from every parent
//! there, git's TREESAME rule), but all commits still stop the walk.

use std::collections::HashMap;
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
    let mut prev: Option<Oid> = None;
    for (i, sha) in shas.iter().enumerate() {
        let oid = sha.and_then(|s| resolve(repo, s));
        if oid.is_none() {
            notes.push(format!(
                "deployment #{} has SHA {:?}, not found in the repository",
                i + 1,
                sha.unwrap_or("")
            ));
        }
        let (shipped, new) = match oid {
            Some(o) => ship(repo, o, u32::try_from(i).unwrap_or(u32::MAX), &mut assigned, paths),
            None => (Vec::new(), 0),
        };
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
    (history, notes)
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

/// Assigns the unassigned ancestors of `tip` (itself included) to `idx`; returns the kept commits
/// and how many were newly assigned.
fn ship(
    repo: &Repository,
    tip: Oid,
    idx: u32,
    assigned: &mut HashMap<Oid, u32>,
    paths: &[String],
) -> (Vec<Commit>, usize) {
    let mut stack = vec![tip];
    let mut kept = Vec::new();
    let mut new = 0;
    while let Some(oid) = stack.pop() {
        if assigned.contains_key(&oid) {
            continue;
        }
        assigned.insert(oid, idx);
        new += 1;
        let Ok(commit) = repo.find_commit(oid) else { continue };
        stack.extend(commit.parent_ids().filter(|p| !assigned.contains_key(p)));
        if paths.is_empty() || touches(repo, &commit, paths) {
            kept.push(describe(&commit));
        }
    }
    (kept, new)
}

fn describe(c: &GitCommit<'_>) -> Commit {
    let message = String::from_utf8_lossy(c.message_bytes());
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
