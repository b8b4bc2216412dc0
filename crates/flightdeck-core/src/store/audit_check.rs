//! Verifying the audit log: the stored rows against each other (numbering, links, MACs), against
//! the meta table's count and head, and against the head file outside the database. Each finding
//! is one line naming the entry; `Store::verify_audit` (in `audit.rs`) gathers them.

use super::audit::{GENESIS, entry_mac};
use super::chainkey::{self, ChainKey, Head};
use crate::store::records::AuditRecord;

/// The meta rows against the stored rows.
pub(super) fn meta_problems(
    expected: Option<i64>,
    count: Option<&str>,
    head: Option<&str>,
    last: (i64, &str),
) -> Vec<String> {
    let mut problems = Vec::new();
    match expected {
        Some(n) if n > last.0 => problems.push(format!(
            "entries {}..={n}: missing at the end (the log ends at entry {} but {n} were written)",
            last.0 + 1,
            last.0
        )),
        Some(n) if n < last.0 => {
            problems.push(format!("entry {}: beyond the recorded count of {n} entries", n + 1));
        }
        Some(_) => {}
        None => problems.push(format!("the recorded entry count {count:?} is not a number")),
    }
    if head.unwrap_or(GENESIS) != last.1 && expected == Some(last.0) {
        problems.push(format!("entry {}: its MAC is not the recorded head of the log", last.0));
    }
    problems
}

/// The head file outside the database against the stored rows.
pub(super) fn head_file_problems(file: Result<Option<Head>, String>, last: (i64, &str)) -> Vec<String> {
    match file {
        Err(e) => vec![e],
        Ok(None) if last.0 == 0 => Vec::new(),
        Ok(None) => vec![format!(
            "the chain head file {} is missing while the log has {} entries",
            chainkey::HEAD_FILE,
            last.0
        )],
        Ok(Some(h)) if h.count > last.0 => vec![format!(
            "entries {}..={}: missing (the head file outside the database says {} were written; \
             the log was truncated or wiped)",
            last.0 + 1,
            h.count,
            h.count
        )],
        Ok(Some(h)) if h.count < last.0 => vec![format!(
            "entries {}..={}: not recorded in the head file outside the database (appended by hand?)",
            h.count + 1,
            last.0
        )],
        Ok(Some(h)) if h.head != last.1 => vec![format!(
            "entry {}: its MAC differs from the head file outside the database (the chain was recomputed)",
            last.0
        )],
        Ok(Some(_)) => Vec::new(),
    }
}

/// Problems within the stored rows: gaps in numbering, broken links and MACs that do not match.
pub(super) fn chain_problems(rows: &[AuditRecord], key: &ChainKey) -> Vec<String> {
    let mut problems = Vec::new();
    let mut next = 1;
    let mut prev = GENESIS;
    for r in rows {
        if r.seq != next {
            let missing = if r.seq == next + 1 {
                format!("entry {next}")
            } else {
                format!("entries {next}..={}", r.seq - 1)
            };
            problems.push(format!("{missing}: missing (the log jumps from entry {} to {})", next - 1, r.seq));
        } else if r.prev_hash != prev {
            problems.push(format!(
                "entry {}: does not chain to entry {} (one of them was altered)",
                r.seq,
                next - 1
            ));
        }
        match entry_mac(r, key) {
            Ok(h) if h == r.hash => {}
            Ok(_) => problems.push(format!(
                "entry {}: MAC does not match its content (edited, or chained with another key)",
                r.seq
            )),
            Err(e) => problems.push(format!("entry {}: detail is not valid JSON ({e}) (edited)", r.seq)),
        }
        next = r.seq + 1;
        prev = &r.hash;
    }
    problems
}
