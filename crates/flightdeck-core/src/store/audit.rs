//! The append-only, HMAC-chained audit log and its verification.
//!
//! Entry `n` stores `hash = hex(HMAC-SHA256(key, prev_hash ‖ canonical))`, where `key` is the data
//! directory's audit key ([`super::chainkey`]), `prev_hash` is entry `n - 1`'s MAC as 64 hex characters
//! (64 zeros for entry 1) and `canonical` is the compact JSON of the object
//! `{action, actor, at, detail, run, seq, uid}` with every object's keys sorted. The meta table keeps
//! `audit_count` and `audit_head` (the last MAC), written in the same transaction as the entry, and the
//! head file outside the database keeps them too, so a removed tail, a recomputed chain and a wiped
//! log are detected as well as an edited, removed or reordered entry. Triggers refuse UPDATE and
//! DELETE on the table; they guard against accidents, the chain against tampering. A store written
//! with the older unkeyed SHA-256 chain is re-chained once, when it is opened, if that chain is
//! intact; the re-chaining is itself audited (`audit.rechain`).

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::audit_check::{chain_problems, head_file_problems, meta_problems};
use super::chainkey::{self, ChainKey, Head};
use super::{NewAudit, SqliteContext, Store, StoreError};
use crate::store::records::{AuditRecord, AuditVerdict};
use crate::time::Micros;

/// `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const AUDIT_COLS: &str = "seq, at, uid, actor, action, run, detail, prev_hash, hash";

impl Store {
    /// Appends an entry to the audit log and returns it with its number and MACs.
    pub async fn audit(&self, entry: NewAudit) -> Result<AuditRecord, StoreError> {
        let key = chainkey::load_or_create_key(self.data_dir())?;
        let rec = self.write("appending to the audit log", move |tx| append(tx, &key, entry)).await?;
        self.head_after_commit(rec.seq, &rec.hash);
        Ok(rec)
    }

    /// Brings the head file up to the log when a commit's head could not be written (a full disk
    /// between the commit and the head file): only when the head file names an entry of the log and
    /// that lag is the verification's one problem, so every entry past it carries a valid MAC under
    /// the key. Returns the count written, if any. Called by the runner (the key's owner) at start.
    pub fn catch_up_head(&self) -> Result<Option<i64>, StoreError> {
        let Ok(Some(file)) = chainkey::read_head(self.data_dir()) else { return Ok(None) };
        let (count, head, at_file) = {
            let conn = self.reader();
            let tx = conn.unchecked_transaction().ctx("reading the audit head")?;
            let at_file: Option<String> = tx
                .query_row("SELECT hash FROM audit WHERE seq = ?1", [file.count], |r| r.get(0))
                .optional()
                .ctx("reading the audit head")?;
            (meta(&tx, "audit_count")?, meta(&tx, "audit_head")?, at_file)
        };
        let (Some(count), Some(head)) = (count.and_then(|c| c.parse::<i64>().ok()), head) else {
            return Ok(None);
        };
        if count <= file.count || at_file.as_deref() != Some(file.head.as_str()) {
            return Ok(None);
        }
        if self.verify_audit()?.problems.len() != 1 {
            return Ok(None);
        }
        self.publish_head(count, &head)?;
        Ok(Some(count))
    }

    /// True if someone asked to cancel `run` (`run.cancel`) after its current life was started or
    /// last resumed (`run.start`, `run.resume_requested`): a runner killed during the cancel's grace
    /// period left it unfinished, and the next runner finishes it.
    pub fn cancel_pending(&self, run: &str) -> Result<bool, StoreError> {
        let sql = "SELECT EXISTS(SELECT 1 FROM audit WHERE run = ?1 AND action = 'run.cancel' AND seq > \
                   COALESCE((SELECT MAX(seq) FROM audit WHERE run = ?1 \
                   AND action IN ('run.start', 'run.resume_requested')), 0))";
        self.reader().query_row(sql, [run], |r| r.get(0)).ctx("looking for a pending cancel")
    }

    /// Writes the chain head file after a commit. The entry is committed either way: a head file
    /// that cannot be written (a full disk) is logged and left behind, and caught up by the next
    /// entry or by the runner ([`Store::catch_up_head`]), so the caller does not take a committed
    /// entry for a failed one.
    pub(super) fn head_after_commit(&self, count: i64, head: &str) {
        if let Err(e) = self.publish_head(count, head) {
            tracing::warn!("audit entry {count} is committed, but its head file was not written: {e}");
        }
    }

