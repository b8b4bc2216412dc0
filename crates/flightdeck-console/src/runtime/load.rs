//! Running the Load screen's test: builds the plan from `Effect::StartLoad`, refuses a remote target
//! in a production environment, runs `load::run` on its own task with a `watch` channel and a cancel
//! token kept on the console, forwards snapshots at most [`FORWARD_EVERY`] (the view draws from the
//! latest one at the console's frame rate and never waits on the workers), then settles the report
//! (store, baseline) the way `flightdeck load` does and sends `Msg::LoadFinished`.

use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::app::load::spec_of;
use crate::msg::{Effect, Msg};
use crate::runtime::Console;
use flightdeck_core::load::{self, LoadPlan, LoadSpec, Snapshot};
use flightdeck_core::store::Store;

/// The shortest time between two snapshots sent to the console (about 5 a second).
pub const FORWARD_EVERY: Duration = Duration::from_millis(200);

impl Console {
    /// `StartLoad` and `CancelLoad`.
    pub(super) fn load_effect(&mut self, effect: &Effect) -> Vec<Msg> {
        if *effect == Effect::CancelLoad { self.cancel_load() } else { self.start_load(effect) }
    }

    /// Starts the test an `Effect::StartLoad` describes.
    fn start_load(&mut self, effect: &Effect) -> Vec<Msg> {
        if self.load.as_ref().is_some_and(|(_, task)| !task.is_finished()) {
            return vec![Msg::Notice { text: "a load test is already running: x cancels it".into() }];
        }
        let Some(spec) = spec_of(effect) else { return Vec::new() };
        let plan = match self.checked_plan(&spec, effect) {
            Ok(plan) => plan,
            Err(e) => return vec![Msg::LoadFinished { report: Err(e) }],
        };
        let cancel = CancellationToken::new();
        let (progress, view) = watch::channel(Snapshot::default());
        tokio::spawn(forward(view, self.tx.clone()));
        let (store, tx, token) = (self.store.clone(), self.tx.clone(), cancel.clone());
        let task = tokio::spawn(async move {
            let report = run(plan, progress, token, store.as_ref(), &spec).await;
            let _ = tx.send(Msg::LoadFinished { report }).await;
        });
        self.load = Some((cancel, task));
        Vec::new()
    }

    /// Cancels the running test (its report still comes back, marked cancelled).
    fn cancel_load(&mut self) -> Vec<Msg> {
        match &self.load {
            Some((cancel, task)) if !task.is_finished() => {
                cancel.cancel();
                Vec::new()
            }
            _ => vec![Msg::Notice { text: "no load test is running".into() }],
        }
    }

    /// The plan, or why it cannot run here: a non-loopback target in a production environment is
    /// refused (the headless `flightdeck load --env ... --yes` can confirm it).
    fn checked_plan(&self, spec: &LoadSpec, effect: &Effect) -> Result<LoadPlan, String> {
        let plan = spec.plan().map_err(|e| e.to_string())?;
        let Effect::StartLoad { environment, .. } = effect else { return Ok(plan) };
        let production = self.ctx.config.environment(environment).is_ok_and(|e| e.production);
        if production && !plan.target.is_loopback() {
            return Err(format!(
                "refused: {} is outside this host and {environment} is a production environment \
                 (use `flightdeck load --env {environment} --yes` to confirm)",
                plan.target.url
            ));
        }
        Ok(plan)
    }
}

/// Runs the test and settles its report (saved in the store, compared with the baseline; neither
/// without a store).
async fn run(
    plan: LoadPlan,
    progress: watch::Sender<Snapshot>,
    cancel: CancellationToken,
    store: Option<&Store>,
    spec: &LoadSpec,
) -> Result<Box<load::Report>, String> {
    let mut report = load::run(plan, progress, cancel).await.map_err(|e| e.to_string())?;
    // A client-only console cannot write the runner's store: its report is shown, not saved.
    if let Some(store) = store {
        load::spec::settle(store, spec, &mut report, None).map_err(|e| e.to_string())?;
    }
    Ok(Box::new(report))
}

/// Sends the latest snapshot at most every [`FORWARD_EVERY`] until the test drops its sender.
async fn forward(mut view: watch::Receiver<Snapshot>, tx: mpsc::Sender<Msg>) {
    while view.changed().await.is_ok() {
        let snapshot = Box::new(view.borrow_and_update().clone());
        if snapshot.finished {
            break;
        }
        if tx.send(Msg::LoadProgress { snapshot }).await.is_err() {
            break;
        }
        tokio::time::sleep(FORWARD_EVERY).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A keep-alive HTTP/1.1 server answering every request with `200 ok`.
    async fn server() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = vec![0_u8; 4096];
                    while let Ok(n) = sock.read(&mut buf).await {
                        let requests = buf[..n].windows(4).filter(|w| w == b"\r\n\r\n").count();
                        let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".repeat(requests);
                        if n == 0 || sock.write_all(&answer).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        format!("http://{addr}/")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_console_test_forwards_snapshots_then_settles_its_report() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let effect = Effect::StartLoad {
            url: server().await,
            connections: 2,
            duration: "1s".into(),
            rate: None,
            profile: None,
            thresholds: vec!["error_rate < 1%".into()],
            baseline: None,
            environment: "local".into(),
        };
        let spec = spec_of(&effect).unwrap();
        let (progress, view) = watch::channel(Snapshot::default());
        let (tx, mut rx) = mpsc::channel(64);
        let forwarder = tokio::spawn(forward(view, tx));
        let report =
            run(spec.plan().unwrap(), progress, CancellationToken::new(), Some(&store), &spec).await.unwrap();
        forwarder.await.unwrap();
        let mut snapshots = 0;
        while let Ok(m) = rx.try_recv() {
            assert!(matches!(m, Msg::LoadProgress { .. }));
            snapshots += 1;
        }
        // How many depends on the machine's speed; the throttle itself is tested on paused time.
        assert!(snapshots >= 1, "no snapshot forwarded");
        assert!(report.stats.responses > 0 && report.passed(), "{report:?}");
    }

    /// The throttle on paused time: the first snapshot goes at once, those published within
    /// [`FORWARD_EVERY`] after it collapse into the latest, and the final one is not forwarded.
    #[tokio::test(start_paused = true)]
    async fn forward_sends_at_most_one_snapshot_per_interval_and_stops_at_the_final_one() {
        let (progress, view) = watch::channel(Snapshot::default());
        let (tx, mut rx) = mpsc::channel(64);
        let forwarder = tokio::spawn(forward(view, tx));
        let snap = |requests, finished| Snapshot { requests, finished, ..Snapshot::default() };
        let requests = |m: Msg| match m {
            Msg::LoadProgress { snapshot } => snapshot.requests,
            other => panic!("not progress: {other:?}"),
        };
        progress.send_replace(snap(1, false));
        assert_eq!(requests(rx.recv().await.unwrap()), 1);
        for n in 2..=4 {
            progress.send_replace(snap(n, false));
            tokio::time::advance(FORWARD_EVERY / 10).await;
        }
        assert!(rx.try_recv().is_err(), "nothing more within the interval");
        tokio::time::advance(FORWARD_EVERY).await;
        assert_eq!(requests(rx.recv().await.unwrap()), 4, "only the latest of the interval");
        tokio::time::advance(FORWARD_EVERY).await;
        progress.send_replace(snap(5, true));
        forwarder.await.unwrap();
        assert!(rx.recv().await.is_none(), "the final snapshot is not forwarded");
    }
}
