//! Running a step's shell command so that it outlives the engine: the start is committed, then a
//! small `sh` wrapper is spawned in its own process group (see [`crate::engine::markers`]) with the
//! command's output appended to a raw file that the engine copies, redacted, into the step's log.
//! The wrapper writes its pid (its group) into its state file; the engine also commits the pid,
//! group and /proc start time, one poll after the spawn, for a step still running then (one that
//! ended sooner has them committed with its end: a commit less per short step). The engine learns
//! the end from the wrapper's state file, so a step that finishes while no engine watches is still
//! known finished. A resumed run adopts a live group instead of starting a second
//! copy, and copies its output on from where the last engine stopped. On timeout or cancellation
//! the whole group gets SIGTERM, then SIGKILL after [`crate::engine::procfs::GRACE`].

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::engine::context::{StepCx, StepOutcome};
use crate::engine::event::Stream;
use crate::engine::logfile::Tail;
use crate::engine::markers::Markers;
use crate::engine::procfs::{proc_start_time, stop_group};
use crate::workflow::template::value_text;

/// How often a running step's raw output and state file are polled.
const POLL: Duration = Duration::from_millis(40);

/// The wrapper: `$1` command, `$2` raw output, `$3` state file (see [`crate::engine::markers`]).
/// The pid needs no rename: a wrapper that died before finishing its line never ran the command (a
/// line without its newline reads as absent). The command runs in a subshell of the wrapper (a fork,
/// no second `sh` to load), with no positional parameters, as `sh -c` would run it; inside it
/// `$PPID` is the runner, `$$` the wrapper. The status is one `echo` (one write, no extra process):
/// a reader counts it only with its newline, so a wrapper killed half way leaves no status rather
/// than half of one.
const WRAPPER: &str = r#"echo $$ >> "$3" || exit 125
(eval "set --
$1") </dev/null >>"$2" 2>&1
s=$?
echo $s >> "$3"
exit $s"#;

/// The shell the wrapper runs in.
const SH: &str = "/bin/sh";

enum Stop {
    Exited(Option<i32>, Option<ExitStatus>),
    Vanished,
    TimedOut,
    Cancelled,
    /// The step's pid could not be committed (the store's error): its group was stopped.
    Unrecorded(String),
}

/// The marker files of the execution `cx` is running.
pub(crate) fn markers(cx: &StepCx) -> Markers {
    let tag = if cx.rollback { "rollback".to_string() } else { cx.attempt().to_string() };
    Markers::new(cx.log.path(), &tag)
}

/// Runs `command` for the step in `cx`; see the module docs.
pub(crate) async fn run_shell(cx: &mut StepCx, command: &str) -> StepOutcome {
    let m = markers(cx);
    m.clear();
    if let Err(e) = m.write_intent() {
        return StepOutcome::failed(format!("cannot create {}: {e}", m.state.display()));
    }
    // The start is committed before anything is spawned.
    if let Err(e) = cx.started(command).await {
        return StepOutcome::failed(format!("store: {e}"));
    }
    let child = match build_command(cx, command, &m).and_then(|mut c| c.spawn()) {
        Ok(c) => c,
        Err(e) => return StepOutcome::failed(format!("cannot start `sh -c`: {e}")),
    };
    let pid = child.id().and_then(|p| i32::try_from(p).ok());
    let Some(group) = pid else { return StepOutcome::failed("the step's process has no pid") };
    // Committed with the end, or one poll from now if the step still runs (see the module docs).
    cx.record.pid = pid;
    cx.record.pgid = pid;
    let mut tail = Tail::new(&m.raw, 0);
    supervise(cx, group, Some(child), &m, &mut tail).await
}

/// Commits the pid, group and /proc start time of the step's wrapper (`group` leads its group).
async fn record_group(cx: &mut StepCx, group: i32) -> Result<(), String> {
    cx.record.proc_start = proc_start_time(group);
    let record = cx.shared.redact_record(&cx.record);
    cx.shared.store.record(None, None, Some(&record)).await.map_err(|e| format!("store: {e}"))
}

/// Waits for the live process group of an execution an earlier engine started (never a second copy).
pub(crate) async fn adopt(cx: &mut StepCx, pgid: i32) -> StepOutcome {
    let m = markers(cx);
    let mut tail = resume_tail(cx, &m);
    cx.log(Stream::System, format!("adopting the step's running process group {pgid}")).await;
    supervise(cx, pgid, None, &m, &mut tail).await
}

/// Follows the raw output from where the last engine's copy ended: the log is cut back to its
/// length after that copy (dropping lines of a copy the crash interrupted), so no line is copied,
/// nor sent to listeners, twice. An execution with no record is copied from the start.
fn resume_tail(cx: &mut StepCx, m: &Markers) -> Tail {
    let Some((raw, log)) = m.copied() else { return Tail::new(&m.raw, 0) };
    cx.log.truncate_to(log);
    Tail::new(&m.raw, raw)
}

/// The result of an execution whose wrapper recorded `code` while no engine watched.
pub(crate) async fn recorded(cx: &mut StepCx, code: i32) -> StepOutcome {
    let m = markers(cx);
    let mut tail = resume_tail(cx, &m);
    cx.log(Stream::System, format!("the step had ended with status {code} while flightdeck was down")).await;
    drain(cx, &m, &mut tail).await;
    settle_raw(cx, &m, &tail, false);
    finish(cx, &m, Stop::Exited(Some(code), None))
}

async fn supervise(
    cx: &mut StepCx,
    pgid: i32,
    mut child: Option<Child>,
    m: &Markers,
    tail: &mut Tail,
) -> StepOutcome {
    let fresh = child.is_some();
    let stop = watch(cx, pgid, child.as_mut(), m, tail).await;
    if matches!(stop, Stop::TimedOut | Stop::Cancelled | Stop::Unrecorded(_)) {
        stop_group(pgid, child.as_mut()).await;
    }
    drain(cx, m, tail).await;
    settle_raw(cx, m, tail, fresh);
    finish(cx, m, stop)
}

/// Copies everything left in the raw output once the command has ended (one poll stops after a few
/// thousand lines, so a step that wrote a lot just before it ended needs several), then its
/// unterminated last line. Bounded, so a left-behind child that keeps writing cannot hold the step.
async fn drain(cx: &mut StepCx, m: &Markers, tail: &mut Tail) {
    for _ in 0..MAX_DRAIN_POLLS {
        if !pump(cx, m, tail).await {
            break;
        }
    }
    pump_last(cx, m, tail).await;
}

fn finish(cx: &mut StepCx, m: &Markers, stop: Stop) -> StepOutcome {
    cx.step_outputs = read_outputs(&m.outputs);
    // The step wrote straight to these files: no secret value may stay in them (issue 15).
    cx.shared.scrub_file(&m.outputs);
    cx.shared.scrub_file(cx.log.path());
    outcome(cx, stop)
}

/// Once the command's output is copied, its raw file goes, and with it the record of the copy
/// (which this engine wrote only if it copied something, unless an earlier engine started the
/// execution). A raw file that stayed empty becomes the step's log instead, when the step has
/// none yet and the run read no secret: a rename, not an unlink, because freeing an inode is what
/// makes every file created after it dear on ext4 without a journal (its allocator skips each
/// inode freed in the last minutes). A process the step left behind that writes later then
/// writes into the step's log rather than into a removed file.
fn settle_raw(cx: &StepCx, m: &Markers, tail: &Tail, fresh: bool) {
    let unread = tail.consumed() == 0 && tail.unrecorded.is_some();
    let kept = fresh
        && unread
        && cx.log.size() == 0
        && cx.shared.redactor.is_empty()
        && std::fs::symlink_metadata(cx.log.path()).is_err()
        && std::fs::rename(&m.raw, cx.log.path()).is_ok();
    if !kept {
        let _ = std::fs::remove_file(&m.raw);
    }
    if !fresh || !unread {
        let _ = std::fs::remove_file(&m.copied);
    }
}

/// Polls of the raw output after the command ended (each copies up to a few thousand lines).
const MAX_DRAIN_POLLS: usize = 10_000;

/// Copies the complete lines the command appended since the last call; true if there were any.
async fn pump(cx: &mut StepCx, m: &Markers, tail: &mut Tail) -> bool {
    let lines = tail.poll();
    let any = !lines.is_empty();
    forward(cx, m, tail, lines).await;
    any
}

/// Copies an unterminated last line, once the command has ended.
async fn pump_last(cx: &mut StepCx, m: &Markers, tail: &mut Tail) {
    if let Some(last) = tail.finish() {
        forward(cx, m, tail, vec![last]).await;
    }
}

/// Copies output lines, secrets redacted, into the step's log, records how far the copy got, then
/// sends them to listeners (a crash between the two loses lines on the wire, never repeats them).
async fn forward(cx: &mut StepCx, m: &Markers, tail: &mut Tail, lines: Vec<String>) {
    if lines.is_empty() {
        return;
    }
    // Before this engine's first copy: where the raw output and the log stood (a resumed run cuts
    // the log back to here), so a crash in the middle of the copy repeats no line.
    if let Some(raw) = tail.unrecorded.take() {
        m.save_copied(raw, cx.log.size());
    }
    let lines: Vec<String> = lines.into_iter().map(|l| cx.shared.redact(l)).collect();
    for line in &lines {
        cx.log.write_line(line);
    }
    m.save_copied(tail.consumed(), cx.log.size());
    for line in lines {
        cx.shared.emit_log(&cx.plan_step.id, Stream::Stdout, line).await;
    }
}

async fn watch(
    cx: &mut StepCx,
    pgid: i32,
    mut child: Option<&mut Child>,
    m: &Markers,
    tail: &mut Tail,
) -> Stop {
    let cancel = cx.shared.cancel.clone();
    let deadline = cx.deadline;
    let mut tick = tokio::time::interval(POLL);
    // A spawned step's pid is committed at the second tick (the first is at once), if it runs then.
    let mut ticks = 0u32;
    loop {
        tokio::select! {
            status = wait_child(child.as_deref_mut()) => {
                return Stop::Exited(m.exit_status(), status.ok());
            }
            _ = tick.tick() => {
                ticks = ticks.saturating_add(1);
                if ticks == 2
                    && child.is_some()
                    && let Err(e) = record_group(cx, pgid).await
                {
                    return Stop::Unrecorded(e);
                }
                pump(cx, m, tail).await;
                if child.is_none() {
                    if let Some(code) = m.exit_status() {
                        return Stop::Exited(Some(code), None);
                    }
                    if !m.group_is_ours(pgid) {
                        return m.exit_status().map_or(Stop::Vanished, |c| Stop::Exited(Some(c), None));
                    }
                }
            }
            () = crate::engine::sleep_until_opt(deadline) => return Stop::TimedOut,
            () = cancel.cancelled() => return Stop::Cancelled,
        }
    }
}

async fn wait_child(child: Option<&mut Child>) -> std::io::Result<ExitStatus> {
    match child {
        Some(c) => c.wait().await,
        None => std::future::pending().await,
    }
}

fn build_command(cx: &StepCx, command: &str, m: &Markers) -> std::io::Result<Command> {
    let plan = &cx.shared.plan;
    let dir = match &cx.plan_step.step.dir {
        Some(t) => plan.project_dir.join(cx.render(t).map_err(std::io::Error::other)?),
        None => plan.project_dir.clone(),
    };
    // The absolute path: no `execve` per `$PATH` entry before the one that has it (POSIX puts `sh`
    // there on every system flightdeck runs on).
    let mut cmd = Command::new(SH);
    cmd.arg("-c")
        .arg(WRAPPER)
        .arg("flightdeck-step")
        .arg(command)
        .arg(&m.raw)
        .arg(&m.state)
        .current_dir(dir)
        .env("FLIGHTDECK", &cx.shared.flightdeck_bin)
        .env("FLIGHTDECK_OUTPUT", &m.outputs)
        .env("FLIGHTDECK_HOME", &plan.data_dir)
        .env("FLIGHTDECK_RUN", &cx.shared.run_id)
        .env("FLIGHTDECK_STEP", &cx.plan_step.id)
        .env("FLIGHTDECK_ATTEMPT", cx.attempt().to_string())
        .env("FLIGHTDECK_ENV", &plan.environment.name)
        .envs(param_vars(&cx.params))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        // The step outlives the engine on purpose: a resumed run adopts it.
        .kill_on_drop(false);
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
        Stop::Vanished => {
            StepOutcome::failed("its process group was killed before it recorded an exit status")
        }
        Stop::Exited(Some(code), _) => exit_outcome(cx, Some(code), None),
        Stop::Exited(None, Some(status)) => {
            use std::os::unix::process::ExitStatusExt;
            exit_outcome(cx, status.code(), status.signal())
        }
        Stop::Exited(None, None) => StepOutcome::failed("ended without an exit status"),
        Stop::Unrecorded(e) => StepOutcome::failed(e),
    }
}

fn exit_outcome(cx: &mut StepCx, code: Option<i32>, signal: Option<i32>) -> StepOutcome {
    cx.exit_code = code;
    match (code, signal) {
        (Some(0), _) => StepOutcome::Succeeded,
        (Some(code), _) if code > 128 => {
            StepOutcome::failed(format!("killed by signal {} (exit status {code})", code - 128))
        }
        (Some(code), _) => StepOutcome::failed(format!("exited with code {code}")),
        (None, Some(sig)) => StepOutcome::failed(format!("killed by signal {sig}")),
        (None, None) => StepOutcome::failed("ended without an exit code"),
    }
}

/// Parses `key=value` lines written to `$FLIGHTDECK_OUTPUT`.
pub fn read_outputs(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .filter(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
        .collect()
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
}
