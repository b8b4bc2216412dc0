//! Worker threads: each runs a current-thread tokio runtime driving its share of the connections.
//! A connection loops: wait until it is active (ramps) and, in the open model, until the intended
//! send time; send; record into its thread's [`Tally`] (latency from the intended time).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::load::http1::{self, Answer};
use crate::load::plan::{LoadPlan, Model, Stage, Stop, stage_value};
use crate::load::stats::Tally;
use crate::load::tls::Tls;
use crate::load::{ErrorClass, LoadError, http2};

/// What every worker thread shares.
#[derive(Debug)]
pub struct Shared {
    pub addr: SocketAddr,
    pub tls: Option<Tls>,
    pub request: Vec<u8>,
    pub h2: Option<http2::Template>,
    pub head_only: bool,
    pub model: Model,
    pub stages: Vec<Stage>,
    pub connections: usize,
    pub threads: usize,
    pub budget: Option<u64>,
    pub timeout: Duration,
    /// One tally per worker thread.
    pub tallies: Vec<Mutex<Tally>>,
    /// One open-model schedule per worker thread: seconds from `start` of its next intended send.
    schedules: Vec<Mutex<f64>>,
    /// Requests taken from the budget.
    pub issued: AtomicU64,
    pub stop: CancellationToken,
    pub start: Instant,
}

impl Shared {
    /// Prepares the shared state for a validated plan.
    pub fn new(
        plan: &LoadPlan,
        addr: SocketAddr,
        stop: CancellationToken,
        start: Instant,
    ) -> Result<Shared, LoadError> {
        let threads = plan.threads.min(plan.connections).max(1);
        let h2 = if plan.http2 { Some(http2::Template::new(plan)?) } else { None };
        #[allow(clippy::cast_precision_loss)]
        let schedules = (0..threads).map(|w| Mutex::new(w as f64 / first_rate(plan).max(1e-9))).collect();
        Ok(Shared {
            addr,
            tls: Tls::of(plan)?,
            request: http1::request_bytes(plan),
            h2,
            head_only: plan.method == "HEAD",
            model: plan.model,
            stages: plan.stages.clone(),
            connections: plan.connections,
            threads,
            budget: match plan.stop {
                Stop::Requests(n) => Some(n),
                Stop::Duration(_) => None,
            },
            timeout: plan.timeout,
            tallies: (0..threads).map(|_| Mutex::new(Tally::default())).collect(),
            schedules,
            issued: AtomicU64::new(0),
            stop,
            start,
        })
    }

    /// The level the stages ask for now (connections or rate), if there are stages.
    fn level(&self, now: Instant) -> Option<f64> {
        stage_value(&self.stages, now - self.start)
    }

    /// Takes one request from the budget; false when it is spent.
    fn take(&self) -> bool {
        self.budget.is_none_or(|n| self.issued.fetch_add(1, Ordering::Relaxed) < n)
    }

    /// The next intended send time of worker `w` (open model), advancing its schedule.
    fn next_send(&self, w: usize, rate: f64) -> Instant {
        let mut next = self.schedules[w].lock().unwrap_or_else(PoisonError::into_inner);
        let at = *next;
        #[allow(clippy::cast_precision_loss)]
        let per_worker =
            self.level(self.start + Duration::from_secs_f64(at)).unwrap_or(rate) / self.threads as f64;
        // While a ramp asks for (almost) nothing, look again 10 ms later.
        *next += if per_worker > 0.01 { 1.0 / per_worker } else { 0.01 };
        self.start + Duration::from_secs_f64(at)
    }
}

fn first_rate(plan: &LoadPlan) -> f64 {
    match plan.model {
        Model::Open { rate } => {
            stage_value(&plan.stages, Duration::ZERO).filter(|r| *r > 0.0).unwrap_or(rate)
        }
        Model::Closed => 1.0,
    }
}

/// Starts the worker threads; the receiver fires once all have finished.
pub fn spawn_workers(shared: &Arc<Shared>) -> Result<oneshot::Receiver<()>, LoadError> {
    let mut handles = Vec::with_capacity(shared.threads);
    for w in 0..shared.threads {
        let conns: Vec<usize> = (w..shared.connections).step_by(shared.threads).collect();
        let shared = Arc::clone(shared);
        let handle = std::thread::Builder::new()
            .name(format!("flightdeck-load-{w}"))
            .spawn(move || worker_thread(&shared, w, &conns))
            .map_err(|e| LoadError::Spawn(e.to_string()))?;
        handles.push(handle);
    }
    let (tx, rx) = oneshot::channel();
    std::thread::Builder::new()
        .name("flightdeck-load-join".into())
        .spawn(move || {
            for h in handles {
                let _ = h.join();
            }
            let _ = tx.send(());
        })
        .map_err(|e| LoadError::Spawn(e.to_string()))?;
    Ok(rx)
}

