//! Incident requests inside the runner: each change is checked by the pure rules of
//! [`crate::incident::plan`] and appended, with its audit entry, as the socket peer. Opening and
//! resolving raise the `incident_opened` / `incident_resolved` notifications. A run started with
//! `--incident ID` is linked to it here.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::error::exit;
use crate::identity::Operator;
use crate::incident::plan::Known;
use crate::incident::{IncidentAction, IncidentError, IncidentEvent, plan_change};
use crate::notify::EventName;
use crate::runner::protocol::Response;
use crate::runner::server::Server;
use crate::store::StoreError;
use crate::store::records::IncidentRecord;
use crate::time::{Micros, now};

/// How long the runner spends sending one incident notification before leaving it queued.
const NOTIFY_LIMIT: Duration = Duration::from_secs(10);

impl Server {
    /// Applies one incident change for `peer` at `at` (default now).
    pub async fn incident(
        self: &Arc<Server>,
        peer: &Operator,
        id: &str,
        at: Option<Micros>,
        action: IncidentAction,
    ) -> Response {
        let at = at.unwrap_or_else(now);
        let announce = match &action {
            IncidentAction::Open { .. } => Some(EventName::IncidentOpened),
            IncidentAction::Resolve { .. } => Some(EventName::IncidentResolved),
            _ => None,
        };
        match self.apply_incident(peer, id, at, action).await {
            Ok((event, incident)) => {
                if let Some(name) = announce {
                    self.announce(name, incident.clone());
                }
                Response::Incident { event, incident }
            }
            Err(Refusal::Rule(e)) => Response::error(exit::USAGE, e.to_string()),
            Err(Refusal::Store(e)) => Response::error(exit::INTERNAL, e.to_string()),
        }
    }

    async fn apply_incident(
        &self,
        peer: &Operator,
        id: &str,
        at: Micros,
        action: IncidentAction,
    ) -> Result<(IncidentEvent, IncidentRecord), Refusal> {
        let all = self.store.incidents()?;
        let open: Vec<String> =
            all.iter().filter(|i| i.resolved_at.is_none()).map(|i| i.id.clone()).collect();
        let deployments: HashSet<String> = self.store.deployments()?.into_iter().map(|d| d.id).collect();
        let id = match &action {
            IncidentAction::Open { .. } => {
                let known = Known {
                    current: None,
                    events: &[],
                    open: &open,
                    deployments: &deployments,
                    uid: peer.uid,
                };
                plan_change(known, "", at, action.clone())?.incident.id
            }
            _ => id.to_string(),
        };
        let current = all.iter().find(|i| i.id == id);
        let events = self.store.incident_events(&id)?;
        let known = Known { current, events: &events, open: &open, deployments: &deployments, uid: peer.uid };
        let change = plan_change(known, &id, at, action)?;
        let event = self.store.apply_incident_change(&change, peer).await?;
        Ok((event, change.incident))
    }

    /// Sends an incident notification in the background (bounded; the rest stays queued).
    fn announce(self: &Arc<Server>, name: EventName, incident: IncidentRecord) {
        let server = Arc::clone(self);
        tokio::spawn(async move {
            let Ok(config) = Config::load(&server.project_dir) else { return };
            let sent = crate::notify::notifier::incident_event(
                &server.store,
                &server.project_dir,
                &config.notify,
                name,
                &incident,
                NOTIFY_LIMIT,
            )
            .await;
            if let Err(e) = sent {
                server.log(&format!("incident {}: cannot notify: {e}", incident.id));
            }
        });
    }

    /// Checks that `--incident ID` names an open incident, and fills the workflow's `remediates`
    /// parameter (when it declares one the caller left empty) with the incident's causing deployment.
    pub(crate) fn incident_for_start(
        &self,
        incident: &str,
        declares_remediates: bool,
        params: &mut BTreeMap<String, String>,
    ) -> Result<(), Box<Response>> {
        let all =
            self.store.incidents().map_err(|e| Box::new(Response::error(exit::INTERNAL, e.to_string())))?;
        let Some(inc) = all.iter().find(|i| i.id == incident) else {
            let open = all.iter().filter(|i| i.resolved_at.is_none()).map(|i| i.id.clone()).collect();
            let e = IncidentError::Unknown { id: incident.to_string(), open };
            return Err(Box::new(Response::error(exit::USAGE, format!("--incident: {e}"))));
        };
        if let Some(r) = inc.resolved_at {
            return Err(Box::new(Response::error(
                exit::USAGE,
                format!(
                    "--incident {incident}: it was resolved at {}; link runs to an open incident",
                    r.to_rfc3339()
                ),
            )));
        }
        let empty = params.get("remediates").is_none_or(String::is_empty);
        if let (true, true, Some(cause)) = (declares_remediates, empty, inc.caused_by.as_ref()) {
            params.insert("remediates".to_string(), cause.clone());
        }
        Ok(())
    }

    /// Links a started run to its incident (`run_links` rel `incident`, and a `linked_run` event).
    pub(crate) async fn link_incident_run(self: &Arc<Server>, op: &Operator, incident: &str, run: &str) {
        if let Err(e) = self.store.link_runs(run, "incident", incident).await {
            self.log(&format!("run {run}: cannot link it to incident {incident}: {e}"));
        }
        let action = IncidentAction::LinkRun { run: run.to_string() };
        if let Response::Error { message, .. } = self.incident(op, incident, None, action).await {
            self.log(&format!("run {run}: incident {incident}: {message}"));
        }
    }
}

/// Why an incident change was not made.
enum Refusal {
    Rule(IncidentError),
    Store(StoreError),
}

impl From<IncidentError> for Refusal {
    fn from(e: IncidentError) -> Self {
        Refusal::Rule(e)
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        Refusal::Store(e)
    }
}
