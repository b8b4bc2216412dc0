//! One client connection: the handshake, then requests until the client leaves. Every request is
//! attributed to the socket peer's uid (`SO_PEERCRED`) and its passwd name, never to anything the
//! client says. A client that leaves detaches: nothing it started stops.

use std::sync::Arc;

use serde_json::json;
use tokio::io::BufReader;
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};

use crate::engine::{Decision, Reply, Stamped};
use crate::error::exit;
use crate::identity::Operator;
use crate::runner::protocol::{
    Cursor, Hello, MAX_REQUEST, PROTOCOL, Request, Response, read_line_max, write_line,
};
use crate::runner::server::{MAX_PER_UID, Server};

/// How long a client has to say hello before the runner hangs up.
const HELLO_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

type Reader = BufReader<OwnedReadHalf>;

/// Serves one connection to its end.
pub async fn handle(server: Arc<Server>, stream: UnixStream) {
    let mut guard = server.client();
    let peer = match stream.peer_cred() {
        Ok(c) => operator_of(c.uid()),
        Err(e) => return server.log(&format!("cannot read the peer's credentials: {e}")),
    };
    let (r, mut w) = stream.into_split();
    // One user's connections are bounded (each buffers at most one request line), so one
    // operator flooding the socket cannot exhaust the runner's memory or descriptors.
    let Some(_slot) = server.slot(peer.uid) else {
        let msg = format!(
            "refused: {} already has {MAX_PER_UID} connections open to this runner; close some and try again",
            peer.name
        );
        let _ = write_line(&mut w, &Response::error(exit::PRECONDITION, msg)).await;
        return;
    };
    let mut r = BufReader::new(r);
    let mut buf = String::new();
    if !handshake(&server, &mut r, &mut w, &mut buf).await {
        return;
    }
    loop {
        let req: Request = match read_line_max(&mut r, &mut buf, MAX_REQUEST).await {
            // The line may have carried a value typed at a secret prompt: wipe it.
            Ok(Some(req)) => {
                zeroize::Zeroize::zeroize(&mut buf);
                req
            }
            Ok(None) => return,
            Err(e) => {
                let _ = write_line(&mut w, &Response::error(exit::USAGE, e.to_string())).await;
                return;
            }
        };
        if !is_read(&req) {
            guard.busy();
        }
        let ok = match req {
            Request::Attach { run, from } => attach(&server, &mut r, &mut w, &run, from).await,
            other => {
                let resp = dispatch(&server, &peer, other).await;
                write_line(&mut w, &resp).await.is_ok()
            }
        };
        if !ok {
            return;
        }
    }
}

/// A request that only reads (the runs list, a history query): it does not count as activity
/// for the runner's idle exit.
fn is_read(req: &Request) -> bool {
    matches!(req, Request::ListRuns { .. } | Request::Query { .. })
}

/// The passwd identity of a uid (`uid:N` when it has no name).
pub fn operator_of(uid: u32) -> Operator {
    let name = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid))
        .ok()
        .flatten()
        .map_or_else(|| format!("uid:{uid}"), |u| u.name);
    Operator { uid, name }
}

async fn handshake(server: &Server, r: &mut Reader, w: &mut OwnedWriteHalf, buf: &mut String) -> bool {
    let read = tokio::time::timeout(HELLO_WAIT, read_line_max(r, buf, MAX_REQUEST)).await;
    let hello: Hello = match read.unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into())) {
        Ok(Some(h)) => h,
        Ok(None) => return false,
        Err(e) => {
            let msg = format!("expected a hello (protocol {PROTOCOL}): {e}");
            let _ = write_line(w, &Response::error(exit::USAGE, msg)).await;
            return false;
        }
    };
    if hello.protocol != PROTOCOL {
        let msg = format!(
            "this runner speaks protocol {PROTOCOL} and the client {} speaks {}: use the same flightdeck build for both (restart the runner after an upgrade)",
            hello.client, hello.protocol
        );
        let _ = write_line(w, &Response::error(exit::PRECONDITION, msg)).await;
        return false;
    }
    let welcome = Response::Welcome {
        protocol: PROTOCOL,
        runner_pid: std::process::id(),
        project_dir: server.project_dir.display().to_string(),
    };
    write_line(w, &welcome).await.is_ok()
}

