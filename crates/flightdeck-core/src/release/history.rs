//! Reading history with git2: the release tags that fit a pattern, the last one reachable from a
//! revision, and the commits since it.

use std::collections::HashSet;

use git2::{Oid, Repository, Sort};
use semver::Version;
use serde::{Deserialize, Serialize};

use super::commits::decode;
use super::{ReleaseCommit, ReleaseError, TagPattern};

/// A release tag and the version it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaggedVersion {
    /// Tag name (`v1.2.3`).
    pub tag: String,
    /// The version in it.
    pub version: Version,
    /// The commit it points at.
    pub sha: String,
}

/// Every tag fitting `pattern` that points at a commit, highest version first.
pub fn release_tags(repo: &Repository, pattern: &TagPattern) -> Result<Vec<TaggedVersion>, ReleaseError> {
    let names = repo.tag_names(None).map_err(ReleaseError::git("listing tags"))?;
    let mut out = Vec::new();
    for name in names.iter().filter_map(|n| n.ok().flatten()) {
        let Some(version) = pattern.parse(name) else { continue };
        let obj = repo
            .revparse_single(&format!("refs/tags/{name}"))
            .map_err(ReleaseError::git(format!("reading tag {name}")))?;
        // A tag of a tree or a blob (Linux's `v2.6.11-tree`) marks no release: skip it.
        let Ok(commit) = obj.peel_to_commit() else { continue };
        out.push(TaggedVersion { tag: name.to_string(), version, sha: commit.id().to_string() });
    }
    out.sort_by(|a, b| natural_cmp(&b.version, &a.version).then_with(|| a.tag.cmp(&b.tag)));
    Ok(out)
}

/// Semantic version order, except that a pre-release identifier ending in a number compares that
/// number as a number: `1.0.0-rc10` comes after `1.0.0-rc9` (runc tagged `v1.0.0-rc9` then
/// `v1.0.0-rc10`; semver's rule compares `rc10` and `rc9` as text).
pub fn natural_cmp(a: &Version, b: &Version) -> std::cmp::Ordering {
    let split = |id: &str| {
        let digits = id.len() - id.trim_end_matches(|c: char| c.is_ascii_digit()).len();
        let (text, num) = id.split_at(id.len() - digits);
        (text.to_string(), num.parse::<u64>().ok())
    };
    let pre = |v: &Version| -> Vec<(String, Option<u64>)> {
        v.pre.as_str().split('.').filter(|s| !s.is_empty()).map(split).collect()
    };
    (a.major, a.minor, a.patch)
        .cmp(&(b.major, b.minor, b.patch))
        .then_with(|| match (a.pre.is_empty(), b.pre.is_empty()) {
            (true, true) => std::cmp::Ordering::Equal,
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            (false, false) => pre(a).cmp(&pre(b)),
        })
        .then_with(|| a.cmp(b))
}

/// The highest-versioned release tag whose commit is `head` or an ancestor of it.
pub fn latest_reachable(
    repo: &Repository,
    pattern: &TagPattern,
    head: Oid,
) -> Result<Option<TaggedVersion>, ReleaseError> {
    latest_reachable_where(repo, pattern, head, |_| true)
}

/// Like [`latest_reachable`], among the tags `keep` accepts (e.g. stable releases only).
pub fn latest_reachable_where(
    repo: &Repository,
    pattern: &TagPattern,
    head: Oid,
    keep: impl Fn(&TaggedVersion) -> bool,
) -> Result<Option<TaggedVersion>, ReleaseError> {
    for t in release_tags(repo, pattern)?.into_iter().filter(|t| keep(t)) {
        let oid = Oid::from_str(&t.sha).map_err(ReleaseError::git("parsing a sha"))?;
        let reachable = oid == head
            || repo.graph_descendant_of(head, oid).map_err(ReleaseError::git("walking history"))?;
        if reachable {
            return Ok(Some(t));
        }
    }
    Ok(None)
}

