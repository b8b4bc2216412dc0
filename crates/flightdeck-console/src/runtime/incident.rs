//! The Incident screen's effects: reading an incident's merged timeline from the store (in the
//! background), and sending a join or a note to the runner, which records the socket peer as who
//! did it, then reading the timeline again.

use crate::app::incident::IncidentTimeline;
use crate::msg::Msg;
use crate::runtime::Console;
use flightdeck_core::incident::IncidentAction;
use flightdeck_core::incident::timeline;
use flightdeck_core::runner::protocol::{Request, Response};
use flightdeck_core::store::Store;

impl Console {
    /// Reads the timeline of `id` (or of the open incident) off the event loop.
    pub(super) fn load_incident_timeline(&self, id: Option<String>) -> Vec<Msg> {
        if let Some(why) = &self.client_only {
            return vec![Msg::IncidentTimelineLoaded { timeline: Err(why.clone()) }];
        }
        let (store, tx) = (self.store.clone(), self.tx.clone());
        tokio::spawn(async move {
            let read = tokio::task::spawn_blocking(move || read_timeline(&store, id.as_deref())).await;
            let timeline = read.unwrap_or_else(|e| Err(e.to_string())).map(Box::new);
            let _ = tx.send(Msg::IncidentTimelineLoaded { timeline }).await;
        });
        Vec::new()
    }

    /// Sends a change to the runner; the answer comes back as a notice, then the timeline reloads.
    pub(super) async fn incident_change(&self, incident: String, action: IncidentAction) -> Vec<Msg> {
        let req = Request::Incident { incident: incident.clone(), at: None, action };
        let text = match super::attach::request(&self.ctx.connect("console"), &req).await {
            Ok(Response::Incident { event, .. }) => {
                format!("{incident}: {}", flightdeck_core::incident::timeline::event_text(&event))
            }
            Ok(Response::Error { message, .. }) | Err(message) => format!("{incident}: {message}"),
            Ok(other) => format!("unexpected answer from the runner: {other:?}"),
        };
        let mut out = vec![Msg::Notice { text }];
        out.extend(self.load_incident_timeline(Some(incident)));
        out
    }
}

/// The timeline of `id`, or of the open incident (the most severe, then the newest).
fn read_timeline(store: &Store, id: Option<&str>) -> Result<IncidentTimeline, String> {
    let record = match id {
        Some(id) => {
            store.incident(id).map_err(|e| e.to_string())?.ok_or_else(|| format!("no incident {id}"))?
        }
        None => match flightdeck_core::incident::open_incident(store).map_err(|e| e.to_string())? {
            Some(open) => open.record,
            None => return Err("no open incident: `:incident ID` shows a resolved one".into()),
        },
    };
    let now = flightdeck_core::time::now();
    let mut parts = timeline::gather(store, &record, now).map_err(|e| e.to_string())?;
    // A failed step's last line comes raw from its log file; only the exports redact it with the
    // configured secrets, so the screen leaves it out.
    for f in &mut parts.failures {
        f.last_line = None;
    }
    let state = if record.resolved_at.is_some() { "resolved" } else { "open" };
    let heading = format!(
        "{} {} ({}/{}, {state})",
        record.severity.to_uppercase(),
        record.title,
        record.service,
        record.environment
    );
    Ok(IncidentTimeline { id: record.id, heading, entries: timeline::merge(&parts) })
}
