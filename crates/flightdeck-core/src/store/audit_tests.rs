//! Tests of the audit chain's migration from the old unkeyed scheme and of the plan hash.

use super::*;

fn entry(n: i64) -> NewAudit {
    NewAudit {
        at: Micros(n),
        uid: 1000,
        actor: "ana".into(),
        action: "test".into(),
        run: None,
        detail: json!({ "n": n }),
    }
}

/// Rewrites the log of the store in `dir` as the old unkeyed SHA-256 chain.
fn make_legacy(dir: &std::path::Path) {
    let conn = rusqlite::Connection::open(dir.join(super::super::DB_FILE)).unwrap();
    conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;").unwrap();
    let mut prev = GENESIS.to_string();
    for mut r in all_rows(&conn).unwrap() {
        r.prev_hash = prev;
        r.hash = legacy_hash(&r).unwrap();
        conn.execute(
            "UPDATE audit SET prev_hash = ?2, hash = ?3 WHERE seq = ?1",
            params![r.seq, r.prev_hash, r.hash],
        )
        .unwrap();
        prev = r.hash;
    }
    conn.execute("UPDATE meta SET value = ?1 WHERE key = 'audit_head'", [&prev]).unwrap();
    conn.execute("DELETE FROM meta WHERE key = ?1", [SCHEME_KEY]).unwrap();
    conn.execute_batch(TRIGGERS).unwrap();
}

async fn store_with_entries(dir: &std::path::Path) {
    let store = Store::open(dir).unwrap();
    for n in 1..=3 {
        store.audit(entry(n)).await.unwrap();
    }
}

#[tokio::test]
async fn an_old_intact_sha_chain_is_rechained_once_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    store_with_entries(dir.path()).await;
    make_legacy(dir.path());
    // A store from before the HMAC chain has neither head file nor key.
    std::fs::remove_file(dir.path().join(chainkey::HEAD_FILE)).unwrap();
    std::fs::remove_file(dir.path().join(chainkey::KEY_FILE)).unwrap();
    let store = Store::open(dir.path()).unwrap();
    let v = store.verify_audit().unwrap();
    assert!(v.ok(), "{:?}", v.problems);
    let log = store.audit_log(0).unwrap();
    assert_eq!(log.len(), 4);
    assert_eq!(log[0].action, "audit.rechain");
}

#[tokio::test]
async fn a_downgrade_to_the_sha_chain_is_not_rechained() {
    let dir = tempfile::tempdir().unwrap();
    store_with_entries(dir.path()).await;
    make_legacy(dir.path());
    let store = Store::open(dir.path()).unwrap();
    let v = store.verify_audit().unwrap();
    assert!(!v.ok());
    assert!(v.problems.iter().any(|p| p.contains("old unkeyed SHA-256")), "{:?}", v.problems);
    assert_eq!(store.audit_log(0).unwrap().len(), 3);
}

#[test]
fn plan_hash_ignores_key_order() {
    let a = plan_hash(r#"{"a":1,"b":{"c":2,"d":3}}"#).unwrap();
    let b = plan_hash(r#"{"b":{"d":3,"c":2},"a":1}"#).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, plan_hash(r#"{"a":1,"b":{"c":2,"d":4}}"#).unwrap());
}

/// Sets the head file as a full disk after a commit leaves it: one entry behind the log.
fn head_one_behind(dir: &std::path::Path, store: &Store) {
    let log = store.audit_log(0).unwrap();
    let prev = &log[1];
    let text = serde_json::to_string(&Head { count: prev.seq, head: prev.hash.clone() }).unwrap();
    std::fs::write(dir.join(chainkey::HEAD_FILE), text).unwrap();
}

#[tokio::test]
async fn a_head_file_a_full_disk_left_behind_is_caught_up_by_the_key_owner() {
    let dir = tempfile::tempdir().unwrap();
    store_with_entries(dir.path()).await;
    let store = Store::open(dir.path()).unwrap();
    head_one_behind(dir.path(), &store);
    assert!(!store.verify_audit().unwrap().ok(), "the lag shows before the catch-up");
    assert_eq!(store.catch_up_head().unwrap(), Some(3));
    let v = store.verify_audit().unwrap();
    assert!(v.ok(), "{:?}", v.problems);
    assert_eq!(store.catch_up_head().unwrap(), None, "nothing to do once caught up");
}

#[tokio::test]
async fn a_tail_with_a_bad_mac_is_never_blessed_by_the_catch_up() {
    let dir = tempfile::tempdir().unwrap();
    store_with_entries(dir.path()).await;
    let store = Store::open(dir.path()).unwrap();
    head_one_behind(dir.path(), &store);
    let conn = rusqlite::Connection::open(dir.path().join(super::super::DB_FILE)).unwrap();
    conn.execute_batch("DROP TRIGGER audit_no_update;").unwrap();
    conn.execute("UPDATE audit SET detail = '{\"n\":99}' WHERE seq = 3", []).unwrap();
    assert_eq!(store.catch_up_head().unwrap(), None);
    assert!(!store.verify_audit().unwrap().ok());
}

#[tokio::test]
async fn an_entry_whose_head_file_cannot_be_written_is_still_committed_and_caught_up_later() {
    let dir = tempfile::tempdir().unwrap();
    store_with_entries(dir.path()).await;
    let store = Store::open(dir.path()).unwrap();
    // The head's temporary file cannot be created (as on a full disk).
    let tmp = dir.path().join(format!("{}.{}.tmp", chainkey::HEAD_FILE, std::process::id()));
    std::fs::create_dir(&tmp).unwrap();
    let rec = store.audit(entry(4)).await.expect("the committed entry is not reported as failed");
    assert_eq!(rec.seq, 4);
    assert_eq!(chainkey::read_head(dir.path()).unwrap().unwrap().count, 3, "the head file lags");
    std::fs::remove_dir(&tmp).unwrap();
    assert_eq!(store.catch_up_head().unwrap(), Some(4));
    let v = store.verify_audit().unwrap();
    assert!(v.ok(), "{:?}", v.problems);
}
