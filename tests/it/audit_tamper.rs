//! The audit chain against someone who can write the database but not the runner's key and head
//! files: each kind of tampering makes `flightdeck audit verify` exit 8 and say what is wrong.

use hmac::{Hmac, Mac};
use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::common::{LOCAL, Project, text};

const WF: &str = "title = \"t\"\n[[steps]]\nid = \"s\"\nrun = \"true\"\n";

/// A project whose audit log has a few entries (two runs), checked intact first.
fn audited() -> Project {
    let p = Project::new(LOCAL, &[("t.toml", WF)]);
    for _ in 0..2 {
        let out = p.run(&["run", "t"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let out = p.run(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(rows(&p).len() >= 4);
    p
}

fn open(p: &Project) -> Connection {
    let conn = Connection::open(p.db()).unwrap();
    conn.execute_batch("DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;")
        .unwrap();
    conn
}

/// (seq, at, uid, actor, action, run, detail) of every entry, in order.
type Row = (i64, i64, i64, String, String, Option<String>, String);

fn rows(p: &Project) -> Vec<Row> {
    let conn = Connection::open(p.db()).unwrap();
    let mut stmt =
        conn.prepare("SELECT seq, at, uid, actor, action, run, detail FROM audit ORDER BY seq").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn canonical(r: &Row) -> String {
    // serde_json without preserve_order keeps keys sorted, as the chain's canonical form does.
    let detail: serde_json::Value = serde_json::from_str(&r.6).unwrap();
    serde_json::json!({
        "seq": r.0, "at": r.1, "uid": r.2, "actor": r.3, "action": r.4, "run": r.5, "detail": detail,
    })
    .to_string()
}

/// Rewrites every entry's links and MACs with `mac(prev, canonical)`, and the meta rows to match.
fn recompute(p: &Project, mac: impl Fn(&str, &str) -> String) {
    let conn = open(p);
    let mut prev = "0".repeat(64);
    for r in rows(p) {
        let h = mac(&prev, &canonical(&r));
        conn.execute(
            "UPDATE audit SET prev_hash = ?2, hash = ?3 WHERE seq = ?1",
            rusqlite::params![r.0, prev, h],
        )
        .unwrap();
        prev = h;
    }
    conn.execute("UPDATE meta SET value = ?1 WHERE key = 'audit_head'", [&prev]).unwrap();
}

fn assert_broken(p: &Project, says: &str) {
    let out = p.run(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("BROKEN") && stdout.contains(says), "expected {says:?} in:\n{}", text(&out));
}

#[test]
fn an_edited_entry_is_detected() {
    let p = audited();
    open(&p).execute("UPDATE audit SET detail = '{\"mode\":\"nothing to see\"}' WHERE seq = 2", []).unwrap();
    assert_broken(&p, "entry 2: MAC does not match");
}

#[test]
fn a_deleted_entry_is_detected() {
    let p = audited();
    open(&p).execute("DELETE FROM audit WHERE seq = 2", []).unwrap();
    assert_broken(&p, "entry 2: missing");
}

#[test]
fn reordered_entries_are_detected() {
    let p = audited();
    let conn = open(&p);
    conn.execute_batch(
        "UPDATE audit SET seq = -2 WHERE seq = 2; UPDATE audit SET seq = 2 WHERE seq = 3; \
         UPDATE audit SET seq = 3 WHERE seq = -2;",
    )
    .unwrap();
    assert_broken(&p, "does not chain");
}

#[test]
fn a_truncated_tail_with_the_meta_row_fixed_is_detected() {
    let p = audited();
    let n = i64::try_from(rows(&p).len()).unwrap();
    let conn = open(&p);
    let prev: String =
        conn.query_row("SELECT hash FROM audit WHERE seq = ?1", [n - 1], |r| r.get(0)).unwrap();
    conn.execute("DELETE FROM audit WHERE seq = ?1", [n]).unwrap();
    conn.execute("UPDATE meta SET value = ?1 WHERE key = 'audit_count'", [(n - 1).to_string()]).unwrap();
    conn.execute("UPDATE meta SET value = ?1 WHERE key = 'audit_head'", [&prev]).unwrap();
    assert_broken(&p, "head file outside the database");
}

#[test]
fn a_chain_recomputed_with_another_key_is_detected() {
    let p = audited();
    open(&p).execute("UPDATE audit SET detail = '{\"mode\":\"forged\"}' WHERE seq = 1", []).unwrap();
    recompute(&p, |prev, row| {
        let mut m = Hmac::<Sha256>::new_from_slice(&[7u8; 32]).unwrap();
        m.update(prev.as_bytes());
        m.update(row.as_bytes());
        hex::encode(m.finalize().into_bytes())
    });
    assert_broken(&p, "entry 1: MAC does not match");
}

#[test]
fn a_chain_recomputed_with_the_old_unkeyed_sha_is_detected() {
    let p = audited();
    recompute(&p, |prev, row| hex::encode(Sha256::digest(format!("{prev}{row}"))));
    open(&p).execute("DELETE FROM meta WHERE key = 'audit_scheme'", []).unwrap();
    assert_broken(&p, "MAC does not match");
}

#[test]
fn a_wiped_log_is_detected() {
    let p = audited();
    let conn = open(&p);
    conn.execute_batch("DELETE FROM audit; DELETE FROM meta WHERE key IN ('audit_count', 'audit_head');")
        .unwrap();
    assert_broken(&p, "truncated or wiped");
}

#[test]
fn the_key_and_head_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let p = audited();
    for f in ["audit.key", "audit.head"] {
        let mode = std::fs::metadata(p.home.path().join(f)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{f}");
    }
}
