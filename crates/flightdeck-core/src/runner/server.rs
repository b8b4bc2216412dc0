//! The runner process: one per data directory (an `flock` on `runner.lock`), the only writer of the
//! store, listening on `runner.sock`. It creates the data directory 0700 (0710 with the operators'
//! group, so they can reach the socket but list and read nothing), the store 0600 and the socket
//! 0660 with a group (0600 without). It resumes runs a dead runner left running, and exits after an
//! idle period with no runs, no connected clients and no request but reads (run lists and history
//! queries), or when its socket is removed.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::net::UnixListener;
use tokio::time::Instant;

use crate::runner::live::LiveRun;
use crate::runner::{LOCK_FILE, LOG_FILE, RunnerError, SOCKET_FILE};
use crate::store::Store;

/// The most connections one uid may hold open at once (each buffers at most one request line).
pub const MAX_PER_UID: usize = 64;

/// How long an ended run's events stay for clients that attach late.
pub const ENDED_KEPT: Duration = Duration::from_secs(60);

/// How the runner is set up.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// The project whose workflows it runs.
    pub project_dir: PathBuf,
    /// Its data directory.
    pub data_dir: PathBuf,
    /// Exit after this long with no runs and no clients (`None`: never).
    pub idle_exit: Option<Duration>,
    /// The group whose members may connect (socket 0660), if any.
    pub group: Option<String>,
    /// The flightdeck binary, exported to steps as `$FLIGHTDECK`.
    pub bin: PathBuf,
    /// Stops the runner (SIGTERM, SIGINT: the process's one shutdown path).
    pub stop: tokio_util::sync::CancellationToken,
    /// The step kinds its workflows may name (`steps::kinds()`).
    pub kinds: crate::engine::StepKinds,
}

/// The runner's shared state.
#[derive(Debug)]
pub struct Server {
    /// The project directory.
    pub project_dir: PathBuf,
    /// The data directory.
    pub data_dir: PathBuf,
    /// The store (this process is its only writer).
    pub store: Store,
    /// The flightdeck binary.
    pub bin: PathBuf,
    /// The step kinds its workflows may name.
    pub kinds: crate::engine::StepKinds,
    runs: Mutex<HashMap<String, Arc<LiveRun>>>,
    /// Runs that ended lately, with when: a client that attaches just after the end (a short step
    /// can end before `flightdeck run` attaches) still gets the log lines, which are not journaled.
    ended: Mutex<Vec<(Instant, Arc<LiveRun>)>>,
    recovered: Mutex<HashSet<String>>,
    clients: AtomicUsize,
    per_uid: Mutex<HashMap<u32, usize>>,
    last_busy: Mutex<Instant>,
}

impl Server {
    /// The live run with this exact id.
    pub fn live(&self, run: &str) -> Option<Arc<LiveRun>> {
        self.runs.lock().unwrap_or_else(PoisonError::into_inner).get(run).cloned()
    }

    pub(crate) fn insert_live(&self, live: Arc<LiveRun>) {
        self.runs.lock().unwrap_or_else(PoisonError::into_inner).insert(live.id.clone(), live);
        self.touch();
    }

    /// Forgets a live run that ended; its events stay for attaching clients for [`ENDED_KEPT`].
    pub(crate) fn remove_live(&self, run: &str) {
        let gone = self.runs.lock().unwrap_or_else(PoisonError::into_inner).remove(run);
        let mut ended = self.ended.lock().unwrap_or_else(PoisonError::into_inner);
        ended.retain(|(at, _)| at.elapsed() < ENDED_KEPT);
        if let Some(live) = gone {
            ended.push((Instant::now(), live));
        }
        drop(ended);
        self.touch();
    }

    /// The live run with this exact id, or one that ended within [`ENDED_KEPT`] (for `attach`).
    pub fn live_or_ended(&self, run: &str) -> Option<Arc<LiveRun>> {
        self.live(run).or_else(|| {
            let ended = self.ended.lock().unwrap_or_else(PoisonError::into_inner);
            ended
                .iter()
                .rev()
                .find(|(at, l)| l.id == run && at.elapsed() < ENDED_KEPT)
                .map(|(_, l)| Arc::clone(l))
        })
    }

    /// Notes a run this runner recovered on start (a later `resume` follows it even once it ended).
    pub(crate) fn mark_recovered(&self, run: &str) {
        self.recovered.lock().unwrap_or_else(PoisonError::into_inner).insert(run.to_string());
    }

    /// Whether this runner recovered `run` on start.
    pub(crate) fn was_recovered(&self, run: &str) -> bool {
        self.recovered.lock().unwrap_or_else(PoisonError::into_inner).contains(run)
    }

