//! `flightdeck cost import FILE`: hash the file (sha256, streamed), recognise gzip by its magic
//! bytes and the export by its first character (`{`: GCP NDJSON, else CUR CSV), aggregate it, and
//! write the aggregates with the import record in one transaction. The same file twice changes
//! nothing; a new delivery of a billing period (same cloud, period and account, new content)
//! replaces the earlier delivery's rows of that period in the same transaction.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::aggregate::{Aggregates, Mapping};
use super::{CostError, Source, cur, gcp};
use crate::store::{
    CostBill, CostDailyRow, CostImportRecord, CostReplaced, CostTagRow, NewCostImport, Store,
};
use crate::time::Micros;

/// A parsed file, not yet written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// Hex sha256 of the file's bytes (compressed, as stored on disk).
    pub sha256: String,
    /// The export it was.
    pub source: Source,
    /// Whether it was gzip-compressed.
    pub gzip: bool,
    /// Its aggregates.
    pub aggregates: Aggregates,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportOutcome {
    /// The import record (the earlier one when the file was already imported).
    pub record: CostImportRecord,
    /// False when the same file had been imported before (nothing changed).
    pub imported: bool,
    /// The earlier imports' billing periods this delivery replaced.
    pub replaced: Vec<CostReplaced>,
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> CostError + '_ {
    move |source| CostError::Io { path: path.to_path_buf(), source }
}

/// The sha256 of a file, read in blocks.
fn sha256_file(path: &Path) -> Result<String, CostError> {
    let mut file = File::open(path).map_err(io_err(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// The longest line a billing file may have (a CUR row with hundreds of tag columns is far
/// shorter): a file that is one endless line (or a gzip bomb without newlines) is refused here
/// instead of being read whole into memory.
pub const MAX_LINE: usize = 1 << 20;

/// A reader that fails once a line runs past [`MAX_LINE`] bytes.
struct LineCap<R> {
    inner: R,
    run: usize,
}

impl<R: Read> Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let got = &buf[..n];
        // Lines wholly inside `got` are at most `n` long; only the one running across reads grows.
        let longest = if let (Some(first), Some(last)) =
            (got.iter().position(|&b| b == b'\n'), got.iter().rposition(|&b| b == b'\n'))
        {
            let inner = if n > MAX_LINE { longest_line(&got[first..=last]) } else { 0 };
            let longest = (self.run + first).max(inner);
            self.run = n - last - 1;
            longest
        } else {
            self.run += n;
            self.run
        };
        if longest > MAX_LINE || self.run > MAX_LINE {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("a line longer than {} MiB; this is not a billing export", MAX_LINE >> 20),
            ));
        }
        Ok(n)
    }
}

fn longest_line(bytes: &[u8]) -> usize {
    bytes.split(|&b| b == b'\n').map(<[u8]>::len).max().unwrap_or(0)
}

/// Opens the file, decompressing gzip; returns the reader and whether it was gzip.
fn open(path: &Path) -> Result<(Box<dyn BufRead>, bool), CostError> {
    let mut raw = BufReader::with_capacity(1 << 16, File::open(path).map_err(io_err(path))?);
    let gzip = raw.fill_buf().map_err(io_err(path))?.starts_with(&[0x1f, 0x8b]);
    if gzip {
        let cap = LineCap { inner: MultiGzDecoder::new(raw), run: 0 };
        Ok((Box::new(BufReader::with_capacity(1 << 16, cap)), true))
    } else {
        Ok((Box::new(BufReader::with_capacity(1 << 16, LineCap { inner: raw, run: 0 })), false))
    }
}

/// Whether the stream starts (after a BOM and white space) with `{`: newline-delimited JSON.
fn looks_like_json(reader: &mut dyn BufRead, path: &Path) -> Result<bool, CostError> {
    let head = reader.fill_buf().map_err(io_err(path))?;
    let head = head.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(head);
    Ok(head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{'))
}

/// Reads and aggregates a billing file without touching the store.
pub fn parse_file(path: &Path, mapping: &Mapping) -> Result<Parsed, CostError> {
    let sha256 = sha256_file(path)?;
    let (mut reader, gzip) = open(path)?;
    let (source, aggregates) = if looks_like_json(&mut reader, path)? {
        gcp::read(reader, path, mapping)?
    } else {
        cur::read(reader, path, mapping)?
    };
    if aggregates.lines == 0 {
        return Err(CostError::Invalid(format!(
            "{}: no billing lines in the file; export a report with at least one line",
            path.display()
        )));
    }
    Ok(Parsed { sha256, source, gzip, aggregates })
}

/// Imports a billing file: parse it whole, then one transaction (or nothing, if the same bytes were
/// imported before).
pub async fn import_file(
    store: &Store,
    path: &Path,
    mapping: &Mapping,
    now: Micros,
) -> Result<ImportOutcome, CostError> {
    let sha256 = sha256_file(path)?;
    if let Some(record) = store.cost_import_by_sha(&sha256)? {
        return Ok(ImportOutcome { record, imported: false, replaced: Vec::new() });
    }
    let parsed = parse_file(path, mapping)?;
    let rows = into_rows(path, parsed);
    let (record, replaced) =
        store.record_cost_import(rows.import, rows.bills, rows.daily, rows.tags, now).await?;
    Ok(ImportOutcome { record, imported: replaced.is_some(), replaced: replaced.unwrap_or_default() })
}

/// What the store records for one file.
struct Rows {
    import: NewCostImport,
    bills: Vec<CostBill>,
    daily: Vec<(CostBill, CostDailyRow)>,
    tags: Vec<(CostBill, CostTagRow)>,
}

/// The store's rows for a parsed file.
fn into_rows(path: &Path, p: Parsed) -> Rows {
    let a = p.aggregates;
    let daily = a
        .daily
        .into_iter()
        .map(|((bill, day, service, environment, currency), amount)| {
            (bill, CostDailyRow { day, service, environment, currency, amount })
        })
        .collect();
    let tags = a
        .tags
        .into_iter()
        .map(|((bill, day, key, value, currency), amount)| {
            (bill, CostTagRow { day, key, value, currency, amount })
        })
        .collect();
    let import = NewCostImport {
        sha256: p.sha256,
        file: path.display().to_string(),
        source: p.source.name().to_string(),
        gzip: p.gzip,
        lines: a.lines,
        first_day: a.first_day,
        last_day: a.last_day,
        totals: a.totals,
    };
    Rows { import, bills: a.bills.into_iter().collect(), daily, tags }
}
