//! `[alerts] listen` inside the console: while it is open, the console receives Alertmanager's
//! webhooks itself (the same receiver as `flightdeck alerts listen`), stores each alert and
//! reloads the Health screen's list at once. Also where the Health screen's received alerts come
//! from: the store, or the runner in client-only mode.

use crate::msg::Msg;
use crate::runtime::Console;
use flightdeck_core::monitoring::receiver;
use flightdeck_core::store::AlertRecord;

/// How many received alerts the Health screen shows.
const SHOWN: usize = 8;

/// How often a client-only console reads the received alerts through the runner.
const RUNNER_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

impl Console {
    /// Client-only mode: reads the received alerts through the runner every [`RUNNER_EVERY`]
    /// while the console is open, and sends them when they changed (an unchanged list costs no
    /// frame).
    pub(super) fn alerts_from_runner(&self) {
        let (connect, tx, stop) = (self.ctx.connect("console"), self.tx.clone(), self.ctx.shutdown.token());
        tokio::spawn(async move {
            let mut last: Option<Vec<AlertRecord>> = None;
            let mut every = tokio::time::interval(RUNNER_EVERY);
            loop {
                tokio::select! {
                    _ = every.tick() => {}
                    () = stop.cancelled() => break,
                }
                let Some(alerts) = super::remote::alerts(&connect, SHOWN).await else { continue };
                if last.as_ref() == Some(&alerts) {
                    continue;
                }
                last = Some(alerts.clone());
                if tx.send(Msg::AlertsLoaded { alerts }).await.is_err() {
                    break;
                }
            }
        });
    }

    /// Starts the receiver when `[alerts] listen` is set; says where it listens, or why not.
    pub(super) async fn listen_alerts(&self) {
        let Some(addr) = self.ctx.config.alerts.listen.clone() else { return };
        let (Some(store), None) = (self.store.clone(), &self.client_only) else {
            let why = self.client_only.as_deref().unwrap_or("no store");
            let text = format!("[alerts] listen {addr}: not received here ({why})");
            let _ = self.tx.send(Msg::Notice { text }).await;
            return;
        };
        let (listener, local) = match receiver::bind(&addr).await {
            Ok(bound) => bound,
            Err(e) => {
                let text = format!("[alerts] listen {addr}: cannot listen ({e}); alerts are not received");
                let _ = self.tx.send(Msg::Notice { text }).await;
                return;
            }
        };
        let text = format!("receiving Alertmanager webhooks on http://{local}/alerts");
        let _ = self.tx.send(Msg::Notice { text }).await;
        let tx = self.tx.clone();
        let (alerts_tx, mut alerts_rx) = tokio::sync::mpsc::channel(64);
        let stop = self.ctx.shutdown.token();
        tokio::spawn(receiver::serve(listener, store.clone(), alerts_tx, stop));
        tokio::spawn(async move {
            while alerts_rx.recv().await.is_some() {
                let read = store.clone();
                let Ok(Ok(alerts)) = tokio::task::spawn_blocking(move || read.alerts(SHOWN)).await else {
                    continue;
                };
                if tx.send(Msg::AlertsLoaded { alerts }).await.is_err() {
                    break;
                }
            }
        });
    }
}
