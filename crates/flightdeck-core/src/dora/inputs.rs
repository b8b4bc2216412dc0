//! Checks on what goes into the DORA ledger, shared by `ledger add`, `ledger import` and the
//! incident commands, so no path writes a row another refuses: known kinds and statuses, the
//! `production` flag the environment implies, a start no later than the finish, references
//! (`remediates`, `caused_by`) to deployments that exist, and SHAs resolved to the full id of a
//! commit in the service's repository (HEAD, branches and tags too). Pure except [`resolve_sha`].

use std::collections::HashSet;
use std::hash::BuildHasher;
use std::path::Path;

use super::DoraError;
use crate::store::records::{DeploymentRecord, IncidentRecord};
use crate::time::Micros;

/// Deployment kinds.
pub const KINDS: [&str; 4] = ["normal", "hotfix", "rollback", "fix-forward"];
/// Deployment statuses.
pub const STATUSES: [&str; 3] = ["succeeded", "failed", "degraded"];

fn bad(m: String) -> DoraError {
    DoraError::Invalid(m)
}

/// Checks one deployment: kind, status, `production` against `expected_production` (what its
/// environment implies), start before finish, and `remediates` naming one of `known`.
pub fn check_deployment<S: BuildHasher>(
    d: &DeploymentRecord,
    expected_production: bool,
    known: &HashSet<String, S>,
) -> Result<(), DoraError> {
    if d.id.trim().is_empty() || d.service.trim().is_empty() {
        return Err(bad("a deployment needs an id and a service".into()));
    }
    if !KINDS.contains(&d.kind.as_str()) {
        return Err(bad(format!("kind {:?}: use {}", d.kind, KINDS.join(", "))));
    }
    if !STATUSES.contains(&d.status.as_str()) {
        return Err(bad(format!("status {:?}: use {}", d.status, STATUSES.join(", "))));
    }
    if d.production != expected_production {
        return Err(bad(format!(
            "production is {} but environment {:?} is {}a production environment (see [environments] in \
             flightdeck.toml)",
            d.production,
            d.environment,
            if expected_production { "" } else { "not " }
        )));
    }
    order("started", d.started_at, "finished", d.finished_at)?;
    if let Some(r) = d.remediates.as_deref().filter(|r| !known.contains(*r)) {
        return Err(bad(format!(
            "remediates {r:?}: no such deployment in the ledger (`flightdeck ledger list` lists them)"
        )));
    }
    Ok(())
}

/// Refuses `first` later than `second`.
pub fn order(first: &str, a: Micros, second: &str, b: Micros) -> Result<(), DoraError> {
    if a > b {
        return Err(bad(format!(
            "{first} {} is after {second} {}: {second} cannot come first",
            a.to_rfc3339(),
            b.to_rfc3339()
        )));
    }
    Ok(())
}

/// Checks a new incident: detected no earlier than started, `caused_by` naming one of `known`.
pub fn check_incident<S: BuildHasher>(
    i: &IncidentRecord,
    known: &HashSet<String, S>,
) -> Result<(), DoraError> {
    if let Some(d) = i.detected_at {
        order("started", i.started_at, "detected", d)?;
    }
    if let Some(c) = i.caused_by.as_deref().filter(|c| !known.contains(*c)) {
        return Err(bad(format!(
            "caused_by {c:?}: no such deployment in the ledger (`flightdeck ledger list` lists them)"
        )));
    }
    Ok(())
}

/// Checks resolving `i` at `at` (mitigated at `mitigated`): neither before the incident started,
/// and mitigation no later than resolution.
pub fn check_resolve(i: &IncidentRecord, at: Micros, mitigated: Option<Micros>) -> Result<(), DoraError> {
    order("started", i.started_at, "resolved", at)?;
    if let Some(m) = mitigated.or(i.mitigated_at) {
        order("started", i.started_at, "mitigated", m)?;
        order("mitigated", m, "resolved", at)?;
    }
    Ok(())
}

/// The full SHA of the commit `rev` (a SHA, HEAD, a branch or a tag) names in the repository at
/// `dir`.
pub fn resolve_sha(dir: &Path, rev: &str) -> Result<String, DoraError> {
    let repo = git2::Repository::open(dir).map_err(DoraError::git(format!("opening {}", dir.display())))?;
    let commit = repo
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(DoraError::git(format!("{rev:?} is not a commit in {}", dir.display())))?;
    Ok(commit.id().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep() -> DeploymentRecord {
        DeploymentRecord {
            id: "d1".into(),
            service: "web".into(),
            environment: "prod".into(),
            production: true,
            sha: None,
            version: None,
            kind: "normal".into(),
            status: "succeeded".into(),
            started_at: Micros(10_000_000),
            finished_at: Micros(20_000_000),
            run: None,
            remediates: None,
            actor: None,
            digest: None,
        }
    }

    #[test]
    fn deployments_are_checked_field_by_field() {
        let known: HashSet<String> = ["d0".to_string()].into();
        assert!(check_deployment(&dep(), true, &known).is_ok());
        let err = |d: DeploymentRecord, prod| check_deployment(&d, prod, &known).unwrap_err().to_string();
        assert!(err(DeploymentRecord { kind: "big".into(), ..dep() }, true).contains("kind \"big\""));
        assert!(err(DeploymentRecord { status: "ok".into(), ..dep() }, true).contains("status \"ok\""));
        assert!(err(dep(), false).contains("is not a production environment"));
        let late = DeploymentRecord { started_at: Micros(30_000_000), ..dep() };
        let m = err(late, true);
        assert!(m.contains("started 1970-01-01T00:00:30Z is after finished 1970-01-01T00:00:20Z"), "{m}");
        let orphan = DeploymentRecord { remediates: Some("d9".into()), ..dep() };
        assert!(err(orphan, true).contains("remediates \"d9\": no such deployment"));
        assert!(
            check_deployment(&DeploymentRecord { remediates: Some("d0".into()), ..dep() }, true, &known)
                .is_ok()
        );
    }
}
