//! Log lines for a run shown from its journal. Output lines are not journaled (they live in the
//! step log files), so a client attached to a run the runner no longer holds (it ended, or the
//! runner restarted since) gets the steps without their output. [`LogFill`] notices a step that
//! finished with no output line in a stream that skipped events (a journal replay has gaps in its
//! sequence numbers where the lines were; a live stream has none, so a quiet live step costs no
//! read) and says its log should be read; [`lines`] turns
//! the bytes read into `StepLog` events (sanitised) shown before the step's end, and [`read_log`]
//! reads a step log through the runner page by page, as `flightdeck log` does.

use std::collections::HashSet;

use crate::engine::{Event, EventKind, StepStatus};
use crate::event::Stream;
use crate::runner::Client;
use crate::runner::protocol::{Request, Response};
use crate::runner::query::{Answer, LOG_PAGE_MAX, Query};

/// At most this many bytes of one step log are read for a replay (the tail of a longer one is
/// left to `flightdeck log`).
pub const REPLAY_BYTES_MAX: u64 = 16 * 1024 * 1024;

/// Which steps of a stream showed output, and which had their log read already.
#[derive(Debug, Default)]
pub struct LogFill {
    seen: HashSet<String>,
    filled: HashSet<String>,
    last: Option<(u32, u64)>,
    gap: bool,
}

impl LogFill {
    /// A fill for a new stream.
    pub fn new() -> LogFill {
        LogFill::default()
    }

    /// Notes `e`; returns the step whose log should be shown before `e`: one that ends (or ends an
    /// attempt) without a single output line in this stream, once per step.
    pub fn before(&mut self, e: &Event) -> Option<String> {
        let follows = match self.last {
            Some((life, seq)) if life == e.life => e.seq <= seq + 1,
            _ => e.seq <= 1,
        };
        self.gap |= !follows;
        self.last = Some((e.life, e.seq));
        match &e.kind {
            EventKind::StepLog { step, stream, .. } if *stream != Stream::System => {
                self.seen.insert(step.clone());
                None
            }
            EventKind::StepFinished { step, status, .. } if *status != StepStatus::Skipped => {
                self.wants(step)
            }
            EventKind::StepRetrying { step, .. } => self.wants(step),
            _ => None,
        }
    }

    fn wants(&mut self, step: &str) -> Option<String> {
        if !self.gap || self.seen.contains(step) || self.filled.contains(step) {
            return None;
        }
        self.filled.insert(step.to_string());
        Some(step.to_string())
    }
}

/// `bytes` of `step`'s log as `StepLog` events stamped like `at` (the event they precede), each
/// line made safe for a terminal.
pub fn lines(at: &Event, step: &str, bytes: &[u8]) -> Vec<Event> {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if bytes.is_empty() {
        return Vec::new();
    }
    bytes
        .split(|&b| b == b'\n')
        .map(|l| Event {
            run: at.run.clone(),
            life: at.life,
            seq: at.seq,
            at: at.at,
            kind: EventKind::StepLog {
                step: step.to_string(),
                stream: Stream::Stdout,
                line: crate::sanitize::bytes_for_terminal(l).into_owned(),
            },
        })
        .collect()
}

/// Reads `step`'s log of `run` through the runner (at most [`REPLAY_BYTES_MAX`]); a step with no
/// log or a missing file (a log is created lazily) reads as empty.
pub async fn read_log(client: &mut Client, run: &str, step: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut offset = 0;
    while offset < REPLAY_BYTES_MAX {
        let query =
            Query::StepLog { run: run.to_string(), step: step.to_string(), offset, max: LOG_PAGE_MAX };
        let answer = client.call(&Request::Query { query }).await.map_err(|e| e.to_string())?;
        let (data, next, end) = match answer {
            Response::History { answer: Answer::LogPage { error: Some(_), .. } } => return Ok(out),
            Response::History { answer: Answer::LogPage { data, next, end, .. } } => (data, next, end),
            Response::Error { message, .. } => return Err(message),
            other => return Err(format!("unexpected answer from the runner: {other:?}")),
        };
        out.extend(Answer::log_bytes(&data)?);
        if end || next <= offset {
            break;
        }
        offset = next;
    }
    Ok(out)
}

/// Reads `step`'s log file directly (a console that reads the store); missing reads as empty.
pub fn read_log_file(path: &std::path::Path) -> Vec<u8> {
    use std::io::Read as _;
    let mut out = Vec::new();
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.take(REPLAY_BYTES_MAX).read_to_end(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{LogFill, lines};
    use crate::engine::{Event, EventKind, StepStatus};
    use crate::event::Stream;

    fn ev(seq: u64, kind: EventKind) -> Event {
        Event { run: "r".into(), life: 1, seq, at: crate::time::Micros(5), kind }
    }

    fn finished(step: &str, status: StepStatus) -> EventKind {
        EventKind::StepFinished {
            step: step.into(),
            attempt: 1,
            status,
            exit_code: Some(0),
            duration_ms: 1,
            outputs: std::collections::BTreeMap::new(),
            message: None,
        }
    }

    #[test]
    fn a_step_that_ended_without_output_in_a_stream_with_gaps_wants_its_log_once() {
        let mut fill = LogFill::new();
        let line = EventKind::StepLog { step: "a".into(), stream: Stream::Stdout, line: "hi".into() };
        assert_eq!(fill.before(&ev(1, line)), None);
        assert_eq!(fill.before(&ev(2, finished("a", StepStatus::Succeeded))), None);
        // A live stream (no gap): a quiet step is not read.
        assert_eq!(fill.before(&ev(3, finished("q", StepStatus::Succeeded))), None);
        // The journal skips the lines of b (seq 4..6): its end asks for its log, once.
        assert_eq!(fill.before(&ev(7, finished("b", StepStatus::Succeeded))), Some("b".into()));
        assert_eq!(fill.before(&ev(8, finished("b", StepStatus::Succeeded))), None);
        assert_eq!(fill.before(&ev(9, finished("c", StepStatus::Skipped))), None);
        let system = EventKind::StepLog { step: "d".into(), stream: Stream::System, line: "x".into() };
        assert_eq!(fill.before(&ev(10, system)), None);
        assert_eq!(fill.before(&ev(11, finished("d", StepStatus::Failed))), Some("d".into()));
    }

    #[test]
    fn log_bytes_become_sanitised_lines_stamped_like_the_event_they_precede() {
        let at = ev(9, finished("b", StepStatus::Succeeded));
        let got = lines(&at, "b", b"one\n\x1b[2Jtwo\n");
        let texts: Vec<_> = got
            .iter()
            .map(|e| match &e.kind {
                EventKind::StepLog { line, step, .. } => format!("{step}:{line}"),
                _ => String::new(),
            })
            .collect();
        assert_eq!(texts.len(), 2);
        assert_eq!(texts[0], "b:one");
        assert!(texts[1].ends_with("two") && !texts[1].contains('\x1b'), "{texts:?}");
        assert!(got.iter().all(|e| e.seq == 9 && e.life == 1));
        assert!(lines(&at, "b", b"").is_empty());
    }
}
