//! `[dora]` (time zone and default window of the DORA metrics) and `[services.NAME]` (where each
//! service's history lives: repository and paths inside it).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// `[dora]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DoraConfig {
    /// IANA time zone for dates and ISO weeks (default `UTC`).
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Default window, such as `90d` (default 90 days).
    #[serde(default)]
    pub window: Option<String>,
}

/// `[services.NAME]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// The service's git repository, relative to the project directory (default: the project).
    #[serde(default)]
    pub repo: Option<PathBuf>,
    /// Only commits touching these paths (repository-relative prefixes) count for the service.
    #[serde(default)]
    pub paths: Vec<String>,
}
