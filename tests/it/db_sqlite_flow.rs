//! Issue 17's "must show" on `SQLite` through the real binary and runner: the `database-migration`
//! workflow whose 2nd of 3 pending files fails is rolled back by restoring the verified backup (row
//! counts and contents equal the pre-migration state, by query); the backup the run took is
//! recorded done and verified by the runner; one whose file is then damaged fails `db verify`
//! (exit 8) and is recorded ✗.

use std::path::{Path, PathBuf};

use crate::common::{LOCAL, Project, text};
use crate::db_runner::backups;

fn query(db: &Path, sql: &str) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let rows = stmt
        .query_map([], |r| {
            let v: rusqlite::types::Value = r.get(0)?;
            Ok(format!("{v:?}"))
        })
        .unwrap();
    rows.map(Result::unwrap).collect::<Vec<_>>().join(",")
}

/// `app.db` migrated to `0001_base` in `m/`, with 200 accounts.
fn base(p: &Project) -> (PathBuf, PathBuf) {
    let db = p.path().join("app.db");
    let m = p.path().join("m");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(
        m.join("0001_base.sql"),
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER);\n",
    )
    .unwrap();
    let out = p.run(&["db", "migrate", "--database", "app.db", "--dir", "m"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 200) \
         INSERT INTO accounts (balance) SELECT x FROM n;",
    )
    .unwrap();
    (db, m)
}

/// `db verify` of `file` passes; damaged, it exits 8 and the failure is on record.
fn verify_then_damage(p: &Project, file: &str) {
    let out = p.run(&["db", "verify", "local", "--from", file]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mut bytes = std::fs::read(file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x5a;
    std::fs::write(file, &bytes).unwrap();
    let out = p.run(&["db", "verify", "local", "--from", file]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("changed since the backup was taken"),
        "{}",
        text(&out)
    );
    assert_eq!(backups(&p.db())[0].4, Some(false), "the failed verification is on record");
}

#[test]
fn a_failed_second_of_three_sqlite_migrations_is_restored_and_its_backup_verified() {
    let p = Project::new(LOCAL, &[]);
    let (db, m) = base(&p);
    let state = || {
        (
            query(&db, "SELECT count(*) || ':' || sum(balance) FROM accounts"),
            query(&db, "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master ORDER BY name)"),
            query(&db, "SELECT group_concat(version) FROM schema_migrations"),
        )
    };
    let before = state();
    std::fs::write(
        m.join("0002_credit.sql"),
        "ALTER TABLE accounts ADD COLUMN credit INTEGER;\nUPDATE accounts SET balance = balance + 1;\n",
    )
    .unwrap();
    std::fs::write(
        m.join("0003_broken.sql"),
        "CREATE TABLE audit (id INTEGER);\nUPDATE accounts SET no_such_column = 1;\n",
    )
    .unwrap();
    std::fs::write(m.join("0004_more.sql"), "CREATE TABLE more (id INTEGER);\n").unwrap();
    let args = [
        "run",
        "database-migration",
        "--env",
        "local",
        "--yes",
        "-p",
        "database=app.db",
        "-p",
        "migrations=m",
    ];
    let out = p.run(&args);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("0003_broken.sql"), "{}", text(&out));
    assert_eq!(state(), before, "counts, sums, tables and versions equal the pre-migration state");
    assert_eq!(
        query(&db, "SELECT count(*) FROM pragma_table_info('accounts') WHERE name = 'credit'"),
        "Integer(0)"
    );

    let rows = backups(&p.db());
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0].1.as_str(), rows[0].4), ("done", Some(true)), "{rows:?}");
    verify_then_damage(&p, &rows[0].2);
}
