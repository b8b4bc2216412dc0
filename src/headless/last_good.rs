//! `flightdeck ledger last-good`: the version a rollback returns to by default, read from the
//! ledger ([`crate::dora::last_good`]); inside a step it also writes `version=` and `deployment=` to
//! `$FLIGHTDECK_OUTPUT`.

use crate::cli::LedgerLastGoodArgs;
use crate::error::{Error, exit};
use crate::store::records::{DeploymentRecord, IncidentRecord};

/// Prints the last good version of `a.service` in `env` (or `--fallback` when the ledger knows no
/// deployment of it there); exit 8 when there is none.
pub fn last_good(
    deps: &[DeploymentRecord],
    incidents: &[IncidentRecord],
    a: &LedgerLastGoodArgs,
    env: &str,
) -> Result<i32, Error> {
    let known = deps.iter().any(|d| d.service == a.service && d.environment == env);
    if let (false, Some(v)) = (known, a.fallback.as_deref().filter(|v| !v.is_empty())) {
        crate::outln!("{v}");
        crate::outputs::write_outputs(&[("version", v)])?;
        return Ok(exit::OK);
    }
    let Some(d) = crate::dora::last_good::last_good(deps, incidents, &a.service, env, a.except.as_deref())
    else {
        crate::errln!(
            "no good deployment of {} in {env} in the ledger{}: give the version to return to",
            a.service,
            a.except.as_ref().map(|v| format!(" other than {v}")).unwrap_or_default()
        );
        return Ok(exit::PRECONDITION);
    };
    let version = d.version.clone().unwrap_or_default();
    if a.json {
        crate::outln!("{}", serde_json::to_string(d).map_err(|e| Error::Internal(e.to_string()))?);
    } else {
        crate::outln!("{version}");
    }
    crate::outputs::write_outputs(&[("version", &version), ("deployment", &d.id)])?;
    Ok(exit::OK)
}
