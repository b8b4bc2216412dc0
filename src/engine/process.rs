//! Running a step's shell command: `sh -c` in its own process group, output streamed line by line,
//! pid and process start committed before the step is reported started, outputs read from
//! `$FLIGHTDECK_OUTPUT`, and on timeout or cancellation SIGTERM to the group then SIGKILL.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use crate::engine::context::{StepCx, StepOutcome};
use crate::engine::event::Stream;
use crate::workflow::template::value_text;

/// How long a process group has between SIGTERM and SIGKILL.
pub const GRACE: Duration = Duration::from_secs(5);

enum Stop {
    Exited(std::io::Result<ExitStatus>),
    TimedOut,
    Cancelled,
}

/// Runs `command` for the step in `cx`; see the module docs.
pub(crate) async fn run_shell(cx: &mut StepCx, command: &str) -> StepOutcome {
    let out_path = cx.log.path().with_extension(format!("{}.outputs", cx.attempt()));
    if let Err(e) = std::fs::write(&out_path, b"") {
        return StepOutcome::failed(format!("cannot create outputs file {}: {e}", out_path.display()));
    }
    let mut child = match build_command(cx, command, &out_path).and_then(|mut c| c.spawn()) {
        Ok(c) => c,
        Err(e) => return StepOutcome::failed(format!("cannot start `sh -c`: {e}")),
    };
    let pid = child.id().and_then(|p| i32::try_from(p).ok());
    cx.record.pid = pid;
    cx.record.pgid = pid;
    cx.record.proc_start = pid.and_then(proc_start_time);
    if let Err(e) = cx.started(command).await {
        terminate(pid, &mut child).await;
        return StepOutcome::failed(format!("store: {e}"));
    }
    let (tx, mut rx) = mpsc::channel::<(Stream, String)>(256);
    spawn_reader(child.stdout.take(), Stream::Stdout, tx.clone());
    spawn_reader(child.stderr.take(), Stream::Stderr, tx);
    let stop = watch(cx, &mut child, &mut rx).await;
    if !matches!(stop, Stop::Exited(_)) {
        terminate(pid, &mut child).await;
    }
    drain(cx, &mut rx).await;
    cx.step_outputs = read_outputs(&out_path);
    cx.shared.scrub_file(&out_path);
    outcome(cx, stop)
}

fn build_command(cx: &StepCx, command: &str, out_path: &Path) -> std::io::Result<Command> {
    let plan = &cx.shared.plan;
    let dir = match &cx.plan_step.step.dir {
        Some(t) => plan.project_dir.join(cx.render(t).map_err(std::io::Error::other)?),
        None => plan.project_dir.clone(),
    };
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .current_dir(dir)
        .env("FLIGHTDECK", &cx.shared.flightdeck_bin)
        .env("FLIGHTDECK_OUTPUT", out_path)
        .env("FLIGHTDECK_HOME", &plan.data_dir)
        .env("FLIGHTDECK_RUN", &cx.shared.run_id)
        .env("FLIGHTDECK_STEP", &cx.plan_step.id)
        .env("FLIGHTDECK_ATTEMPT", cx.attempt().to_string())
        .env("FLIGHTDECK_ENV", &plan.environment.name)
        .envs(param_vars(&cx.params))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    for (k, t) in &cx.plan_step.step.env {
        cmd.env(k, cx.render(t).map_err(std::io::Error::other)?);
    }
    Ok(cmd)
}

/// `FLIGHTDECK_PARAM_<NAME>` for every parameter.
fn param_vars(params: &BTreeMap<String, serde_json::Value>) -> Vec<(String, String)> {
    params
        .iter()
        .map(|(k, v)| {
            (format!("FLIGHTDECK_PARAM_{}", k.to_ascii_uppercase().replace('-', "_")), value_text(v))
        })
        .collect()
}

fn spawn_reader<R: AsyncRead + Unpin + Send + 'static>(
    pipe: Option<R>,
    stream: Stream,
    tx: mpsc::Sender<(Stream, String)>,
) {
    let Some(pipe) = pipe else { return };
    tokio::spawn(async move {
        let mut lines = BufReader::new(pipe).split(b'\n');
        while let Ok(Some(bytes)) = lines.next_segment().await {
            let mut text = String::from_utf8_lossy(&bytes).into_owned();
            if text.ends_with('\r') {
                text.pop();
            }
            if tx.send((stream, text)).await.is_err() {
                break;
            }
        }
    });
}

