//! Version ordering for OSV ranges, per the range type and the package's ecosystem.
//!
//! - `SEMVER` ranges, and `ECOSYSTEM` ranges of the semver ecosystems (`npm`, `crates.io`, `Go`,
//!   `Hex`, `Pub`, `SwiftURL`): Semantic Versioning 2.0 precedence by the `semver` crate (a leading
//!   `v` is dropped, build metadata ignored). A version that is not valid semver (`1.2`, `1.0.0.1`)
//!   falls back to the Debian ordering below, so it is still compared rather than skipped.
//! - `Debian` and `Ubuntu`: dpkg's ordering (`epoch:upstream-revision`; digit runs compare as
//!   numbers, letters before other characters, `~` before everything, even the end).
//! - `Alpine`: apk versions (`1.36.1-r30`) by the dpkg ordering, with `_alpha`/`_beta`/`_pre`/`_rc`
//!   suffixes rewritten to sort before the release.
//! - `PyPI`: PEP 440 exactly ([`super::pep440`]: epochs, pre/post/dev releases, local versions,
//!   normalised spellings); text that is not a PEP 440 version falls back to the dpkg ordering.
//! - Any other ecosystem (and the SBOM's `generic` binaries, such as busybox): the dpkg ordering on
//!   the whole string, which orders dotted numeric versions (`1.9` < `1.10`) correctly.

use std::cmp::Ordering;

/// How an ecosystem's versions are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// Semantic Versioning 2.0 (falls back to [`Scheme::Debian`] for invalid versions).
    Semver,
    /// dpkg's ordering with epoch and revision.
    Debian,
    /// apk's versions.
    Alpine,
    /// PEP 440 (see [`super::pep440`]).
    Pypi,
    /// The dpkg ordering on the whole string.
    Generic,
}

impl Scheme {
    /// The scheme of an OSV `package.ecosystem` (`Debian:12`, `Alpine:v3.20`: the part before `:`).
    pub fn for_ecosystem(ecosystem: Option<&str>) -> Scheme {
        let name = ecosystem.unwrap_or("").split(':').next().unwrap_or("");
        match name {
            "npm" | "crates.io" | "Go" | "Hex" | "Pub" | "SwiftURL" => Scheme::Semver,
            "Debian" | "Ubuntu" => Scheme::Debian,
            "Alpine" | "Wolfi" | "Chainguard" => Scheme::Alpine,
            "PyPI" => Scheme::Pypi,
            _ => Scheme::Generic,
        }
    }

    /// Orders two versions.
    pub fn compare(self, a: &str, b: &str) -> Ordering {
        match self {
            Scheme::Semver => match (semver_of(a), semver_of(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => debian(a, b),
            },
            Scheme::Debian => debian(a, b),
            Scheme::Alpine => verrevcmp(&alpine_key(a), &alpine_key(b)),
            Scheme::Pypi => pypi(a, b),
            Scheme::Generic => verrevcmp(a, b),
        }
    }
}

/// A semantic version without its build metadata (which has no precedence).
fn semver_of(v: &str) -> Option<semver::Version> {
    let mut parsed = semver::Version::parse(v.trim().trim_start_matches('v')).ok()?;
    parsed.build = semver::BuildMetadata::EMPTY;
    Some(parsed)
}

/// dpkg: epoch (number before `:`), then upstream (up to the last `-`), then revision.
fn debian(a: &str, b: &str) -> Ordering {
    let (ea, ua, ra) = debian_parts(a);
    let (eb, ub, rb) = debian_parts(b);
    ea.cmp(&eb).then_with(|| verrevcmp(ua, ub)).then_with(|| verrevcmp(ra, rb))
}

fn debian_parts(v: &str) -> (u64, &str, &str) {
    let v = v.trim();
    let (epoch, rest) = match v.split_once(':') {
        Some((e, rest)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => {
            (e.parse().unwrap_or(u64::MAX), rest)
        }
        _ => (0, v),
    };
    match rest.rsplit_once('-') {
        Some((upstream, revision)) => (epoch, upstream, revision),
        None => (epoch, rest, ""),
    }
}

/// dpkg's `verrevcmp`: alternating non-digit runs (compared character by character with `~` lowest,
/// then the end, then letters, then everything else) and digit runs (compared as numbers).
pub fn verrevcmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    while !a.is_empty() || !b.is_empty() {
        let (na, ra) = split_run(a, |c| !c.is_ascii_digit());
        let (nb, rb) = split_run(b, |c| !c.is_ascii_digit());
        let len = na.len().max(nb.len());
        for i in 0..len {
            let o = order(na.get(i).copied()).cmp(&order(nb.get(i).copied()));
            if o != Ordering::Equal {
                return o;
            }
        }
        let (da, ra) = split_run(ra, |c| c.is_ascii_digit());
        let (db, rb) = split_run(rb, |c| c.is_ascii_digit());
        let o = numeric(da, db);
        if o != Ordering::Equal {
            return o;
        }
        (a, b) = (ra, rb);
    }
    Ordering::Equal
}

fn split_run(s: &[u8], keep: impl Fn(u8) -> bool) -> (&[u8], &[u8]) {
    let n = s.iter().position(|&c| !keep(c)).unwrap_or(s.len());
    s.split_at(n)
}

/// dpkg's character weight: `~` < end of run < letters < everything else.
fn order(c: Option<u8>) -> i32 {
    match c {
        Some(b'~') => -1,
        None => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// Two digit runs as numbers of any length (leading zeros ignored; empty is 0).
fn numeric(a: &[u8], b: &[u8]) -> Ordering {
    let strip = |s: &[u8]| -> Vec<u8> { s.iter().copied().skip_while(|&c| c == b'0').collect() };
    let (a, b) = (strip(a), strip(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(&b))
}

/// apk: `1.2_rc1` sorts before `1.2`, so its pre-release suffixes become `~` suffixes.
fn alpine_key(v: &str) -> String {
    let mut s = v.trim().to_ascii_lowercase();
    for (from, to) in [("_alpha", "~alpha"), ("_beta", "~beta"), ("_pre", "~pre"), ("_rc", "~rc")] {
        s = s.replace(from, to);
    }
    s
}

/// PEP 440 ([`super::pep440`]); text that is not a PEP 440 version by the dpkg ordering.
fn pypi(a: &str, b: &str) -> Ordering {
    super::pep440::compare(a, b)
        .unwrap_or_else(|| verrevcmp(&a.trim().to_ascii_lowercase(), &b.trim().to_ascii_lowercase()))
}
