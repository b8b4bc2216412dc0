//! The next version from the commits since the last release.
//!
//! The level comes from `next_version` (the rules release-plz and git-cliff share): Cargo/semver
//! rules before 1.0 (a breaking change bumps the minor, a feature the patch; 0.0.x always the
//! patch), any other commit a patch, and git-cliff's two switches `features_always_bump_minor` and
//! `breaking_always_bump_major`. Around it: flightdeck's own release commits (`chore(release): TAG`)
//! merge commits with a non-conventional message (`Merge pull request #12 ...`) and the chores
//! git-cliff's default configuration skips (`chore(deps)`, `chore(pr)`, `chore(pull)`) are ignored; a pre-release continues by default whatever the commits (`next_version`'s rule:
//! `1.0.0-rc.1` + a breaking change → `1.0.0-rc.2`), moves to a later identifier with `--pre`
//! (never back: `beta` after `rc` is refused) and is finalised only on request (`--final` or an
//! explicit version, with or without new commits); an explicit version or a level overrides; with
//! no tag yet the first version is the configured initial one.

use next_version::VersionUpdater;
use semver::{Prerelease, Version};
use serde::{Deserialize, Serialize};

use super::{ReleaseCommit, ReleaseError};

/// A bump level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// X.0.0
    Major,
    /// x.Y.0
    Minor,
    /// x.y.Z
    Patch,
    /// x.y.z-id.N+1
    Prerelease,
    /// An explicit version, or the first release.
    Exact,
}

impl std::str::FromStr for Level {
    type Err = ReleaseError;
    fn from_str(s: &str) -> Result<Level, ReleaseError> {
        match s {
            "major" => Ok(Level::Major),
            "minor" => Ok(Level::Minor),
            "patch" => Ok(Level::Patch),
            _ => Err(ReleaseError::Invalid(format!("unknown level {s:?}: use major, minor or patch"))),
        }
    }
}

/// The two switches (both off: Cargo rules).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BumpRules {
    /// Before 1.0, a feature bumps the minor.
    pub features_always_bump_minor: bool,
    /// Before 1.0, a breaking change bumps the major.
    pub breaking_always_bump_major: bool,
}

/// What the operator asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BumpRequest {
    /// The switches.
    pub rules: BumpRules,
    /// Force this version.
    pub version: Option<Version>,
    /// Force this level.
    pub level: Option<Level>,
    /// Make (or continue) a pre-release with this identifier (`rc`, `beta`).
    pub pre: Option<String>,
    /// The first version when there is no release tag.
    pub initial: Option<Version>,
    /// Finalise the current pre-release (`1.0.0-rc.2` → `1.0.0`), with or without new commits.
    pub finalize: bool,
}

/// The computed bump.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bump {
    /// The next version (`None`: nothing to release).
    pub next: Option<Version>,
    /// The level applied.
    pub level: Option<Level>,
    /// One line saying why.
    pub reason: String,
    /// SHAs of the commits that decided the level.
    pub drivers: Vec<String>,
}

/// Computes the next version after `current` for `commits` (pure).
pub fn next_version(
    current: Option<&Version>,
    commits: &[ReleaseCommit],
    req: &BumpRequest,
) -> Result<Bump, ReleaseError> {
    let all = commits;
    let commits: Vec<&ReleaseCommit> = all.iter().filter(|c| !c.is_noise()).collect();
    if let Some(v) = &req.version {
        if let Some(cur) = current.filter(|c| v <= *c) {
            return Err(ReleaseError::Invalid(format!(
                "version {v} is not above the current version {cur}: give a higher one"
            )));
        }
        return Ok(exact(v.clone(), format!("explicit version {v}")));
    }
    let Some(current) = current else {
        if req.finalize {
            return Err(ReleaseError::Invalid("--final: there is no release yet to finalise".into()));
        }
        let initial = req.initial.clone().unwrap_or_else(|| Version::new(0, 1, 0));
        let v = with_pre(initial, req.pre.as_deref());
        return Ok(exact(v, "first release: no earlier release tag".into()));
    };
    if req.finalize {
        return finalize(current);
    }
    if let Some(level) = req.level {
        let v = with_pre(bump_level(&stable(current), level), req.pre.as_deref());
        return Ok(Bump {
            next: Some(v),
            level: Some(level),
            reason: format!("{} bump requested", name(level)),
            drivers: Vec::new(),
        });
    }
    if let Some(moved) = pre_move(current, req.pre.as_deref())? {
        return Ok(moved);
    }
    if commits.is_empty() {
        return Ok(Bump { next: None, level: None, reason: nothing_reason(all), drivers: Vec::new() });
    }
    if current.pre.is_empty() {
        Ok(auto_stable(current, &commits, req))
    } else {
        Ok(pre_continue(current, &commits, req))
    }
}

/// Why nothing is released when every commit since the last release was left out.
fn nothing_reason(all: &[ReleaseCommit]) -> String {
    let merges = all.iter().filter(|c| c.merge && c.is_noise()).count();
    let chores = all.iter().filter(|c| c.is_skipped_chore()).count();
    match (merges, chores) {
        (0, 0) => "no commits since the last release".into(),
        _ => format!(
            "no commits since the last release but {merges} merge commit(s) (the merged commits were \
             released) and {chores} dependency update(s) (chore(deps), which release nothing, as in git-cliff)"
        ),
    }
}

