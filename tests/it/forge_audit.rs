//! The audit chain against the head file outside the database: replacing it with an older copy,
//! garbling or deleting it, and deleting the key each make `audit verify` exit 8. Rolling back the
//! store and the head file together to an older consistent copy is not detected — only the
//! runner's own account (or root) can write both, and the README says so; the test pins that down.

use crate::common::{LOCAL, Project, text};

const WF: &str = "title = \"t\"\n[[steps]]\nid = \"s\"\nrun = \"true\"\n";

fn run_once(p: &Project) {
    let out = p.run(&["run", "t"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

fn verify(p: &Project) -> (Option<i32>, String) {
    let out = p.run(&["audit", "verify"]);
    (
        out.status.code(),
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    )
}

/// Waits until no runner holds the data directory (its idle exit), so its files are at rest.
fn quiet(p: &Project) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while p.home.path().join("runner.sock").exists() {
        assert!(std::time::Instant::now() < deadline, "the runner did not exit");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

const FILES: [&str; 4] = ["flightdeck.db", "flightdeck.db-wal", "flightdeck.db-shm", "audit.head"];

fn save(p: &Project, files: &[&str]) -> Vec<(String, Option<Vec<u8>>)> {
    files.iter().map(|f| ((*f).to_string(), std::fs::read(p.home.path().join(f)).ok())).collect()
}

fn restore(p: &Project, saved: &[(String, Option<Vec<u8>>)]) {
    for (f, bytes) in saved {
        let path = p.home.path().join(f);
        match bytes {
            Some(b) => std::fs::write(&path, b).unwrap(),
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

fn audited() -> Project {
    let p = Project::new(LOCAL, &[("t.toml", WF)]);
    run_once(&p);
    assert_eq!(verify(&p).0, Some(0));
    p
}

#[test]
fn a_head_file_replaced_by_an_older_copy_is_detected() {
    let p = audited();
    quiet(&p);
    let old = save(&p, &["audit.head"]);
    run_once(&p);
    quiet(&p);
    restore(&p, &old);
    let (code, says) = verify(&p);
    assert_eq!(code, Some(8), "{says}");
    assert!(says.contains("not recorded in the head file"), "{says}");
}

#[test]
fn a_garbled_or_deleted_head_file_is_detected() {
    let p = audited();
    quiet(&p);
    std::fs::write(p.home.path().join("audit.head"), "{\"count\": \"many\"}").unwrap();
    let (code, says) = verify(&p);
    assert_eq!(code, Some(8), "{says}");
    assert!(says.contains("garbled"), "{says}");
    std::fs::remove_file(p.home.path().join("audit.head")).unwrap();
    let (code, says) = verify(&p);
    assert_eq!(code, Some(8), "{says}");
    assert!(says.contains("head file") && says.contains("missing"), "{says}");
}

#[test]
fn a_deleted_key_is_detected_and_a_new_one_does_not_vouch_for_old_entries() {
    let p = audited();
    quiet(&p);
    std::fs::remove_file(p.home.path().join("audit.key")).unwrap();
    let (code, says) = verify(&p);
    assert_eq!(code, Some(8), "{says}");
    assert!(says.contains("audit key") && says.contains("missing"), "{says}");
    // The next run makes a new key; the entries chained under the old one do not verify under it.
    run_once(&p);
    let (code, says) = verify(&p);
    assert_eq!(code, Some(8), "{says}");
    assert!(says.contains("entry 1: MAC does not match"), "{says}");
}

#[test]
fn rolling_back_the_store_and_the_head_file_together_is_not_detected_as_the_readme_says() {
    let p = audited();
    quiet(&p);
    let older = save(&p, &FILES);
    run_once(&p);
    quiet(&p);
    let newer = verify(&p);
    assert_eq!(newer.0, Some(0), "{}", newer.1);
    // Whoever can write both (the runner's account, root) restores an older consistent pair: the
    // chain is intact and shorter, and nothing inside the data directory can tell.
    restore(&p, &older);
    let (code, says) = verify(&p);
    assert_eq!(code, Some(0), "{says}");
    assert!(says.contains("intact"), "{says}");
}
