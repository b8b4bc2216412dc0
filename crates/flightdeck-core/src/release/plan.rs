//! The release plan: the view-model the console's release screen draws and `release plan --json`
//! prints. Current version and tag, next version with the reason and the commits that drove it,
//! the unreleased commits grouped as the changelog will show them, and the changelog preview.

use std::path::Path;

use git2::Repository;
use semver::Version;
use serde::{Deserialize, Serialize};

use super::bump::{self, BumpRequest, BumpRules, Level};
use super::changelog::{self, ChangelogGroup, Links, Section};
use super::history::{self, TaggedVersion};
use super::{ReleaseCommit, ReleaseError, TagPattern};
use crate::config::ReleaseConfig;
use crate::time::Micros;

/// What the operator asks of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// The package (monorepo tags); default `[release] package`.
    pub package: Option<String>,
    /// An explicit next version.
    pub version: Option<String>,
    /// A forced level.
    pub level: Option<Level>,
    /// A pre-release identifier (`rc`, `beta`).
    pub pre: Option<String>,
    /// A hotfix: patch from the release tag below HEAD, marked in the changelog.
    pub hotfix: bool,
    /// Finalise the current pre-release.
    pub finalize: bool,
}

/// The release screen's view-model (also `flightdeck release plan --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleasePlan {
    /// The package, for monorepo tags.
    pub package: Option<String>,
    /// The checked-out branch.
    pub branch: Option<String>,
    /// HEAD's SHA.
    pub head: String,
    /// The last release reachable from HEAD.
    pub current: Option<TaggedVersion>,
    /// The next version (`None`: nothing to release).
    pub next: Option<Version>,
    /// The next version's tag.
    pub next_tag: Option<String>,
    /// The level applied.
    pub level: Option<Level>,
    /// Why this version.
    pub reason: String,
    /// The commits that decided the level.
    pub drivers: Vec<ReleaseCommit>,
    /// Every commit since the last release, newest first.
    pub commits: Vec<ReleaseCommit>,
    /// The commits grouped as the changelog shows them (finalising a pre-release: every commit
    /// since the last stable release).
    pub groups: Vec<ChangelogGroup>,
    /// The changelog section this release adds (empty when nothing to release).
    pub changelog: String,
    /// A hotfix release.
    pub hotfix: bool,
    /// Forge links, when the remote URL is a known forge.
    pub links: Option<Links>,
    /// The release date, `YYYY-MM-DD` (UTC).
    pub date: String,
}

/// The name the console uses for [`ReleasePlan`].
pub type ReleaseView = ReleasePlan;

/// The release view of the repository containing `dir` at instant `now`, with the configured
/// defaults (what the console's release screen shows before the operator changes anything).
pub fn view(dir: &Path, cfg: &ReleaseConfig, now: Micros) -> Result<ReleaseView, ReleaseError> {
    plan(&open(dir)?, cfg, &PlanOptions::default(), now)
}

/// Opens the repository containing `dir`.
pub fn open(dir: &Path) -> Result<Repository, ReleaseError> {
    Repository::discover(dir).map_err(|e| match e.code() {
        git2::ErrorCode::NotFound => ReleaseError::Refused(format!(
            "{} is not in a git repository: releases are computed from git history (run `git init` and commit first)",
            dir.display()
        )),
        _ => ReleaseError::Git { context: format!("opening the git repository at {}", dir.display()), source: e },
    })
}

/// The tag pattern of `cfg` for `package` (default: the configured package), checked against or
/// detected from the repository's tags (see [`super::detect`]).
pub fn pattern(
    repo: &Repository,
    cfg: &ReleaseConfig,
    package: Option<&str>,
) -> Result<TagPattern, ReleaseError> {
    super::detect::pattern(repo, cfg, package)
}

