//! Paged reads of one run's history (`Query::StepLog`, `Query::Journal`): a page of log
//! bytes cut after a line, a page of journal events within a byte budget.

use std::io::{Read, Seek, SeekFrom};

use base64::Engine as _;

use crate::error::exit;
use crate::runner::protocol::Response;
use crate::runner::query::{Answer, Failed, JOURNAL_BYTES_MAX, LOG_PAGE_MAX, internal};
use crate::runner::server::Server;

impl Server {
    pub(super) fn log_page(&self, run: &str, step: &str, offset: u64, max: usize) -> Result<Answer, Failed> {
        let run = self.find_run(run)?;
        let steps = self.store.steps(&run.id).map_err(internal)?;
        let Some(rec) = steps.iter().find(|r| r.step == step) else {
            let names: Vec<_> = steps.iter().map(|r| r.step.as_str()).collect();
            let msg = format!("run {} has no step {step:?}; steps: {}", run.id, names.join(", "));
            return Err(Box::new(Response::error(exit::USAGE, msg)));
        };
        let Some(path) = &rec.log_path else {
            return Ok(Answer::LogPage { data: String::new(), next: offset, end: true, error: None });
        };
        Ok(match read_page(std::path::Path::new(path), offset, max.clamp(1, LOG_PAGE_MAX)) {
            Ok((bytes, end)) => {
                let next = offset.saturating_add(u64::try_from(bytes.len()).unwrap_or(u64::MAX));
                let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
                Answer::LogPage { data, next, end, error: None }
            }
            Err(e) => {
                Answer::LogPage { data: String::new(), next: offset, end: true, error: Some(e.to_string()) }
            }
        })
    }

    pub(super) fn journal_page(&self, run: &str, offset: usize) -> Result<Answer, Failed> {
        let run = self.find_run(run)?;
        let all = self.store.journal(&run.id).map_err(internal)?;
        let mut events = Vec::new();
        let mut bytes = 0usize;
        for e in all.iter().skip(offset) {
            let size = serde_json::to_vec(e).map_or(0, |v| v.len());
            if !events.is_empty() && bytes.saturating_add(size) > JOURNAL_BYTES_MAX {
                break;
            }
            bytes = bytes.saturating_add(size);
            events.push(e.clone());
        }
        let end = offset.saturating_add(events.len()) >= all.len();
        Ok(Answer::Journal { events, end })
    }
}

/// Up to `max` bytes of `path` from `offset`, cut after the last newline when the page is full and
/// holds one; and whether the file ends there. A missing log is an empty one (a step that printed
/// nothing has none: see `engine::logfile`).
fn read_page(path: &std::path::Path, offset: u64, max: usize) -> std::io::Result<(Vec<u8>, bool)> {
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), true)),
        Err(e) => return Err(e),
    };
    f.seek(SeekFrom::Start(offset))?;
    let mut buf = Vec::with_capacity(max);
    f.take(u64::try_from(max).unwrap_or(u64::MAX)).read_to_end(&mut buf)?;
    if buf.len() < max {
        return Ok((buf, true));
    }
    if let Some(nl) = buf.iter().rposition(|&b| b == b'\n') {
        buf.truncate(nl + 1);
    }
    Ok((buf, false))
}

#[cfg(test)]
mod tests {
    use super::read_page;

    #[test]
    fn a_missing_log_is_one_empty_last_page() {
        let dir = tempfile::tempdir().unwrap();
        let (bytes, end) = read_page(&dir.path().join("quiet.log"), 0, 10).unwrap();
        assert!(bytes.is_empty() && end);
        assert!(read_page(dir.path(), 0, 10).is_err(), "a directory is not a log");
    }

    #[test]
    fn a_full_page_ends_after_its_last_newline_and_the_last_page_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        std::fs::write(&path, "one\ntwo\nthree\n").unwrap();
        let (bytes, end) = read_page(&path, 0, 10).unwrap();
        assert_eq!((bytes.as_slice(), end), (&b"one\ntwo\n"[..], false));
        let (bytes, end) = read_page(&path, 8, 10).unwrap();
        assert_eq!((bytes.as_slice(), end), (&b"three\n"[..], true));
        let (bytes, end) = read_page(&path, 14, 10).unwrap();
        assert!(bytes.is_empty() && end);
    }

    #[test]
    fn a_line_longer_than_a_page_comes_in_full_pages() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        std::fs::write(&path, vec![b'x'; 25]).unwrap();
        let (bytes, end) = read_page(&path, 0, 10).unwrap();
        assert_eq!((bytes.len(), end), (10, false));
        let (bytes, end) = read_page(&path, 20, 10).unwrap();
        assert_eq!((bytes.len(), end), (5, true));
    }
}
