//! The append-only, hash-chained audit log and its verification.
//!
//! Entry `n` stores `hash = hex(sha256(prev_hash ‖ canonical))`, where `prev_hash` is entry `n - 1`'s
//! hash as 64 hex characters (64 zeros for entry 1) and `canonical` is the compact JSON of the object
//! `{action, actor, at, detail, run, seq, uid}` with every object's keys sorted. The meta table keeps
//! `audit_count` and `audit_head` (the last hash), written in the same transaction as the entry, so a
//! removed tail is detected as well as an edited or removed entry. Triggers refuse UPDATE and DELETE
//! on the table; they guard against accidents, the chain against tampering.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{Ctx, NewAudit, Store, StoreError};
use crate::store::records::{AuditRecord, AuditVerdict};
use crate::time::Micros;

/// `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const AUDIT_COLS: &str = "seq, at, uid, actor, action, run, detail, prev_hash, hash";

impl Store {
    /// Appends an entry to the audit log and returns it with its number and hashes.
    pub async fn audit(&self, entry: NewAudit) -> Result<AuditRecord, StoreError> {
        let detail = canonical(&entry.detail);
        self.write("appending to the audit log", move |tx| {
            let count: i64 = meta(tx, "audit_count")?.map_or(Ok(0), |c| c.parse()).map_err(|_| {
                StoreError::Invalid(
                    "the meta row audit_count is not a number; run `flightdeck audit verify`".into(),
                )
            })?;
            let prev_hash = meta(tx, "audit_head")?.unwrap_or_else(|| GENESIS.to_string());
            let mut rec = AuditRecord {
                seq: count + 1,
                at: entry.at,
                uid: entry.uid,
                actor: entry.actor,
                action: entry.action,
                run: entry.run,
                detail,
                prev_hash,
                hash: String::new(),
            };
            rec.hash = entry_hash(&rec).map_err(|e| StoreError::Invalid(format!("audit detail: {e}")))?;
            tx.execute(
                &format!("INSERT INTO audit ({AUDIT_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
                params![
                    rec.seq,
                    rec.at.0,
                    rec.uid,
                    rec.actor,
                    rec.action,
                    rec.run,
                    rec.detail,
                    rec.prev_hash,
                    rec.hash
                ],
            )
            .ctx(&format!("appending audit entry {}", rec.seq))?;
            set_meta(tx, "audit_count", &rec.seq.to_string())?;
            set_meta(tx, "audit_head", &rec.hash)?;
            Ok(rec)
        })
        .await
    }

    /// The latest `limit` audit entries, newest first (0: all).
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditRecord>, StoreError> {
        let limit = if limit == 0 { -1 } else { i64::try_from(limit).unwrap_or(i64::MAX) };
        let what = "reading the audit log";
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!("SELECT {AUDIT_COLS} FROM audit ORDER BY seq DESC LIMIT ?1"))
            .ctx(what)?;
        let rows = stmt.query_map([limit], audit_from_row).ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }

    /// Recomputes the chain in order and reports every edited, removed or missing entry by number.
    pub fn verify_audit(&self) -> Result<AuditVerdict, StoreError> {
        let what = "verifying the audit log";
        let (rows, count, head) = {
            let conn = self.reader();
            // One read transaction, so a concurrent append cannot split the rows from the meta row.
            let tx = conn.unchecked_transaction().ctx(what)?;
            let mut stmt = tx.prepare(&format!("SELECT {AUDIT_COLS} FROM audit ORDER BY seq")).ctx(what)?;
            let rows: Vec<AuditRecord> =
                stmt.query_map([], audit_from_row).ctx(what)?.collect::<Result<_, _>>().ctx(what)?;
            drop(stmt);
            let count = meta(&tx, "audit_count")?;
            let head = meta(&tx, "audit_head")?;
            (rows, count, head)
        };
        let expected: Option<i64> = count.as_deref().map_or(Some(0), |c| c.parse().ok());
        let mut problems = chain_problems(&rows);
        let last = rows.last().map_or((0, GENESIS), |r| (r.seq, r.hash.as_str()));
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
        if head.as_deref().unwrap_or(GENESIS) != last.1 && expected == Some(last.0) {
            problems.push(format!("entry {}: its hash is not the recorded head of the log", last.0));
        }
        Ok(AuditVerdict {
            checked: i64::try_from(rows.len()).unwrap_or(i64::MAX),
            expected: expected.unwrap_or(-1),
            problems,
        })
    }
}

/// Problems within the stored rows: gaps in numbering, broken links and hashes that do not match.
fn chain_problems(rows: &[AuditRecord]) -> Vec<String> {
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
        match entry_hash(r) {
            Ok(h) if h == r.hash => {}
            Ok(_) => problems.push(format!("entry {}: hash does not match its content (edited)", r.seq)),
            Err(e) => problems.push(format!("entry {}: detail is not valid JSON ({e}) (edited)", r.seq)),
        }
        next = r.seq + 1;
        prev = &r.hash;
    }
    problems
}

/// The hash of an entry from its content and `prev_hash`.
fn entry_hash(r: &AuditRecord) -> Result<String, serde_json::Error> {
    let detail: Value = serde_json::from_str(&r.detail)?;
    let row = json!({
        "seq": r.seq, "at": r.at.0, "uid": r.uid, "actor": r.actor,
        "action": r.action, "run": r.run, "detail": detail,
    });
    let mut hasher = Sha256::new();
    hasher.update(r.prev_hash.as_bytes());
    hasher.update(canonical(&row).as_bytes());
    Ok(hex::encode(hasher.finalize()))
}

/// Compact JSON with every object's keys sorted (whatever map order `serde_json` was built with).
pub fn canonical(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&map[k]))).collect::<Map<_, _>>())
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

fn meta(conn: &rusqlite::Connection, key: &str) -> Result<Option<String>, StoreError> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0))
        .optional()
        .ctx(&format!("reading meta {key}"))
}

fn set_meta(tx: &Transaction<'_>, key: &str, value: &str) -> Result<(), StoreError> {
    tx.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", [key, value])
        .ctx(&format!("writing meta {key}"))?;
    Ok(())
}

fn audit_from_row(row: &Row<'_>) -> rusqlite::Result<AuditRecord> {
    Ok(AuditRecord {
        seq: row.get(0)?,
        at: Micros(row.get(1)?),
        uid: row.get(2)?,
        actor: row.get(3)?,
        action: row.get(4)?,
        run: row.get(5)?,
        detail: row.get(6)?,
        prev_hash: row.get(7)?,
        hash: row.get(8)?,
    })
}