    fn live_count(&self) -> usize {
        self.runs.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Notes activity (the idle period starts again).
    pub fn touch(&self) {
        *self.last_busy.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
    }

    /// A client connected; the returned guard counts it until dropped. A connection is activity
    /// (the idle period starts again when it ends) only once it asks for more than a read
    /// ([`ClientGuard::busy`]): a console polling the runs list does not keep an idle runner alive.
    pub fn client(self: &Arc<Server>) -> ClientGuard {
        self.clients.fetch_add(1, Ordering::SeqCst);
        ClientGuard { server: Arc::clone(self), busy: false }
    }

    /// A line in the runner's log (its stderr, `runner.log` when started on demand).
    pub fn log(&self, line: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{} flightdeck runner: {line}", crate::time::now().to_rfc3339());
    }

    fn idle_for(&self) -> Option<Duration> {
        if self.live_count() > 0 || self.clients.load(Ordering::SeqCst) > 0 {
            return None;
        }
        Some(self.last_busy.lock().unwrap_or_else(PoisonError::into_inner).elapsed())
    }
}

impl Server {
    /// One of `uid`'s [`MAX_PER_UID`] connection slots, held until dropped; `None` when all are taken.
    pub fn slot(self: &Arc<Server>, uid: u32) -> Option<UidSlot> {
        let mut map = self.per_uid.lock().unwrap_or_else(PoisonError::into_inner);
        let n = map.entry(uid).or_insert(0);
        if *n >= MAX_PER_UID {
            return None;
        }
        *n += 1;
        Some(UidSlot { server: Arc::clone(self), uid })
    }
}

/// A connection slot of one uid.
#[derive(Debug)]
pub struct UidSlot {
    server: Arc<Server>,
    uid: u32,
}

impl Drop for UidSlot {
    fn drop(&mut self) {
        let mut map = self.server.per_uid.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.uid) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.uid);
            }
        }
    }
}

/// Counts a connected client while alive.
#[derive(Debug)]
pub struct ClientGuard {
    server: Arc<Server>,
    busy: bool,
}

impl ClientGuard {
    /// The client asked for something other than a read: activity now and when it leaves.
    pub fn busy(&mut self) {
        self.busy = true;
        self.server.touch();
    }
}

impl Drop for ClientGuard {
    fn drop(&mut self) {
        self.server.clients.fetch_sub(1, Ordering::SeqCst);
        if self.busy {
            self.server.touch();
        }
    }
}

/// Runs the runner until it is idle for `idle_exit`, its socket is removed, or SIGTERM. The
/// `flightdeck runner` command first moves the process into its own session ([`detach_session`]).
pub async fn serve(cfg: RunnerConfig) -> Result<(), RunnerError> {
    let gid = group_id(cfg.group.as_deref())?;
    prepare_dir(&cfg.data_dir, gid)?;
    let _lock = take_lock(&cfg.data_dir)?;
    let store = Store::open(&cfg.data_dir).map_err(RunnerError::Store)?;
    tighten_store(&cfg.data_dir)?;
    // A head file a full disk kept from being written after its commit is written now.
    if let Err(e) = store.catch_up_head() {
        tracing::warn!("bringing the audit head file up to date: {e}");
    }
    let sock = cfg.data_dir.join(SOCKET_FILE);
    let listener = bind(&sock, gid)?;
    let server = Arc::new(Server {
        project_dir: cfg.project_dir.clone(),
        data_dir: cfg.data_dir.clone(),
        store,
        bin: cfg.bin.clone(),
        kinds: cfg.kinds,
        runs: Mutex::new(HashMap::new()),
        ended: Mutex::new(Vec::new()),
        recovered: Mutex::new(HashSet::new()),
        clients: AtomicUsize::new(0),
        per_uid: Mutex::new(HashMap::new()),
        last_busy: Mutex::new(Instant::now()),
    });
    server.log(&format!(
        "pid {} serving {} for project {}",
        std::process::id(),
        sock.display(),
        cfg.project_dir.display()
    ));
    server.recover().await;
    // The notifier reads the journal every run writes and sends what the routes ask for; rows a dead
    // process left in the outbox go out now too.
    let notifier = crate::notify::notifier::Notifier::start(&server.store, &cfg.project_dir);
    accept_loop(&server, &listener, &sock, cfg.idle_exit, &cfg.stop).await;
    if let Some(n) = notifier {
        n.finish(Duration::from_secs(5)).await;
    }
    server.log("exiting");
    Ok(())
}

