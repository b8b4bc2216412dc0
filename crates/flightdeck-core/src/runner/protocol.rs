//! The runner's wire protocol: newline-delimited JSON over its Unix socket.
//!
//! A client first sends [`Hello`] and gets [`Response::Welcome`] (or an error naming both protocol
//! versions); then [`Request`]s, each answered by one or more [`Response`]s. An `Attach` is answered
//! by the run's events (the engine's own serializable [`Event`]s, oldest first, no gap and no
//! duplicate from the cursor on) and a final `Ended`. Identity is never part of a request: the runner
//! takes it from the socket (`SO_PEERCRED`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

use crate::engine::{Decision, Event, Reply, Summary};
use crate::store::records::RunRecord;

/// The protocol version this build speaks.
pub const PROTOCOL: u32 = 1;

/// The longest line either side accepts (a run's start request or one event).
pub const MAX_LINE: usize = 4 * 1024 * 1024;

/// The longest line the runner accepts from a client (a start request, an answer, a value typed at
/// a secret prompt): a client cannot make the runner buffer more than this per connection.
pub const MAX_REQUEST: usize = 512 * 1024;

/// The first message of a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// [`PROTOCOL`] of the client.
    pub protocol: u32,
    /// What the client is (`run`, `console`, `approve`, ...), for the runner's log.
    pub client: String,
}

/// How a run should ask people, as the client asks for it. The runner builds the plan itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::struct_excessive_bools)] // flags are naturally booleans
pub struct StartOptions {
    /// `--yes`: the operator's one approval at each gate, and re-run confirmations.
    pub yes: bool,
    /// `--dry-run`.
    pub dry_run: bool,
    /// `--emergency REASON`.
    pub emergency: Option<String>,
    /// Someone can answer prompts (a terminal or the console is attached).
    pub interactive: bool,
    /// Without a terminal, wait for answers from other clients at gates.
    pub wait_approvals: bool,
    /// Link the run to this open incident (`run --incident ID`).
    #[serde(default)]
    pub incident: Option<String>,
}

/// Where an attaching client stands in a run's event stream: the last event it has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Cursor {
    /// The event's life.
    pub life: u32,
    /// Its sequence number within the life.
    pub seq: u64,
}

impl Cursor {
    /// The position of `e`.
    pub fn of(e: &Event) -> Cursor {
        Cursor { life: e.life, seq: e.seq }
    }
}

/// A client's request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum Request {
    /// Start a run of one of the runner's project's workflows.
    Start {
        /// Workflow name.
        workflow: String,
        /// Environment name (the project's default when absent).
        env: Option<String>,
        /// Parameter values.
        params: BTreeMap<String, String>,
        /// How it asks people.
        options: StartOptions,
    },
    /// Resume an interrupted run (or confirm what a recovered run waits for).
    Resume {
        /// Run id or unique prefix.
        run: String,
        /// How it asks people.
        options: StartOptions,
    },
    /// Stream a run's events after `from` (from the start when absent), then live ones.
    Attach {
        /// Run id or unique prefix.
        run: String,
        /// The last event the client has.
        from: Option<Cursor>,
    },
    /// A decision for a live run; an empty gate means the gate open now.
    Decide {
        /// Run id or unique prefix.
        run: String,
        /// The decision.
        decision: Decision,
    },
    /// Cancel a live run.
    Cancel {
        /// Run id or unique prefix.
        run: String,
    },
    /// A change to an incident (open, join, note, severity, mitigated, resolve, ...), attributed
    /// to the socket peer.
    Incident {
        /// The incident id (ignored by `open`, whose id is in the action).
        incident: String,
        /// When it happened (default: the runner's clock; for back-filling and tests).
        at: Option<crate::time::Micros>,
        /// What to do.
        action: crate::incident::IncidentAction,
    },
    /// The runs, newest first.
    ListRuns {
        /// At most this many (0: all).
        limit: usize,
    },
    /// A read of the history (answered by [`Response::History`], bounded to a page).
    Query {
        /// What to read.
        query: crate::runner::query::Query,
    },
    /// `flightdeck assess` for a client that cannot write the store: the runner computes the
    /// readiness of an environment, records it and audits it (`assess.run`) as the socket peer;
    /// answered by [`Response::History`] with the report.
    Assess {
        /// The environment (the first production one, else the default, when absent).
        environment: Option<String>,
    },
}

