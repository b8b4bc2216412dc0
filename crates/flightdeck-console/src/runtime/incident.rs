//! The Incident screen's effects: reading an incident's merged timeline from the store (in the
//! background; a client-only console asks the runner), and sending a join or a note to the runner,
//! which records the socket peer as who did it, then reading the timeline again.

use crate::app::incident::IncidentTimeline;
use crate::msg::Msg;
use crate::runtime::Console;
use flightdeck_core::incident::IncidentAction;
use flightdeck_core::runner::protocol::{Request, Response};
use flightdeck_core::store::Store;

impl Console {
    /// Reads the timeline of `id` (or of the open incident) off the event loop.
    pub(super) fn load_incident_timeline(&self, id: Option<String>) -> Vec<Msg> {
        let Ok(store) = self.local_store() else {
            return self.remote_effect(&crate::msg::Effect::LoadIncidentTimeline { id }).unwrap_or_default();
        };
        let tx = self.tx.clone();
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
    let t = flightdeck_core::runner::reads::screen_timeline(store, id, flightdeck_core::time::now())?;
    Ok(IncidentTimeline { id: t.id, heading: t.heading, entries: t.entries })
}
