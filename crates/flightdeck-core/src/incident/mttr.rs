//! The MTTR breakdown of one incident (pure): detection (detected − started), response (first
//! person on it − detected), mitigation (mitigated − started) and resolution (resolved − started),
//! each compared with its severity's target.

use serde::{Deserialize, Serialize};

use super::{EventKind, IncidentError, IncidentEvent};
use crate::config::incidents::{IncidentsConfig, SeverityTargets};
use crate::store::records::IncidentRecord;
use crate::time::{Micros, human_duration, parse_duration};

/// Default response targets of sev1–sev4 in milliseconds (5 m, 15 m, 1 h, 4 h).
pub const DEFAULT_RESPOND_MS: [u64; 4] = [300_000, 900_000, 3_600_000, 14_400_000];

/// One measured phase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phase {
    /// `detection`, `response`, `mitigation` or `resolution`.
    pub name: String,
    /// Milliseconds, when both ends are known.
    pub ms: Option<i64>,
    /// The target in milliseconds, if one is set.
    pub target_ms: Option<u64>,
    /// `met`, `missed`, `open` (not reached yet) or `no target`.
    pub verdict: String,
}

impl Phase {
    /// The span as text (`2m00s`, or `-` when open).
    pub fn shown(&self) -> String {
        self.ms.map_or_else(|| "-".to_string(), human_duration)
    }

    /// The target as text (`5m00s`, or `-`).
    pub fn target_shown(&self) -> String {
        self.target_ms
            .map_or_else(|| "-".to_string(), |t| human_duration(i64::try_from(t).unwrap_or(i64::MAX)))
    }
}

/// The targets of `severity`: `[incidents.severity.NAME]` with the default response target.
pub fn targets(cfg: &IncidentsConfig, severity: &str) -> Result<[Option<u64>; 4], IncidentError> {
    let set = cfg.severity.get(severity).cloned().unwrap_or_default();
    let parse = |key: &str, v: Option<&String>| -> Result<Option<u64>, IncidentError> {
        v.map(|t| {
            parse_duration(t).ok_or_else(|| {
                IncidentError::Invalid(format!(
                    "flightdeck.toml [incidents.severity.{severity}] {key} = {t:?}: not a duration; write it like \"5m\" or \"1h30m\""
                ))
            })
        })
        .transpose()
    };
    let SeverityTargets { detect, respond, mitigate, resolve } = &set;
    let default = super::SEVERITIES.iter().position(|s| *s == severity).map(|i| DEFAULT_RESPOND_MS[i]);
    Ok([
        parse("detect", detect.as_ref())?,
        parse("respond", respond.as_ref())?.or(default),
        parse("mitigate", mitigate.as_ref())?,
        parse("resolve", resolve.as_ref())?,
    ])
}

/// The four phases of `inc` with its `events`, against `targets` (as [`targets`] returns them).
pub fn breakdown(inc: &IncidentRecord, events: &[IncidentEvent], targets: [Option<u64>; 4]) -> Vec<Phase> {
    let detected = inc.detected_at.unwrap_or(inc.started_at);
    let first_on = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Declared | EventKind::Joined))
        .map(|e| e.at)
        .min();
    let span = |from: Micros, to: Option<Micros>| to.map(|t| t.millis_since(from));
    let spans = [
        ("detection", span(inc.started_at, inc.detected_at)),
        ("response", span(detected, first_on)),
        ("mitigation", span(inc.started_at, inc.mitigated_at)),
        ("resolution", span(inc.started_at, inc.resolved_at)),
    ];
    spans
        .into_iter()
        .zip(targets)
        .map(|((name, ms), target_ms)| {
            let verdict = match (ms, target_ms) {
                (None, _) => "open",
                (Some(_), None) => "no target",
                (Some(m), Some(t)) if u64::try_from(m).unwrap_or(0) <= t => "met",
                (Some(_), Some(_)) => "missed",
            };
            Phase { name: name.to_string(), ms, target_ms, verdict: verdict.to_string() }
        })
        .collect()
}