/// A runner's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "response", rename_all = "snake_case")]
pub enum Response {
    /// The handshake succeeded.
    Welcome {
        /// The runner's [`PROTOCOL`].
        protocol: u32,
        /// Its process id.
        runner_pid: u32,
        /// The project whose workflows it runs.
        project_dir: String,
    },
    /// A run started or resumed.
    Started {
        /// Run id.
        run: String,
        /// Its life.
        life: u32,
    },
    /// One event of an attached run.
    Event {
        /// The event.
        event: Event,
    },
    /// The attached run ended (or was not live and its journal is all sent).
    Ended {
        /// How it ended, when this runner ran it to its end.
        summary: Option<Summary>,
        /// Its state as stored.
        status: crate::engine::RunStatus,
        /// The exit code that state maps to.
        exit_code: i32,
    },
    /// What became of a decision.
    Decided {
        /// The engine's (or the runner's) verdict.
        reply: Reply,
    },
    /// A request that needs no more than an acknowledgement.
    Done {
        /// What was done.
        message: String,
    },
    /// The runs.
    Runs {
        /// Newest first.
        runs: Vec<RunRecord>,
    },
    /// An incident change was recorded.
    Incident {
        /// The event appended.
        event: crate::incident::IncidentEvent,
        /// The incident after it.
        incident: crate::store::records::IncidentRecord,
    },
    /// What a [`Request::Query`] found.
    History {
        /// The page.
        answer: crate::runner::query::Answer,
    },
    /// The request failed.
    Error {
        /// The exit code a client should end with.
        code: i32,
        /// Why, and what to do.
        message: String,
    },
}

impl Response {
    /// An error response.
    pub fn error(code: i32, message: impl Into<String>) -> Response {
        Response::Error { code, message: message.into() }
    }
}

/// Writes one message as a JSON line.
pub async fn write_line<W, T>(w: &mut W, msg: &T) -> std::io::Result<()>
where
    W: AsyncWriteExt + Unpin,
    T: Serialize,
{
    let mut line = zeroize::Zeroizing::new(serde_json::to_vec(msg).map_err(std::io::Error::other)?);
    line.push(b'\n');
    // Wiped when dropped: a line may carry a value typed at a secret prompt.
    w.write_all(&line).await?;
    w.flush().await
}

/// Reads one JSON line of at most [`MAX_LINE`] bytes; `Ok(None)` at the end of the stream.
pub async fn read_line<R, T>(r: &mut R, buf: &mut String) -> std::io::Result<Option<T>>
where
    R: AsyncBufReadExt + Unpin,
    T: for<'de> Deserialize<'de>,
{
    read_line_max(r, buf, MAX_LINE).await
}

/// Reads one JSON line of at most `max` bytes; `Ok(None)` at the end of the stream.
pub async fn read_line_max<R, T>(r: &mut R, buf: &mut String, max: usize) -> std::io::Result<Option<T>>
where
    R: AsyncBufReadExt + Unpin,
    T: for<'de> Deserialize<'de>,
{
    buf.clear();
    // Bounded: a peer cannot make the other side buffer more than one maximal line.
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let n = tokio::io::AsyncReadExt::take(&mut *r, limit).read_line(buf).await?;
    if n == 0 {
        return Ok(None);
    }
    if buf.len() > max {
        return Err(std::io::Error::other(format!("a message of {} bytes is too long", buf.len())));
    }
    serde_json::from_str(buf.trim_end())
        .map(Some)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("bad message: {e}")))
}
