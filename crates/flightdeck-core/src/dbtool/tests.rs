//! Tests of the database tool on real `SQLite` files in temp dirs, with the repository's demo
//! migrations (`migrations/sandbox`, `migrations/sandbox-broken`).

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::backup::{backup, restore};
use super::migrate::{MigrateReport, migrate, read_dir};
use super::{DbCommand, DbError, EnvArgs, run_command};
use crate::error::exit;

fn project(tmp: &Path) -> crate::project::Project {
    std::fs::create_dir_all(tmp.join("project")).unwrap();
    crate::project::Project::open(Some(&tmp.join("project")), Some(&tmp.join("data"))).unwrap()
}

fn migrate_cmd(db: &Path, dir: &Path, dry_run: bool) -> DbCommand {
    DbCommand::Migrate {
        database: db.display().to_string(),
        dir: dir.to_path_buf(),
        dry_run,
        tool: "builtin".into(),
        env: EnvArgs { env: None, phrase: None },
    }
}

fn repo(dir: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join(dir)
}

fn run(db: &Path, dir: &Path) -> Result<MigrateReport, DbError> {
    migrate(db, dir, false, |_| {})
}

fn count(db: &Path, sql: &str) -> i64 {
    Connection::open(db).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn versions(db: &Path) -> Vec<u32> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn.prepare("SELECT version FROM schema_migrations ORDER BY version").unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

fn has_column(db: &Path, table: &str, column: &str) -> bool {
    count(db, &format!("SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = '{column}'")) == 1
}

/// A copy of the demo migrations in a temp dir, so a test may edit or add files.
fn copy_migrations(into: &Path) -> PathBuf {
    let dir = into.join("migrations");
    std::fs::create_dir_all(&dir).unwrap();
    for m in read_dir(&repo("migrations/sandbox")).unwrap() {
        std::fs::copy(&m.path, dir.join(m.path.file_name().unwrap())).unwrap();
    }
    dir
}

#[test]
fn migrate_applies_in_order_and_is_idempotent() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("data/sandbox/staging.db");
    let mut seen = Vec::new();
    let report = migrate(&db, &repo("migrations/sandbox"), false, |m| seen.push(m.version)).unwrap();
    assert_eq!(seen, [1, 2, 3]);
    assert_eq!(report.version(), Some(3));
    assert_eq!(versions(&db), [1, 2, 3]);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM accounts WHERE plan = 'team'"), 1);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM deploy_notes"), 0);
    let again = run(&db, &repo("migrations/sandbox")).unwrap();
    assert!(again.applied.is_empty());
    assert_eq!((again.already.len(), again.version()), (3, Some(3)));
}

#[test]
fn dry_run_lists_pending_without_touching_the_database() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("new.db");
    let plan = migrate(&db, &repo("migrations/sandbox"), true, |_| panic!("dry run applied")).unwrap();
    assert_eq!(plan.pending.iter().map(|m| m.version).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(plan.pending[0].sql.contains("CREATE TABLE accounts"));
    assert!(!db.exists(), "a dry run must not create the database");
    let dir = copy_migrations(tmp.path());
    std::fs::remove_file(dir.join("0003_create_deploy_notes.sql")).unwrap();
    run(&db, &dir).unwrap();
    let plan = migrate(&db, &repo("migrations/sandbox"), true, |_| {}).unwrap();
    assert_eq!(plan.pending.iter().map(|m| m.version).collect::<Vec<_>>(), [3]);
    assert_eq!(versions(&db), [1, 2]);
}

#[test]
fn a_failing_migration_rolls_back_and_names_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("app.db");
    let err = run(&db, &repo("migrations/sandbox-broken")).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, DbError::MigrationFailed { .. }), "{text}");
    assert!(text.contains("0004_add_region_broken.sql") && text.contains("plan_name"), "{text}");
    assert!(text.contains("stays at 0003"), "{text}");
    assert_eq!(versions(&db), [1, 2, 3]);
    assert!(!has_column(&db, "accounts", "region"), "the ALTER before the failure must be rolled back");
    assert!(has_column(&db, "accounts", "plan"));
}

