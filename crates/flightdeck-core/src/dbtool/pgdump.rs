//! `PostgreSQL` backups with `pg_dump -Fc`, verified by a restore into a scratch database, and
//! restored over the live database in one transaction.
//!
//! - backup: a `REPEATABLE READ` transaction exports its snapshot (`pg_export_snapshot()`), reads
//!   every table's row count and checksum in it, and `pg_dump --snapshot` copies exactly that state;
//! - verify: `CREATE DATABASE` a scratch copy, `pg_restore` into it, compare its figures with the
//!   manifest's, drop it;
//! - restore: `pg_restore -f` writes the dump as SQL (a damaged file fails here, before anything
//!   changes), then `psql --single-transaction` drops the user schemas and replays it: all or nothing.

use std::path::Path;
use std::process::Stdio;

use crate::dbtool::error::{DbError, io, pg};
use crate::dbtool::manifest::{Manifest, check_file, sha256_file};
use crate::dbtool::migrate::version_text;
use crate::dbtool::pg::{Conn, applied, connect, server_version};
use crate::dbtool::stats::{Stats, differences, pg_stats};
use crate::dbtool::target::PgTarget;

/// Drops every user schema and recreates `public`, before a restore replays the dump.
const CLEAN: &str = "DO $$ DECLARE s text; BEGIN \
  FOR s IN SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') \
  AND nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp%' LOOP \
  EXECUTE format('DROP SCHEMA %I CASCADE', s); END LOOP; END $$; CREATE SCHEMA public;";

/// Backs `t` up to `out` (absolute) and returns the manifest (also written beside it).
pub async fn backup(t: &PgTarget, out: &Path) -> Result<Manifest, DbError> {
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir, "cannot create the backup's directory"))?;
    }
    let c = connect(t).await?;
    let server = server_version(&c).await?;
    c.client
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .map_err(pg(&c.db, "cannot start the snapshot"))?;
    let snap: String = c
        .client
        .query_one("SELECT pg_export_snapshot()", &[])
        .await
        .map_err(pg(&c.db, "cannot export the snapshot"))?
        .get(0);
    let tables = pg_stats(&c.client, &c.db).await?;
    let version = version_text(applied(&c).await?.iter().map(|a| a.version).max());
    let out_s = out.to_string_lossy().into_owned();
    let args = ["-Fc", "--no-password", "--snapshot", snap.as_str(), "-f", out_s.as_str()];
    let dumped = tool("pg_dump", &args, t).await;
    let _ = c.client.batch_execute("COMMIT").await;
    dumped?;
    let (sha256, bytes) = sha256_file(out)?;
    let m = Manifest {
        database: t.url.to_string(),
        engine: "postgres".into(),
        path: out.to_path_buf(),
        bytes,
        sha256,
        schema_version: version,
        created_at: crate::time::now().0,
        server_version: Some(server),
        tables,
        run: std::env::var("FLIGHTDECK_RUN").ok(),
    };
    m.write()?;
    Ok(m)
}

/// Restores `m`'s file into a scratch database on `server`'s server, compares every table with the
/// manifest, and drops the scratch database. Returns the copy's figures.
pub async fn verify(server: &PgTarget, m: &Manifest) -> Result<Stats, DbError> {
    check_file(m, &m.path)?;
    let c = connect(server).await?;
    let scratch = format!("flightdeck_verify_{}_{}", std::process::id(), crate::time::now().0 % 1_000_000);
    c.client
        .batch_execute(&format!("CREATE DATABASE {scratch}"))
        .await
        .map_err(pg(&c.db, "cannot create a scratch database for the check (the user needs CREATEDB)"))?;
    let result = restore_and_read(server, &scratch, m).await;
    drop_scratch(&c, &scratch).await;
    let got = result?;
    let diff = differences(&m.tables, &got);
    if !diff.is_empty() {
        return Err(DbError::Verify { path: m.path.clone(), why: diff.join("; ") });
    }
    Ok(got)
}

async fn restore_and_read(server: &PgTarget, scratch: &str, m: &Manifest) -> Result<Stats, DbError> {
    let st = server.with_dbname(scratch);
    let file = m.path.to_string_lossy().into_owned();
    let args = ["--no-owner", "--no-acl", "--exit-on-error", "--no-password", "-d", scratch, file.as_str()];
    tool("pg_restore", &args, &st).await.map_err(|e| DbError::Verify {
        path: m.path.clone(),
        why: format!("the backup does not restore: {e}"),
    })?;
    let sc = connect(&st).await?;
    pg_stats(&sc.client, &sc.db).await
}

async fn drop_scratch(c: &Conn, scratch: &str) {
    let _ = c.client.batch_execute(&format!("DROP DATABASE IF EXISTS {scratch} WITH (FORCE)")).await;
}

/// Replaces `t`'s content with the backup at `from` (checked against its manifest first).
pub async fn restore(t: &PgTarget, from: &Path, m: &Manifest) -> Result<(), DbError> {
    check_file(m, from)?;
    let sql = std::env::temp_dir().join(format!("flightdeck-restore-{}.sql", std::process::id()));
    let (sql_s, from_s) = (sql.to_string_lossy().into_owned(), from.to_string_lossy().into_owned());
    let args = ["--no-owner", "--no-acl", "-f", sql_s.as_str(), from_s.as_str()];
    let result = async {
        tool("pg_restore", &args, t).await?;
        let psql =
            ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-c", CLEAN, "-f", sql_s.as_str()];
        tool("psql", &psql, t).await
    }
    .await;
    let _ = std::fs::remove_file(&sql);
    result
}

/// Runs a client tool against `t` (connection and password in its environment); an error quotes
/// the last lines of its stderr.
pub async fn tool(name: &str, args: &[&str], t: &PgTarget) -> Result<(), DbError> {
    let mut cmd = tokio::process::Command::new(name);
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
    t.child_env(cmd.as_std_mut());
    let fail = |why: String| DbError::Tool { tool: name.to_string(), db: t.url.to_string(), why };
    let out = cmd.output().await.map_err(|e| {
        fail(format!("cannot run it ({e}); install the PostgreSQL client tools (`apt-get install postgresql-client` on Debian)"))
    })?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(4).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(fail(format!("{}: {}", out.status, tail.join(" | "))))
}
