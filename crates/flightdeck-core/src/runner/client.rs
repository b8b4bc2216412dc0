//! The client side: connect to the data directory's runner (starting one on demand when there is
//! none), shake hands, send requests and read responses and event streams.
//!
//! A runner started on demand runs detached (its own session, stdio to /dev/null and `runner.log`),
//! so it outlives the client; the client retries the connection for a bounded time. A runner that
//! dies while a client connects (its socket still accepted, then closed unanswered) is replaced: the
//! client starts another one, a bounded number of times.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::io::BufReader;
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};

use crate::runner::protocol::{Hello, PROTOCOL, Request, Response, read_line, write_line};
use crate::runner::{SOCKET_FILE, server::open_log};

/// How long a client waits for a runner it started.
const START_WAIT: Duration = Duration::from_secs(15);

/// How many times a client tries again after a runner died during the handshake.
const HANDSHAKE_TRIES: u32 = 5;

/// Client errors.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No runner answers and none could be started.
    #[error("cannot reach the runner at {}: {reason}", path.display())]
    Unreachable {
        /// The socket.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The socket (or the data directory holding it) does not let this user in.
    #[error(
        "you may not connect to the runner at {}: permission denied; only the runner's user and the members of its group (`flightdeck runner --group GROUP`, `[runner] group`) may; ask to be added to that group, or use a data directory of your own (FLIGHTDECK_HOME or --data-dir)",
        path.display()
    )]
    NotAllowed {
        /// The socket.
        path: PathBuf,
    },
    /// The runner refused the handshake.
    #[error("the runner refused this client: {0}")]
    Refused(String),
    /// The connection broke.
    #[error("the connection to the runner broke: {0}")]
    Io(#[from] std::io::Error),
    /// The runner said something unexpected.
    #[error("unexpected answer from the runner: {0}")]
    Protocol(String),
    /// The process listening on the socket is not a runner this user can trust (exit 8).
    #[error("{0}")]
    Untrusted(String),
}

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct Connect {
    /// The data directory (its `runner.sock`).
    pub data_dir: PathBuf,
    /// The project a runner started on demand serves.
    pub project_dir: PathBuf,
    /// The flightdeck binary to start a runner with.
    pub bin: PathBuf,
    /// What this client is, for the runner's log.
    pub client: String,
}

/// A connection to the runner, past the handshake.
#[derive(Debug)]
pub struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    buf: String,
    /// The runner's pid.
    pub runner_pid: u32,
    /// The project the runner serves.
    pub project_dir: String,
}

impl Client {
    /// Connects, starting a runner when none answers (or when the one found dies unanswered).
    pub async fn connect(c: &Connect) -> Result<Client, ClientError> {
        let mut tries = 0;
        loop {
            tries += 1;
            match Client::connect_once(c).await {
                Err(ClientError::Io(e)) if tries < HANDSHAKE_TRIES && runner_died(&e) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                other => return other,
            }
        }
    }

    /// Connects only to a runner that is already there (never starts one): for watchers such as
    /// the console's runs list, which must not keep a runner alive or start one just to look.
    pub async fn connect_existing(c: &Connect) -> Result<Client, ClientError> {
        let sock = c.data_dir.join(SOCKET_FILE);
        let stream = UnixStream::connect(&sock).await.map_err(|e| unreachable(sock, &e))?;
        trusted(&stream, &c.data_dir)?;
        Client::handshake(stream, &c.client).await
    }

    async fn connect_once(c: &Connect) -> Result<Client, ClientError> {
        let sock = c.data_dir.join(SOCKET_FILE);
        let stream = match UnixStream::connect(&sock).await {
            Ok(s) => s,
            Err(e)
                // Reset: a runner that died while the connection was made.
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound
                        | std::io::ErrorKind::ConnectionRefused
                        | std::io::ErrorKind::ConnectionReset
                ) =>
            {
                start_and_connect(c, &sock).await?
            }
            Err(e) => return Err(unreachable(sock, &e)),
        };
        trusted(&stream, &c.data_dir)?;
        Client::handshake(stream, &c.client).await
    }

    async fn handshake(stream: UnixStream, client: &str) -> Result<Client, ClientError> {
        let (r, w) = stream.into_split();
        let mut me = Client {
            reader: BufReader::new(r),
            writer: w,
            buf: String::new(),
            runner_pid: 0,
            project_dir: String::new(),
        };
        write_line(&mut me.writer, &Hello { protocol: PROTOCOL, client: client.to_string() }).await?;
        match me.next().await? {
            Some(Response::Welcome { runner_pid, project_dir, .. }) => {
                me.runner_pid = runner_pid;
                me.project_dir = project_dir;
                Ok(me)
            }
            Some(Response::Error { message, .. }) => Err(ClientError::Refused(message)),
            None => Err(ClientError::Io(std::io::ErrorKind::UnexpectedEof.into())),
            other => Err(ClientError::Protocol(format!("{other:?}"))),
        }
    }

    /// Sends a request.
    pub async fn send(&mut self, req: &Request) -> Result<(), ClientError> {
        write_line(&mut self.writer, req).await.map_err(ClientError::Io)
    }

    /// Reads the next response; `None` when the runner closed the connection.
    pub async fn next(&mut self) -> Result<Option<Response>, ClientError> {
        read_line(&mut self.reader, &mut self.buf).await.map_err(ClientError::Io)
    }

    /// Sends a request and reads its one response.
    pub async fn call(&mut self, req: &Request) -> Result<Response, ClientError> {
        self.send(req).await?;
        self.next().await?.ok_or_else(|| ClientError::Protocol("the runner closed the connection".into()))
    }
}

