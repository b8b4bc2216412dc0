//! Log lines for a run shown from its journal. Output lines are not journaled (they live in the
//! step log files), so a client attached to a run the runner no longer holds (it ended, or the
//! runner restarted since) gets the steps without their output. [`LogFill`] notices a step that
//! finished with no output line in a stream that skipped events (a journal replay has gaps in its
//! sequence numbers where the lines were; a live stream has none, so a quiet live step costs no
//! read) and says its log should be read; [`lines`] turns
//! the bytes read into `StepLog` events (sanitised) shown before the step's end, and [`read_log`]
//! reads a step log through the runner page by page, as `flightdeck log` does.

use std::collections::{HashMap, HashSet};

use crate::engine::{Event, EventKind, StepStatus};
use crate::event::Stream;
use crate::runner::Client;
use crate::runner::protocol::{Request, Response};
use crate::runner::query::{Answer, LOG_PAGE_MAX, Query};

/// At most this many bytes of one step log are read for a replay (the tail of a longer one is
/// left to `flightdeck log`).
pub const REPLAY_BYTES_MAX: u64 = 16 * 1024 * 1024;

/// A step log to show now: the lines one attempt wrote (a step log holds every attempt, each
/// after a `── attempt N ──` line), or for a step adopted by a restarted runner, whose earlier
/// lines no client holds, the attempt's lines before the last one equal to `until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Want {
    /// The step.
    pub step: String,
    /// The attempt.
    pub attempt: u32,
    /// Show only the lines before the last line with this text.
    pub until: Option<String>,
}

/// Which step attempts of a stream showed output, and which had their log read already.
#[derive(Debug, Default)]
pub struct LogFill {
    seen: HashSet<(String, u32)>,
    filled: HashSet<(String, u32)>,
    /// Each step's attempt now, the life of its start seen and how many gaps the stream had then.
    started: HashMap<String, (u32, u32, usize)>,
    last: Option<(u32, u64)>,
    gaps: usize,
}

impl LogFill {
    /// A fill for a new stream.
    pub fn new() -> LogFill {
        LogFill::default()
    }

    /// Notes `e`; returns the step log to show before `e`: that of an attempt that ends without a
    /// single output line in a stream with gaps, or, at the first line of an attempt started in
    /// an earlier life with a gap since, the lines the earlier lives wrote.
    pub fn before(&mut self, e: &Event) -> Option<Want> {
        // A new life counts as a gap: the end of the last one (its last lines) may not be here.
        let follows = match self.last {
            Some((life, seq)) => life == e.life && e.seq <= seq + 1,
            None => e.seq <= 1,
        };
        self.gaps += usize::from(!follows);
        self.last = Some((e.life, e.seq));
        match &e.kind {
            EventKind::StepStarted { step, attempt, .. } => {
                let known = self.started.get(step).filter(|s| s.0 == *attempt).copied();
                self.started.insert(step.clone(), known.unwrap_or((*attempt, e.life, self.gaps)));
                None
            }
            EventKind::StepLog { step, stream, line } => {
                let &(attempt, life, gaps) = self.started.get(step)?;
                let key = (step.clone(), attempt);
                let earlier = life < e.life && gaps < self.gaps && !self.seen.contains(&key);
                let want = (earlier && self.filled.insert(key.clone())).then(|| Want {
                    step: step.clone(),
                    attempt,
                    until: Some(line.clone()),
                });
                if *stream != Stream::System {
                    self.seen.insert(key);
                }
                want
            }
            EventKind::StepFinished { step, status, attempt, .. } if *status != StepStatus::Skipped => {
                self.wants(step, *attempt)
            }
            EventKind::StepRetrying { step, attempt, .. } => self.wants(step, *attempt),
            _ => None,
        }
    }

    /// An attempt's log is read only if the stream skipped events since it started (a quiet step
    /// of a live stream, even after a resume, costs no read).
    fn wants(&mut self, step: &str, attempt: u32) -> Option<Want> {
        let key = (step.to_string(), attempt);
        let gap_since = self.gaps > 0 && self.started.get(step).is_none_or(|s| s.2 < self.gaps);
        if !gap_since || self.seen.contains(&key) || !self.filled.insert(key) {
            return None;
        }
        Some(Want { step: step.to_string(), attempt, until: None })
    }
}

/// The attempt a `── attempt N ──` line of a step log starts.
fn attempt_header(line: &str) -> Option<u32> {
    line.strip_prefix("── attempt ")?.strip_suffix(" ──")?.parse().ok()
}