async fn accept_loop(
    server: &Arc<Server>,
    listener: &UnixListener,
    sock: &Path,
    idle: Option<Duration>,
    stop: &tokio_util::sync::CancellationToken,
) {
    let mut tick = tokio::time::interval(Duration::from_millis(200));
    loop {
        tokio::select! {
            conn = listener.accept() => match conn {
                Ok((stream, _)) => {
                    let s = Arc::clone(server);
                    tokio::spawn(async move { crate::runner::conn::handle(s, stream).await });
                }
                Err(e) => {
                    // Out of descriptors, say: log once per pause instead of spinning on it.
                    server.log(&format!("accept: {e}"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            _ = tick.tick() => {
                if !sock.exists() {
                    server.log("the socket was removed; stopping");
                    return;
                }
                if idle.is_some_and(|limit| server.idle_for().is_some_and(|d| d >= limit)) {
                    let _ = std::fs::remove_file(sock);
                    return;
                }
            }
            () = stop.cancelled() => {
                server.log("stopping on a signal: live runs stay interrupted and resume at the next start");
                let _ = std::fs::remove_file(sock);
                return;
            }
        }
    }
}

fn group_id(group: Option<&str>) -> Result<Option<nix::unistd::Gid>, RunnerError> {
    let Some(name) = group.filter(|g| !g.is_empty()) else { return Ok(None) };
    match nix::unistd::Group::from_name(name) {
        Ok(Some(g)) => Ok(Some(g.gid)),
        _ => Err(RunnerError::Setup(format!(
            "group {name:?} does not exist: create it (groupadd {name}) or drop --group / FLIGHTDECK_RUNNER_GROUP / [runner] group in flightdeck.toml"
        ))),
    }
}

/// Creates the data directory and sets its mode: 0700, or 0710 owned by the group.
fn prepare_dir(dir: &Path, gid: Option<nix::unistd::Gid>) -> Result<(), RunnerError> {
    let io = |what: &str, e: std::io::Error| RunnerError::Io {
        what: what.into(),
        path: dir.to_path_buf(),
        source: e,
    };
    std::fs::create_dir_all(dir).map_err(|e| io("create", e))?;
    // Before any chmod or open that would follow a link someone else planted.
    crate::runner::trust::check_runner_dir(dir, nix::unistd::geteuid().as_raw())
        .map_err(RunnerError::Unsafe)?;
    let mode = if gid.is_some() { 0o710 } else { 0o700 };
    if let Some(g) = gid {
        nix::unistd::chown(dir, None, Some(g)).map_err(|e| io("change the group of", e.into()))?;
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode)).map_err(|e| io("set the mode of", e))
}

/// Takes `runner.lock`; a second runner for the same data directory is refused.
fn take_lock(dir: &Path) -> Result<File, RunnerError> {
    let path = dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
        .open(&path)
        .map_err(|e| RunnerError::Io { what: "open".into(), path: path.clone(), source: e })?;
    match file.try_lock() {
        Ok(()) => {
            // The holder's pid, for people and scripts (`kill $(cat runner.lock)`).
            let mut f = &file;
            let _ = f.set_len(0).and_then(|()| writeln!(f, "{}", std::process::id()));
            Ok(file)
        }
        Err(TryLockError::WouldBlock) => Err(RunnerError::AlreadyRunning { dir: dir.to_path_buf() }),
        Err(TryLockError::Error(e)) => Err(RunnerError::Io { what: "lock".into(), path, source: e }),
    }
}

/// The store and its directories: readable and writable by the runner's user only.
fn tighten_store(dir: &Path) -> Result<(), RunnerError> {
    let set = |p: PathBuf, mode: u32| {
        if p.exists() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode))
                .map_err(|e| RunnerError::Io { what: "set the mode of".into(), path: p, source: e })?;
        }
        Ok::<(), RunnerError>(())
    };
    set(dir.join("logs"), 0o700)?;
    set(dir.join("runs"), 0o700)?;
    for f in [crate::store::DB_FILE, "flightdeck.db-wal", "flightdeck.db-shm", LOCK_FILE, LOG_FILE] {
        set(dir.join(f), 0o600)?;
    }
    Ok(())
}

/// Binds the socket (replacing a stale one: the lock proves no runner serves it) and sets its mode.
fn bind(sock: &Path, gid: Option<nix::unistd::Gid>) -> Result<UnixListener, RunnerError> {
    let io = |what: &str, e: std::io::Error| RunnerError::Io {
        what: what.into(),
        path: sock.to_path_buf(),
        source: e,
    };
    match std::fs::remove_file(sock) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io("remove the stale socket", e)),
    }
    let listener = UnixListener::bind(sock).map_err(|e| io("listen on", e))?;
    if let Some(g) = gid {
        nix::unistd::chown(sock, None, Some(g)).map_err(|e| io("change the group of", e.into()))?;
    }
    let mode = if gid.is_some() { 0o660 } else { 0o600 };
    std::fs::set_permissions(sock, std::fs::Permissions::from_mode(mode))
        .map_err(|e| io("set the mode of", e))?;
    Ok(listener)
}

/// Puts the runner in its own session, so a terminal closing or an SSH link dropping does not reach
/// it. Fails harmlessly when already a process group leader (started from a shell, or by systemd).
pub fn detach_session() {
    let _ = nix::unistd::setsid();
}

/// Opens the log file an on-demand runner writes to (append), if the data directory allows.
pub fn open_log(dir: &Path) -> Option<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
        .open(dir.join(LOG_FILE))
        .ok()
}
