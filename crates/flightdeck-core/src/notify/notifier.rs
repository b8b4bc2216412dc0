//! The notifier a process runs beside its live runs: scans the journal and sends the outbox in the
//! background every 250 ms, and on the way out sends what is still due for a bounded time (the
//! rest stays in the outbox for the next process or `flightdeck notify flush`).

use std::path::Path;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::notify::deliver::Sender;
use crate::store::Store;

/// How often the background loop scans and sends.
pub const POLL: Duration = Duration::from_millis(250);

/// A running background notifier.
#[derive(Debug)]
pub struct Notifier {
    sender: Sender,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl Notifier {
    /// Starts one for the project in `project_dir` if its `[notify]` has routes; `None` otherwise
    /// (or when the config cannot be read: the run itself reports that).
    pub fn start(store: &Store, project_dir: &Path) -> Option<Notifier> {
        let config = Config::load(project_dir).ok()?;
        if config.notify.routes.is_empty() {
            return None;
        }
        let sender = Sender::new(store.clone(), config.notify, project_dir);
        let cancel = CancellationToken::new();
        let task = tokio::spawn({
            let (s, c) = (sender.clone(), cancel.clone());
            async move { s.run(c, POLL).await }
        });
        Some(Notifier { sender, cancel, task })
    }

    /// Stops the loop, then sends what is due for at most `limit`.
    pub async fn finish(self, limit: Duration) {
        self.cancel.cancel();
        let _ = self.task.await;
        if let Err(e) = self.sender.flush(limit).await {
            tracing::warn!("notifications: {e}");
        }
    }
}

/// Queues `incident_opened` or `incident_resolved` for the routed channels of the incident's
/// environment and sends it for at most `limit` (what is left stays queued).
pub async fn incident_event(
    store: &Store,
    project: &Path,
    config: &crate::notify::NotifyConfig,
    event: crate::notify::EventName,
    incident: &crate::store::records::IncidentRecord,
    limit: Duration,
) -> Result<(), crate::store::StoreError> {
    if config.routes.is_empty() {
        return Ok(());
    }
    let mut fields = std::collections::BTreeMap::from([
        ("incident".to_string(), incident.id.clone()),
        ("service".to_string(), incident.service.clone()),
        ("environment".to_string(), incident.environment.clone()),
        ("severity".to_string(), incident.severity.clone()),
        ("title".to_string(), incident.title.clone()),
        ("started".to_string(), incident.started_at.to_rfc3339()),
        (
            "resolved".to_string(),
            incident.resolved_at.map(crate::time::Micros::to_rfc3339).unwrap_or_default(),
        ),
    ]);
    fields.extend(crate::notify::facts::incident_facts(store, incident));
    let sender = Sender::new(store.clone(), config.clone(), project);
    let key = format!("incident/{}/{}", incident.id, event.as_str());
    let rows = crate::notify::scan::queue(
        config,
        sender.templates(),
        &incident.environment,
        event,
        &key,
        None,
        &fields,
    );
    if rows.is_empty() {
        return Ok(());
    }
    store.enqueue_notifications(rows, None).await?;
    sender.flush(limit).await.map(|_| ())
}
