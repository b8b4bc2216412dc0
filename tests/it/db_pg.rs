//! `flightdeck db` against a real `PostgreSQL` 15 (a throwaway cluster per test from
//! `scripts/pg-test.sh`: initdb as `postgres`, a free loopback port, password auth over TCP): the
//! preflight, a migration that succeeds, a failed 2nd of 3 files restored by the database-migration
//! workflow (checked by query), two concurrent migrations, backup verification catching a damaged
//! file, dbmate mode, the production phrases, and bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{Project, text};

/// A throwaway cluster, stopped and removed on drop.
pub struct Pg {
    dir: String,
    pub port: u16,
    pub passfile: PathBuf,
}

impl Pg {
    pub fn start() -> Pg {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        if !Path::new("/usr/lib/postgresql/15/bin/initdb").exists() {
            let out = Command::new("bash").arg(root.join("scripts/install-test-deps.sh")).output().unwrap();
            assert!(out.status.success(), "install-test-deps.sh: {}", String::from_utf8_lossy(&out.stderr));
        }
        let out = Command::new("bash").arg(root.join("scripts/pg-test.sh")).arg("start").output().unwrap();
        assert!(out.status.success(), "pg-test.sh start: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let get = |k: &str| text.lines().find_map(|l| l.strip_prefix(&format!("{k}="))).unwrap().to_string();
        Pg {
            dir: get("PGTEST_DIR"),
            port: get("PGTEST_PORT").parse().unwrap(),
            passfile: get("PGTEST_PASSFILE").into(),
        }
    }

    /// `postgres://ops@127.0.0.1:PORT/DB` (no password: it comes from the passfile).
    pub fn url(&self, db: &str) -> String {
        format!("postgres://ops@127.0.0.1:{}/{db}", self.port)
    }

    /// Runs SQL with psql; stdout (unaligned, tuples only). Panics on failure.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let out = Command::new("psql")
            .args(["-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "ops", "-d", db, "-c", sql])
            .arg("-p")
            .arg(self.port.to_string())
            .env("PGPASSFILE", &self.passfile)
            .output()
            .unwrap();
        assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let _ = Command::new("bash").arg(root.join("scripts/pg-test.sh")).args(["stop", &self.dir]).output();
    }
}

pub const CONFIG: &str = "[environments.local]\nallow_root_approval = true\n\n\
    [environments.production]\nproduction = true\nallow_root_approval = true\nallow_self_approval = true\n\
    confirm_phrase = \"TOUCH PRODUCTION\"\n";

/// `flightdeck ARGS` in `p` with the cluster's passfile.
pub fn fd(p: &Project, pg: &Pg, args: &[&str]) -> std::process::Output {
    p.cmd(args).env("PGPASSFILE", &pg.passfile).env_remove("PGPASSWORD").output().unwrap()
}

fn write_migrations(p: &Project, dir: &str, files: &[(&str, &str)]) -> String {
    let d = p.path().join(dir);
    std::fs::create_dir_all(&d).unwrap();
    for (name, sql) in files {
        std::fs::write(d.join(name), sql).unwrap();
    }
    dir.to_string()
}

const BASE: (&str, &str) = (
    "0001_accounts.sql",
    "CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL, balance int NOT NULL);\n\
     INSERT INTO accounts (name, balance) SELECT 'acct-' || g, g * 7 FROM generate_series(1, 500) g;\n",
);

/// Row count and an order-independent digest of a table, computed by our own query (not the tool's).
fn table_state(pg: &Pg, db: &str, table: &str) -> String {
    pg.psql(db, &format!("SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"))
}

#[test]
fn migration_succeeds_with_preflight_before_and_after() {
    let pg = Pg::start();
    let p = Project::new(CONFIG, &[]);
    pg.psql("postgres", "CREATE DATABASE app");
    let dir = write_migrations(
        &p,
        "migrations",
        &[
            BASE,
            ("0002_email.sql", "ALTER TABLE accounts ADD COLUMN email text;\n"),
            ("0003_index.sql", "CREATE INDEX accounts_name ON accounts (name);\n"),
        ],
    );
    let url = pg.url("app");
    let out = fd(&p, &pg, &["db", "status", "--database", &url, "--dir", &dir, "--json"]);
    assert!(out.status.success(), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["reachable"].as_bool(), v["version"].as_str()), (Some(true), Some("none")), "{v}");
    assert!(v["server_version"].as_str().unwrap().starts_with("15."), "{v}");
    assert_eq!(v["pending"].as_array().unwrap().len(), 3);
    let out = fd(&p, &pg, &["db", "migrate", "--database", &url, "--dir", &dir]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        pg.psql("app", "SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations"),
        "1,2,3"
    );
    assert_eq!(pg.psql("app", "SELECT count(*) FROM accounts"), "500");
    let out = fd(&p, &pg, &["db", "status", "--database", &url, "--dir", &dir, "--fail-if-pending"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("version 0003; 0 pending"), "{}", text(&out));
}

#[test]
fn a_failed_second_of_three_files_is_restored_to_the_pre_migration_state() {
    let pg = Pg::start();
    let p = Project::new(CONFIG, &[]);
    pg.psql("postgres", "CREATE DATABASE app");
    let base = write_migrations(&p, "base", &[BASE]);
    let url = pg.url("app");
    assert!(fd(&p, &pg, &["db", "migrate", "--database", &url, "--dir", &base]).status.success());
    pg.psql("app", "CREATE TABLE notes (id int, body text); INSERT INTO notes SELECT g, 'n' || g FROM generate_series(1, 50) g");
    let state = || ["accounts", "notes", "schema_migrations"].map(|t| table_state(&pg, "app", t));
    let before = state();
    let dir = write_migrations(
        &p,
        "migrations",
        &[
            BASE,
            (
                "0002_credit.sql",
                "ALTER TABLE accounts ADD COLUMN credit int;\nUPDATE accounts SET balance = balance + 1;\nDELETE FROM notes WHERE id > 10;\n",
            ),
            ("0003_broken.sql", "CREATE TABLE audit (id int);\nUPDATE accounts SET no_such_column = 1;\n"),
            ("0004_more.sql", "CREATE TABLE more (id int);\n"),
        ],
    );
    let (db_param, dir_param) = (format!("database={url}"), format!("migrations={dir}"));
    let args = ["run", "database-migration", "--env", "local", "--yes", "-p", &db_param, "-p", &dir_param];
    let out = fd(&p, &pg, &args);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_eq!(state(), before, "row counts and contents equal the pre-migration state");
    assert_eq!(
        pg.psql("app", "SELECT count(*) FROM information_schema.columns WHERE column_name = 'credit'"),
        "0"
    );
    assert_eq!(pg.psql("app", "SELECT to_regclass('audit') IS NULL AND to_regclass('more') IS NULL"), "t");
    let backups = fd(&p, &pg, &["db", "backups", "--json"]);
    let rows: Vec<serde_json::Value> =
        String::from_utf8_lossy(&backups.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 1, "{}", text(&backups));
    assert_eq!(
        (rows[0]["database"].as_str(), rows[0]["verify_ok"].as_bool()),
        (Some(url.as_str()), Some(true))
    );
    assert_eq!(rows[0]["verify_result"]["tables"]["public.accounts"]["rows"], 500);
}

#[test]
fn a_second_concurrent_migration_is_refused_with_exit_8() {
    let pg = Pg::start();
    let p = Project::new(CONFIG, &[]);
    pg.psql("postgres", "CREATE DATABASE app");
    let dir = write_migrations(
        &p,
        "migrations",
        &[("0001_slow.sql", "SELECT pg_sleep(4);\nCREATE TABLE slow (id int);\n")],
    );
    let url = pg.url("app");
    let mut first = p
        .cmd(&["db", "migrate", "--database", &url, "--dir", &dir])
        .env("PGPASSFILE", &pg.passfile)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while pg.psql("postgres", "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") != "1" {
        assert!(std::time::Instant::now() < deadline, "the first migration never took its lock");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let second = fd(&p, &pg, &["db", "migrate", "--database", &url, "--dir", &dir]);
    assert_eq!(second.status.code(), Some(8), "{}", text(&second));
    assert!(String::from_utf8_lossy(&second.stderr).contains("another migration"), "{}", text(&second));
    assert!(first.wait().unwrap().success());
    assert_eq!(pg.psql("app", "SELECT count(*) FROM schema_migrations"), "1");
}

#[test]
fn a_damaged_backup_fails_verification() {
    let pg = Pg::start();
    let p = Project::new(CONFIG, &[]);
    pg.psql("postgres", "CREATE DATABASE app");
    let url = pg.url("app");
    let base = write_migrations(&p, "m", &[BASE]);
    assert!(fd(&p, &pg, &["db", "migrate", "--database", &url, "--dir", &base]).status.success());
    let file = p.path().join("b/app.backup");
    let f = file.to_str().unwrap();
    let out = fd(&p, &pg, &["db", "backup", "local", "--database", &url, "--out", f]);
    assert!(out.status.success(), "{}", text(&out));
    let out = fd(&p, &pg, &["db", "verify", "--from", f]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 tables and 501 rows"), "{}", text(&out));
    assert_eq!(
        pg.psql("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'flightdeck_verify%'"),
        "0"
    );
    // Damage the middle of the file: the checksum catches it.
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid..mid + 64].iter_mut().for_each(|b| *b ^= 0x5a);
    std::fs::write(&file, &bytes).unwrap();
    let out = fd(&p, &pg, &["db", "verify", "--from", f]);
    // The runner verifies (a run of `verify-backup`): its output is the run's, on stdout.
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("changed since the backup was taken"),
        "{}",
        text(&out)
    );
    // And with its manifest rewritten to match (a damaged copy whose record was recomputed), the
    // scratch restore and comparison catch it.
    let (sha, len) = (sha256_hex(&bytes), bytes.len());
    let mpath = p.path().join("b/app.backup.manifest.json");
    let mut m: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&mpath).unwrap()).unwrap();
    m["sha256"] = sha.into();
    m["bytes"] = len.into();
    std::fs::write(&mpath, m.to_string()).unwrap();
    let out = fd(&p, &pg, &["db", "verify", "--from", f]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("verification failed"), "{}", text(&out));
    let rows = String::from_utf8_lossy(&fd(&p, &pg, &["db", "backups", "--json"]).stdout).into_owned();
    let row: serde_json::Value = serde_json::from_str(rows.lines().next().unwrap()).unwrap();
    assert_eq!(row["verify_ok"], false, "{row}");
    assert_eq!(
        pg.psql("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'flightdeck_verify%'"),
        "0"
    );
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[test]
fn production_needs_the_phrases_for_destructive_migrations_and_restores() {
    let pg = Pg::start();
    let p = Project::new(CONFIG, &[]);
    pg.psql("postgres", "CREATE DATABASE app");
    let url = pg.url("app");
    let base = write_migrations(&p, "m1", &[BASE]);
    assert!(
        fd(&p, &pg, &["db", "migrate", "--database", &url, "--dir", &base, "--env", "production"])
            .status
            .success()
    );
    let f = p.path().join("app.backup");
    assert!(
        fd(&p, &pg, &["db", "backup", "local", "--database", &url, "--out", f.to_str().unwrap()])
            .status
            .success()
    );
    let dir = write_migrations(
        &p,
        "m2",
        &[BASE, ("0002_drop.sql", "-- goodbye\nALTER TABLE accounts DROP COLUMN balance;\n")],
    );
    let migrate = |extra: &[&str]| {
        let mut args = vec!["db", "migrate", "--database", &url, "--dir", &dir, "--env", "production"];
        args.extend_from_slice(extra);
        fd(&p, &pg, &args)
    };
    let out = migrate(&[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("line 2 DROP COLUMN"), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("EXECUTE DESTRUCTIVE MIGRATIONS"),
        "{}",
        text(&out)
    );
    assert_eq!(pg.psql("app", "SELECT count(*) FROM schema_migrations"), "1");
    let out = migrate(&["--phrase", "EXECUTE DESTRUCTIVE MIGRATIONS"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        pg.psql("app", "SELECT count(*) FROM information_schema.columns WHERE column_name = 'balance'"),
        "0"
    );
    let restore = |extra: &[&str]| {
        let mut args =
            vec!["db", "restore", "--database", &url, "--from", f.to_str().unwrap(), "--env", "production"];
        args.extend_from_slice(extra);
        fd(&p, &pg, &args)
    };
    let out = restore(&[]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("TOUCH PRODUCTION"), "{}", text(&out));
    let out = restore(&["--phrase", "TOUCH PRODUCTION"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        pg.psql("app", "SELECT count(*) FROM information_schema.columns WHERE column_name = 'balance'"),
        "1"
    );
    assert_eq!(pg.psql("app", "SELECT sum(balance) FROM accounts"), (7 * 500 * 501 / 2).to_string());
}

#[test]
fn dbmate_mode_applies_dbmate_files() {
    let dbmate = crate::secrets_infra::venv_bin("dbmate");
    let pg = Pg::start();
    let p = Project::new(CONFIG, &[]);
    pg.psql("postgres", "CREATE DATABASE app");
    let dir = write_migrations(
        &p,
        "db/migrations",
        &[
            (
                "20260101000000_users.sql",
                "-- migrate:up\nCREATE TABLE users (id int);\n-- migrate:down\nDROP TABLE users;\n",
            ),
            (
                "20260102000000_seed.sql",
                "-- migrate:up\nINSERT INTO users VALUES (1), (2);\n-- migrate:down\nDELETE FROM users;\n",
            ),
        ],
    );
    let url = pg.url("app");
    let run = |extra: &[&str]| {
        let mut args = vec!["db", "migrate", "--tool", "dbmate", "--database", &url, "--dir", &dir];
        args.extend_from_slice(extra);
        p.cmd(&args).env("PGPASSFILE", &pg.passfile).env("FLIGHTDECK_DBMATE", &dbmate).output().unwrap()
    };
    let out = run(&["--dry-run"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Pending: 2"), "{}", text(&out));
    let out = run(&[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(pg.psql("app", "SELECT count(*) FROM users"), "2");
    assert_eq!(pg.psql("app", "SELECT count(*) FROM schema_migrations"), "2");
    assert!(!p.path().join("db/schema.sql").exists(), "--no-dump-schema: no schema file");
    let all = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!all.contains(
        &std::fs::read_to_string(pg.passfile.parent().unwrap().join("password")).unwrap().trim().to_string()
    ));
}

#[test]
fn bad_input_gets_clear_errors() {
    let pg = Pg::start();
    let p = Project::new(CONFIG, &[]);
    pg.psql("postgres", "CREATE DATABASE app");
    let dir = write_migrations(&p, "m", &[BASE]);
    let status = |db: &str| fd(&p, &pg, &["db", "status", "--database", db]);
    let out = status("postgres://ops@127.0.0.1:1/app");
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is a PostgreSQL server listening on 127.0.0.1:1"),
        "{}",
        text(&out)
    );
    let wrong = format!("postgres://ops:Wr0ngPassw0rd@127.0.0.1:{}/app", pg.port);
    let out = status(&wrong);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    let all = text(&out);
    assert!(all.contains("password authentication failed") && all.contains("check the password"), "{all}");
    assert!(
        !all.contains("Wr0ngPassw0rd") && all.contains(&format!("postgres://ops@127.0.0.1:{}/app", pg.port)),
        "{all}"
    );
    let out = status("mysql://root:pw@127.0.0.1/app");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown URL scheme \"mysql\""), "{}", text(&out));
    let url = pg.url("app");
    std::fs::write(p.path().join(&dir).join("notes.sql"), "SELECT 1;").unwrap();
    let out = fd(&p, &pg, &["db", "migrate", "--database", &url, "--dir", &dir]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("notes.sql: name it NNNN_description.sql"),
        "{}",
        text(&out)
    );
    std::fs::remove_file(p.path().join(&dir).join("notes.sql")).unwrap();
    std::fs::write(p.path().join(&dir).join("0001_twin.sql"), "SELECT 1;").unwrap();
    let out = fd(&p, &pg, &["db", "migrate", "--database", &url, "--dir", &dir]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("same number"), "{}", text(&out));
    assert_eq!(pg.psql("app", "SELECT to_regclass('schema_migrations') IS NULL"), "t", "nothing ran");
}
