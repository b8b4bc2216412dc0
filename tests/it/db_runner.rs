//! `flightdeck db backup ENV` is a run of the runner: the runner copies the database, records the
//! backup (and its verification) in the store itself, audits it, and the run shows in `runs`. A
//! second user in the runner's group, who cannot write the store, takes one through the socket.
//! SIGKILL of the runner in the middle of a `PostgreSQL` backup (a real `pg_dump` that has written
//! the whole file but not returned) leaves no half-recorded backup: the row says `taking`, never
//! done; the next backup of that database removes the file, marks the row failed and says so.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Project, text};
use crate::db_pg::{CONFIG, Pg, fd};
use crate::users::{RootRunner, data_dir, ensure_users, run_as, sh_as, shared_project};

pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A backup row: id, state, path, bytes, verified, run.
pub type Row = (i64, String, String, i64, Option<bool>, Option<String>);

/// The backups on record, straight from the store (the test runs as the store's owner).
pub fn backups(db: &Path) -> Vec<Row> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt =
        conn.prepare("SELECT id, state, path, bytes, verify_ok, run FROM backups ORDER BY id").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A `SQLite` database with one table of 3 rows.
pub fn sqlite_db(path: &Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t (v) VALUES ('a'), ('b'), ('c');",
    )
    .unwrap();
}

#[test]
fn a_group_member_who_cannot_write_the_store_backs_up_through_the_runner() {
    ensure_users();
    let p = shared_project("[environments.staging]\n", &[]);
    sqlite_db(&p.path().join("app.db"));
    let _runner = RootRunner::start(&p);
    let store = data_dir(&p).join("flightdeck.db");
    let write = sh_as("fd-bob", &format!("echo x >> {}", store.display()));
    assert!(!write.status.success(), "fd-bob can write the store: {}", text(&write));

    let out = run_as(&p, "fd-bob", &["db", "backup", "staging", "--database", "app.db", "--out", "b/"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("3 rows") && printed.contains("verified"), "{}", text(&out));

    let rows = backups(&store);
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (_, state, path, bytes, verified, run) = &rows[0];
    assert_eq!((state.as_str(), *verified), ("done", Some(true)), "{rows:?}");
    assert!(*bytes > 0 && Path::new(path).exists(), "{rows:?}");
    assert!(path.starts_with(&p.path().join("b").display().to_string()), "{path}");
    let run = run.clone().expect("the backup names its run");
    let runs: Value = serde_json::from_slice(&run_as(&p, "fd-bob", &["runs", "--json"]).stdout).unwrap();
    let listed = runs.as_array().unwrap().iter().find(|r| r["id"] == run.as_str());
    let listed = listed.unwrap_or_else(|| panic!("run {run} not in `runs`: {runs}"));
    assert_eq!(
        (listed["workflow"].as_str(), listed["status"].as_str()),
        (Some("database-backup"), Some("succeeded"))
    );

    let conn = rusqlite::Connection::open(&store).unwrap();
    let (actor, detail): (String, String) = conn
        .query_row("SELECT actor, detail FROM audit WHERE action = 'db.backup'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(actor, "fd-bob", "the operator is the socket peer");
    assert!(detail.contains(path.as_str()), "{detail}");

    let out = run_as(&p, "fd-bob", &["db", "backup", "--database", "app.db"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("flightdeck db backup ENV"), "{}", text(&out));
}

/// A `pg_dump` first in `PATH` that runs the real one, then says so and waits for a `go` file.
pub fn stalling_pg_dump(dir: &Path) -> String {
    let real = Command::new("sh").args(["-c", "command -v pg_dump"]).output().unwrap();
    let real = String::from_utf8_lossy(&real.stdout).trim().to_string();
    assert!(!real.is_empty(), "pg_dump is not installed");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let d = dir.display();
    let script = format!(
        "#!/bin/sh\n{real} \"$@\" || exit $?\ntouch {d}/dumped\n\
         i=0; while [ ! -e {d}/go ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done\ntouch {d}/released\n"
    );
    std::fs::write(bin.join("pg_dump"), script).unwrap();
    let out = Command::new("chmod").arg("755").arg(bin.join("pg_dump")).output().unwrap();
    assert!(out.status.success());
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default())
}

fn runner_pid(p: &Project) -> i32 {
    std::fs::read_to_string(p.home.path().join("runner.lock")).unwrap().trim().parse().unwrap()
}

#[test]
fn sigkill_of_the_runner_mid_backup_leaves_no_half_recorded_backup() {
    let pg = Pg::start();
    let p = Project::new(CONFIG, &[]);
    pg.psql("postgres", "CREATE DATABASE app");
    pg.psql("app", "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 500) g");
    let url = pg.url("app");
    let stall = tempfile::tempdir().unwrap();
    let path = stalling_pg_dump(stall.path());
    let file = p.path().join("b/app.backup");
    let f = file.to_str().unwrap();
    let mut first = p.cmd(&["db", "backup", "local", "--database", &url, "--out", f]);
    first.env("PGPASSFILE", &pg.passfile).env_remove("PGPASSWORD").env("PATH", &path);
    let mut client =
        first.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    wait_until("pg_dump to write the whole file", || stall.path().join("dumped").exists());
    assert!(file.exists());
    let rows = backups(&p.db());
    assert_eq!(rows.iter().map(|r| (r.1.as_str(), r.3)).collect::<Vec<_>>(), [("taking", 0)], "{rows:?}");

    // The client goes first (it would reconnect, starting a new runner), then the runner.
    let _ = client.kill();
    let _ = client.wait();
    let pid = runner_pid(&p);
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL).unwrap();
    std::fs::write(stall.path().join("go"), "").unwrap();
    wait_until("the orphaned pg_dump to end", || stall.path().join("released").exists());
    let rows = backups(&p.db());
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        (rows[0].1.as_str(), rows[0].3, rows[0].4),
        ("taking", 0, None),
        "never recorded as done: {rows:?}"
    );

    let out = p
        .cmd(&["db", "backup", "local", "--database", &url, "--out", "b/second.backup"])
        .env("PGPASSFILE", &pg.passfile)
        .env_remove("PGPASSWORD")
        .env("PATH", &path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let printed = String::from_utf8_lossy(&out.stdout);
    let said = format!("backup {} ({f}) of run", rows[0].0);
    assert!(printed.contains(&said) && printed.contains("was interrupted"), "{}", text(&out));
    assert!(!file.exists(), "the interrupted backup's file is removed");
    let rows = backups(&p.db());
    let states: Vec<_> = rows.iter().map(|r| (r.1.as_str(), r.4)).collect();
    assert_eq!(states, [("failed", Some(false)), ("done", Some(true))], "{rows:?}");
    let listed = String::from_utf8_lossy(&fd(&p, &pg, &["db", "backups"]).stdout).into_owned();
    assert!(listed.contains("failed") && listed.contains("second.backup"), "{listed}");
}
