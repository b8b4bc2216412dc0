//! Audit log tests: the hash chain verifies when intact and names what a tamperer did (an edited
//! detail, a removed middle entry, a truncated tail, a rehashed entry caught by its successor).

use super::*;

#[tokio::test]
async fn audit_chain_verifies_when_intact() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    assert!(store.verify_audit().unwrap().ok(), "an empty log is intact");
    let mut last = None;
    for n in 1..=5 {
        let rec = store.audit(new_audit(n)).await.unwrap();
        assert_eq!(rec.seq, n);
        assert_eq!(rec.prev_hash, last.map_or(audit::GENESIS.to_string(), |r: AuditRecord| r.hash));
        assert_eq!(rec.hash.len(), 64);
        last = Some(rec);
    }
    let verdict = store.verify_audit().unwrap();
    assert_eq!((verdict.checked, verdict.expected), (5, 5));
    assert!(verdict.ok(), "{:?}", verdict.problems);
    let log = store.audit_log(2).unwrap();
    assert_eq!(log.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![5, 4]);
    assert_eq!(log[0].detail, r#"{"gate":"approve#1","n":5,"z":[1,{"a":1,"b":2}]}"#, "canonical detail");
    assert_eq!(Some(&log[0]), last.as_ref());
}

/// Appends five entries, then tampers with the file through a separate connection (dropping the
/// append-only triggers first, as a tamperer would) and returns the verdict.
async fn tampered(sql: &str) -> AuditVerdict {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    for n in 1..=5 {
        store.audit(new_audit(n)).await.unwrap();
    }
    let conn = raw(&store);
    assert!(conn.execute("DELETE FROM audit WHERE seq = 1", []).is_err(), "triggers refuse edits");
    conn.execute_batch("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;").unwrap();
    conn.execute_batch(sql).unwrap();
    store.verify_audit().unwrap()
}

#[tokio::test]
async fn audit_detects_an_edited_detail() {
    let v = tampered(r#"UPDATE audit SET detail = '{"n":99}' WHERE seq = 3"#).await;
    assert_eq!(v.problems.len(), 1, "{:?}", v.problems);
    assert!(v.problems[0].starts_with("entry 3:") && v.problems[0].contains("edited"), "{:?}", v.problems);
}

#[tokio::test]
async fn audit_detects_a_removed_middle_entry() {
    let v = tampered("DELETE FROM audit WHERE seq = 2").await;
    assert_eq!(v.checked, 4);
    assert_eq!(v.problems.len(), 1, "{:?}", v.problems);
    assert!(v.problems[0].starts_with("entry 2: missing"), "{:?}", v.problems);
}

#[tokio::test]
async fn audit_detects_a_truncated_tail() {
    let v = tampered("DELETE FROM audit WHERE seq = 5").await;
    assert_eq!((v.checked, v.expected), (4, 5));
    // The meta row and the head file outside the database both say 5 were written.
    assert_eq!(v.problems.len(), 2, "{:?}", v.problems);
    assert!(v.problems[0].starts_with("entries 5..=5: missing at the end"), "{:?}", v.problems);
    assert!(v.problems[1].contains("head file outside the database"), "{:?}", v.problems);
}

#[tokio::test]
async fn audit_detects_a_rehashed_entry_by_its_successor() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    for n in 1..=3 {
        store.audit(new_audit(n)).await.unwrap();
    }
    let conn = raw(&store);
    conn.execute_batch("DROP TRIGGER audit_no_update;").unwrap();
    let mut forged = store.audit_log(0).unwrap().pop().unwrap();
    assert_eq!(forged.seq, 1);
    forged.detail = r#"{"n":0}"#.into();
    let hash = audit_hash_for_test(&forged);
    conn.execute("UPDATE audit SET detail = ?1, hash = ?2 WHERE seq = 1", [&forged.detail, &hash]).unwrap();
    let v = store.verify_audit().unwrap();
    // Without the key an unkeyed hash is no valid MAC, and the successor's link breaks too.
    assert_eq!(
        v.problems,
        vec![
            "entry 1: MAC does not match its content (edited, or chained with another key)".to_string(),
            "entry 2: does not chain to entry 1 (one of them was altered)".to_string()
        ]
    );
}

fn audit_hash_for_test(r: &AuditRecord) -> String {
    use sha2::{Digest, Sha256};
    let row = json!({"seq": r.seq, "at": r.at.0, "uid": r.uid, "actor": r.actor, "action": r.action,
        "run": r.run, "detail": serde_json::from_str::<serde_json::Value>(&r.detail).unwrap()});
    hex::encode(Sha256::digest(format!("{}{}", r.prev_hash, audit::canonical(&row))))
}
