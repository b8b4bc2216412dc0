//! The `perf` process. [`Perf::find`] locates it (`FLIGHTDECK_PERF`, else `perf` on `PATH`) and
//! checks this user may use it (`kernel.perf_event_paranoid`, named in the refusal); [`Target`]
//! resolves a pid (which must be alive) or a process name (every process of that name);
//! [`Perf::record`] runs `perf record -e cpu-clock -F FREQ -g` (or `--call-graph dwarf`) for the
//! duration, and [`Perf::script`] writes `perf script`'s text for the collapser. Each wait is
//! bounded: the duration plus a grace period, and cancellation kills perf.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tokio::io::AsyncReadExt;
use tokio_util::sync::CancellationToken;

use super::ProfileError;

/// Where the kernel says who may use perf events.
const PARANOID: &str = "/proc/sys/kernel/perf_event_paranoid";

/// How long perf may take beyond the duration to write its data (and `perf script` in all).
const GRACE: Duration = Duration::from_secs(30);
const SCRIPT_LIMIT: Duration = Duration::from_secs(300);

/// What to profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Running processes (one pid, or every process of a name), with a label.
    Pids(Vec<u32>, String),
    /// A shell command perf starts (and stops at the end of the duration).
    Command(String),
}

impl Target {
    /// A running process by pid: refused when it has exited.
    pub fn pid(text: &str) -> Result<Target, ProfileError> {
        let pid: u32 = text.trim().parse().ok().filter(|p| *p > 0).ok_or_else(|| {
            ProfileError::Invalid(format!("bad `pid` {text:?}: give the process id of a running process"))
        })?;
        if !alive(pid) {
            return Err(ProfileError::NoTarget(format!(
                "pid {pid} has exited (no live /proc/{pid}): start the target first, or give the pid of a running process"
            )));
        }
        Ok(Target::Pids(vec![pid], format!("pid {pid}")))
    }

    /// Every running process whose name (`/proc/PID/comm`) is `name`.
    pub fn process(name: &str) -> Result<Target, ProfileError> {
        let name = name.trim();
        // The kernel keeps 15 bytes of a process name.
        let short: String = name.chars().take(15).collect();
        let own = std::process::id();
        let mut pids: Vec<u32> = std::fs::read_dir("/proc")
            .map_err(|e| ProfileError::io("cannot list /proc", e))?
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|p| *p != own)
            .filter(|p| {
                std::fs::read_to_string(format!("/proc/{p}/comm")).is_ok_and(|c| c.trim_end() == short)
            })
            .filter(|p| alive(*p))
            .collect();
        pids.sort_unstable();
        if pids.is_empty() {
            return Err(ProfileError::NoTarget(format!(
                "no running process is named {name:?}: check the name with `ps -e -o comm`, or give a `pid`"
            )));
        }
        let label = format!("process {name} ({} pid{})", pids.len(), if pids.len() == 1 { "" } else { "s" });
        Ok(Target::Pids(pids, label))
    }

    /// How the target is shown.
    pub fn label(&self) -> String {
        match self {
            Target::Pids(_, label) => label.clone(),
            Target::Command(c) => format!("command {c}"),
        }
    }
}

/// True when `/proc/PID/stat` exists and the process is not a zombie.
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(')').map(|(_, rest)| rest.trim_start().starts_with(['Z', 'X'])))
        .is_some_and(|dead| !dead)
}

/// The current `kernel.perf_event_paranoid` value, as text ("unknown" if unreadable).
pub fn paranoid() -> String {
    std::fs::read_to_string(PARANOID).map_or_else(|_| "unknown".into(), |v| v.trim().to_string())
}

/// A located, permitted perf.
#[derive(Debug, Clone)]
pub struct Perf {
    /// Its path.
    pub path: PathBuf,
    /// The event to sample: `cpu-clock`, or `cpu-clock:u` for a user at paranoid level 2.
    pub event: &'static str,
}

impl Perf {
    /// Finds perf and checks this user may record with it.
    pub fn find() -> Result<Perf, ProfileError> {
        let path = match std::env::var_os("FLIGHTDECK_PERF") {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => search_path("perf").ok_or_else(|| ProfileError::PerfMissing("perf".into()))?,
        };
        if !path.is_file() {
            return Err(ProfileError::PerfMissing(path.display().to_string()));
        }
        let root = nix::unistd::geteuid().is_root();
        let level = paranoid();
        let event = match (root, level.parse::<i32>()) {
            (true, _) => "cpu-clock",
            (false, Ok(l)) if l <= 1 => "cpu-clock",
            (false, Ok(2)) => "cpu-clock:u",
            (false, _) => return Err(ProfileError::NotPermitted { value: level, detail: String::new() }),
        };
        Ok(Perf { path, event })
    }

