//! `[release]`: how versions, tags and the changelog of this project are made (see `release`).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// `[release]` in `flightdeck.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseConfig {
    /// Tag names: `v{version}`, `{version}`, or `{package}-v{version}` in a monorepo; unset: detected
    /// from the repository's tags (`v{version}` when it has none).
    #[serde(default)]
    pub tag_pattern: Option<String>,
    /// The package released (fills `{package}` in the tag pattern).
    #[serde(default)]
    pub package: Option<String>,
    /// Only commits changing these paths count (a monorepo package's directory); default: all.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Before 1.0, a feature bumps the minor (git-cliff's switch; default: the patch, Cargo rules).
    #[serde(default)]
    pub features_always_bump_minor: bool,
    /// Before 1.0, a breaking change bumps the major (git-cliff's switch; default: the minor).
    #[serde(default)]
    pub breaking_always_bump_major: bool,
    /// The changelog file, relative to the project directory.
    #[serde(default = "default_changelog")]
    pub changelog: PathBuf,
    /// Files holding the version (Cargo.toml, package.json, pyproject.toml, VERSION); default: those
    /// of the four that exist.
    #[serde(default)]
    pub version_files: Vec<PathBuf>,
    /// The version of the first release, when no tag exists yet.
    #[serde(default = "default_initial_version")]
    pub initial_version: String,
    /// The remote pushed to.
    #[serde(default = "default_remote")]
    pub remote: String,
    /// The main branch a hotfix is merged back into.
    #[serde(default = "default_main_branch")]
    pub main_branch: String,
}

fn default_changelog() -> PathBuf {
    PathBuf::from("CHANGELOG.md")
}

fn default_initial_version() -> String {
    "0.1.0".into()
}

fn default_remote() -> String {
    "origin".into()
}

fn default_main_branch() -> String {
    "main".into()
}

impl Default for ReleaseConfig {
    fn default() -> Self {
        ReleaseConfig {
            tag_pattern: None,
            package: None,
            paths: Vec::new(),
            features_always_bump_minor: false,
            breaking_always_bump_major: false,
            changelog: default_changelog(),
            version_files: Vec::new(),
            initial_version: default_initial_version(),
            remote: default_remote(),
            main_branch: default_main_branch(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::Config;

    #[test]
    fn release_table_parses_and_defaults() {
        let c = Config::parse("", Path::new("flightdeck.toml")).unwrap();
        assert_eq!(c.release.tag_pattern, None);
        assert_eq!(c.release.changelog, Path::new("CHANGELOG.md"));
        let text = "[release]\ntag_pattern = \"{package}-v{version}\"\npackage = \"api\"\n\
                    paths = [\"crates/api\"]\nfeatures_always_bump_minor = true\nversion_files = [\"crates/api/Cargo.toml\"]\n";
        let c = Config::parse(text, Path::new("flightdeck.toml")).unwrap();
        assert!(c.release.features_always_bump_minor && !c.release.breaking_always_bump_major);
        assert_eq!(c.release.package.as_deref(), Some("api"));
        assert_eq!(c.release.version_files, [Path::new("crates/api/Cargo.toml")]);
    }

    #[test]
    fn unknown_release_key_names_the_nearest() {
        let e = Config::parse("[release]\ntag_patern = \"v{version}\"\n", Path::new("flightdeck.toml"))
            .unwrap_err();
        assert_eq!(e.line, 2);
        assert_eq!(e.help.as_deref(), Some("did you mean `tag_pattern`?"));
    }
}
