//! `[alerts] listen` inside the console: while it is open, the console receives Alertmanager's
//! webhooks itself (the same receiver as `flightdeck alerts listen`), stores each alert and
//! reloads the Health screen's list at once. Also where the Health screen's received alerts come
//! from: the store, or the runner in client-only mode.

use crate::msg::Msg;
use crate::runtime::Console;
use flightdeck_core::monitoring::receiver;
use flightdeck_core::store::{AlertRecord, Store};

/// How many received alerts the Health screen shows.
const SHOWN: usize = 8;

/// Where the Health screen's received alerts are read.
pub(super) enum AlertsSource {
    /// The store, read directly.
    Store(Store),
    /// The runner (client-only mode), asked at most every few seconds.
    Runner(flightdeck_core::runner::Connect, std::sync::Mutex<Option<tokio::time::Instant>>),
}

/// The least time between two reads of the alerts through the runner.
const RUNNER_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

impl AlertsSource {
    /// The newest alerts, or `None` when they cannot be read (or the runner was asked just now).
    pub(super) async fn read(&self) -> Option<Vec<AlertRecord>> {
        match self {
            AlertsSource::Store(store) => store.alerts(SHOWN).ok(),
            AlertsSource::Runner(connect, last) => {
                {
                    let mut last = last.lock().ok()?;
                    if last.is_some_and(|at| at.elapsed() < RUNNER_EVERY) {
                        return None;
                    }
                    *last = Some(tokio::time::Instant::now());
                }
                super::remote::alerts(connect, SHOWN).await
            }
        }
    }
}

impl Console {
    /// Where this console reads received alerts.
    pub(super) fn alerts_source(&self) -> AlertsSource {
        match &self.store {
            Some(store) => AlertsSource::Store(store.clone()),
            None => AlertsSource::Runner(self.ctx.connect("console"), std::sync::Mutex::new(None)),
        }
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