async fn dispatch(server: &Arc<Server>, peer: &Operator, req: Request) -> Response {
    match req {
        Request::Start { workflow, env, params, options } => {
            server.start(peer.clone(), &workflow, env.as_deref(), &params, options).await
        }
        Request::Resume { run, options } => server.resume(peer.clone(), &run, options).await,
        Request::Decide { run, decision } => decide(server, peer, &run, decision).await,
        Request::Cancel { run } => cancel(server, peer, &run).await,
        Request::Incident { incident, at, action } => server.incident(peer, &incident, at, action).await,
        Request::ListRuns { limit } => {
            let filter = crate::store::RunFilter { limit, ..crate::store::RunFilter::default() };
            match server.store.runs(&filter) {
                // A list carries no plans: a plan can be tens of kB, and a long history of them
                // would exceed the message limit (`flightdeck show RUN` reads one).
                Ok(mut runs) => {
                    for r in &mut runs {
                        r.plan_json.clear();
                    }
                    Response::Runs { runs }
                }
                Err(e) => Response::error(exit::INTERNAL, e.to_string()),
            }
        }
        Request::Query { query } => server.query(query).await,
        Request::Assess { environment } => server.assess_for(peer, environment).await,
        Request::Attach { .. } => Response::error(exit::INTERNAL, "attach is served by the connection"),
    }
}

/// Resolves a run id or prefix to a stored id.
fn resolve(server: &Server, run: &str) -> Result<String, Box<Response>> {
    match server.store.run(run) {
        Ok(Some(r)) => Ok(r.id),
        Ok(None) => {
            Err(Box::new(Response::error(exit::USAGE, format!("no run {run:?}: see `flightdeck runs`"))))
        }
        Err(e) => Err(Box::new(Response::error(exit::USAGE, e.to_string()))),
    }
}