/// Refuses a runner this user cannot trust ([`crate::runner::trust::check_runner_peer`]) before
/// anything is sent to it: a request, or a value typed at a secret prompt.
fn trusted(stream: &UnixStream, data_dir: &Path) -> Result<(), ClientError> {
    let cred = stream.peer_cred().map_err(ClientError::Io)?;
    let me = nix::unistd::geteuid().as_raw();
    crate::runner::trust::check_runner_peer(data_dir, cred.uid(), me).map_err(ClientError::Untrusted)
}

/// The error for a socket that did not connect: a permission problem says who may connect.
fn unreachable(path: PathBuf, e: &std::io::Error) -> ClientError {
    if e.kind() == std::io::ErrorKind::PermissionDenied {
        ClientError::NotAllowed { path }
    } else {
        ClientError::Unreachable { path, reason: e.to_string() }
    }
}

/// Whether a handshake error means the runner went away before it answered.
fn runner_died(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::BrokenPipe
            | std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::ConnectionRefused
    )
}

/// Starts a runner for the data directory and connects to it, retrying for a bounded time.
async fn start_and_connect(c: &Connect, sock: &Path) -> Result<UnixStream, ClientError> {
    let unreachable = |reason: String| ClientError::Unreachable { path: sock.to_path_buf(), reason };
    if !c.data_dir.exists() {
        std::fs::create_dir_all(&c.data_dir)
            .and_then(|()| std::fs::set_permissions(&c.data_dir, std::fs::Permissions::from_mode(0o700)))
            .map_err(|e| unreachable(format!("no runner, and the data directory cannot be created: {e}")))?;
    }
    // A runner started here would serve a directory someone else controls (it refuses to).
    let me = nix::unistd::geteuid().as_raw();
    if let Err(why) = crate::runner::trust::check_runner_dir(&c.data_dir, me) {
        return Err(ClientError::Untrusted(format!(
            "no runner listens on {}, and this user cannot start one there: {why}",
            sock.display()
        )));
    }
    let log = open_log(&c.data_dir).map_or_else(Stdio::null, Stdio::from);
    let mut child = Command::new(&c.bin)
        .arg("--project")
        .arg(&c.project_dir)
        .arg("--data-dir")
        .arg(&c.data_dir)
        .arg("runner")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| unreachable(format!("no runner, and {} cannot be started: {e}", c.bin.display())))?;
    let deadline = tokio::time::Instant::now() + START_WAIT;
    loop {
        tokio::time::sleep(Duration::from_millis(25)).await;
        if let Ok(s) = UnixStream::connect(sock).await {
            reap(child);
            return Ok(s);
        }
        if let Ok(Some(status)) = child.try_wait() {
            // Another client's runner may have won the lock: its socket appears shortly.
            if let Ok(s) = connect_soon(sock).await {
                return Ok(s);
            }
            let log = c.data_dir.join(crate::runner::LOG_FILE);
            // A full disk leaves the log empty: name the disk instead.
            let disk = crate::store::space::full_disk_hint(&c.data_dir).map(|h| format!("; {h}"));
            return Err(unreachable(format!(
                "the runner started on demand exited ({status}){}; see {}{}",
                last_error_line(&log).map(|l| format!(": {l}")).unwrap_or_default(),
                log.display(),
                disk.unwrap_or_default()
            )));
        }
        if tokio::time::Instant::now() >= deadline {
            reap(child);
            return Err(unreachable(format!(
                "the runner started on demand did not listen within {START_WAIT:?}"
            )));
        }
    }
}

async fn connect_soon(sock: &Path) -> std::io::Result<UnixStream> {
    let mut last = None;
    for _ in 0..40 {
        match UnixStream::connect(sock).await {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no runner")))
}

/// Waits for the runner child in the background so it leaves no zombie while this client lives.
fn reap(mut child: std::process::Child) {
    std::thread::spawn(move || {
        let _ = child.wait();
    });
}

/// The last line of the runner's log that reports an error (what made it exit), if any.
fn last_error_line(log: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(log).ok()?;
    let line = text.lines().rev().find(|l| l.contains("flightdeck:") || l.contains("error"))?;
    Some(crate::sanitize::one_line(line.trim()).into_owned())
}
