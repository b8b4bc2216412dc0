//! `[release]`: how versions, tags and the changelog of this project are made (see `release`).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// `[release]` in `flightdeck.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseConfig {
    /// Tag names: `v{version}` (default), or `{package}-v{version}` in a monorepo.
    #[serde(default = "default_tag_pattern")]
    pub tag_pattern: String,
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

fn default_tag_pattern() -> String {
    "v{version}".into()
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
            tag_pattern: default_tag_pattern(),
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