    /// Writes the chain head file.
    fn publish_head(&self, count: i64, head: &str) -> Result<(), StoreError> {
        chainkey::write_head(self.data_dir(), &Head { count, head: head.to_string() })
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

    /// At most `limit` audit entries with a sequence number below `before` (all when `None`),
    /// newest first: one page of the log, for clients that read it through the runner.
    pub fn audit_page(&self, before: Option<i64>, limit: usize) -> Result<Vec<AuditRecord>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let before = before.unwrap_or(i64::MAX);
        let what = "reading the audit log";
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {AUDIT_COLS} FROM audit WHERE seq < ?1 ORDER BY seq DESC LIMIT ?2"
            ))
            .ctx(what)?;
        let rows = stmt.query_map([before, limit], audit_from_row).ctx(what)?;
        rows.collect::<Result<_, _>>().ctx(what)
    }

    /// Recomputes the chain in order and reports every edited, removed, reordered or missing entry,
    /// a chain recomputed with another key and a log that disagrees with the head file.
    pub fn verify_audit(&self) -> Result<AuditVerdict, StoreError> {
        let what = "verifying the audit log";
        let (rows, count, head, scheme) = {
            let conn = self.reader();
            // One read transaction, so a concurrent append cannot split the rows from the meta row.
            let tx = conn.unchecked_transaction().ctx(what)?;
            let rows = all_rows(&tx)?;
            (rows, meta(&tx, "audit_count")?, meta(&tx, "audit_head")?, meta(&tx, SCHEME_KEY)?)
        };
        let key = chainkey::load_key(self.data_dir())?;
        let file = chainkey::read_head(self.data_dir());
        let expected: Option<i64> = count.as_deref().map_or(Some(0), |c| c.parse().ok());
        let mut problems = Vec::new();
        match &key {
            Some(k) => problems.extend(chain_problems(&rows, k)),
            None if rows.is_empty() => {}
            None => problems.push(format!(
                "the audit key {} is missing: the chain cannot be checked",
                self.data_dir().join(chainkey::KEY_FILE).display()
            )),
        }
        if !rows.is_empty() && scheme.as_deref() != Some(SCHEME) {
            problems.push("the log is chained with the old unkeyed SHA-256 scheme, not HMAC".into());
        }
        let last = rows.last().map_or((0, GENESIS), |r| (r.seq, r.hash.as_str()));
        problems.extend(meta_problems(expected, count.as_deref(), head.as_deref(), last));
        problems.extend(head_file_problems(file, last));
        Ok(AuditVerdict {
            checked: i64::try_from(rows.len()).unwrap_or(i64::MAX),
            expected: expected.unwrap_or(-1),
            problems,
        })
    }

    /// The plan hash recorded in a run's `run.start` entry, after checking that entry's MAC: `None`
    /// when the run has no `run.start` entry carrying one.
    pub fn recorded_plan_hash(&self, run: &str) -> Result<Option<String>, StoreError> {
        let what = format!("reading the run.start entry of run {run}");
        let rec = {
            let conn = self.reader();
            conn.query_row(
                &format!(
                    "SELECT {AUDIT_COLS} FROM audit WHERE run = ?1 AND action = 'run.start' ORDER BY seq LIMIT 1"
                ),
                [run],
                audit_from_row,
            )
            .optional()
            .ctx(&what)?
        };
        let Some(rec) = rec else { return Ok(None) };
        let key = chainkey::load_key(self.data_dir())?;
        if key.as_ref().and_then(|k| entry_mac(&rec, k).ok()).as_deref() != Some(rec.hash.as_str()) {
            return Err(StoreError::Invalid(format!(
                "audit entry {} (run.start of run {run}) was altered; run `flightdeck audit verify`",
                rec.seq
            )));
        }
        let detail: Value = serde_json::from_str(&rec.detail)
            .map_err(|source| StoreError::Json { what: what.clone(), source })?;
        Ok(detail.get("plan_hash").and_then(Value::as_str).map(str::to_string))
    }
}

/// Re-chains a log written with the old unkeyed SHA-256 scheme under the HMAC key, once, if that
/// chain is intact, and audits it (called when a store is opened, before the writer thread starts). A
/// broken old chain is left as it is for `audit verify` to report.
pub(super) fn upgrade_chain(
    conn: &mut rusqlite::Connection,
    dir: &std::path::Path,
) -> Result<(), StoreError> {
    let what = "re-chaining the audit log";
    let empty = conn.query_row("SELECT count(*) FROM audit", [], |r| r.get::<_, i64>(0)).ctx(what)? == 0;
    // A head file means this store was HMAC-chained already: a chain without the scheme row now is a
    // forgery (a downgrade to the unkeyed scheme), never something to re-chain.
    let chained_before = dir.join(chainkey::HEAD_FILE).exists();
    if empty || chained_before || meta(conn, SCHEME_KEY)?.is_some() {
        return Ok(());
    }
    let key = chainkey::load_or_create_key(dir)?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).ctx(what)?;
    let rec = rechain(&tx, &key)?;
    tx.commit().ctx(what)?;
    if let Some(rec) = rec {
        chainkey::write_head(dir, &Head { count: rec.seq, head: rec.hash })?;
    }
    Ok(())
}

/// Meta key naming the chain scheme, and its value.
const SCHEME_KEY: &str = "audit_scheme";
const SCHEME: &str = "hmac-sha256";

fn all_rows(tx: &rusqlite::Connection) -> Result<Vec<AuditRecord>, StoreError> {
    let what = "reading the audit log";
    let mut stmt = tx.prepare(&format!("SELECT {AUDIT_COLS} FROM audit ORDER BY seq")).ctx(what)?;
    let rows = stmt.query_map([], audit_from_row).ctx(what)?.collect::<Result<_, _>>().ctx(what)?;
    Ok(rows)
}

