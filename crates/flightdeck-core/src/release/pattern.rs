//! Tag patterns: `v{version}`, `{package}-v{version}`, `release-{version}`: formatting a version
//! into a tag name and reading the version back out of one.

use semver::Version;

use super::ReleaseError;

/// A tag pattern with `{package}` already filled in: the text before and after `{version}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagPattern {
    prefix: String,
    suffix: String,
}

impl TagPattern {
    /// Parses `pattern`; `{package}` is replaced by `package`, which it then requires.
    pub fn new(pattern: &str, package: Option<&str>) -> Result<TagPattern, ReleaseError> {
        let filled = if pattern.contains("{package}") {
            let Some(p) = package.filter(|p| !p.is_empty()) else {
                return Err(ReleaseError::Invalid(format!(
                    "tag pattern {pattern:?} names {{package}}: set [release] package or pass --package"
                )));
            };
            pattern.replace("{package}", p)
        } else {
            pattern.to_string()
        };
        let Some((prefix, suffix)) = filled.split_once("{version}") else {
            return Err(ReleaseError::Invalid(format!(
                "tag pattern {pattern:?} has no {{version}}: write e.g. \"v{{version}}\""
            )));
        };
        if prefix.contains('{') || suffix.contains('{') {
            return Err(ReleaseError::Invalid(format!(
                "tag pattern {pattern:?} must name {{version}} once and no other placeholder than {{package}}"
            )));
        }
        Ok(TagPattern { prefix: prefix.to_string(), suffix: suffix.to_string() })
    }

    /// The tag name of `version`.
    pub fn format(&self, version: &Version) -> String {
        format!("{}{version}{}", self.prefix, self.suffix)
    }

    /// The version a tag name carries, if it fits the pattern.
    pub fn parse(&self, tag: &str) -> Option<Version> {
        let rest = tag.strip_prefix(&self.prefix)?.strip_suffix(&self.suffix)?;
        Version::parse(rest).ok()
    }
}
