//! flightdeck's Alertmanager webhook receiver (`flightdeck alerts listen ADDR`): `POST /alerts`
//! with Alertmanager's webhook JSON; each alert, firing or resolved, is stored (`alerts` table) and
//! sent on a channel for the caller to print. Bodies are capped at 1 MiB; connections at 30 s and
//! at [`MAX_CONNECTIONS`] at once (memory stays bounded under a flood); a POST carries at most
//! [`MAX_ALERTS`] alerts; each stored text is cut at [`MAX_FIELD`] characters; the status must
//! be `firing` or `resolved`; only the newest [`KEEP_ALERTS`] alerts are kept.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde::Deserialize;
use std::sync::Arc;
use tokio::net::TcpListener;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::store::{AlertRecord, Store};
use crate::time::now;

const MAX_BODY: usize = 1 << 20;
const CONNECTION_LIMIT: Duration = Duration::from_secs(30);
/// A request's head must arrive within this, its body within [`BODY_LIMIT`]: a client that
/// drips bytes holds a connection slot only that long.
const HEAD_LIMIT: Duration = Duration::from_secs(5);
const BODY_LIMIT: Duration = Duration::from_secs(10);
/// Connections served at once (each buffers at most 1 MiB); more wait in the listen backlog.
pub const MAX_CONNECTIONS: usize = 32;
/// Alerts accepted in one POST (Alertmanager's `max_alerts` in the webhook config bounds it).
pub const MAX_ALERTS: usize = 1000;
/// Characters kept of each stored text (alert name, monitor, summary, times, fingerprint).
pub const MAX_FIELD: usize = 1024;
/// Alerts kept in the store; older ones are dropped as new ones arrive.
pub const KEEP_ALERTS: i64 = 10_000;

#[derive(Debug, Deserialize)]
struct Webhook {
    #[serde(default)]
    alerts: Vec<Alert>,
}

#[derive(Debug, Deserialize)]
struct Alert {
    status: String,
    #[serde(default)]
    labels: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    annotations: std::collections::BTreeMap<String, String>,
    #[serde(default, rename = "startsAt")]
    starts_at: String,
    #[serde(default, rename = "endsAt")]
    ends_at: String,
    #[serde(default)]
    fingerprint: String,
}

/// `text` cut to [`MAX_FIELD`] characters (a cut one ends in `…`).
fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_FIELD) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

fn record(a: &Alert) -> Result<AlertRecord, String> {
    if a.status != "firing" && a.status != "resolved" {
        return Err(format!(
            "alert status {:?} is neither \"firing\" nor \"resolved\"",
            crate::sanitize::one_line(&cut(&a.status))
        ));
    }
    Ok(AlertRecord {
        id: 0,
        received_at: now(),
        fingerprint: cut(&a.fingerprint),
        alertname: cut(a.labels.get("alertname").map_or("", String::as_str)),
        monitor: a.labels.get("monitor").map(|m| cut(m)),
        status: a.status.clone(),
        summary: a.annotations.get("summary").map(|m| cut(m)),
        starts_at: cut(&a.starts_at),
        ends_at: cut(&a.ends_at),
    })
}

/// The records of a webhook's alerts, or the reason the POST is refused.
fn records(hook: &Webhook) -> Result<Vec<AlertRecord>, (StatusCode, String)> {
    if hook.alerts.len() > MAX_ALERTS {
        let why = format!(
            "{} alerts in one POST; at most {MAX_ALERTS} are accepted (set max_alerts in Alertmanager's webhook_config)\n",
            hook.alerts.len()
        );
        return Err((StatusCode::PAYLOAD_TOO_LARGE, why));
    }
    hook.alerts
        .iter()
        .map(record)
        .collect::<Result<_, _>>()
        .map_err(|e| (StatusCode::BAD_REQUEST, format!("{e}\n")))
}

fn reply(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(text.to_string())));
    *r.status_mut() = status;
    r
}

async fn handle(
    req: Request<Incoming>,
    store: Store,
    tx: mpsc::Sender<AlertRecord>,
) -> Response<Full<Bytes>> {
    if req.method() != Method::POST || req.uri().path() != "/alerts" {
        return reply(StatusCode::NOT_FOUND, "POST /alerts\n");
    }
    let body = match tokio::time::timeout(BODY_LIMIT, Limited::new(req.into_body(), MAX_BODY).collect()).await
    {
        Err(_) => return reply(StatusCode::REQUEST_TIMEOUT, "body not received within 10 s\n"),
        Ok(Err(_)) => return reply(StatusCode::PAYLOAD_TOO_LARGE, "body over 1 MiB or cut\n"),
        Ok(Ok(b)) => b,
    };
    let hook: Webhook = match serde_json::from_slice(&body.to_bytes()) {
        Ok(h) => h,
        Err(e) => return reply(StatusCode::BAD_REQUEST, &format!("not an Alertmanager webhook: {e}\n")),
    };
    let recs = match records(&hook) {
        Ok(r) => r,
        Err((status, why)) => return reply(status, &why),
    };
    if let Err(e) = store.add_alerts(recs.clone(), KEEP_ALERTS).await {
        return reply(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e}\n"));
    }
    for rec in recs {
        let _ = tx.send(rec).await;
    }
    reply(StatusCode::OK, "ok\n")
}

/// Binds `addr`; the bound address is returned before serving starts.
pub async fn bind(addr: &str) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

/// Serves webhooks on `listener` until `stop` is cancelled; stored alerts also go to `tx`.
pub async fn serve(
    listener: TcpListener,
    store: Store,
    tx: mpsc::Sender<AlertRecord>,
    stop: CancellationToken,
) {
    let mut conns = JoinSet::new();
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = tokio::select! {
            () = stop.cancelled() => break,
            p = Arc::clone(&slots).acquire_owned() => p,
        };
        let Ok(permit) = permit else { break };
        tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let (store, tx) = (store.clone(), tx.clone());
                conns.spawn(async move {
                    let _permit = permit;
                    let service = service_fn(move |req| {
                        let (store, tx) = (store.clone(), tx.clone());
                        async move { Ok::<_, Infallible>(handle(req, store, tx).await) }
                    });
                    let conn = hyper::server::conn::http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(HEAD_LIMIT)
                        .keep_alive(false)
                        .serve_connection(TokioIo::new(stream), service);
                    let _ = tokio::time::timeout(CONNECTION_LIMIT, conn).await;
                });
            }
        }
        while conns.try_join_next().is_some() {}
    }
    conns.abort_all();
}