#[tokio::test]
async fn checksum_drift_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("app.db");
    let dir = copy_migrations(tmp.path());
    run(&db, &dir).unwrap();
    let file = dir.join("0002_add_plan_column.sql");
    let edited = std::fs::read_to_string(&file).unwrap().replace("'team'", "'pro'");
    std::fs::write(&file, edited).unwrap();
    std::fs::write(dir.join("0004_more.sql"), "CREATE TABLE more (id INTEGER);").unwrap();
    for dry_run in [false, true] {
        let err = migrate(&db, &dir, dry_run, |_| {}).unwrap_err();
        assert!(matches!(err, DbError::Drift { .. }), "{err}");
        assert!(err.to_string().contains("0002_add_plan_column.sql"), "{err}");
    }
    assert_eq!(versions(&db), [1, 2, 3], "nothing applied after drift");
    let code =
        run_command(&project(tmp.path()), migrate_cmd(&db, &dir, false)).await.unwrap_err().exit_code();
    assert_eq!(code, exit::PRECONDITION);
}

#[test]
fn bad_names_duplicates_and_out_of_order_files_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("app.db");
    let dir = copy_migrations(tmp.path());
    std::fs::write(dir.join("notes.sql"), "SELECT 1;").unwrap();
    let err = run(&db, &dir).unwrap_err();
    assert!(err.to_string().contains("notes.sql") && err.to_string().contains("NNNN_"), "{err}");
    std::fs::remove_file(dir.join("notes.sql")).unwrap();
    std::fs::write(dir.join("0003_twin.sql"), "SELECT 1;").unwrap();
    assert!(run(&db, &dir).unwrap_err().to_string().contains("same number"));
    std::fs::remove_file(dir.join("0003_twin.sql")).unwrap();
    std::fs::write(dir.join("README.md"), "ignored").unwrap();
    run(&db, &dir).unwrap();
    std::fs::write(dir.join("0000_zero.sql"), "SELECT 1;").unwrap();
    assert!(run(&db, &dir).unwrap_err().to_string().contains("start at 0001"));
    std::fs::remove_file(dir.join("0000_zero.sql")).unwrap();
    std::fs::remove_file(dir.join("0002_add_plan_column.sql")).unwrap();
    let conn = Connection::open(&db).unwrap();
    conn.execute("DELETE FROM schema_migrations WHERE version = 2", []).unwrap();
    drop(conn);
    std::fs::copy(repo("migrations/sandbox/0002_add_plan_column.sql"), dir.join("0002_add_plan_column.sql"))
        .unwrap();
    let err = run(&db, &dir).unwrap_err();
    assert!(matches!(err, DbError::OutOfOrder { newest: 3, .. }), "{err}");
}

#[test]
fn backup_and_restore_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("app.db");
    run(&db, &repo("migrations/sandbox")).unwrap();
    let out = tmp.path().join("backups/app.db.bak-run1");
    let report = backup(&db, &out).unwrap();
    assert!(report.pages > 0 && report.bytes > 0 && !report.source_was_missing);
    assert_eq!(versions(&out), [1, 2, 3]);
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch("DROP TABLE deploy_notes; DELETE FROM accounts; DELETE FROM schema_migrations;")
        .unwrap();
    drop(conn);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM accounts"), 0);
    restore(&db, &out).unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM accounts"), 3);
    assert_eq!(versions(&db), [1, 2, 3]);
    assert!(has_column(&db, "deploy_notes", "note"));
}

#[test]
fn backup_of_a_missing_database_restores_to_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("sandbox/staging.db");
    let out = tmp.path().join("staging.db.bak");
    assert!(backup(&db, &out).unwrap().source_was_missing);
    assert!(!db.exists(), "backing up must not create the database");
    run(&db, &repo("migrations/sandbox")).unwrap();
    restore(&db, &out).unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"), 0);
}

