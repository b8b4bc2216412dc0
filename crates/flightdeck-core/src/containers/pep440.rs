//! PEP 440 versions (the `PyPI` ecosystem of OSV ranges): parsing with PEP 440's normalisation
//! and its total ordering.
//!
//! Parsing accepts what PEP 440's "Appendix B" pattern accepts (the one `packaging` uses): case
//! does not matter, surrounding whitespace and a leading `v` are dropped; `alpha`/`beta`/`c`/`pre`/
//! `preview` are `a`/`b`/`rc`/`rc`/`rc`; `rev` and `r` are `post`; `1.0-5` is `1.0.post5`; a missing
//! pre, post or dev number is 0; `-`, `_` and `.` separators are optional; local segments separated
//! by `-` or `_` are separated by `.`. [`Version`]'s `Display` is the normalised form.
//!
//! Ordering (PEP 440 "Summary of permitted suffixes and relative ordering"): epoch; release with
//! trailing zeros ignored (`1.0` == `1.0.0`); then a dev release of the release itself
//! (`1.0.dev1`) before every pre-release, pre-releases `a` < `b` < `rc` by number, the final
//! release; post-releases after it; a dev release before the release it precedes at every level
//! (`1.0a1.dev1` < `1.0a1`, `1.0.post1.dev1` < `1.0.post1`); finally the local version, absent
//! before present, compared segment by segment with numbers above words and numbers compared as
//! numbers.

use std::cmp::Ordering;
use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// PEP 440 Appendix B's pattern, anchored, case-insensitive.
static PATTERN: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*v?
        (?:(?P<epoch>[0-9]+)!)?
        (?P<release>[0-9]+(?:\.[0-9]+)*)
        (?P<pre>[-_.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?
        (?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?))?
        (?P<dev>[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?
        (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
        \s*$",
    )
    .ok()
});

/// A pre-release phase, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// `a`.
    Alpha,
    /// `b`.
    Beta,
    /// `rc`.
    Rc,
}

/// One segment of a local version: words sort before numbers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Local {
    /// A segment with a letter in it, lower case.
    Word(String),
    /// A segment of digits only.
    Number(u128),
}

/// A parsed PEP 440 version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    /// `N!`, 0 when absent.
    pub epoch: u128,
    /// The release numbers as written (trailing zeros kept for display).
    pub release: Vec<u128>,
    /// `aN`, `bN`, `rcN`.
    pub pre: Option<(Phase, u128)>,
    /// `.postN`.
    pub post: Option<u128>,
    /// `.devN`.
    pub dev: Option<u128>,
    /// `+local` segments.
    pub local: Vec<Local>,
}

/// A number of a version (any length of digits; beyond `u128` is not a version anyone writes).
fn number(s: &str) -> Option<u128> {
    s.parse().ok()
}

/// A local segment: digits only are a number (leading zeros dropped), anything else a word.
fn local(s: &str) -> Local {
    match number(s) {
        Some(n) if s.bytes().all(|b| b.is_ascii_digit()) => Local::Number(n),
        _ => Local::Word(s.to_ascii_lowercase()),
    }
}

impl Version {
    /// Parses a version, or `None` when it is not a PEP 440 version.
    pub fn parse(text: &str) -> Option<Version> {
        // ASCII only: case-insensitive `[a-z]` would also take the Kelvin sign.
        if !text.trim().is_ascii() {
            return None;
        }
        let c = PATTERN.as_ref()?.captures(text)?;
        let num = |name: &str| c.name(name).map(|m| number(m.as_str()));
        let release = c.name("release")?.as_str().split('.').map(number).collect::<Option<Vec<_>>>()?;
        let pre = match c.name("pre_l") {
            Some(l) => {
                let phase = match l.as_str().to_ascii_lowercase().as_str() {
                    "a" | "alpha" => Phase::Alpha,
                    "b" | "beta" => Phase::Beta,
                    _ => Phase::Rc,
                };
                Some((phase, num("pre_n").unwrap_or(Some(0))?))
            }
            None => None,
        };
        let post = match (num("post_n1"), c.name("post_l")) {
            (Some(n), _) => Some(n?),
            (None, Some(_)) => Some(num("post_n2").unwrap_or(Some(0))?),
            (None, None) => None,
        };
        let dev = match c.name("dev_l") {
            Some(_) => Some(num("dev_n").unwrap_or(Some(0))?),
            None => None,
        };
        let local =
            c.name("local").map_or_else(Vec::new, |m| m.as_str().split(['.', '-', '_']).map(local).collect());
        Some(Version { epoch: num("epoch").unwrap_or(Some(0))?, release, pre, post, dev, local })
    }

    /// The release without trailing zeros (`1.0.0` and `1` compare equal).
    fn release_key(&self) -> &[u128] {
        let n = self.release.iter().rposition(|&x| x != 0).map_or(0, |i| i + 1);
        &self.release[..n]
    }

    /// The pre-release key: a dev release of the final release (no pre, no post) sorts before
    /// every pre-release; no pre-release sorts after them all.
    fn pre_key(&self) -> (i8, Option<(Phase, u128)>) {
        match (self.pre, self.post, self.dev) {
            (None, None, Some(_)) => (-1, None),
            (None, _, _) => (1, None),
            (Some(p), _, _) => (0, Some(p)),
        }
    }

    /// The dev key: no dev release sorts after any dev release.
    fn dev_key(&self) -> (bool, u128) {
        self.dev.map_or((true, 0), |d| (false, d))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| self.release_key().cmp(other.release_key()))
            .then_with(|| self.pre_key().cmp(&other.pre_key()))
            // `None` (no post-release) sorts before `Some(0)`.
            .then_with(|| self.post.cmp(&other.post))
            .then_with(|| self.dev_key().cmp(&other.dev_key()))
            // An empty local version sorts before any; segments compare as a sequence.
            .then_with(|| self.local.cmp(&other.local))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.epoch != 0 {
            write!(f, "{}!", self.epoch)?;
        }
        let release: Vec<String> = self.release.iter().map(ToString::to_string).collect();
        f.write_str(&release.join("."))?;
        if let Some((phase, n)) = self.pre {
            let tag = match phase {
                Phase::Alpha => "a",
                Phase::Beta => "b",
                Phase::Rc => "rc",
            };
            write!(f, "{tag}{n}")?;
        }
        if let Some(n) = self.post {
            write!(f, ".post{n}")?;
        }
        if let Some(n) = self.dev {
            write!(f, ".dev{n}")?;
        }
        if !self.local.is_empty() {
            let parts: Vec<String> = self
                .local
                .iter()
                .map(|l| match l {
                    Local::Word(w) => w.clone(),
                    Local::Number(n) => n.to_string(),
                })
                .collect();
            write!(f, "+{}", parts.join("."))?;
        }
        Ok(())
    }
}

/// Orders two `PyPI` versions: PEP 440 when both parse, else `None`.
pub fn compare(a: &str, b: &str) -> Option<Ordering> {
    Some(Version::parse(a)?.cmp(&Version::parse(b)?))
}

#[cfg(test)]
#[path = "pep440_tests.rs"]
mod tests;
