//! The facts behind a message beyond `run.*`, read from the store: the run's parameters
//! (`params.*`), the outputs of its finished steps (`steps.ID.outputs.*`, stored already redacted
//! by the engine), its deployment (`deploy.*`, with the previous version from the ledger) and an
//! incident's state (`incident.*`). They travel in the message's fields under their dotted names,
//! so a webhook receiver gets them too.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::store::Store;
use crate::store::records::{DeploymentRecord, IncidentRecord, RunRecord};
use crate::workflow::model::DeploymentSpec;
use crate::workflow::template::{Outputs, Scope, Template, value_text};

/// `params.*`, `steps.ID.outputs.*` and `deploy.*` of `run`. A store that cannot be read gives
/// fewer facts, never a lost message.
pub fn run_facts(store: &Store, run: &RunRecord) -> BTreeMap<String, String> {
    let mut f = BTreeMap::new();
    let plan: Value = serde_json::from_str(&run.plan_json).unwrap_or(Value::Null);
    let params: BTreeMap<String, Value> = plan
        .get("params")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    for (k, v) in &params {
        f.insert(format!("params.{k}"), value_text(v));
    }
    let listed: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", value_text(v))).collect();
    f.insert("params".into(), if listed.is_empty() { "(none)".into() } else { listed.join(", ") });
    let mut outputs = Outputs::new();
    for step in store.steps(&run.id).unwrap_or_default() {
        let Ok(o) = serde_json::from_str::<BTreeMap<String, String>>(&step.outputs_json) else { continue };
        for (k, v) in &o {
            f.insert(format!("steps.{}.outputs.{k}", step.step), v.clone());
        }
        if !o.is_empty() {
            outputs.insert(step.step.clone(), o);
        }
    }
    let spec = plan.get("deployment").cloned().and_then(|d| serde_json::from_value::<DeploymentSpec>(d).ok());
    if let Some(spec) = spec {
        deploy_facts(store, run, &spec, &params, &outputs, &mut f);
    }
    f
}

fn deploy_facts(
    store: &Store,
    run: &RunRecord,
    spec: &DeploymentSpec,
    params: &BTreeMap<String, Value>,
    outputs: &Outputs,
    f: &mut BTreeMap<String, String>,
) {
    let environment = BTreeMap::from([
        ("name".to_string(), Value::String(run.environment.clone())),
        ("production".to_string(), Value::Bool(run.production)),
    ]);
    let run_map = BTreeMap::from([
        ("id".to_string(), Value::String(run.id.clone())),
        ("operator".to_string(), Value::String(run.operator.clone())),
        ("workflow".to_string(), Value::String(run.workflow.clone())),
    ]);
    let secrets = BTreeMap::new();
    let scope = Scope {
        params,
        environment: &environment,
        outputs,
        step_prefix: None,
        secrets: &secrets,
        run: &run_map,
    };
    let render =
        |t: &Option<Template>| t.as_ref().and_then(|t| t.render(&scope, false).ok()).unwrap_or_default();
    let service =
        Some(render(&spec.service)).filter(|s| !s.is_empty()).unwrap_or_else(|| run.workflow.clone());
    f.insert("deploy.service".into(), service.clone());
    f.insert("deploy.version".into(), render(&spec.version));
    f.insert("deploy.digest".into(), render(&spec.digest));
    f.insert("deploy.sha".into(), render(&spec.sha));
    f.insert(
        "deploy.kind".into(),
        Some(render(&spec.kind)).filter(|k| !k.is_empty()).unwrap_or_else(|| "normal".into()),
    );
    let ledger = store.deployments().unwrap_or_default();
    if let Some(prev) = previous(&ledger, &service, run) {
        f.insert("deploy.previous_version".into(), prev.version.clone().unwrap_or_default());
        f.insert("deploy.previous_digest".into(), prev.digest.clone().unwrap_or_default());
        f.insert("deploy.previous_run".into(), prev.run.clone().unwrap_or_else(|| prev.id.clone()));
    }
    f.insert("deploy.summary".into(), summary(f));
}

/// `Deployment: api 1.4.2 (sha256:…) to production, after 1.4.1.`
fn summary(f: &BTreeMap<String, String>) -> String {
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or_default();
    let mut s =
        format!("Deployment: {} {}", get("deploy.service"), get("deploy.version")).trim_end().to_string();
    if !get("deploy.digest").is_empty() {
        let _ = write!(s, " ({})", get("deploy.digest"));
    }
    if get("deploy.kind") != "normal" {
        let _ = write!(s, " [{}]", get("deploy.kind"));
    }
    match get("deploy.previous_version") {
        "" => s.push('.'),
        prev => {
            let _ = write!(s, ", after {prev}.");
        }
    }
    s
}

/// The last successful deployment of `service` to the run's environment finished before the run
/// started, other than the run's own.
fn previous<'a>(
    ledger: &'a [DeploymentRecord],
    service: &str,
    run: &RunRecord,
) -> Option<&'a DeploymentRecord> {
    ledger
        .iter()
        .filter(|d| d.service == service && d.environment == run.environment && d.status == "succeeded")
        .filter(|d| d.run.as_deref() != Some(run.id.as_str()) && d.finished_at <= run.started_at)
        .max_by_key(|d| d.finished_at)
}

/// `incident.*` of `incident`: its record, its commander now and the commands to follow it.
pub fn incident_facts(store: &Store, incident: &IncidentRecord) -> BTreeMap<String, String> {
    let events = store.incident_events(&incident.id).unwrap_or_default();
    let commander = crate::incident::commander(&events).map(|c| c.name).unwrap_or_default();
    let resolved = incident.resolved_at.map(crate::time::Micros::to_rfc3339).unwrap_or_default();
    [
        ("id", incident.id.clone()),
        ("title", incident.title.clone()),
        ("severity", incident.severity.clone()),
        ("service", incident.service.clone()),
        ("environment", incident.environment.clone()),
        ("started", incident.started_at.to_rfc3339()),
        ("resolved", resolved),
        ("commander", commander),
        ("command", format!("flightdeck incident show {}", incident.id)),
        ("join_command", format!("flightdeck incident join {}", incident.id)),
        ("caused_by", incident.caused_by.clone().unwrap_or_default()),
    ]
    .into_iter()
    .map(|(k, v)| (format!("incident.{k}"), v))
    .collect()
}
