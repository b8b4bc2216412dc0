//! The hotfix flow around the ordinary release steps: branch `hotfix/<version>` from the
//! production tag, check the operator committed a fix (an empty diff refuses), and bring the fix
//! back to the main branch (a merge, else a cherry-pick of the fix commits).
//!
//! Between `check` and `merge_back` the release itself is the ordinary one with
//! [`PlanOptions::hotfix`](super::PlanOptions) set: a patch bump from the tag below HEAD (the
//! production tag, never main's newer version), and a changelog section for the hotfix range only.

use std::path::Path;

use git2::Repository;
use serde::{Deserialize, Serialize};

use super::bump::{Level, bump_level};
use super::history::{self, TaggedVersion};
use super::{ReleaseCommit, ReleaseError, TagPattern, gitcmd, tag};

/// A started hotfix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HotfixStart {
    /// The production release it starts from.
    pub base: TaggedVersion,
    /// The version it will release.
    pub version: String,
    /// The branch created.
    pub branch: String,
}

/// Plans the hotfix branch from `from` (a tag name; default: the highest stable release tag).
/// Refuses when the patch it would release is tagged already (`--from v4.13.0` while v4.13.1
/// exists), naming the newest release of that line to start from instead.
pub fn prepare(repo: &Repository, pat: &TagPattern, from: Option<&str>) -> Result<HotfixStart, ReleaseError> {
    let tags = history::release_tags(repo, pat)?;
    let base = match from {
        Some(name) => tags.iter().find(|t| t.tag == name).cloned().ok_or_else(|| {
            ReleaseError::Invalid(format!(
                "{name:?} is not a release tag fitting the tag pattern: name the production tag"
            ))
        })?,
        None => tags.iter().find(|t| t.version.pre.is_empty()).cloned().ok_or_else(|| {
            ReleaseError::Refused("no release tag to hotfix: there is no production release yet".into())
        })?,
    };
    let next = bump_level(&base.version, Level::Patch);
    let newest_of_line = tags
        .iter()
        .filter(|t| {
            t.version.pre.is_empty() && (t.version.major, t.version.minor) == (next.major, next.minor)
        })
        .find(|t| t.version >= next);
    if let Some(newest) = newest_of_line {
        return Err(ReleaseError::Refused(format!(
            "{} is tagged already: the {}.{} line has moved on to {}; hotfix from it (--from {})",
            pat.format(&next),
            next.major,
            next.minor,
            newest.tag,
            newest.tag
        )));
    }
    let version = next.to_string();
    let branch = format!("hotfix/{version}");
    if repo.find_branch(&branch, git2::BranchType::Local).is_ok() {
        return Err(ReleaseError::Refused(format!(
            "branch {branch} already exists: finish or delete it first"
        )));
    }
    Ok(HotfixStart { base, version, branch })
}

/// Creates and checks out the hotfix branch (refuses on a dirty tree).
pub fn start(repo: &Repository, dir: &Path, h: &HotfixStart) -> Result<(), ReleaseError> {
    tag::check_clean(repo)?;
    gitcmd::git(dir, &["switch", "-q", "-c", &h.branch, &h.base.sha]).map(|_| ())
}

/// The fix commits on HEAD since the release tag below it; refuses when they change nothing.
pub fn check(
    repo: &Repository,
    pat: &TagPattern,
) -> Result<(TaggedVersion, Vec<ReleaseCommit>), ReleaseError> {
    let head = history::resolve(repo, "HEAD")?;
    let base = history::latest_reachable(repo, pat, head)?.ok_or_else(|| {
        ReleaseError::Refused("HEAD is not on top of a release tag: start the hotfix from one".into())
    })?;
    let base_oid = git2::Oid::from_str(&base.sha).map_err(ReleaseError::git("parsing a sha"))?;
    let tree =
        |oid| repo.find_commit(oid).and_then(|c| c.tree()).map_err(ReleaseError::git("reading a tree"));
    let diff = repo
        .diff_tree_to_tree(Some(&tree(base_oid)?), Some(&tree(head)?), None)
        .map_err(ReleaseError::git("diffing the hotfix"))?;
    if diff.deltas().len() == 0 {
        return Err(ReleaseError::Refused(format!(
            "no fix: HEAD changes nothing since {}; commit the fix on this branch, then go on",
            base.tag
        )));
    }
    let commits = history::commits_since(repo, head, Some(base_oid))?;
    Ok((base, commits))
}

/// How the fix reached the main branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MergeBack {
    /// `git merge --no-ff`.
    Merged,
    /// The merge conflicted (version files, changelog); the fix commits were cherry-picked.
    CherryPicked,
}

/// Switches to `main` and merges `branch` into it, falling back to cherry-picking the fix commits
/// (`fixes`, oldest last) when the merge conflicts.
pub fn merge_back(
    dir: &Path,
    main: &str,
    branch: &str,
    fixes: &[ReleaseCommit],
) -> Result<MergeBack, ReleaseError> {
    gitcmd::git(dir, &["switch", "-q", main])?;
    let msg = format!("Merge {branch} into {main}");
    if gitcmd::git(dir, &["merge", "-q", "--no-ff", "-m", &msg, branch]).is_ok() {
        return Ok(MergeBack::Merged);
    }
    gitcmd::git(dir, &["merge", "--abort"])?;
    for c in fixes.iter().rev().filter(|c| !c.is_release_commit()) {
        if let Err(e) = gitcmd::git(dir, &["cherry-pick", "-x", &c.sha]) {
            if let Err(abort) = gitcmd::git(dir, &["cherry-pick", "--abort"]) {
                tracing::warn!(error = %abort, dir = %dir.display(), "git cherry-pick --abort failed");
            }
            return Err(ReleaseError::Refused(format!(
                "neither merging {branch} into {main} nor cherry-picking {} works ({e}): resolve by hand",
                c.short
            )));
        }
    }
    Ok(MergeBack::CherryPicked)
}

/// After a cherry-pick: copies the hotfix's changelog section (from `branch`'s changelog file)
/// into the checked-out main branch's changelog, in version order, and commits it. Returns
/// false when there was nothing to copy.
pub fn carry_changelog(
    repo: &Repository,
    dir: &Path,
    changelog: &Path,
    branch: &str,
) -> Result<bool, ReleaseError> {
    let Some(version) = branch.strip_prefix("hotfix/").and_then(|v| semver::Version::parse(v).ok()) else {
        return Ok(false);
    };
    let spec = format!("{branch}:{}", changelog.display());
    let Ok(blob) = repo.revparse_single(&spec).and_then(|o| o.peel_to_blob()) else { return Ok(false) };
    let theirs = String::from_utf8_lossy(blob.content()).into_owned();
    let Some(section) = super::changelog::extract(&theirs, &version.to_string()) else { return Ok(false) };
    let path = dir.join(changelog);
    let ours = std::fs::read_to_string(&path).unwrap_or_default();
    let text = super::changelog::insert_in_order(&ours, &section, &version);
    if text == ours {
        return Ok(false);
    }
    std::fs::write(&path, text).map_err(ReleaseError::io(format!("writing {}", path.display())))?;
    let message = format!("docs(changelog): hotfix {version}");
    gitcmd::commit_paths(dir, &[changelog.display().to_string()], &message)?;
    Ok(true)
}
