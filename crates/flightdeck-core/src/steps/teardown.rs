//! `teardown = true`: removes every live resource of the run's environment in global reverse
//! creation order, whatever its kind, and marks each removed: a balancer server goes to weight 0
//! before its container is removed, a certificate is revoked before the DNS record it was issued
//! for is deleted, an infrastructure apply is undone before what was created before it. Kinds:
//! `dns_record` (`steps::dns`), `certificate` (`steps::cert`), `iac_apply` (`steps::iac`),
//! `balancer_server` (weight 0 on the `[balancers.NAME]` of flightdeck.toml) and `container`
//! (`podman rm -f`). An unknown kind stops the teardown naming it, with nothing after it touched.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::config::Config;
use crate::engine::event::Stream;
use crate::engine::{StepCx, StepOutcome};
use crate::infra::{forget, live_all};
use crate::platforms::Balancer;
use crate::platforms::podman::Podman;
use crate::steps::{ActionKind, BoxFuture, StepKind};
use crate::store::ResourceRecord;
use crate::workflow::template::Template;

/// The `teardown` kind.
pub struct Teardown;

impl ActionKind for Teardown {
    fn key(&self) -> &'static str {
        "teardown"
    }

    fn parse(&self, action: &Value, _extras: &BTreeMap<String, Value>) -> Result<Value, String> {
        if action.as_bool() == Some(true) {
            Ok(action.clone())
        } else {
            Err(format!(
                "teardown = {action} is not understood: write teardown = true (removes every recorded resource \
                 of the run's environment, newest first)"
            ))
        }
    }

    fn templates(&self, _spec: &Value) -> Vec<(String, Template)> {
        Vec::new()
    }

    fn describe(&self, _spec: &Value) -> String {
        "teardown: remove every recorded resource of the environment, newest first".into()
    }
}

impl StepKind for Teardown {
    fn execute<'a>(&'a self, _spec: &'a Value, cx: &'a mut StepCx) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async move {
            match run(cx).await {
                Ok(None) => StepOutcome::Succeeded,
                Ok(Some(o)) => o,
                Err(e) => StepOutcome::failed(e),
            }
        })
    }
}

/// Every live resource, newest first.
async fn run(cx: &mut StepCx) -> Result<Option<StepOutcome>, String> {
    let rows = live_all(cx)?;
    cx.started(&format!("teardown: remove {} recorded resources, newest first", rows.len()))
        .await
        .map_err(|e| e.to_string())?;
    for row in rows {
        if cx.shared.cancel.is_cancelled() {
            return Ok(Some(StepOutcome::Cancelled));
        }
        let gate = match row.kind.as_str() {
            "dns_record" => super::dns::remove(cx, &row).await.map(|()| None),
            "certificate" => super::cert::remove(cx, &row).await.map(|()| None),
            "iac_apply" => super::iac::remove(cx, &row).await,
            "balancer_server" => balancer_server(cx, &row).await.map(|()| None),
            "container" => container(cx, &row).await.map(|()| None),
            other => Err(format!(
                "teardown: resource {} ({}) has kind {other:?}, which this flightdeck cannot remove; remove it by \
                 hand, then mark it removed",
                row.id, row.name
            )),
        }
        .map_err(|e| format!("removing {} {}: {e}", row.kind, row.name))?;
        if gate.is_some() {
            return Ok(gate);
        }
    }
    Ok(None)
}

/// A balancer server recorded by a rollout: weight 0 on its balancer.
async fn balancer_server(cx: &mut StepCx, row: &ResourceRecord) -> Result<(), String> {
    let s = |k: &str| row.detail.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let (name, server) = (s("balancer"), s("server"));
    let dir = cx.shared.plan.project_dir.clone();
    let config = Config::load(&dir).map_err(|d| d.to_string())?;
    let mut cfg = config.balancers.get(&name).cloned().ok_or_else(|| {
        format!("balancer {name:?} is no longer in {}", dir.join(crate::config::FILE_NAME).display())
    })?;
    cfg.resolve_paths(&dir);
    Balancer::new(&name, &cfg).set(&[(server.clone(), 0)]).await.map_err(|e| e.to_string())?;
    forget(cx, row.id).await?;
    cx.log(Stream::System, format!("{name}/{server}: weight 0")).await;
    Ok(())
}

/// A container recorded by a rollout: removed (one already gone is fine).
async fn container(cx: &mut StepCx, row: &ResourceRecord) -> Result<(), String> {
    let name = row.detail.get("container").and_then(Value::as_str).unwrap_or_default().to_string();
    if name.is_empty() {
        return Err("its detail names no container".into());
    }
    Podman::default().remove(&name, 0).await.map_err(|e| e.to_string())?;
    forget(cx, row.id).await?;
    cx.log(Stream::System, format!("removed container {name}")).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_true_only() {
        assert!(Teardown.parse(&Value::Bool(true), &BTreeMap::new()).is_ok());
        let e =
            Teardown.parse(&serde_json::json!({ "kinds": ["dns_record"] }), &BTreeMap::new()).unwrap_err();
        assert!(e.contains("write teardown = true"), "{e}");
        assert!(Teardown.parse(&Value::Bool(false), &BTreeMap::new()).is_err());
    }
}