async fn watch(cx: &mut StepCx, child: &mut Child, rx: &mut mpsc::Receiver<(Stream, String)>) -> Stop {
    let cancel = cx.shared.cancel.clone();
    let deadline = cx.deadline;
    loop {
        tokio::select! {
            Some((stream, line)) = rx.recv() => cx.log(stream, line).await,
            status = child.wait() => return Stop::Exited(status),
            () = crate::engine::sleep_until_opt(deadline) => return Stop::TimedOut,
            () = cancel.cancelled() => return Stop::Cancelled,
        }
    }
}

/// Reads the lines still buffered after the process ended (bounded: a grandchild that keeps
/// the pipe open cannot hold the step forever).
async fn drain(cx: &mut StepCx, rx: &mut mpsc::Receiver<(Stream, String)>) {
    let until = tokio::time::Instant::now() + Duration::from_secs(2);
    while let Ok(Some((stream, line))) = tokio::time::timeout_at(until, rx.recv()).await {
        cx.log(stream, line).await;
    }
}

/// SIGTERM to the process group, SIGKILL after [`GRACE`].
pub(crate) async fn terminate(pgid: Option<i32>, child: &mut Child) {
    if let Some(pg) = pgid {
        let _ = killpg(Pid::from_raw(pg), Signal::SIGTERM);
    }
    if tokio::time::timeout(GRACE, child.wait()).await.is_err() {
        if let Some(pg) = pgid {
            let _ = killpg(Pid::from_raw(pg), Signal::SIGKILL);
        }
        let _ = child.wait().await;
    }
}

fn outcome(cx: &mut StepCx, stop: Stop) -> StepOutcome {
    match stop {
        Stop::Cancelled => StepOutcome::Cancelled,
        Stop::TimedOut => {
            let ms = cx.plan_step.step.timeout_ms.unwrap_or_default();
            StepOutcome::failed(format!(
                "timed out after {}",
                crate::time::human_duration(i64::try_from(ms).unwrap_or(i64::MAX))
            ))
        }
        Stop::Exited(Err(e)) => StepOutcome::failed(format!("waiting for the process failed: {e}")),
        Stop::Exited(Ok(status)) => {
            use std::os::unix::process::ExitStatusExt;
            cx.exit_code = status.code();
            match (status.code(), status.signal()) {
                (Some(0), _) => StepOutcome::Succeeded,
                (Some(code), _) => StepOutcome::failed(format!("exited with code {code}")),
                (None, Some(sig)) => StepOutcome::failed(format!("killed by signal {sig}")),
                (None, None) => StepOutcome::failed("ended without an exit code"),
            }
        }
    }
}

/// Parses `key=value` lines written to `$FLIGHTDECK_OUTPUT`.
pub fn read_outputs(path: &PathBuf) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .filter(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
        .collect()
}

/// The start time of a process in clock ticks since boot (`/proc/PID/stat` field 22).
pub fn proc_start_time(pid: i32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces; fields after it follow the last ')'.
    let after = stat.rsplit_once(')')?.1;
    after.split_whitespace().nth(19)?.parse().ok()
}

/// True if the process group `pgid` still has a live (not zombie) member. Scans /proc, because a
/// zombie still answers `kill(0)` and nothing reaps orphans where PID 1 is not an init.
pub fn group_alive(pgid: i32) -> bool {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return killpg(Pid::from_raw(pgid), None).is_ok();
    };
    dir.filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .any(|stat| {
            let Some((_, after)) = stat.rsplit_once(')') else { return false };
            let mut fields = after.split_whitespace();
            let state = fields.next().unwrap_or("Z");
            let pgrp = fields.nth(1).and_then(|f| f.parse::<i32>().ok());
            state != "Z" && state != "X" && pgrp == Some(pgid)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_outputs_and_ignores_junk() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("o");
        std::fs::write(&p, "sha=abc\nnot a pair\nprevious=1.0.0\nbad key=x\nurl=http://x/?a=b\n").unwrap();
        let o = read_outputs(&p);
        assert_eq!(o.get("sha").map(String::as_str), Some("abc"));
        assert_eq!(o.get("url").map(String::as_str), Some("http://x/?a=b"));
        assert!(!o.contains_key("bad key"));
        assert_eq!(o.len(), 3);
    }

    #[test]
    fn start_time_of_self_is_readable() {
        let me = i32::try_from(std::process::id()).unwrap();
        assert!(proc_start_time(me).is_some());
        assert!(group_alive(nix::unistd::getpgrp().as_raw()));
    }
}
