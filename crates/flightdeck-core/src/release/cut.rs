//! Cutting a planned release: write the version files and the changelog, commit them as
//! `chore(release): TAG`, then make the annotated tag carrying the changelog section and push.
//! Each function has a dry-run form that checks and reports without changing anything.

use std::path::{Path, PathBuf};

use git2::Repository;
use serde::{Deserialize, Serialize};

use super::writes::{self, FileWrite};
use super::{ReleaseError, ReleasePlan, changelog, gitcmd, tag};
use crate::config::ReleaseConfig;

/// What [`apply`] changed (or would change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// The version written.
    pub version: String,
    /// Every file written (or that a dry run would write): version files with the version they
    /// held, lock files, and the changelog.
    pub files: Vec<FileWrite>,
    /// The changelog file written.
    pub changelog: PathBuf,
    /// The release commit (`None` in a dry run or without a commit).
    pub commit: Option<String>,
}

/// Writes the plan's version into the version files (and their lock files) and its section into
/// the changelog, and commits them when `commit`. Refuses on a dirty tree or when there is nothing
/// to release. A dry run plans the same writes and lists them.
pub fn apply(
    repo: &Repository,
    dir: &Path,
    cfg: &ReleaseConfig,
    plan: &ReleasePlan,
    commit: bool,
    dry_run: bool,
) -> Result<Applied, ReleaseError> {
    let (Some(version), Some(tag_name)) = (&plan.next, &plan.next_tag) else {
        return Err(ReleaseError::Refused(format!("nothing to release: {}", plan.reason)));
    };
    tag::check_clean(repo)?;
    tag::check_tag_free(repo, tag_name)?;
    let version = version.to_string();
    let mut files = writes::version_writes(dir, &cfg.version_files, &version)?;
    let log_path = dir.join(&cfg.changelog);
    let existing = std::fs::read_to_string(&log_path).ok();
    // A section written earlier (changelog-generation) is kept as it is.
    if existing.as_deref().is_none_or(|t| changelog::extract(t, &version).is_none()) {
        let text = changelog::prepend(existing.as_deref(), &plan.changelog);
        let text = changelog::move_unreleased_link(&text, &version, tag_name);
        files.push(FileWrite { path: cfg.changelog.clone(), old: None, text });
    }
    let mut out = Applied { version: version.clone(), files, changelog: cfg.changelog.clone(), commit: None };
    if dry_run {
        return Ok(out);
    }
    writes::apply(dir, &out.files, &version)?;
    if commit {
        let paths: Vec<String> = out
            .files
            .iter()
            .filter(|w| !repo.status_should_ignore(&w.path).unwrap_or(true))
            .map(|w| w.path.display().to_string())
            .collect();
        out.commit = Some(gitcmd::commit_paths(dir, &paths, &format!("chore(release): {tag_name}"))?);
    }
    Ok(out)
}

/// What [`tag_release`] did (or would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tagged {
    /// The tag name.
    pub tag: String,
    /// The tag object (`None` in a dry run).
    pub object: Option<String>,
    /// Signed through `git tag -s`.
    pub signed: bool,
    /// Pushed to the remote.
    pub pushed: bool,
    /// The tag message.
    pub message: String,
}

/// Tags HEAD as `tag_name` with the changelog section of `version` (from the changelog file,
/// else `fallback`), then pushes branch and tag when `push`. Refuses on a dirty tree, an existing
/// tag or a branch behind its upstream.
pub fn tag_release(
    repo: &Repository,
    dir: &Path,
    cfg: &ReleaseConfig,
    (version, tag_name): (&str, &str),
    fallback: &str,
    (push, dry_run): (bool, bool),
) -> Result<Tagged, ReleaseError> {
    tag::check_clean(repo)?;
    tag::check_tag_free(repo, tag_name)?;
    tag::check_not_behind(repo)?;
    let file = std::fs::read_to_string(dir.join(&cfg.changelog)).unwrap_or_default();
    let section = changelog::extract(&file, version).unwrap_or_else(|| fallback.to_string());
    let message = format!("Release {tag_name}\n\n{section}");
    let signed = tag::wants_signing(repo);
    let mut out = Tagged { tag: tag_name.to_string(), object: None, signed, pushed: false, message };
    if dry_run {
        return Ok(out);
    }
    out.object = Some(tag::create(repo, dir, tag_name, &out.message, signed)?);
    if push {
        let branch = super::history::current_branch(repo);
        tag::push(dir, &cfg.remote, branch.as_deref(), tag_name)?;
        out.pushed = true;
    }
    Ok(out)
}

/// The release `bump` committed and `release tag` must tag, never a recomputed one: the tag named
/// by HEAD's own release commit (`chore(release): TAG`), else the version in the project's version
/// files when it is above the current release (a bump committed by hand or with `--no-commit`).
pub fn committed_release(
    repo: &Repository,
    dir: &Path,
    cfg: &ReleaseConfig,
    plan: &ReleasePlan,
) -> Result<Option<(semver::Version, String)>, ReleaseError> {
    let pat = super::plan::pattern(repo, cfg, plan.package.as_deref())?;
    let head = repo.head().and_then(|h| h.peel_to_commit()).map_err(ReleaseError::git("reading HEAD"))?;
    let message = String::from_utf8_lossy(head.message_bytes()).into_owned();
    let c = super::ReleaseCommit::parse(&head.id().to_string(), &message, "", 0);
    if c.is_release_commit()
        && let Some(v) = pat.parse(c.description.trim())
    {
        return Ok(Some((v, c.description.trim().to_string())));
    }
    for path in super::files::detect(dir, &cfg.version_files) {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let Ok(found) = super::files::read_version(&text, super::files::FileKind::of(&path)) else {
            continue;
        };
        let Ok(v) = semver::Version::parse(&found) else { continue };
        if plan.current.as_ref().is_none_or(|cur| v > cur.version) {
            let tag = pat.format(&v);
            return Ok(Some((v, tag)));
        }
        break;
    }
    Ok(None)
}