#[test]
fn restore_names_a_missing_or_corrupt_backup() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("app.db");
    let missing = tmp.path().join("nope.bak");
    let err = restore(&db, &missing).unwrap_err();
    assert!(matches!(err, DbError::Missing { .. }) && err.to_string().contains("nope.bak"), "{err}");
    let junk = tmp.path().join("junk.bak");
    std::fs::write(&junk, "this is not a database, just some text that is long enough").unwrap();
    let err = restore(&db, &junk).unwrap_err();
    assert!(err.to_string().contains("junk.bak"), "{err}");
    assert!(!db.exists(), "a refused restore must not create the database");
}

#[tokio::test]
async fn commands_run_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let p = project(tmp.path());
    let db = tmp.path().join("app.db");
    let dir = repo("migrations/sandbox");
    assert_eq!(run_command(&p, migrate_cmd(&db, &dir, true)).await.unwrap(), exit::OK);
    assert!(!db.exists());
    assert_eq!(run_command(&p, migrate_cmd(&db, &dir, false)).await.unwrap(), exit::OK);
    let database = db.display().to_string();
    let status =
        DbCommand::Status { database: database.clone(), dir: Some(dir), json: false, fail_if_pending: true };
    assert_eq!(run_command(&p, status).await.unwrap(), exit::OK);
    let out = tmp.path().join("b.bak");
    let backup = DbCommand::Backup {
        env: None,
        database: database.clone(),
        out: Some(out.clone()),
        verify: true,
        json: false,
    };
    // Here (a run's step, as the binary routes it) a backup is refused: only the runner records.
    let err = run_command(&p, backup).await.unwrap_err();
    assert_eq!(err.exit_code(), exit::USAGE);
    assert!(err.to_string().contains("Use a `backup` step"), "{err}");
    assert!(!out.exists());
    let verify = DbCommand::Verify { env: None, from: out.clone(), database: None, json: false };
    assert!(run_command(&p, verify).await.unwrap_err().to_string().contains("`backup-verify` step"));
    let store = p.store().unwrap();
    let at = crate::dbtool::in_run::InRun { store: &store, run: "r1", environment: "" };
    let target = crate::dbtool::Target::Sqlite(db.clone());
    crate::dbtool::in_run::take(&at, &target, &out, true).await.unwrap();
    let recorded = store.backups(Some(&database)).unwrap();
    assert_eq!((recorded.len(), recorded[0].verify_ok), (1, Some(true)), "{recorded:?}");
    assert_eq!(recorded[0].backup.schema_version, "0003");
    let env = EnvArgs { env: None, phrase: None };
    let restore = DbCommand::Restore { database, from: out, env };
    assert_eq!(run_command(&p, restore).await.unwrap(), exit::OK);
    let err = run_command(&p, migrate_cmd(&db, &repo("migrations/sandbox-broken"), false)).await.unwrap_err();
    assert_eq!(err.exit_code(), exit::USAGE);
    assert!(err.to_string().contains("0004_add_region_broken.sql"));
}

#[test]
fn a_second_sqlite_migration_is_refused_while_one_holds_the_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("app.db");
    let holder = Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = run(&db, &repo("migrations/sandbox")).unwrap_err();
    assert!(matches!(err, DbError::Locked { .. }), "{err}");
    assert_eq!(crate::error::Error::from(err).exit_code(), exit::PRECONDITION);
    holder.execute_batch("COMMIT").unwrap();
    assert_eq!(run(&db, &repo("migrations/sandbox")).unwrap().applied.len(), 3);
}

#[test]
fn a_sqlite_backup_that_differs_from_its_source_fails_verification() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("app.db");
    run(&db, &repo("migrations/sandbox")).unwrap();
    let out = tmp.path().join("app.bak");
    let report = backup(&db, &out).unwrap();
    assert_eq!(report.tables["accounts"].rows, 3);
    assert_eq!(super::backup::verify(&out, &report.tables).unwrap(), report.tables);
    Connection::open(&out).unwrap().execute("UPDATE accounts SET plan = 'enterprise' WHERE plan = 'free' AND rowid = (SELECT min(rowid) FROM accounts WHERE plan = 'free')", []).unwrap();
    let err = super::backup::verify(&out, &report.tables).unwrap_err().to_string();
    assert!(err.contains("accounts") && err.contains("different content"), "{err}");
}
