//! flightdeck's Alertmanager webhook receiver (`flightdeck alerts listen ADDR`): `POST /alerts`
//! with Alertmanager's webhook JSON; each alert, firing or resolved, is stored (`alerts` table) and
//! sent on a channel for the caller to print. Bodies are capped at 1 MiB; connections at 30 s.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::store::{AlertRecord, Store};
use crate::time::now;

const MAX_BODY: usize = 1 << 20;
const CONNECTION_LIMIT: Duration = Duration::from_secs(30);

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

fn record(a: Alert) -> AlertRecord {
    AlertRecord {
        id: 0,
        received_at: now(),
        fingerprint: a.fingerprint,
        alertname: a.labels.get("alertname").cloned().unwrap_or_default(),
        monitor: a.labels.get("monitor").cloned(),
        status: a.status,
        summary: a.annotations.get("summary").cloned(),
        starts_at: a.starts_at,
        ends_at: a.ends_at,
    }
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
    let Ok(body) = Limited::new(req.into_body(), MAX_BODY).collect().await else {
        return reply(StatusCode::PAYLOAD_TOO_LARGE, "body too large or cut\n");
    };
    let hook: Webhook = match serde_json::from_slice(&body.to_bytes()) {
        Ok(h) => h,
        Err(e) => return reply(StatusCode::BAD_REQUEST, &format!("not an Alertmanager webhook: {e}\n")),
    };
    for a in hook.alerts {
        let rec = record(a);
        if let Err(e) = store.add_alert(&rec).await {
            return reply(StatusCode::INTERNAL_SERVER_ERROR, &format!("{e}\n"));
        }
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
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let (store, tx) = (store.clone(), tx.clone());
                conns.spawn(async move {
                    let service = service_fn(move |req| {
                        let (store, tx) = (store.clone(), tx.clone());
                        async move { Ok::<_, Infallible>(handle(req, store, tx).await) }
                    });
                    let conn = hyper::server::conn::http1::Builder::new()
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
