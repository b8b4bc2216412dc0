//! Tags and pushes, with their refusals: a dirty tree, a tag that exists, a branch behind its
//! upstream. Annotated tags are made with git2; when git config asks for signed tags
//! (`tag.gpgSign`) the tag is made by `git tag -s` so the user's key and `gpg.format` apply.

use std::path::Path;

use git2::{Repository, StatusOptions};

use super::{ReleaseError, gitcmd};

/// Refuses when tracked files have changes (untracked files do not count).
pub fn check_clean(repo: &Repository) -> Result<(), ReleaseError> {
    let mut opts = StatusOptions::new();
    opts.include_untracked(false).include_ignored(false);
    let statuses =
        repo.statuses(Some(&mut opts)).map_err(ReleaseError::git("reading the working tree status"))?;
    let dirty: Vec<String> =
        statuses.iter().filter_map(|s| s.path().ok().map(str::to_string)).take(5).collect();
    if dirty.is_empty() {
        return Ok(());
    }
    Err(ReleaseError::Refused(format!(
        "the working tree has uncommitted changes ({}): commit or stash them first",
        dirty.join(", ")
    )))
}

/// Refuses when `tag` exists.
pub fn check_tag_free(repo: &Repository, tag: &str) -> Result<(), ReleaseError> {
    if repo.find_reference(&format!("refs/tags/{tag}")).is_ok() {
        return Err(ReleaseError::Refused(format!(
            "tag {tag} already exists: pick another version (--version) or delete the tag"
        )));
    }
    Ok(())
}

/// Refuses when the checked-out branch is behind its upstream (as last fetched).
pub fn check_not_behind(repo: &Repository) -> Result<(), ReleaseError> {
    let Ok(head) = repo.head() else { return Ok(()) };
    if !head.is_branch() {
        return Ok(());
    }
    let Ok(name) = head.shorthand() else { return Ok(()) };
    let Ok(branch) = repo.find_branch(name, git2::BranchType::Local) else { return Ok(()) };
    let Ok(upstream) = branch.upstream() else { return Ok(()) };
    let (Some(local), Some(remote)) = (head.target(), upstream.get().target()) else { return Ok(()) };
    let (_, behind) =
        repo.graph_ahead_behind(local, remote).map_err(ReleaseError::git("comparing with upstream"))?;
    if behind > 0 {
        let up = upstream.name().ok().flatten().unwrap_or("its upstream").to_string();
        return Err(ReleaseError::Refused(format!(
            "branch {name} is {behind} commit(s) behind {up}: pull first"
        )));
    }
    Ok(())
}

/// True when git config asks for signed tags.
pub fn wants_signing(repo: &Repository) -> bool {
    repo.config().ok().and_then(|c| c.get_bool("tag.gpgSign").ok()).unwrap_or(false)
}

/// Creates the annotated tag `name` on HEAD with `message`; signed through `git tag -s` when
/// `sign` (with `--cleanup=whitespace`, so the changelog's `## ` headings are not taken for
/// comments). Returns the tag object's id.
pub fn create(
    repo: &Repository,
    dir: &Path,
    name: &str,
    message: &str,
    sign: bool,
) -> Result<String, ReleaseError> {
    check_tag_free(repo, name)?;
    if sign {
        gitcmd::git_with_input(
            dir,
            &["tag", "-s", "--cleanup=whitespace", "-F", "-", name, "HEAD"],
            Some(message),
        )?;
        return Ok(gitcmd::git(dir, &["rev-parse", &format!("refs/tags/{name}")])?.trim().to_string());
    }
    let head = repo
        .head()
        .and_then(|h| h.peel(git2::ObjectType::Commit))
        .map_err(ReleaseError::git("reading HEAD"))?;
    let sig =
        repo.signature().map_err(ReleaseError::git("reading user.name and user.email from git config"))?;
    let oid = repo
        .tag(name, &head, &sig, message, false)
        .map_err(ReleaseError::git(format!("creating tag {name}")))?;
    Ok(oid.to_string())
}

/// Pushes the current branch and `tag` to `remote` in one atomic `git push`.
pub fn push(dir: &Path, remote: &str, branch: Option<&str>, tag: &str) -> Result<(), ReleaseError> {
    let tag_ref = format!("refs/tags/{tag}");
    let mut args = vec!["push", "--atomic", remote];
    let branch_ref = branch.map(|b| format!("refs/heads/{b}"));
    if let Some(b) = &branch_ref {
        args.push(b);
    }
    args.push(&tag_ref);
    gitcmd::git(dir, &args).map(|_| ())
}