/// Computes the plan for HEAD of `repo` at instant `now`.
pub fn plan(
    repo: &Repository,
    cfg: &ReleaseConfig,
    opts: &PlanOptions,
    now: Micros,
) -> Result<ReleasePlan, ReleaseError> {
    let package = opts.package.clone().or_else(|| cfg.package.clone());
    let pat = pattern(repo, cfg, package.as_deref())?;
    let head = head_commit(repo)?;
    let current = history::latest_reachable(repo, &pat, head)?;
    let paths = package_paths(repo, cfg, package.as_deref());
    let commits = range(repo, &paths, head, current.as_ref())?;
    let b = bump::next_version(current.as_ref().map(|c| &c.version), &commits, &request(cfg, opts)?)?;
    // Finalising a pre-release: the changelog covers everything since the last stable release.
    let base = match (&b.next, &current) {
        (Some(n), Some(c)) if n.pre.is_empty() && !c.version.pre.is_empty() => {
            history::latest_reachable_where(repo, &pat, head, |t| t.version.pre.is_empty())?
        }
        _ => current.clone(),
    };
    let logged = if base == current { commits.clone() } else { range(repo, &paths, head, base.as_ref())? };
    let links = history::remote_url(repo, &cfg.remote).as_deref().and_then(Links::from_remote);
    let groups = changelog::group(&logged);
    let date = now.to_timestamp().map(|t| t.strftime("%Y-%m-%d").to_string()).unwrap_or_default();
    let next_tag = b.next.as_ref().map(|v| pat.format(v));
    let changelog = match (&b.next, &next_tag) {
        (Some(v), Some(tag)) => {
            let s = Section {
                version: v.to_string(),
                tag: tag.clone(),
                previous_tag: base.as_ref().map(|c| c.tag.clone()),
                date: date.clone(),
                hotfix: opts.hotfix,
            };
            changelog::render_section(&s, &groups, links.as_ref())
        }
        _ => String::new(),
    };
    let drivers = commits.iter().filter(|c| b.drivers.contains(&c.sha)).cloned().collect();
    let branch = history::current_branch(repo);
    let reason = format!("{}{}", b.reason, taken(repo, next_tag.as_deref()));
    let (next, level, head, hotfix) = (b.next, b.level, head.to_string(), opts.hotfix);
    Ok(ReleasePlan {
        package,
        branch,
        head,
        current,
        next,
        next_tag,
        level,
        reason,
        drivers,
        commits,
        groups,
        changelog,
        hotfix,
        links,
        date,
    })
}

/// A warning when the next tag exists already, on a commit HEAD does not reach (a release
/// branch not merged back): `release tag` would refuse it.
fn taken(repo: &Repository, next_tag: Option<&str>) -> String {
    match next_tag {
        Some(t) if repo.find_reference(&format!("refs/tags/{t}")).is_ok() => format!(
            "; but {t} is tagged already on a commit this branch does not contain: merge that \
             release in, or pass --version"
        ),
        _ => String::new(),
    }
}

/// The commit HEAD points at; a repository without commits is refused with what to do.
fn head_commit(repo: &Repository) -> Result<git2::Oid, ReleaseError> {
    if repo
        .head()
        .is_err_and(|e| e.code() == git2::ErrorCode::UnbornBranch || e.code() == git2::ErrorCode::NotFound)
    {
        return Err(ReleaseError::Refused(
            "the repository has no commits yet: there is nothing to release (commit first)".into(),
        ));
    }
    history::resolve(repo, "HEAD")
}

/// The paths whose commits count: `[release] paths`, else (as release-plz does) the directory of
/// the Cargo (or JavaScript) workspace member that `package` names, else everything (empty).
fn package_paths(repo: &Repository, cfg: &ReleaseConfig, package: Option<&str>) -> Vec<String> {
    if !cfg.paths.is_empty() {
        return cfg.paths.clone();
    }
    let member = package.zip(repo.workdir()).and_then(|(p, dir)| {
        super::writes::member_dir(dir, p).or_else(|| super::jsmembers::member_dir(dir, p))
    });
    member.into_iter().collect()
}

/// The commits after `since` up to `head` that concern the package (`paths`; all when empty).
fn range(
    repo: &Repository,
    paths: &[String],
    head: git2::Oid,
    since: Option<&TaggedVersion>,
) -> Result<Vec<ReleaseCommit>, ReleaseError> {
    let since =
        since.map(|t| git2::Oid::from_str(&t.sha)).transpose().map_err(ReleaseError::git("parsing a sha"))?;
    history::touching(repo, history::commits_since(repo, head, since)?, paths)
}

fn request(cfg: &ReleaseConfig, opts: &PlanOptions) -> Result<BumpRequest, ReleaseError> {
    let parse = |v: &str, what: &str| {
        Version::parse(v.trim_start_matches('v')).map_err(|e| {
            ReleaseError::Invalid(format!("{what} {v:?} is not a semantic version (like 1.2.3): {e}"))
        })
    };
    let version =
        opts.version.as_deref().filter(|v| !v.is_empty()).map(|v| parse(v, "version")).transpose()?;
    if let Some(p) = &opts.pre
        && (p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        return Err(ReleaseError::Invalid(format!(
            "pre-release id {p:?} must be letters, digits or '-', like rc or beta"
        )));
    }
    Ok(BumpRequest {
        rules: BumpRules {
            features_always_bump_minor: cfg.features_always_bump_minor,
            breaking_always_bump_major: cfg.breaking_always_bump_major,
        },
        version,
        level: if opts.hotfix { Some(Level::Patch) } else { opts.level },
        pre: opts.pre.clone().filter(|p| !p.is_empty()),
        initial: Some(parse(&cfg.initial_version, "[release] initial_version")?),
        finalize: opts.finalize,
    })
}
