//! The postmortem of one incident as `incident show` and `incident timeline` print it, with every
//! configured secret's value redacted: built here so that the runner can answer an operator who
//! cannot open the store (client-only mode) with the very postmortem root's command builds.

use std::path::Path;

use crate::config::Config;
use crate::error::Error;
use crate::incident::export::{Postmortem, postmortem, redacted};
use crate::incident::{IncidentError, mttr, timeline};
use crate::store::Store;
use crate::store::records::IncidentRecord;
use crate::time::Micros;

/// A redacted postmortem and the secrets that could not be looked for (one warning line each).
#[derive(Debug, Clone, PartialEq)]
pub struct Redacted {
    /// The postmortem.
    pub postmortem: Postmortem,
    /// `secret NAME could not be read, ...` lines (without the `flightdeck: warning: ` prefix).
    pub warnings: Vec<String>,
}

/// The stored incident `id`, or exit 2 listing the open ones.
pub fn find(store: &Store, id: &str) -> Result<IncidentRecord, Error> {
    let all = store.incidents()?;
    if let Some(i) = all.iter().find(|i| i.id == id) {
        return Ok(i.clone());
    }
    let open = all.into_iter().filter(|i| i.resolved_at.is_none()).map(|i| i.id).collect();
    Err(Error::Invalid(IncidentError::Unknown { id: id.to_string(), open }.to_string()))
}

/// The postmortem of incident `id` as of `now` (not redacted).
pub fn build(config: &Config, store: &Store, id: &str, now: Micros) -> Result<Postmortem, Error> {
    let inc = find(store, id)?;
    let parts = timeline::gather(store, &inc, now)?;
    let entries = timeline::merge(&parts);
    let targets =
        mttr::targets(&config.incidents, &inc.severity).map_err(|e| Error::Invalid(e.to_string()))?;
    let phases = mttr::breakdown(&inc, &parts.events, targets);
    Ok(postmortem(&inc, &parts, &entries, phases))
}

/// The postmortem of incident `id` as of `now`, with the current value of every configured secret
/// (read from its provider for the incident's environment) and up to `[incidents]
/// redact_versions` (default 5) of its previous versions redacted. A secret that cannot be read
/// cannot be looked for: a warning names it.
pub async fn build_redacted(
    config: &Config,
    project_dir: &Path,
    store: &Store,
    id: &str,
    now: Micros,
) -> Result<Redacted, Error> {
    let p = build(config, store, id, now)?;
    let set = crate::secrets::SecretSet::new(config, project_dir);
    let redactor = crate::secrets::Redactor::new();
    let env = find(store, id)?.environment;
    let keep = config.incidents.redact_versions();
    let mut warnings = Vec::new();
    let one = |e: &dyn std::fmt::Display| crate::sanitize::one_line(&e.to_string()).into_owned();
    for name in set.names() {
        match set.read(&name, Some(&env)).await {
            Ok((_, secret)) => redactor.add(&secret.value),
            Err(e) => warnings.push(format!(
                "secret {name} could not be read, so its value is not looked for in this export: {}",
                one(&e)
            )),
        }
        // Rotated values may still sit in old step output: redact the previous versions too.
        match set.previous_values(&name, Some(&env), keep).await {
            Ok(old) => old.iter().for_each(|v| redactor.add(v)),
            Err(e) => warnings.push(format!(
                "previous versions of secret {name} could not be read, so they are not looked for in this export: {}",
                one(&e)
            )),
        }
    }
    let postmortem =
        redacted(&p, &redactor).map_err(|e| Error::Internal(format!("redacting the postmortem: {e}")))?;
    Ok(Redacted { postmortem, warnings })
}
