//! The last good version of a service in an environment, from the ledger: what a rollback returns
//! to by default. A deployment is bad when its attempt did not succeed, an incident names it as its
//! cause, a later deployment names it as remediated, or the next deployment was a rollback; every
//! version that was ever part of a bad deployment is skipped, so a rollback never lands on the bad
//! build even when that build was deployed twice. Pure.

use std::collections::HashSet;

use crate::store::records::{DeploymentRecord, IncidentRecord};

/// The newest good deployment of `service` in `environment` with a version other than `except`
/// (the version live now), or `None` when the ledger has none.
pub fn last_good<'a>(
    deps: &'a [DeploymentRecord],
    incidents: &[IncidentRecord],
    service: &str,
    environment: &str,
    except: Option<&str>,
) -> Option<&'a DeploymentRecord> {
    let mut rows: Vec<&DeploymentRecord> =
        deps.iter().filter(|d| d.service == service && d.environment == environment).collect();
    rows.sort_by(|a, b| (a.finished_at, &a.id).cmp(&(b.finished_at, &b.id)));
    let caused: HashSet<&str> = incidents.iter().filter_map(|i| i.caused_by.as_deref()).collect();
    let remediated: HashSet<&str> = deps.iter().filter_map(|d| d.remediates.as_deref()).collect();
    let mut bad_versions: HashSet<&str> = HashSet::new();
    for (i, d) in rows.iter().enumerate() {
        let rolled_back =
            rows[i + 1..].iter().find(|n| n.status == "succeeded").is_some_and(|n| n.kind == "rollback");
        let bad = d.status != "succeeded"
            || caused.contains(d.id.as_str())
            || remediated.contains(d.id.as_str())
            || rolled_back;
        if let (true, Some(v)) = (bad, d.version.as_deref()) {
            bad_versions.insert(v);
        }
    }
    rows.into_iter().rev().find(|d| {
        d.status == "succeeded"
            && d.version.as_deref().is_some_and(|v| !bad_versions.contains(v) && Some(v) != except)
    })
}

#[cfg(test)]
mod tests {
    use super::last_good;
    use crate::store::records::{DeploymentRecord, IncidentRecord};
    use crate::time::Micros;

    fn dep(id: &str, version: &str, kind: &str, status: &str, at: i64) -> DeploymentRecord {
        DeploymentRecord {
            id: id.into(),
            service: "web".into(),
            environment: "production".into(),
            production: true,
            sha: None,
            version: Some(version.into()),
            kind: kind.into(),
            status: status.into(),
            started_at: Micros(at - 1),
            finished_at: Micros(at),
            run: None,
            remediates: None,
            actor: None,
            digest: None,
        }
    }

    fn pick<'a>(deps: &'a [DeploymentRecord], incidents: &[IncidentRecord], except: &str) -> Option<&'a str> {
        last_good(deps, incidents, "web", "production", Some(except)).and_then(|d| d.version.as_deref())
    }

    #[test]
    fn a_failed_attempt_and_a_rolled_back_build_are_never_the_target() {
        // 1.1.0 good; 2.0.0-bad deployed, rolled back to 1.1.0; 2.0.0-bad deployed again (live now).
        let deps = vec![
            dep("d1", "1.0.0", "normal", "succeeded", 10),
            dep("d2", "1.1.0", "normal", "succeeded", 20),
            dep("d3", "2.0.0-bad", "normal", "succeeded", 30),
            dep("d4", "1.1.0", "rollback", "succeeded", 40),
            dep("d5", "2.0.0-bad", "normal", "succeeded", 50),
        ];
        assert_eq!(pick(&deps, &[], "2.0.0-bad"), Some("1.1.0"));
        // The previous version (what the sandbox calls `previous`) would be 1.1.0 here too, but after
        // a failed attempt of 2.1.0 the live build is still bad and the target stays 1.1.0.
        let mut more = deps.clone();
        more.push(dep("d6", "2.1.0", "normal", "failed", 60));
        assert_eq!(pick(&more, &[], "2.0.0-bad"), Some("1.1.0"));
        assert_eq!(pick(&more, &[], "1.1.0"), Some("1.0.0"));
    }

    #[test]
    fn incidents_and_remediations_mark_a_deployment_bad() {
        let mut deps = vec![
            dep("d1", "1.0.0", "normal", "succeeded", 10),
            dep("d2", "1.1.0", "normal", "succeeded", 20),
            dep("d3", "1.2.0", "normal", "succeeded", 30),
            dep("d4", "1.3.0", "normal", "succeeded", 40),
        ];
        let incident = IncidentRecord {
            id: "inc-1".into(),
            service: "web".into(),
            environment: "production".into(),
            severity: "sev2".into(),
            title: "5xx".into(),
            started_at: Micros(35),
            detected_at: None,
            mitigated_at: None,
            resolved_at: None,
            caused_by: Some("d3".into()),
        };
        assert_eq!(pick(&deps, &[], "1.3.0"), Some("1.2.0"));
        assert_eq!(pick(&deps, std::slice::from_ref(&incident), "1.3.0"), Some("1.1.0"));
        deps.push(DeploymentRecord {
            remediates: Some("d2".into()),
            ..dep("d5", "1.3.1", "hotfix", "succeeded", 50)
        });
        assert_eq!(pick(&deps, &[incident], "1.3.1"), Some("1.3.0"));
        assert_eq!(last_good(&deps, &[], "api", "production", None), None, "another service");
        assert_eq!(last_good(&deps, &[], "web", "staging", None), None, "another environment");
    }
}