    /// Records `target` into `data` for `duration` at `frequency` Hz.
    pub async fn record(
        &self,
        target: &Target,
        frequency: u32,
        dwarf: bool,
        duration: Duration,
        data: &Path,
        cancel: &CancellationToken,
    ) -> Result<(), ProfileError> {
        let mut cmd = tokio::process::Command::new(&self.path);
        cmd.args(["record", "-q", "-e", self.event, "-F", &frequency.to_string(), "-o"]).arg(data);
        if dwarf {
            cmd.args(["--call-graph", "dwarf"]);
        } else {
            cmd.arg("-g");
        }
        let secs = format!("{}.{:03}", duration.as_secs(), duration.subsec_millis());
        match target {
            Target::Pids(pids, _) => {
                let list: Vec<String> = pids.iter().map(u32::to_string).collect();
                cmd.arg("-p").arg(list.join(",")).args(["--", "sleep", &secs]);
            }
            Target::Command(c) => {
                cmd.args(["--", "sh", "-c", c]);
            }
        }
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).kill_on_drop(true);
        let mut child =
            cmd.spawn().map_err(|e| ProfileError::io(format!("cannot start {}", self.path.display()), e))?;
        let stderr = child.stderr.take().map(|mut s| {
            tokio::spawn(async move {
                let mut text = String::new();
                let _ = (&mut s).take(1 << 20).read_to_string(&mut text).await;
                text
            })
        });
        let status = wait_for(&mut child, matches!(target, Target::Command(_)), duration, cancel).await?;
        let text = match stderr {
            Some(task) => task.await.unwrap_or_default(),
            None => String::new(),
        };
        check_status("record", status, &text)
    }

    /// Writes `perf script`'s text for `data` to `out`.
    pub async fn script(&self, data: &Path, out: &Path) -> Result<(), ProfileError> {
        let file = std::fs::File::create(out)
            .map_err(|e| ProfileError::io(format!("cannot create {}", out.display()), e))?;
        let mut cmd = tokio::process::Command::new(&self.path);
        // No period field: inferno then counts samples, not nanoseconds. No inline frames: resolving
        // them runs addr2line per frame (minutes on a large debug binary).
        cmd.args(["script", "--no-inline", "-F", "comm,pid,tid,time,event,ip,sym,dso", "-i"]).arg(data);
        cmd.stdin(Stdio::null()).stdout(Stdio::from(file)).stderr(Stdio::piped()).kill_on_drop(true);
        let child = cmd
            .spawn()
            .map_err(|e| ProfileError::io(format!("cannot start {} script", self.path.display()), e))?;
        let output = tokio::time::timeout(SCRIPT_LIMIT, child.wait_with_output())
            .await
            .map_err(|_| ProfileError::Perf {
                what: "script",
                status: "timed out after 300 s".into(),
                stderr: String::new(),
            })?
            .map_err(|e| ProfileError::io("waiting for perf script", e))?;
        check_status("script", output.status, &String::from_utf8_lossy(&output.stderr))
    }
}

/// Waits for perf: a command target is stopped with SIGINT at the end of the duration (perf then
/// ends its workload and writes its data); every wait ends by the duration plus [`GRACE`].
async fn wait_for(
    child: &mut tokio::process::Child,
    stop_at_end: bool,
    duration: Duration,
    cancel: &CancellationToken,
) -> Result<std::process::ExitStatus, ProfileError> {
    let io = |e| ProfileError::io("waiting for perf record", e);
    let end = tokio::time::sleep(duration);
    tokio::pin!(end);
    let mut stopped = !stop_at_end;
    let hard = tokio::time::sleep(duration + GRACE);
    tokio::pin!(hard);
    loop {
        tokio::select! {
            status = child.wait() => return status.map_err(io),
            () = &mut end, if !stopped => {
                stopped = true;
                if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
                    let _ = kill(Pid::from_raw(pid), Signal::SIGINT);
                }
            }
            () = &mut hard => {
                let _ = child.kill().await;
                return Err(ProfileError::Perf { what: "record", status: "did not finish in time; killed".into(), stderr: String::new() });
            }
            () = cancel.cancelled() => {
                let _ = child.kill().await;
                return Err(ProfileError::Cancelled);
            }
        }
    }
}

/// Maps a failed perf to an error naming the cause.
fn check_status(
    what: &'static str,
    status: std::process::ExitStatus,
    stderr: &str,
) -> Result<(), ProfileError> {
    if status.success() {
        return Ok(());
    }
    let tail: String =
        stderr.lines().filter(|l| !l.trim().is_empty()).take(6).collect::<Vec<_>>().join(" | ");
    let lower = stderr.to_ascii_lowercase();
    if lower.contains("perf_event_paranoid")
        || lower.contains("permission")
        || lower.contains("not permitted")
    {
        return Err(ProfileError::NotPermitted { value: paranoid(), detail: format!("; perf said: {tail}") });
    }
    if lower.contains("no such process") {
        return Err(ProfileError::NoTarget(format!("the target exited before perf attached: {tail}")));
    }
    let stderr = if tail.is_empty() {
        "perf printed nothing: it may not attach to this target (PID 1 and kernel threads fail this way); `perf record -p PID -- sleep 1` by hand shows what perf does".to_string()
    } else {
        tail
    };
    Err(ProfileError::Perf { what, status: status.to_string(), stderr })
}

/// The first executable `name` in `PATH`.
fn search_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pid_must_be_alive_and_a_name_must_match() {
        let me = std::process::id().to_string();
        assert!(matches!(Target::pid(&me), Ok(Target::Pids(p, _)) if p == vec![std::process::id()]));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let gone = child.id();
        child.wait().unwrap();
        let err = Target::pid(&gone.to_string()).unwrap_err().to_string();
        assert!(err.contains(&format!("pid {gone} has exited")), "{err}");
        assert!(Target::pid("abc").unwrap_err().to_string().contains("bad `pid` \"abc\""));
        let err = Target::process("no-such-proc-xyz").unwrap_err().to_string();
        assert!(err.contains("no running process is named \"no-such-proc-xyz\""), "{err}");
    }

    #[test]
    fn a_silent_perf_failure_still_says_what_to_try() {
        use std::os::unix::process::ExitStatusExt;
        let failed = std::process::ExitStatus::from_raw(255 << 8);
        let err = check_status("record", failed, "\n").unwrap_err().to_string();
        assert!(err.contains("perf printed nothing") && err.contains("perf record -p PID"), "{err}");
        let err = check_status("record", failed, "bad event\n").unwrap_err().to_string();
        assert!(err.ends_with("bad event"), "{err}");
    }
}
