//! History screens in client-only mode (a shared bastion: the store belongs to the runner's user):
//! the audit log and its verification, and the DORA dashboard, read through the runner's history
//! queries instead of the store.

use flightdeck_core::runner::protocol::{Request, Response};
use flightdeck_core::runner::query::{Answer, Query, ROWS_MAX};

use super::{Console, attach};
use crate::msg::Msg;

impl Console {
    /// The newest audit entries and the chain's verdict, from the runner.
    pub(super) fn audit_from_runner(&self) -> Vec<Msg> {
        let (connect, tx) = (self.ctx.connect("console"), self.tx.clone());
        tokio::spawn(async move {
            let entries =
                attach::request(&connect, &query(Query::Audit { before: None, limit: ROWS_MAX })).await;
            let verdict = attach::request(&connect, &query(Query::AuditVerify)).await;
            let msg = match (answer(entries), answer(verdict)) {
                (Ok(Answer::Audit { entries }), Ok(Answer::Verdict { verdict })) => {
                    Msg::AuditLoaded { entries, verdict }
                }
                (Err(e), _) | (_, Err(e)) => Msg::Notice { text: format!("cannot read the audit log: {e}") },
                _ => Msg::Notice { text: "unexpected answer from the runner".to_string() },
            };
            let _ = tx.send(msg).await;
        });
        Vec::new()
    }

    /// The DORA dashboard over the last `days`, computed by the runner.
    pub(super) fn dora_from_runner(
        &self,
        service: Option<String>,
        environment: Option<String>,
        days: i64,
    ) -> Vec<Msg> {
        let (connect, tx) = (self.ctx.connect("console"), self.tx.clone());
        let tz_name = self.ctx.config.dora.time_zone.clone();
        tokio::spawn(async move {
            let now = flightdeck_core::time::now();
            let window = flightdeck_core::dora::window::time_zone(tz_name.as_deref())
                .and_then(|tz| flightdeck_core::dora::Window::last_days(now, days, tz))
                .map_err(|e| e.to_string());
            let dashboard = match window {
                Ok(w) => {
                    let q = Query::Dora {
                        service,
                        environment,
                        since: w.since,
                        until: w.until,
                        time_zone: tz_name,
                        now,
                    };
                    match answer(attach::request(&connect, &query(q)).await) {
                        Ok(Answer::Dora { dashboard }) => Ok(dashboard),
                        Ok(_) => Err("unexpected answer from the runner".to_string()),
                        Err(e) => Err(e),
                    }
                }
                Err(e) => Err(e),
            };
            let _ = tx.send(Msg::DoraLoaded { dashboard }).await;
        });
        Vec::new()
    }
}

fn query(query: Query) -> Request {
    Request::Query { query }
}

fn answer(resp: Result<Response, String>) -> Result<Answer, String> {
    match resp? {
        Response::History { answer } => Ok(answer),
        Response::Error { message, .. } => Err(message),
        other => Err(format!("unexpected answer from the runner: {other:?}")),
    }
}
