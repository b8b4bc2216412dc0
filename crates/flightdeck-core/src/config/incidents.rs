//! `[incidents]`: targets per severity for the MTTR breakdown
//! (`[incidents.severity.sev1] respond = "5m"`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `[incidents]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct IncidentsConfig {
    /// Targets by severity (`sev1`–`sev4`).
    #[serde(default)]
    pub severity: BTreeMap<String, SeverityTargets>,
    /// How many previous versions of each versioned secret an export also redacts (default 5;
    /// 0 = the current value only).
    #[serde(default)]
    pub redact_versions: Option<usize>,
}

/// Previous versions of each secret an export redacts when `redact_versions` is not set.
pub const DEFAULT_REDACT_VERSIONS: usize = 5;

impl IncidentsConfig {
    /// `redact_versions`, or its default.
    pub fn redact_versions(&self) -> usize {
        self.redact_versions.unwrap_or(DEFAULT_REDACT_VERSIONS)
    }
}

/// `[incidents.severity.NAME]`: durations such as `5m`; an absent one has no target (`respond`
/// defaults to 5m, 15m, 1h and 4h for sev1–sev4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SeverityTargets {
    /// Detected − started.
    #[serde(default)]
    pub detect: Option<String>,
    /// First responder − detected.
    #[serde(default)]
    pub respond: Option<String>,
    /// Mitigated − started.
    #[serde(default)]
    pub mitigate: Option<String>,
    /// Resolved − started.
    #[serde(default)]
    pub resolve: Option<String>,
}
