//! A step log file indexed by line offsets, so the run view can scroll and search every line ever
//! written while memory stays bounded: one offset is kept per 64 lines, and only the visible lines
//! are read, by seeking.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// Lines per kept offset.
const STRIDE: usize = 64;

/// An incrementally built sparse line index of one file.
#[derive(Debug, Clone)]
pub struct LogIndex {
    path: PathBuf,
    /// Byte offset of line `k * STRIDE`.
    marks: Vec<u64>,
    /// Complete lines indexed so far.
    lines: usize,
    /// Bytes indexed so far (up to the end of the last complete line).
    indexed: u64,
}

impl LogIndex {
    /// An index of `path` (read on [`refresh`](Self::refresh)).
    pub fn new(path: &Path) -> LogIndex {
        LogIndex { path: path.to_path_buf(), marks: vec![0], lines: 0, indexed: 0 }
    }

    /// Complete lines in the file.
    pub fn len(&self) -> usize {
        self.lines
    }

    /// True when the file has no complete line.
    pub fn is_empty(&self) -> bool {
        self.lines == 0
    }

    /// Indexes what was appended since the last call. A file that shrank (rotated) is re-indexed.
    pub fn refresh(&mut self) -> std::io::Result<()> {
        let mut file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if file.metadata()?.len() < self.indexed {
            *self = LogIndex::new(&self.path);
        }
        file.seek(SeekFrom::Start(self.indexed))?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let mut pos = self.indexed;
        loop {
            let buf = reader.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            let n = buf.len();
            for (i, b) in buf.iter().enumerate() {
                if *b == b'\n' {
                    self.lines += 1;
                    self.indexed = pos + i as u64 + 1;
                    if self.lines.is_multiple_of(STRIDE) {
                        self.marks.push(self.indexed);
                    }
                }
            }
            pos += n as u64;
            reader.consume(n);
        }
        Ok(())
    }

    /// Lines `first..first + count` (fewer at the end).
    pub fn read(&self, first: usize, count: usize) -> std::io::Result<Vec<String>> {
        if first >= self.lines || count == 0 {
            return Ok(Vec::new());
        }
        let mark = first / STRIDE;
        let mut reader = BufReader::new(File::open(&self.path)?);
        reader.seek(SeekFrom::Start(self.marks.get(mark).copied().unwrap_or(0)))?;
        let mut out = Vec::with_capacity(count);
        let mut line = Vec::new();
        let end = (first + count).min(self.lines);
        for n in mark * STRIDE..end {
            line.clear();
            reader.read_until(b'\n', &mut line)?;
            if n >= first {
                if line.last() == Some(&b'\n') {
                    line.pop();
                }
                out.push(String::from_utf8_lossy(&line).into_owned());
            }
        }
        Ok(out)
    }

    /// The first line containing `query` after (`forward`) or before `from`, wrapping around.
    pub fn search(&self, query: &str, from: Option<usize>, forward: bool) -> std::io::Result<Option<usize>> {
        Ok(self.search_counted(query, from, forward)?.0)
    }

    /// As `search`, with the match's rank (1-based) among all matching lines and their count.
    pub fn search_counted(
        &self,
        query: &str,
        from: Option<usize>,
        forward: bool,
    ) -> std::io::Result<(Option<usize>, usize, usize)> {
        if query.is_empty() || self.lines == 0 {
            return Ok((None, 0, 0));
        }
        let mut hits = Vec::new();
        let mut reader = BufReader::new(File::open(&self.path)?.take(self.indexed));
        let mut line = Vec::new();
        let needle = query.as_bytes();
        for n in 0..self.lines {
            line.clear();
            reader.read_until(b'\n', &mut line)?;
            if line.windows(needle.len()).any(|w| w == needle) {
                hits.push(n);
            }
        }
        let pick = match (from, forward) {
            (None, _) => hits.last().copied(),
            (Some(f), true) => hits.iter().copied().find(|&h| h > f).or_else(|| hits.first().copied()),
            (Some(f), false) => hits.iter().copied().rev().find(|&h| h < f).or_else(|| hits.last().copied()),
        };
        let rank = pick.and_then(|p| hits.iter().position(|&h| h == p)).map_or(0, |i| i + 1);
        Ok((pick, rank, hits.len()))
    }

    /// The numbers of the lines containing `query`, in order.
    pub fn matching(&self, query: &str) -> std::io::Result<Vec<usize>> {
        let mut hits = Vec::new();
        if query.is_empty() || self.lines == 0 {
            return Ok(hits);
        }
        let mut reader = BufReader::new(File::open(&self.path)?.take(self.indexed));
        let mut line = Vec::new();
        let needle = query.as_bytes();
        for n in 0..self.lines {
            line.clear();
            reader.read_until(b'\n', &mut line)?;
            if line.windows(needle.len()).any(|w| w == needle) {
                hits.push(n);
            }
        }
        Ok(hits)
    }

    /// Approximate memory held by the index, in bytes.
    pub fn memory(&self) -> usize {
        self.marks.capacity() * std::mem::size_of::<u64>() + std::mem::size_of::<Self>()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn indexes_reads_and_searches_incrementally() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.log");
        let mut f = File::create(&path).unwrap();
        for i in 0..1000 {
            writeln!(f, "line {i}").unwrap();
        }
        write!(f, "partial").unwrap();
        f.flush().unwrap();
        let mut idx = LogIndex::new(&path);
        idx.refresh().unwrap();
        assert_eq!(idx.len(), 1000);
        assert_eq!(idx.read(998, 5).unwrap(), vec!["line 998", "line 999"]);
        assert_eq!(idx.read(130, 2).unwrap(), vec!["line 130", "line 131"]);
        writeln!(f, " done").unwrap();
        f.flush().unwrap();
        idx.refresh().unwrap();
        assert_eq!(idx.len(), 1001);
        assert_eq!(idx.read(1000, 1).unwrap(), vec!["partial done"]);
        assert_eq!(idx.search("line 5", None, false).unwrap(), Some(599));
        assert_eq!(idx.search("line 5", Some(5), true).unwrap(), Some(50));
        assert_eq!(idx.search("line 5", Some(50), false).unwrap(), Some(5));
        assert_eq!(idx.search("nothing", None, true).unwrap(), None);
        let (line, rank, count) = idx.search_counted("line 5", Some(5), true).unwrap();
        assert_eq!((line, rank), (Some(50), 2), "line 50 is the second of the matches");
        assert!(count > 2);
        assert!(idx.memory() < 1024);
    }
}
