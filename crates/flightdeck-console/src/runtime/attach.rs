//! The console as a runner client: starting, resuming, answering and cancelling runs through the
//! runner, and following a run's events (reattaching from the last event seen if the stream breaks).
//! Quitting the console only drops these connections: the runs go on in the runner.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::msg::Msg;
use flightdeck_core::engine::Event;
use flightdeck_core::runner::protocol::{Cursor, Request, Response};
use flightdeck_core::runner::replay::{self, LogFill, Want};
use flightdeck_core::runner::{Client, Connect};
use flightdeck_core::store::Store;
use flightdeck_core::store::records::StepRecord;

/// How many times a follower reconnects after its stream broke.
const RECONNECTS: u32 = 20;

/// Sends one request over a new connection and returns its response.
pub(super) async fn request(connect: &Connect, req: &Request) -> Result<Response, String> {
    let mut client = Client::connect(connect).await.map_err(|e| e.to_string())?;
    client.call(req).await.map_err(|e| e.to_string())
}

/// The run id of a `Started` response, or the error it carries.
pub(super) fn started(resp: Result<Response, String>) -> Result<String, String> {
    match resp? {
        Response::Started { run, .. } => Ok(run),
        Response::Error { message, .. } => Err(message),
        other => Err(format!("unexpected answer from the runner: {other:?}")),
    }
}

/// Follows a run: its events arrive as `Msg::Engine` until it ends or the console quits.
pub(super) fn follow(connect: Connect, run: String, tx: mpsc::Sender<Msg>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut cursor: Option<Cursor> = None;
        let mut fill = LogFill::new();
        for _ in 0..=RECONNECTS {
            let Ok(mut client) = Client::connect(&connect).await else {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                continue;
            };
            if client.send(&Request::Attach { run: run.clone(), from: cursor }).await.is_err() {
                continue;
            }
            loop {
                match client.next().await {
                    Ok(Some(Response::Event { event })) => {
                        if cursor.is_some_and(|c| Cursor::of(&event) <= c) {
                            continue;
                        }
                        cursor = Some(Cursor::of(&event));
                        if let Some(want) = fill.before(&event)
                            && replay_log(&connect, &event, &want, &tx).await.is_err()
                        {
                            return;
                        }
                        if tx.send(Msg::Engine(event)).await.is_err() {
                            return;
                        }
                    }
                    Ok(Some(Response::Ended { .. })) => return,
                    Ok(Some(Response::Error { message, .. })) => {
                        let _ = tx.send(Msg::Notice { text: message }).await;
                        return;
                    }
                    _ => break,
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        let text = format!("lost the runner while following run {run}; open it again from the runs list");
        let _ = tx.send(Msg::Notice { text }).await;
    })
}

/// Sends the log of `step` read through the runner, as lines before `at` (its end in a stream
/// replayed from the journal, which holds no output lines). Err when the console is gone.
async fn replay_log(connect: &Connect, at: &Event, want: &Want, tx: &mpsc::Sender<Msg>) -> Result<(), ()> {
    let read = match Client::connect(connect).await {
        Ok(mut client) => replay::read_log(&mut client, &at.run, &want.step).await,
        Err(e) => Err(e.to_string()),
    };
    match read {
        Ok(bytes) => {
            for line in replay::lines(at, want, &bytes) {
                tx.send(Msg::Engine(line)).await.map_err(|_| ())?;
            }
        }
        Err(e) => {
            let text = format!("cannot read the log of step {}: {e}", want.step);
            tx.send(Msg::Notice { text }).await.map_err(|_| ())?;
        }
    }
    Ok(())
}

/// The journal of a stored run with its steps' output lines read from their log files (missing
/// files read as empty), each step's lines before its end, as an attached client shows them.
pub(super) fn with_logs(events: Vec<Event>, steps: &[StepRecord]) -> Vec<Event> {
    let mut fill = LogFill::new();
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        if let Some(want) = fill.before(&e)
            && let Some(path) = steps.iter().find(|r| r.step == want.step).and_then(|r| r.log_path.as_ref())
        {
            out.extend(replay::lines(&e, &want, &replay::read_log_file(std::path::Path::new(path))));
        }
        out.push(e);
    }
    out
}

/// Asks a runner that is already running for the runs (none is started just to look); they
/// arrive as `Msg::RunsLoaded`. With no runner, no run can change, but one that just finished
/// may have ended with its runner: `last_look` (given while the list shows an active run) reads
/// the final states from the store once. Bounded: a runner silent for 5 s is asked next time.
pub(super) fn watch_runs(connect: Connect, tx: mpsc::Sender<Msg>, last_look: Option<Store>) {
    tokio::spawn(async move {
        let ask = async {
            let Ok(mut client) = Client::connect_existing(&connect).await else { return Err(()) };
            match client.call(&Request::ListRuns { limit: 200 }).await {
                Ok(Response::Runs { runs }) => Ok(Some(runs)),
                _ => Ok(None),
            }
        };
        let runs = match tokio::time::timeout(std::time::Duration::from_secs(5), ask).await {
            Ok(Ok(runs)) => runs,
            Ok(Err(())) => match last_look {
                Some(store) => {
                    tokio::task::spawn_blocking(move || stored_runs(&store).ok()).await.ok().flatten()
                }
                None => None,
            },
            Err(_) => None,
        };
        if let Some(runs) = runs {
            let _ = tx.send(Msg::RunsLoaded { runs }).await;
        }
    });
}

/// The stored runs as the runner lists them (without plans).
pub(super) fn stored_runs(store: &Store) -> Result<Vec<flightdeck_core::store::records::RunRecord>, String> {
    let filter = flightdeck_core::store::RunFilter { limit: 200, ..Default::default() };
    let mut runs = store.runs(&filter).map_err(|e| e.to_string())?;
    for r in &mut runs {
        r.plan_json.clear();
    }
    Ok(runs)
}