/// The lines of `bytes` (a step log) that `want` asks for, as `StepLog` events stamped like `at`
/// (the event they precede), each made safe for a terminal: one attempt's, and with
/// `want.until` only those before the last line equal to it (none when no line is).
pub fn lines(at: &Event, want: &Want, bytes: &[u8]) -> Vec<Event> {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if bytes.is_empty() {
        return Vec::new();
    }
    let mut attempt = 1;
    let mut all: Vec<String> = Vec::new();
    for raw in bytes.split(|&b| b == b'\n') {
        let line = crate::sanitize::bytes_for_terminal(raw).into_owned();
        if let Some(n) = attempt_header(&line) {
            attempt = n;
        } else if attempt == want.attempt {
            all.push(line);
        }
    }
    if let Some(until) = &want.until {
        let until = crate::sanitize::for_terminal(until);
        let cut = all.iter().rposition(|l| *l == until).unwrap_or(0);
        all.truncate(cut);
    }
    all.into_iter()
        .map(|line| Event {
            run: at.run.clone(),
            life: at.life,
            seq: at.seq,
            at: at.at,
            kind: EventKind::StepLog { step: want.step.clone(), stream: Stream::Stdout, line },
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
    use super::{LogFill, Want, lines};
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

    fn whole(step: &str) -> Want {
        Want { step: step.into(), attempt: 1, until: None }
    }

    fn out(step: &str, line: &str) -> EventKind {
        EventKind::StepLog { step: step.into(), stream: Stream::Stdout, line: line.into() }
    }

    #[test]
    fn a_step_that_ended_without_output_in_a_stream_with_gaps_wants_its_log_once() {
        let mut fill = LogFill::new();
        assert_eq!(fill.before(&ev(1, out("a", "hi"))), None);
        assert_eq!(fill.before(&ev(2, finished("a", StepStatus::Succeeded))), None);
        // A live stream (no gap): a quiet step is not read.
        assert_eq!(fill.before(&ev(3, finished("q", StepStatus::Succeeded))), None);
        // The journal skips the lines of b (seq 4..6): its end asks for its log, once.
        assert_eq!(fill.before(&ev(7, finished("b", StepStatus::Succeeded))), Some(whole("b")));
        assert_eq!(fill.before(&ev(8, finished("b", StepStatus::Succeeded))), None);
        assert_eq!(fill.before(&ev(9, finished("c", StepStatus::Skipped))), None);
        let system = EventKind::StepLog { step: "d".into(), stream: Stream::System, line: "x".into() };
        assert_eq!(fill.before(&ev(10, system)), None);
        assert_eq!(fill.before(&ev(11, finished("d", StepStatus::Failed))), Some(whole("d")));
    }

    #[test]
    fn a_step_adopted_in_a_later_life_wants_the_lines_of_the_earlier_ones_at_its_first_line() {
        let started = |life, seq| Event {
            life,
            ..ev(seq, EventKind::StepStarted { step: "s".into(), attempt: 1, detail: String::new() })
        };
        // A client that saw the step's first lines live: nothing to fill after the restart.
        let mut live = LogFill::new();
        assert_eq!(live.before(&started(1, 1)), None);
        assert_eq!(live.before(&ev(2, out("s", "one"))), None);
        let adopt = |seq| Event { life: 2, ..ev(seq, out("s", "after")) };
        assert_eq!(live.before(&adopt(3)), None);
        // A client that joined after the restart: the journal has a gap where the lines were.
        let mut late = LogFill::new();
        assert_eq!(late.before(&started(1, 1)), None);
        assert_eq!(
            late.before(&Event { life: 1, ..ev(9, finished("x", StepStatus::Succeeded)) }),
            Some(whole("x"))
        );
        let want = late.before(&adopt(3));
        assert_eq!(want, Some(Want { step: "s".into(), attempt: 1, until: Some("after".into()) }));
        assert_eq!(late.before(&adopt(4)), None);
        // A step that starts after the gap (a later life's own step) and ends quietly: no read.
        let next = |seq, kind| Event { life: 2, ..ev(seq, kind) };
        let begun = EventKind::StepStarted { step: "n".into(), attempt: 1, detail: String::new() };
        assert_eq!(late.before(&next(5, begun)), None);
        assert_eq!(late.before(&next(6, finished("n", StepStatus::Succeeded))), None);
    }

    #[test]
    fn log_bytes_become_sanitised_lines_stamped_like_the_event_they_precede() {
        let at = ev(9, finished("b", StepStatus::Succeeded));
        let got = lines(&at, &whole("b"), b"one\n\x1b[2Jtwo\n");
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
        assert!(lines(&at, &whole("b"), b"").is_empty());
        // Cut before the last copy of the line the stream shows next; none when it is not there.
        let until = |u: &str| Want { step: "b".into(), attempt: 1, until: Some(u.into()) };
        assert_eq!(lines(&at, &until("x"), b"a\nx\nb\nx\nc\n").len(), 3);
        assert!(lines(&at, &until("zz"), b"a\nb\n").is_empty());
        // One attempt's lines, without the headers between attempts.
        let log = "one\n── attempt 2 ──\ntwo\ntwo-b\n── attempt 3 ──\nthree\n".as_bytes();
        let attempt = |n| Want { step: "b".into(), attempt: n, until: None };
        let texts = |n| -> Vec<String> {
            lines(&at, &attempt(n), log)
                .into_iter()
                .map(|e| match e.kind {
                    EventKind::StepLog { line, .. } => line,
                    _ => String::new(),
                })
                .collect()
        };
        assert_eq!(texts(1), ["one"]);
        assert_eq!(texts(2), ["two", "two-b"]);
        assert_eq!(texts(3), ["three"]);
        assert!(texts(4).is_empty());
    }
}
