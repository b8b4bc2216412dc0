//! Which tag pattern a repository uses: the configured `tag_pattern`, else the one of `v{version}`,
//! `{version}`, `{package}-v{version}` and `{package}@{version}` (or `NAME-v{version}` / `NAME@{version}`
//! when the tags name one package) that the highest version tag fits (then: that most tags fit).
//! When version tags exist but none fits, the release stops with the highest of them and the
//! pattern that would match it, rather than starting again at the initial version.

use git2::Repository;
use semver::Version;

use super::{ReleaseError, TagPattern};
use crate::config::ReleaseConfig;

/// The tag pattern of `cfg` for `package` (default: the configured package), checked against or
/// detected from the tags of `repo`.
pub fn pattern(
    repo: &Repository,
    cfg: &ReleaseConfig,
    package: Option<&str>,
) -> Result<TagPattern, ReleaseError> {
    let package = package.or(cfg.package.as_deref()).filter(|p| !p.is_empty());
    let names = tag_names(repo)?;
    if let Some(configured) = &cfg.tag_pattern {
        let pat = TagPattern::new(configured, package)?;
        // A new package of a monorepo has no tag yet while the others have theirs.
        if configured.contains("{package}") || names.iter().any(|n| pat.parse(n).is_some()) {
            return Ok(pat);
        }
        return match highest(&names) {
            Some(h) => Err(no_match(&format!("the configured tag pattern {configured:?}"), &h)),
            None => Ok(pat),
        };
    }
    detect(&names, package)
}

/// Detects the pattern from tag names (pure).
pub fn detect(names: &[String], package: Option<&str>) -> Result<TagPattern, ReleaseError> {
    let mut candidates = vec![TagPattern::new("v{version}", None)?, TagPattern::new("{version}", None)?];
    if let Some(p) = package {
        candidates.insert(0, TagPattern::new("{package}@{version}", Some(p))?);
        candidates.insert(0, TagPattern::new("{package}-v{version}", Some(p))?);
    }
    // The pattern of the highest version wins (a project that moved from `1.9.0` to `v2.0.0`
    // continues from v2.0.0), then the one most tags fit.
    let fit = |p: &TagPattern| {
        let versions: Vec<Version> = names.iter().filter_map(|n| p.parse(n)).collect();
        (versions.iter().max().cloned(), versions.len())
    };
    let best = candidates.iter().map(|p| (fit(p), p)).max_by(|(a, _), (b, _)| a.cmp(b));
    if let Some(((Some(_), _), p)) = best {
        return Ok(p.clone());
    }
    let packages = package_names(names);
    let style = package_style(names);
    match (package, packages.as_slice()) {
        // Other packages' tags: this package's first release.
        (Some(p), [_, ..]) => TagPattern::new(style, Some(p)),
        (None, [only]) => TagPattern::new(&style.replace("{package}", only), None),
        (None, [_, _, ..]) => Err(ReleaseError::Invalid(format!(
            "the tags are of several packages ({}): pass --package NAME or set [release] package",
            packages.join(", ")
        ))),
        _ => match highest(names) {
            Some(h) => Err(no_match("any of v{version}, {version}, NAME-v{version}, NAME@{version}", &h)),
            None => match short_versions(names) {
                Some(e) => Err(e),
                None => TagPattern::new("v{version}", None),
            },
        },
    }
}

/// Tags like `v1.1` or `2` (no full `X.Y.Z`): the project has released, but no tag says which
/// semantic version it is at; rather than propose a first release, say how to continue.
fn short_versions(names: &[String]) -> Option<ReleaseError> {
    let parse = |n: &str| -> Option<Vec<u64>> {
        let digits = n.strip_prefix(['v', 'V']).unwrap_or(n);
        let parts: Vec<u64> = digits.split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
        (parts.len() <= 2).then_some(parts)
    };
    let mut short: Vec<(Vec<u64>, &String)> = names.iter().filter_map(|n| parse(n).map(|v| (v, n))).collect();
    short.sort();
    let (parts, tag) = short.last()?;
    let full = format!("{}.{}.0", parts[0], parts.get(1).copied().unwrap_or(0));
    let prefix = if tag.starts_with(['v', 'V']) { &tag[..1] } else { "" };
    Some(ReleaseError::Refused(format!(
        "the repository has {} release tag(s) without a full X.Y.Z version, the highest {tag}: \
         flightdeck continues from a semantic version; tag that release as one (`git tag -a \
         {prefix}{full} {tag}^{{}} -m {prefix}{full}`) or pass --version",
        short.len()
    )))
}

fn no_match(what: &str, (tag, pattern, count): &(String, String, usize)) -> ReleaseError {
    ReleaseError::Refused(format!(
        "no tag fits {what}, but the repository has {count} version tag(s), the highest {tag}: set \
         [release] tag_pattern = {pattern:?} in flightdeck.toml to continue from it"
    ))
}

fn tag_names(repo: &Repository) -> Result<Vec<String>, ReleaseError> {
    let names = repo.tag_names(None).map_err(ReleaseError::git("listing tags"))?;
    Ok(names.iter().filter_map(|n| n.ok().flatten().map(str::to_string)).collect())
}

/// `NAME` and the pattern when `tag` is `NAME-vX.Y.Z` (release-plz, cargo-release) or
/// `NAME@X.Y.Z` (Lerna, Changesets: `@scope/pkg@1.2.3`).
fn package_tag(tag: &str) -> Option<(&str, &'static str)> {
    [("-v", "{package}-v{version}"), ("@", "{package}@{version}")].into_iter().find_map(|(sep, pattern)| {
        let (name, v) = tag.rsplit_once(sep)?;
        (!name.is_empty() && Version::parse(v).is_ok()).then_some((name, pattern))
    })
}