fn worker_thread(shared: &Arc<Shared>, w: usize, conns: &[usize]) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        shared.stop.cancel();
        return;
    };
    rt.block_on(async {
        // One child token per thread: waiting on it never contends with other threads.
        let stop = shared.stop.child_token();
        let mut set = tokio::task::JoinSet::new();
        for &i in conns {
            set.spawn(connection(Arc::clone(shared), stop.clone(), w, i));
        }
        while set.join_next().await.is_some() {}
    });
}

/// A live connection of either protocol.
enum Conn {
    H1(http1::Conn),
    H2(http2::Conn),
}

/// Opens a connection and records how long it took.
async fn open(shared: &Shared, w: usize) -> Result<Conn, ErrorClass> {
    let start = std::time::Instant::now();
    let conn = match shared.h2 {
        Some(_) => http2::Conn::connect(shared.addr, shared.tls.as_ref()).await.map(Conn::H2),
        None => http1::Conn::connect(shared.addr, shared.tls.as_ref()).await.map(Conn::H1),
    }?;
    let us = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
    shared.tallies[w].lock().unwrap_or_else(PoisonError::into_inner).connected(us);
    Ok(conn)
}

async fn exchange(shared: &Shared, w: usize, conn: &mut Option<Conn>) -> Result<Answer, ErrorClass> {
    if conn.is_none() {
        *conn = Some(open(shared, w).await?);
    }
    let answer = match (conn.as_mut(), &shared.h2) {
        (Some(Conn::H1(c)), _) => c.send(&shared.request, shared.head_only).await,
        (Some(Conn::H2(c)), Some(t)) => c.send(t).await,
        _ => Err(ErrorClass::Other),
    };
    if answer.as_ref().map_or(true, |a| a.close) {
        *conn = None;
    }
    answer
}

/// One connection's loop.
async fn connection(shared: Arc<Shared>, stop: CancellationToken, w: usize, index: usize) {
    let mut conn: Option<Conn> = None;
    while !stop.is_cancelled() {
        if !active(&shared, index) {
            conn = None;
            tokio::select! { () = stop.cancelled() => break, () = tokio::time::sleep(Duration::from_millis(10)) => continue }
        }
        if !shared.take() {
            break;
        }
        let intended = match shared.model {
            Model::Closed => Instant::now(),
            Model::Open { rate } => {
                let at = shared.next_send(w, rate);
                tokio::select! { () = stop.cancelled() => break, () = tokio::time::sleep_until(at) => at }
            }
        };
        let out = tokio::select! {
            biased;
            () = stop.cancelled() => {
                shared.tallies[w].lock().unwrap_or_else(PoisonError::into_inner).unanswered += 1;
                break;
            }
            r = tokio::time::timeout(shared.timeout, exchange(&shared, w, &mut conn)) => r,
        };
        record(&shared, w, intended, &out, &mut conn);
    }
}

fn record(
    shared: &Shared,
    w: usize,
    intended: Instant,
    out: &Result<Result<Answer, ErrorClass>, tokio::time::error::Elapsed>,
    conn: &mut Option<Conn>,
) {
    let sent = shared.request.len() as u64;
    let latency = u64::try_from(intended.elapsed().as_micros()).unwrap_or(u64::MAX);
    let mut t = shared.tallies[w].lock().unwrap_or_else(PoisonError::into_inner);
    match out {
        Ok(Ok(a)) => {
            t.response(a.status, latency, a.bytes, sent);
            t.first_byte(a.first_byte_us);
        }
        Ok(Err(class)) => t.error(*class, sent),
        Err(_) => {
            *conn = None;
            t.error(ErrorClass::Timeout, sent);
        }
    }
}

/// In the closed model with stages, connection `index` works only while the ramp asks for more
/// than `index` connections; in the open model every connection is available.
fn active(shared: &Shared, index: usize) -> bool {
    if shared.stages.is_empty() {
        return true;
    }
    match (shared.model, shared.level(Instant::now())) {
        #[allow(clippy::cast_precision_loss)]
        (Model::Closed, Some(level)) => (index as f64) < level.ceil(),
        _ => true,
    }
}