/// The commits reachable from `head` and not from `since`, newest first.
pub fn commits_since(
    repo: &Repository,
    head: Oid,
    since: Option<Oid>,
) -> Result<Vec<ReleaseCommit>, ReleaseError> {
    let mut walk = repo.revwalk().map_err(ReleaseError::git("starting a history walk"))?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME).map_err(ReleaseError::git("sorting history"))?;
    walk.push(head).map_err(ReleaseError::git("walking from HEAD"))?;
    if let Some(s) = since {
        walk.hide(s).map_err(ReleaseError::git("hiding the last release"))?;
    }
    let shallow = shallow_boundary(repo);
    let mut out = Vec::new();
    for oid in walk {
        let oid = oid.map_err(ReleaseError::git("walking history"))?;
        let c = repo.find_commit(oid).map_err(ReleaseError::git(format!("reading commit {oid}")))?;
        if shallow.contains(&oid) {
            return Err(shallow_refusal(since.is_some()));
        }
        let encoding = c.message_encoding().ok().flatten();
        let message = decode(c.message_bytes(), encoding);
        let author = c.author();
        let name = decode(author.name_bytes(), encoding);
        let mut rc = ReleaseCommit::parse(&oid.to_string(), &message, &name, author.when().seconds());
        rc.merge = c.parent_count() > 1;
        out.push(rc);
    }
    Ok(out)
}

/// The commits where a shallow clone's history is cut (`$GIT_DIR/shallow`; empty for a full
/// clone): their parents are missing, so a walk that reaches one does not know the whole range.
pub fn shallow_boundary(repo: &Repository) -> HashSet<Oid> {
    if !repo.is_shallow() {
        return HashSet::new();
    }
    let text = std::fs::read_to_string(repo.path().join("shallow")).unwrap_or_default();
    text.lines().filter_map(|l| Oid::from_str(l.trim()).ok()).collect()
}

fn shallow_refusal(had_tag: bool) -> ReleaseError {
    let what = if had_tag {
        "the commits since the last release tag reach the end of this shallow clone"
    } else {
        "this shallow clone ends before any release tag"
    };
    ReleaseError::Refused(format!(
        "{what} (git clone --depth): the next version and the changelog would be computed from part \
         of the history. Fetch the whole history first: `git fetch --unshallow --tags` (in CI, \
         actions/checkout with fetch-depth: 0)"
    ))
}

/// Keeps the commits that change something under one of `paths` (all when `paths` is empty):
/// a monorepo package's commits. A commit is compared with its first parent.
pub fn touching(
    repo: &Repository,
    commits: Vec<ReleaseCommit>,
    paths: &[String],
) -> Result<Vec<ReleaseCommit>, ReleaseError> {
    if paths.is_empty() {
        return Ok(commits);
    }
    let mut out = Vec::new();
    for c in commits {
        let oid = Oid::from_str(&c.sha).map_err(ReleaseError::git("parsing a sha"))?;
        let commit = repo.find_commit(oid).map_err(ReleaseError::git(format!("reading commit {oid}")))?;
        let tree = commit.tree().map_err(ReleaseError::git("reading a tree"))?;
        let parent = commit.parent(0).ok().and_then(|p| p.tree().ok());
        let mut opts = git2::DiffOptions::new();
        for p in paths {
            opts.pathspec(p);
        }
        let diff = repo
            .diff_tree_to_tree(parent.as_ref(), Some(&tree), Some(&mut opts))
            .map_err(ReleaseError::git(format!("diffing commit {oid}")))?;
        if diff.deltas().len() > 0 {
            out.push(c);
        }
    }
    Ok(out)
}

/// Resolves a revision (`HEAD`, a branch, a tag) to a commit id.
pub fn resolve(repo: &Repository, rev: &str) -> Result<Oid, ReleaseError> {
    let obj = repo.revparse_single(rev).map_err(ReleaseError::git(format!("resolving {rev:?}")))?;
    let c = obj.peel_to_commit().map_err(ReleaseError::git(format!("{rev:?} is not a commit")))?;
    Ok(c.id())
}

/// The short name of the checked-out branch (`None` when detached or unborn).
pub fn current_branch(repo: &Repository) -> Option<String> {
    let head = repo.head().ok()?;
    if !head.is_branch() {
        return None;
    }
    head.shorthand().ok().map(str::to_string)
}

/// The URL of `remote`, if it exists.
pub fn remote_url(repo: &Repository, remote: &str) -> Option<String> {
    repo.find_remote(remote).ok()?.url().ok().map(str::to_string)
}