/// The pattern most package tags follow: `{package}-v{version}` unless `NAME@X.Y.Z` tags are more.
fn package_style(names: &[String]) -> &'static str {
    let at = names.iter().filter_map(|n| package_tag(n)).filter(|(_, p)| p.contains('@')).count();
    let dash = names.iter().filter_map(|n| package_tag(n)).count() - at;
    if at > dash { "{package}@{version}" } else { "{package}-v{version}" }
}

/// The names `NAME` of `NAME-vX.Y.Z` and `NAME@X.Y.Z` tags, sorted and deduplicated.
fn package_names(names: &[String]) -> Vec<String> {
    let mut out: Vec<String> =
        names.iter().filter_map(|n| package_tag(n).map(|(name, _)| name.to_string())).collect();
    out.sort();
    out.dedup();
    out
}

/// The tag carrying the highest version, the pattern that would match it, and how many tags
/// carry a version at all.
fn highest(names: &[String]) -> Option<(String, String, usize)> {
    let versioned: Vec<(Version, &String, usize)> =
        names.iter().filter_map(|n| version_in(n).map(|(v, at)| (v, n, at))).collect();
    let (_, tag, at) = versioned.iter().max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(a.1)))?;
    Some(((*tag).clone(), format!("{}{{version}}", &tag[..*at]), versioned.len()))
}

/// The version a tag ends with, and where it starts.
fn version_in(tag: &str) -> Option<(Version, usize)> {
    tag.char_indices()
        .filter(|(i, c)| {
            c.is_ascii_digit() && (*i == 0 || !tag[..*i].ends_with(|p: char| p.is_ascii_digit()))
        })
        .find_map(|(i, _)| Version::parse(&tag[i..]).ok().map(|v| (v, i)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn detects_the_pattern_most_tags_fit() {
        let v = semver::Version::new(1, 2, 3);
        let d = |n: &[&str], p| detect(&names(n), p).unwrap().format(&v);
        assert_eq!(d(&[], None), "v1.2.3");
        assert_eq!(d(&["v1.0.0", "v1.1.0", "nightly"], None), "v1.2.3");
        assert_eq!(d(&["1.0.0", "1.1.0", "v0.1.0"], None), "1.2.3");
        assert_eq!(d(&["api-v1.0.0", "api-v1.1.0"], None), "api-v1.2.3");
        assert_eq!(d(&["api-v1.0.0", "web-v0.1.0"], Some("web")), "web-v1.2.3");
        assert_eq!(d(&["api-v1.0.0"], Some("cli")), "cli-v1.2.3", "a new package of a monorepo");
        assert_eq!(d(&["deploy-prod", "stable"], None), "v1.2.3", "no version tags at all");
        let moved = ["1.0.0", "1.1.0", "1.8.0", "1.9.0", "v2.0.0", "v2.1.0"];
        assert_eq!(d(&moved, None), "v1.2.3", "the highest version's pattern, not the most tags'");
    }

    #[test]
    fn version_tags_that_fit_no_pattern_are_refused_with_the_highest() {
        let e = detect(&names(&["release-1.9.0", "release-1.10.2", "release-1.2.0"]), None).unwrap_err();
        let m = e.to_string();
        assert!(matches!(e, ReleaseError::Refused(_)), "{m}");
        assert!(m.contains("3 version tag(s), the highest release-1.10.2"), "{m}");
        assert!(m.contains("tag_pattern = \"release-{version}\""), "{m}");
        let e = detect(&names(&["api-v1.0.0", "web-v1.0.0"]), None).unwrap_err();
        assert!(e.to_string().contains("several packages (api, web)"), "{e}");
    }

    /// `v1.1` tags (no patch number): git-cliff stops with a semver error; we refuse too,
    /// naming the highest and how to continue, instead of proposing a first release v0.1.0.
    #[test]
    fn tags_without_a_full_version_are_refused_not_restarted() {
        let e = detect(&names(&["v1.1", "v1.10", "v1.9", "latest"]), None).unwrap_err();
        assert!(matches!(e, ReleaseError::Refused(_)), "{e}");
        let m = e.to_string();
        assert!(m.contains("3 release tag(s) without a full X.Y.Z version, the highest v1.10"), "{m}");
        assert!(m.contains("git tag -a v1.10.0 v1.10^{} -m v1.10.0"), "{m}");
        assert!(detect(&names(&["latest", "nightly"]), None).is_ok(), "no version at all: a first release");
    }

    /// Lerna and Changesets tag `NAME@X.Y.Z`, scoped names included.
    #[test]
    fn js_monorepo_tags_name_at_version_are_detected() {
        let v = semver::Version::new(1, 2, 3);
        let d = |n: &[&str], p| detect(&names(n), p).unwrap().format(&v);
        let tags = ["@acme/core@1.0.0", "@acme/ui@2.0.0", "@acme/ui@2.1.0-rc.1"];
        assert_eq!(d(&tags, Some("@acme/core")), "@acme/core@1.2.3");
        assert_eq!(d(&tags, Some("@acme/cli")), "@acme/cli@1.2.3", "a new package, the same style");
        assert_eq!(d(&["web@0.1.0", "web@0.2.0"], None), "web@1.2.3");
        let e = detect(&names(&tags), None).unwrap_err();
        assert!(e.to_string().contains("several packages (@acme/core, @acme/ui)"), "{e}");
        assert_eq!(d(&["api-v1.0.0", "web@1.0.0", "cli-v1.0.0"], Some("new")), "new-v1.2.3");
    }
}
