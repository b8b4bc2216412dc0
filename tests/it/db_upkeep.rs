//! `flightdeck db verify` and `db prune` are runs of the runner (the `verify-backup` and
//! `prune-backups` tasks): a group member who cannot write the store verifies and prunes through
//! the socket, the result is recorded by the runner and audited as that member; a prune while a
//! backup is `taking` (a real `pg_dump` held mid-backup) leaves it and its file alone, even when an
//! older backup it deletes names the same file. Inside a run's shell step `db backup`, `db verify`
//! and `db prune` are refused with the step kind to use (the `backup-*` kinds work there).

use std::path::Path;

use crate::common::{LOCAL, Project, text};
use crate::db_pg::{CONFIG, Pg};
use crate::db_runner::{backups, sqlite_db, stalling_pg_dump, wait_until};
use crate::users::{RootRunner, data_dir, ensure_users, run_as, sh_as, shared_project};

/// The actor and detail of each audit entry `action`, oldest first.
fn audited(store: &Path, action: &str) -> Vec<(String, serde_json::Value)> {
    let conn = rusqlite::Connection::open(store).unwrap();
    let mut stmt = conn.prepare("SELECT actor, detail FROM audit WHERE action = ?1 ORDER BY seq").unwrap();
    stmt.query_map([action], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .map(|r| {
            let (a, d) = r.unwrap();
            (a, serde_json::from_str(&d).unwrap())
        })
        .collect()
}

/// The ids of the rows marked pruned.
fn pruned(store: &Path) -> Vec<i64> {
    let conn = rusqlite::Connection::open(store).unwrap();
    let mut stmt = conn.prepare("SELECT id FROM backups WHERE pruned_at IS NOT NULL ORDER BY id").unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
}

#[test]
fn a_group_member_who_cannot_write_the_store_verifies_and_prunes_through_the_runner() {
    ensure_users();
    let p = shared_project("[environments.staging]\n", &[]);
    sqlite_db(&p.path().join("app.db"));
    let _runner = RootRunner::start(&p);
    let store = data_dir(&p).join("flightdeck.db");
    assert!(!sh_as("fd-bob", &format!("echo x >> {}", store.display())).status.success());
    for name in ["b/one.backup", "b/two.backup"] {
        let out = run_as(&p, "fd-bob", &["db", "backup", "staging", "--database", "app.db", "--out", name]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    // Mark the first unverified (as an old backup would be), then bob verifies it.
    let conn = rusqlite::Connection::open(&store).unwrap();
    conn.execute("UPDATE backups SET verify_ok = NULL, verified_at = NULL WHERE id = 1", []).unwrap();
    let one = p.path().join("b/one.backup");
    let out = run_as(&p, "fd-bob", &["db", "verify", "staging", "--from", "b/one.backup"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 tables and 3 rows equal"), "{}", text(&out));
    let rows = backups(&store);
    assert_eq!(rows[0].4, Some(true), "the runner recorded bob's verification: {rows:?}");
    let verified = audited(&store, "db.verify");
    assert_eq!(verified.len(), 1, "{verified:?}");
    assert_eq!(verified[0].0, "fd-bob", "the operator is the socket peer");
    assert_eq!(verified[0].1["path"], one.display().to_string());
    assert_eq!((verified[0].1["ok"].as_bool(), verified[0].1["rows"].as_i64()), (Some(true), Some(3)));

    // A damaged backup: the run is refused (exit 8), the failure recorded and audited.
    std::fs::write(&one, b"not the backup any more").unwrap();
    let out = run_as(&p, "fd-bob", &["db", "verify", "--from", "b/one.backup"]);
    assert_eq!(out.status.code(), Some(8), "{}", text(&out));
    assert_eq!(backups(&store)[0].4, Some(false));
    assert_eq!(audited(&store, "db.verify")[1].1["ok"], false);

    // Both taken today: keep 0 daily/weekly/monthly, so only the newest verified one stays.
    let args =
        ["db", "prune", "staging", "--database", "app.db", "--daily", "0", "--weekly", "0", "--monthly", "0"];
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let out = run_as(&p, "fd-bob", &dry);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("would delete 1 backup(s), keep 1"),
        "{}",
        text(&out)
    );
    assert!(one.exists() && audited(&store, "db.prune").is_empty(), "a dry run deletes nothing");
    let out = run_as(&p, "fd-bob", &args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("deleted 1 backup(s), keep 1"), "{}", text(&out));
    assert!(!one.exists() && p.path().join("b/two.backup").exists());
    let pruned = audited(&store, "db.prune");
    assert_eq!(pruned.len(), 1, "{pruned:?}");
    assert_eq!((pruned[0].0.as_str(), &pruned[0].1["deleted"]), ("fd-bob", &serde_json::json!([1])));
    let listed = run_as(&p, "fd-bob", &["runs", "--json"]);
    let runs: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let workflows: Vec<&str> =
        runs.as_array().unwrap().iter().filter_map(|r| r["workflow"].as_str()).collect();
    assert!(workflows.contains(&"verify-backup") && workflows.contains(&"prune-backups"), "{workflows:?}");
    // Pruning again deletes nothing more: the row is pruned once.
    let out = run_as(&p, "fd-bob", &args);
    assert!(String::from_utf8_lossy(&out.stdout).contains("deleted 0 backup(s), keep 1"), "{}", text(&out));
}

#[test]
fn a_prune_while_a_backup_is_taking_leaves_it_and_the_file_it_writes() {
    let pg = Pg::start();
    let p = Project::new(CONFIG, &[]);
    pg.psql("postgres", "CREATE DATABASE app");
    pg.psql("app", "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 50)");
    let url = pg.url("app");
    // The runner (started by the first client) finds a pg_dump that holds on until `go` exists.
    let stall = tempfile::tempdir().unwrap();
    let path = stalling_pg_dump(stall.path());
    let backup = |out: &str| {
        let mut c = p.cmd(&["db", "backup", "local", "--database", &url, "--out", out]);
        c.env("PGPASSFILE", &pg.passfile).env_remove("PGPASSWORD").env("PATH", &path);
        c
    };
    // 1 (b/a.backup) and 2 (b/b.backup, the newest verified) are done.
    std::fs::write(stall.path().join("go"), "").unwrap();
    for out in ["b/a.backup", "b/b.backup"] {
        let o = backup(out).output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    }
    std::fs::remove_file(stall.path().join("go")).unwrap();
    std::fs::remove_file(stall.path().join("dumped")).unwrap();
    // 3 writes b/a.backup again and is held `taking` after pg_dump wrote the file.
    let mut third = backup("b/a.backup")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_until("pg_dump to write the whole file", || stall.path().join("dumped").exists());
    let states = |rows: Vec<crate::db_runner::Row>| rows.into_iter().map(|r| (r.0, r.1)).collect::<Vec<_>>();
    assert_eq!(states(backups(&p.db())), [(1, "done".into()), (2, "done".into()), (3, "taking".into())]);

    let out = p
        .cmd(&["db", "prune", "local", "--daily", "0", "--weekly", "0", "--monthly", "0"])
        .env("PGPASSFILE", &pg.passfile)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(printed.contains("its record only: the file is backup 3's now"), "{printed}");
    assert!(printed.contains("deleted 1 backup(s), keep 1"), "{printed}");
    assert!(p.path().join("b/a.backup").exists(), "the file being written is not deleted");
    assert_eq!(states(backups(&p.db())), [(1, "done".into()), (2, "done".into()), (3, "taking".into())]);
    assert_eq!(pruned(&p.db()), [1], "only the complete, older backup is pruned");

    std::fs::write(stall.path().join("go"), "").unwrap();
    assert!(third.wait().unwrap().success());
    let rows = backups(&p.db());
    let got: Vec<_> = rows.iter().map(|r| (r.0, r.1.as_str(), r.4)).collect();
    assert_eq!(got, [(1, "done", Some(true)), (2, "done", Some(true)), (3, "done", Some(true))]);
    assert_eq!(pruned(&p.db()), [1]);
    let out =
        p.cmd(&["db", "verify", "--from", "b/a.backup"]).env("PGPASSFILE", &pg.passfile).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "backup 3 is whole: {}", text(&out));
}

const IN_A_STEP: &str = r#"title = "db commands in steps"
persona = "diana"
kind = "other"
summary = "x"

[params.cmd]
prompt = "Command"
type = "string"
default = "backups"

[[steps]]
id = "cli"
env = { FD_ARGS = "{{ params.cmd }}" }
run = '"$FLIGHTDECK" db $FD_ARGS'
"#;

const KINDS: &str = r#"title = "backup kinds"
persona = "diana"
kind = "other"
summary = "x"

[[steps]]
id = "take"
backup = { database = "app.db", out = "b/k.backup" }

[[steps]]
id = "check"
backup-verify = { from = "{{ steps.take.outputs.backup }}" }

[[steps]]
id = "thin"
backup-prune = { database = "app.db", daily = 1, weekly = "1", monthly = "1", dry_run = true }
"#;

#[test]
fn in_a_runs_step_db_backup_verify_and_prune_are_refused_with_the_step_kind_to_use() {
    let p = Project::new(LOCAL, &[("in-step.toml", IN_A_STEP), ("kinds.toml", KINDS)]);
    sqlite_db(&p.path().join("app.db"));
    let cases = [
        ("backup --database app.db --out inner.backup", "`backup` step"),
        ("verify --from inner.backup", "`backup-verify` step"),
        ("prune --database app.db", "`backup-prune` step"),
    ];
    for (cmd, kind) in cases {
        let out = p.run(&["run", "in-step", "--env", "local", "-p", &format!("cmd={cmd}")]);
        assert_eq!(out.status.code(), Some(3), "{cmd}: {}", text(&out));
        let printed = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(printed.contains("exited with code 2") && printed.contains(kind), "{cmd}: {printed}");
        assert!(printed.contains("cannot run inside a run's step"), "{printed}");
    }
    assert!(!p.path().join("inner.backup").exists(), "nothing was copied");
    assert!(backups(&p.db()).is_empty(), "nothing was recorded from the step's process");
    let out = p.run(&["run", "in-step", "--env", "local", "-p", "cmd=prune --dry-run"]);
    assert_eq!(out.status.code(), Some(0), "a dry run only reads: {}", text(&out));

    let out = p.run(&["run", "kinds", "--env", "local"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(printed.contains("1 tables and 3 rows equal the source's (counts and checksums)"), "{printed}");
    assert!(printed.contains("would delete 0 backup(s), keep 1"), "{printed}");
    let rows = backups(&p.db());
    assert_eq!(rows.iter().map(|r| (r.1.as_str(), r.4)).collect::<Vec<_>>(), [("done", Some(true))]);
    assert_eq!(audited(&p.db(), "db.verify").len(), 1);
}
