//! `[alerts] listen` inside the console: while it is open, the console receives Alertmanager's
//! webhooks itself (the same receiver as `flightdeck alerts listen`), stores each alert and
//! reloads the Health screen's list at once.

use crate::msg::Msg;
use crate::runtime::Console;
use flightdeck_core::monitoring::receiver;

impl Console {
    /// Starts the receiver when `[alerts] listen` is set; says where it listens, or why not.
    pub(super) async fn listen_alerts(&self) {
        let Some(addr) = self.ctx.config.alerts.listen.clone() else { return };
        if let Some(why) = &self.client_only {
            let text = format!("[alerts] listen {addr}: not received here ({why})");
            let _ = self.tx.send(Msg::Notice { text }).await;
            return;
        }
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
        let (store, tx) = (self.store.clone(), self.tx.clone());
        let (alerts_tx, mut alerts_rx) = tokio::sync::mpsc::channel(64);
        let stop = self.ctx.shutdown.token();
        tokio::spawn(receiver::serve(listener, store.clone(), alerts_tx, stop));
        tokio::spawn(async move {
            while alerts_rx.recv().await.is_some() {
                let read = store.clone();
                let Ok(Ok(alerts)) = tokio::task::spawn_blocking(move || read.alerts(8)).await else {
                    continue;
                };
                if tx.send(Msg::AlertsLoaded { alerts }).await.is_err() {
                    break;
                }
            }
        });
    }
}