fn finalize(current: &Version) -> Result<Bump, ReleaseError> {
    if current.pre.is_empty() {
        return Err(ReleaseError::Invalid(format!(
            "--final: the current version {current} is not a pre-release; nothing to finalise"
        )));
    }
    let v = stable(current);
    Ok(Bump {
        next: Some(v),
        level: Some(Level::Exact),
        reason: format!("finalises the pre-release {current}"),
        drivers: Vec::new(),
    })
}

/// The pre-release identifier of `v` (`rc` of `1.0.0-rc.2`).
fn pre_id(v: &Version) -> &str {
    v.pre.as_str().split('.').next().unwrap_or_default()
}

/// `--pre ID` on a pre-release with another identifier: moves forward to `ID.1` (no new commits
/// needed), or refuses to go back (`beta` after `rc`, by semver's ordering of identifiers).
fn pre_move(current: &Version, pre: Option<&str>) -> Result<Option<Bump>, ReleaseError> {
    let id = pre_id(current);
    let Some(p) = pre.filter(|p| !current.pre.is_empty() && p != &id) else { return Ok(None) };
    let next = with_pre(stable(current), Some(p));
    if next < *current {
        return Err(ReleaseError::Refused(format!(
            "--pre {p} would go backwards from {current} ({next} sorts before it): use --pre {id} to \
             continue, a later identifier, or --final"
        )));
    }
    let reason = format!("moves the pre-release from {id} to {p}");
    Ok(Some(Bump { next: Some(next), level: Some(Level::Prerelease), reason, drivers: Vec::new() }))
}

fn auto_stable(current: &Version, commits: &[&ReleaseCommit], req: &BumpRequest) -> Bump {
    let updater = updater(req.rules);
    let messages = commits.iter().map(|c| c.message.as_str());
    let bumped = updater.increment(current, messages);
    let level = level_between(current, &bumped);
    let drivers: Vec<&ReleaseCommit> = commits
        .iter()
        .copied()
        .filter(|c| updater.increment(current, [c.message.as_str()]) == bumped)
        .collect();
    let reason = reason(current, level, &drivers, req.rules);
    let next = with_pre(bumped, req.pre.as_deref());
    Bump {
        next: Some(next),
        level: Some(level),
        reason,
        drivers: drivers.iter().map(|c| c.sha.clone()).collect(),
    }
}

/// The next number of the current pre-release, whatever the commits (`next_version` increments a
/// pre-release "independently by the type of commits").
fn pre_continue(current: &Version, commits: &[&ReleaseCommit], req: &BumpRequest) -> Bump {
    let shas = commits.iter().map(|c| c.sha.clone()).collect();
    let v = updater(req.rules).increment(current, commits.iter().map(|c| c.message.as_str()));
    let reason =
        format!("next {} of {}: pre-releases continue until --final", pre_id(current), stable(current));
    Bump { next: Some(v), level: Some(Level::Prerelease), reason, drivers: shas }
}

fn updater(rules: BumpRules) -> VersionUpdater {
    VersionUpdater::new()
        .with_features_always_increment_minor(rules.features_always_bump_minor)
        .with_breaking_always_increment_major(rules.breaking_always_bump_major)
}

fn exact(v: Version, reason: String) -> Bump {
    Bump { next: Some(v), level: Some(Level::Exact), reason, drivers: Vec::new() }
}

fn stable(v: &Version) -> Version {
    Version::new(v.major, v.minor, v.patch)
}

fn with_pre(v: Version, pre: Option<&str>) -> Version {
    match pre.and_then(|p| Prerelease::new(&format!("{p}.1")).ok()) {
        Some(pre) => Version { pre, ..v },
        None => v,
    }
}

/// `v` bumped by `level` (pre-release and exact leave it as it is).
pub fn bump_level(v: &Version, level: Level) -> Version {
    match level {
        Level::Major => Version::new(v.major + 1, 0, 0),
        Level::Minor => Version::new(v.major, v.minor + 1, 0),
        Level::Patch => Version::new(v.major, v.minor, v.patch + 1),
        Level::Prerelease | Level::Exact => v.clone(),
    }
}

fn level_between(from: &Version, to: &Version) -> Level {
    if to.major != from.major {
        Level::Major
    } else if to.minor != from.minor {
        Level::Minor
    } else {
        Level::Patch
    }
}

fn name(level: Level) -> &'static str {
    match level {
        Level::Major => "major",
        Level::Minor => "minor",
        Level::Patch => "patch",
        Level::Prerelease => "pre-release",
        Level::Exact => "exact",
    }
}

fn reason(current: &Version, level: Level, drivers: &[&ReleaseCommit], rules: BumpRules) -> String {
    let n = drivers.len();
    let breaking = drivers.iter().filter(|c| c.breaking).count();
    let feats = drivers.iter().filter(|c| c.is_feature()).count();
    let pre1 = current.major == 0;
    let what = if breaking > 0 {
        format!("{breaking} breaking change(s)")
    } else if feats > 0 {
        format!("{feats} feature(s)")
    } else {
        format!("{n} fix(es) or other change(s)")
    };
    let rule = match (level, pre1) {
        (Level::Major, true) => " (breaking_always_bump_major)",
        (Level::Minor, true) if breaking > 0 => " (before 1.0 a breaking change bumps the minor)",
        (Level::Minor, true) if rules.features_always_bump_minor => " (features_always_bump_minor)",
        (Level::Patch, true) if breaking > 0 || feats > 0 => {
            if current.minor == 0 {
                " (in 0.0.x every change bumps the patch)"
            } else {
                " (before 1.0 a feature bumps the patch)"
            }
        }
        _ => "",
    };
    format!("{} bump from {current}: {what}{rule}", name(level))
}