/// Appends `entry` within `tx`; the caller publishes the head file after the commit.
pub(super) fn append(
    tx: &Transaction<'_>,
    key: &ChainKey,
    entry: NewAudit,
) -> Result<AuditRecord, StoreError> {
    let count: i64 = meta(tx, "audit_count")?.map_or(Ok(0), |c| c.parse()).map_err(|_| {
        StoreError::Invalid("the meta row audit_count is not a number; run `flightdeck audit verify`".into())
    })?;
    if count == 0 {
        set_meta(tx, SCHEME_KEY, SCHEME)?;
    }
    let prev_hash = meta(tx, "audit_head")?.unwrap_or_else(|| GENESIS.to_string());
    let mut rec = AuditRecord {
        seq: count + 1,
        at: entry.at,
        uid: entry.uid,
        actor: entry.actor,
        action: entry.action,
        run: entry.run,
        detail: canonical(&entry.detail),
        prev_hash,
        hash: String::new(),
    };
    rec.hash = entry_mac(&rec, key).map_err(|e| StoreError::Invalid(format!("audit detail: {e}")))?;
    insert(tx, &rec)?;
    set_meta(tx, "audit_count", &rec.seq.to_string())?;
    set_meta(tx, "audit_head", &rec.hash)?;
    Ok(rec)
}

fn insert(tx: &Transaction<'_>, rec: &AuditRecord) -> Result<(), StoreError> {
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
    Ok(())
}

/// Re-chains an intact old SHA-256 chain under `key` and appends `audit.rechain`; `None` if the old
/// chain is broken (left for `audit verify` to report).
fn rechain(tx: &Transaction<'_>, key: &ChainKey) -> Result<Option<AuditRecord>, StoreError> {
    if meta(tx, SCHEME_KEY)?.is_some() {
        return Ok(None);
    }
    let rows = all_rows(tx)?;
    let intact = rows.iter().enumerate().all(|(i, r)| {
        let prev = if i == 0 { GENESIS } else { rows[i - 1].hash.as_str() };
        i64::try_from(i + 1) == Ok(r.seq) && r.prev_hash == prev && legacy_hash(r).is_ok_and(|h| h == r.hash)
    }) && meta(tx, "audit_head")?.as_deref() == rows.last().map(|r| r.hash.as_str());
    if !intact {
        return Ok(None);
    }
    let what = "re-chaining the audit log";
    tx.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;").ctx(what)?;
    let mut prev = GENESIS.to_string();
    for r in &rows {
        let mut r = r.clone();
        r.prev_hash = prev;
        r.hash = entry_mac(&r, key).map_err(|e| StoreError::Invalid(format!("audit detail: {e}")))?;
        tx.execute(
            "UPDATE audit SET prev_hash = ?2, hash = ?3 WHERE seq = ?1",
            params![r.seq, r.prev_hash, r.hash],
        )
        .ctx(what)?;
        prev = r.hash;
    }
    tx.execute_batch(TRIGGERS).ctx(what)?;
    set_meta(tx, "audit_head", &prev)?;
    set_meta(tx, SCHEME_KEY, SCHEME)?;
    let detail = json!({ "entries": rows.len(), "from": "sha256", "to": SCHEME });
    let entry = NewAudit {
        at: crate::time::now(),
        uid: nix::unistd::getuid().as_raw(),
        actor: crate::identity::Operator::current().name,
        action: "audit.rechain".into(),
        run: None,
        detail,
    };
    append(tx, key, entry).map(Some)
}

const TRIGGERS: &str = "
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

/// The MAC of an entry from its content and `prev_hash`.
pub(super) fn entry_mac(r: &AuditRecord, key: &ChainKey) -> Result<String, serde_json::Error> {
    Ok(key.mac(&r.prev_hash, &canonical(&row_value(r)?)))
}

/// The old unkeyed hash (`sha256(prev_hash ‖ canonical)`), checked once when a store is re-chained.
fn legacy_hash(r: &AuditRecord) -> Result<String, serde_json::Error> {
    let mut hasher = Sha256::new();
    hasher.update(r.prev_hash.as_bytes());
    hasher.update(canonical(&row_value(r)?).as_bytes());
    Ok(hex::encode(hasher.finalize()))
}

fn row_value(r: &AuditRecord) -> Result<Value, serde_json::Error> {
    let detail: Value = serde_json::from_str(&r.detail)?;
    Ok(json!({
        "seq": r.seq, "at": r.at.0, "uid": r.uid, "actor": r.actor,
        "action": r.action, "run": r.run, "detail": detail,
    }))
}

/// `hex(sha256(canonical JSON))` of a stored plan: the plan hash written into `run.start`.
pub fn plan_hash(plan_json: &str) -> Result<String, serde_json::Error> {
    let value: Value = serde_json::from_str(plan_json)?;
    Ok(hex::encode(Sha256::digest(canonical(&value).as_bytes())))
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

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;