async fn decide(server: &Server, peer: &Operator, run: &str, decision: Decision) -> Response {
    let id = match resolve(server, run) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    let Some(live) = server.live(&id) else {
        let reply =
            Reply::refused(format!("run {id} is not live in this runner (it ended or is interrupted)"));
        server
            .audit(
                peer,
                "decision.refused",
                Some(&id),
                json!({ "decision": decision.for_record(), "reason": reply.message }),
            )
            .await;
        return Response::Decided { reply };
    };
    let decision = match crate::runner::prompt::with_open_prompt(decision, &live) {
        Ok(d) => d,
        Err((d, why)) => {
            let detail = json!({ "decision": d.for_record(), "reason": why });
            server.audit(peer, "secret.prompt.refused", Some(&id), detail).await;
            return Response::Decided { reply: Reply::refused(why) };
        }
    };
    if let Err(why) = failure_open(&decision, live.open_failure().as_deref()) {
        let detail = json!({ "decision": decision.for_record(), "reason": why });
        server.audit(peer, "decision.refused", Some(&id), detail).await;
        return Response::Decided { reply: Reply::refused(why) };
    }
    let decision = match with_open_gate(decision.clone(), live.open_gate().as_deref()) {
        Ok(d) => d,
        Err(why) => {
            server
                .audit(
                    peer,
                    "gate.refused",
                    Some(&id),
                    json!({ "decision": decision.for_record(), "reason": why }),
                )
                .await;
            return Response::Decided { reply: Reply::refused(why) };
        }
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let stamped = Stamped { decision, by: peer.clone(), reply: Some(tx) };
    if live.decisions.send(stamped).await.is_err() {
        return Response::Decided { reply: Reply::refused(format!("run {id} has just ended")) };
    }
    let reply = rx.await.unwrap_or_else(|_| {
        Reply::refused(format!("run {id}: the gate or question closed before the answer reached it"))
    });
    Response::Decided { reply }
}

/// Refuses a failure-menu answer for a menu that is not open now (sent before the step failed, or
/// after the menu closed): like an approval, it counts only for the question open when it arrives.
pub(crate) fn failure_open(d: &Decision, open: Option<&str>) -> Result<(), String> {
    let Decision::OnFailure { step, attempt, .. } = d else { return Ok(()) };
    let asked = format!("{step}#{attempt}");
    match open {
        Some(o) if o == asked => Ok(()),
        Some(o) => Err(format!("not taken: {asked} is not the failure being asked about (that is {o})")),
        None => Err(format!(
            "not taken: the run is not asking what to do after a failure now; an answer counts only for a failure menu that is open when it arrives ({asked})"
        )),
    }
}

/// Fills in the open gate for a gate answer that names none; refuses one for a gate not open now
/// (an approval given before its gate opens, or after it closed, counts for nothing).
pub(crate) fn with_open_gate(d: Decision, open: Option<&str>) -> Result<Decision, String> {
    let fill = |gate: String| -> Result<String, String> {
        match (&open, gate.is_empty()) {
            (Some(o), true) => Ok((*o).to_string()),
            (Some(o), false) if *o == gate => Ok(gate),
            (Some(o), false) => Err(format!("not counted: gate {gate} is not open (the open gate is {o})")),
            (None, _) => Err(
                "not counted: the run is not waiting at a gate now; an answer counts only for a gate that is open when it arrives"
                    .to_string(),
            ),
        }
    };
    Ok(match d {
        Decision::Approve { gate, comment } => Decision::Approve { gate: fill(gate)?, comment },
        Decision::Reject { gate, comment } => Decision::Reject { gate: fill(gate)?, comment },
        Decision::Phrase { gate, text } => Decision::Phrase { gate: fill(gate)?, text },
        Decision::Choose { gate, option } => Decision::Choose { gate: fill(gate)?, option },
        other => other,
    })
}

async fn cancel(server: &Server, peer: &Operator, run: &str) -> Response {
    let id = match resolve(server, run) {
        Ok(id) => id,
        Err(r) => return *r,
    };
    let Some(live) = server.live(&id) else {
        return Response::error(exit::PRECONDITION, format!("run {id} is not live in this runner"));
    };
    server.audit(peer, "run.cancel", Some(&id), json!({ "requested_by": peer.name })).await;
    live.cancel.cancel();
    Response::Done { message: format!("cancelling run {id} (its step gets SIGTERM, then SIGKILL)") }
}

/// Streams a run's events after `from`: earlier lives from the journal, then this runner's, then
/// live ones, then `Ended`. Returns false when the client left.
async fn attach(
    server: &Server,
    r: &mut Reader,
    w: &mut OwnedWriteHalf,
    run: &str,
    from: Option<Cursor>,
) -> bool {
    let id = match resolve(server, run) {
        Ok(id) => id,
        Err(resp) => return write_line(w, &*resp).await.is_ok(),
    };
    let live = server.live_or_ended(&id);
    let sub = live.as_ref().map(|l| l.subscribe(from));
    let held_from = live.as_ref().map_or(u32::MAX, |l| l.life);
    let journal = match server.store.journal(&id) {
        Ok(j) => j,
        Err(e) => return write_line(w, &Response::error(exit::INTERNAL, e.to_string())).await.is_ok(),
    };
    for event in journal.into_iter().filter(|e| e.life < held_from && from.is_none_or(|c| Cursor::of(e) > c))
    {
        if write_line(w, &Response::Event { event }).await.is_err() {
            return false;
        }
    }
    let Some(sub) = sub else { return ended_from_store(server, w, &id).await };
    for event in sub.backlog {
        if write_line(w, &Response::Event { event }).await.is_err() {
            return false;
        }
    }
    let Some(mut rx) = sub.live else {
        let s = sub.ended;
        let status = s.as_ref().map_or(crate::engine::RunStatus::Interrupted, |s| s.status);
        let exit_code = s.as_ref().map_or(status.exit_code(), |s| s.exit_code);
        return write_line(w, &Response::Ended { summary: s, status, exit_code }).await.is_ok();
    };
    stream_live(r, w, &mut rx).await
}

async fn stream_live(
    r: &mut Reader,
    w: &mut OwnedWriteHalf,
    rx: &mut tokio::sync::mpsc::Receiver<Response>,
) -> bool {
    let mut buf = String::new();
    loop {
        tokio::select! {
            msg = rx.recv() => match msg {
                Some(m) => {
                    let end = matches!(m, Response::Ended { .. });
                    if write_line(w, &m).await.is_err() { return false; }
                    if end { return true; }
                }
                // Dropped for lagging: close, the client reattaches from its cursor.
                None => return false,
            },
            // Anything from the client while attached, or its leaving, ends the stream.
            line = read_line_max::<_, serde_json::Value>(r, &mut buf, MAX_REQUEST) => {
                let _ = line;
                return false;
            }
        }
    }
}

/// `Ended` for a run this runner does not hold: its stored state and the exit code the engine
/// stored with it (a refused precondition ends `failed` with exit 8, not the 3 `failed` maps to).
async fn ended_from_store(server: &Server, w: &mut OwnedWriteHalf, id: &str) -> bool {
    let rec = server.store.run(id).ok().flatten();
    let status = rec.as_ref().map_or(crate::engine::RunStatus::Interrupted, |r| r.status);
    let exit_code = stored_exit_code(status, rec.as_ref().and_then(|r| r.exit_code));
    write_line(w, &Response::Ended { summary: None, status, exit_code }).await.is_ok()
}

/// The exit code of a run in `status` whose end stored `stored`: the stored one unless the run is
/// going on (a resume clears it; a runner that died left `running` with none).
pub(crate) fn stored_exit_code(status: crate::engine::RunStatus, stored: Option<i32>) -> i32 {
    use crate::engine::RunStatus;
    match stored {
        Some(code) if !matches!(status, RunStatus::Running | RunStatus::Waiting) => code,
        _ => status.exit_code(),
    }
}
