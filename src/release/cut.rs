//! Cutting a planned release: write the version files and the changelog, commit them as
//! `chore(release): TAG`, then make the annotated tag carrying the changelog section and push.
//! Each function has a dry-run form that checks and reports without changing anything.

use std::path::{Path, PathBuf};

use git2::Repository;
use serde::{Deserialize, Serialize};

use super::{Plan, ReleaseError, changelog, files, gitcmd, tag};
use crate::config::ReleaseConfig;

/// What [`apply`] changed (or would change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// The version written.
    pub version: String,
    /// Each version file with the version it held before.
    pub files: Vec<(PathBuf, String)>,
    /// The changelog file written.
    pub changelog: PathBuf,
    /// The release commit (`None` in a dry run or without a commit).
    pub commit: Option<String>,
}

/// Writes the plan's version into the version files and its section into the changelog, and
/// commits both when `commit`. Refuses on a dirty tree or when there is nothing to release.
pub fn apply(
    repo: &Repository,
    dir: &Path,
    cfg: &ReleaseConfig,
    plan: &Plan,
    commit: bool,
    dry_run: bool,
) -> Result<Applied, ReleaseError> {
    let (Some(version), Some(tag_name)) = (&plan.next, &plan.next_tag) else {
        return Err(ReleaseError::Refused(format!("nothing to release: {}", plan.reason)));
    };
    tag::check_clean(repo)?;
    tag::check_tag_free(repo, tag_name)?;
    let version = version.to_string();
    let mut out = Applied {
        version: version.clone(),
        files: Vec::new(),
        changelog: cfg.changelog.clone(),
        commit: None,
    };
    out.files = write_files(repo, dir, cfg, &version, dry_run)?;
    let log_path = dir.join(&cfg.changelog);
    let existing = std::fs::read_to_string(&log_path).ok();
    // A section written earlier (changelog-generation) is kept as it is.
    let text = match existing.as_deref() {
        Some(t) if changelog::extract(t, &version).is_some() => t.to_string(),
        other => changelog::prepend(other, &plan.changelog),
    };
    if dry_run {
        return Ok(out);
    }
    std::fs::write(&log_path, text).map_err(ReleaseError::io(format!("writing {}", log_path.display())))?;
    if commit {
        let mut paths: Vec<String> = out.files.iter().map(|(p, _)| p.display().to_string()).collect();
        paths.push(cfg.changelog.display().to_string());
        out.commit = Some(gitcmd::commit_paths(dir, &paths, &format!("chore(release): {tag_name}"))?);
    }
    Ok(out)
}

/// Writes `version` into every version file (and a tracked Cargo.lock); returns each file with
/// its old version.
fn write_files(
    repo: &Repository,
    dir: &Path,
    cfg: &ReleaseConfig,
    version: &str,
    dry_run: bool,
) -> Result<Vec<(PathBuf, String)>, ReleaseError> {
    let mut out = Vec::new();
    for path in files::detect(dir, &cfg.version_files) {
        let text = std::fs::read_to_string(&path)
            .map_err(ReleaseError::io(format!("reading {}", path.display())))?;
        let kind = files::FileKind::of(&path);
        let old = files::read_version(&text, kind)
            .map_err(|e| ReleaseError::Invalid(format!("{}: {e}", path.display())))?;
        if !dry_run {
            files::write_version(&path, version)?;
            if kind == files::FileKind::Cargo
                && let Some(lock) = files::update_cargo_lock(&path, &old, version)?
                && !repo.status_should_ignore(&rel(dir, &lock)).unwrap_or(true)
            {
                out.push((rel(dir, &lock), old.clone()));
            }
        }
        out.push((rel(dir, &path), old));
    }
    Ok(out)
}

fn rel(dir: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(dir).map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
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
