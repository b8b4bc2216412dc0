//! `PostgreSQL` through tokio-postgres: connecting (with errors that say what to check), the
//! preflight facts (server version, schema version), and the numbered-file migration runner under
//! a session-level `pg_advisory_lock`, each file in its own transaction, recorded in the same
//! `schema_migrations(version, name, applied_at, checksum)` table as on `SQLite`.

use tokio_postgres::{Client, NoTls};

use crate::dbtool::error::{DbError, pg, pg_text};
use crate::dbtool::migrate::{Applied, MigrateReport, MigrationFile, plan, read_dir, version_text};
use crate::dbtool::target::PgTarget;

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    checksum TEXT NOT NULL
)";

/// The advisory lock key of a database's migrations (one per database name).
const LOCK_KEY: &str = "hashtext('flightdeck.migrate.' || current_database())";

/// A live connection (its driver task runs until the client is dropped).
pub struct Conn {
    /// The client.
    pub client: Client,
    /// The database, for messages.
    pub db: String,
}

/// Connects; a refused login or an unreachable server becomes [`DbError::Connect`] with a hint.
pub async fn connect(t: &PgTarget) -> Result<Conn, DbError> {
    let db = t.url.to_string();
    let (client, connection) = t.config().connect(NoTls).await.map_err(|e| connect_error(t, &e))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(Conn { client, db })
}

fn connect_error(t: &PgTarget, e: &tokio_postgres::Error) -> DbError {
    let text = pg_text(e);
    let code = e.code().map(tokio_postgres::error::SqlState::code);
    let hint = match code {
        Some("28P01") => "check the password (the URL's secret, PGPASSWORD or PGPASSFILE)".to_string(),
        Some("28000") => "the server's pg_hba.conf refuses this user or host".to_string(),
        Some("3D000") => format!("create the database {:?} first, or fix the URL", t.dbname()),
        Some(_) => "see the server's message".to_string(),
        None if t.password().is_none() && text.contains("password") => {
            "the server wants a password: set it in the URL's secret, PGPASSWORD or PGPASSFILE".to_string()
        }
        None => format!("is a PostgreSQL server listening on {}:{}?", t.host(), t.port()),
    };
    DbError::Connect { db: t.url.to_string(), why: format!("{text}; {hint}") }
}

/// `15.18` and the like.
pub async fn server_version(c: &Conn) -> Result<String, DbError> {
    let row = c
        .client
        .query_one("SHOW server_version", &[])
        .await
        .map_err(pg(&c.db, "cannot read the server version"))?;
    let v: String = row.get(0);
    Ok(v.split_whitespace().next().unwrap_or_default().to_string())
}

/// The rows of `schema_migrations` (none when the table does not exist).
pub async fn applied(c: &Conn) -> Result<Vec<Applied>, DbError> {
    let exists = c
        .client
        .query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[])
        .await
        .map_err(pg(&c.db, "cannot read the schema"))?;
    if !exists.get::<_, bool>(0) {
        return Ok(Vec::new());
    }
    let rows = c
        .client
        .query("SELECT version, name, applied_at, checksum FROM schema_migrations ORDER BY version", &[])
        .await
        .map_err(pg(&c.db, "cannot read schema_migrations"))?;
    Ok(rows
        .iter()
        .map(|r| Applied {
            version: u32::try_from(r.get::<_, i32>(0)).unwrap_or_default(),
            name: r.get(1),
            applied_at: r.get(2),
            checksum: r.get(3),
        })
        .collect())
}

/// Takes the migration lock without waiting; [`DbError::Locked`] when another session holds it.
pub async fn lock(c: &Conn) -> Result<(), DbError> {
    let row = c
        .client
        .query_one(&format!("SELECT pg_try_advisory_lock({LOCK_KEY})"), &[])
        .await
        .map_err(pg(&c.db, "cannot take the migration lock"))?;
    if row.get::<_, bool>(0) { Ok(()) } else { Err(DbError::Locked { db: c.db.clone() }) }
}

/// Plans (and unless `dry_run`, applies under the lock) the files of `dir`.
pub async fn migrate(
    t: &PgTarget,
    files: Vec<MigrationFile>,
    dry_run: bool,
    mut on_applied: impl FnMut(&MigrationFile),
) -> Result<MigrateReport, DbError> {
    let c = connect(t).await?;
    if dry_run {
        return plan(files, applied(&c).await?);
    }
    lock(&c).await?;
    c.client.batch_execute(CREATE_TABLE).await.map_err(pg(&c.db, "cannot create schema_migrations"))?;
    let mut report = plan(files, applied(&c).await?)?;
    for m in std::mem::take(&mut report.pending) {
        apply_one(&c, &m, report.version()).await?;
        on_applied(&m);
        report.applied.push(m);
    }
    Ok(report)
}

/// Reads `dir` and migrates (see [`migrate`]).
pub async fn migrate_dir(
    t: &PgTarget,
    dir: &std::path::Path,
    dry_run: bool,
    on_applied: impl FnMut(&MigrationFile),
) -> Result<MigrateReport, DbError> {
    migrate(t, read_dir(dir)?, dry_run, on_applied).await
}

async fn apply_one(c: &Conn, m: &MigrationFile, at: Option<u32>) -> Result<(), DbError> {
    let failed = |e: &tokio_postgres::Error| DbError::PgMigrationFailed {
        path: m.path.clone(),
        at: version_text(at),
        why: with_line(&m.sql, e),
    };
    c.client.batch_execute("BEGIN").await.map_err(|e| failed(&e))?;
    let result = async {
        c.client.batch_execute(&m.sql).await?;
        let version = i32::try_from(m.version).unwrap_or(i32::MAX);
        let at = crate::time::now().to_rfc3339();
        c.client
            .execute(
                "INSERT INTO schema_migrations (version, name, applied_at, checksum) VALUES ($1, $2, $3, $4)",
                &[&version, &m.name, &at, &m.checksum],
            )
            .await?;
        c.client.batch_execute("COMMIT").await
    }
    .await;
    if let Err(e) = result {
        let _ = c.client.batch_execute("ROLLBACK").await;
        return Err(failed(&e));
    }
    Ok(())
}

/// The server's message, prefixed with `line N:` when it gave a position in the file.
fn with_line(sql: &str, e: &tokio_postgres::Error) -> String {
    let text = pg_text(e);
    let Some(tokio_postgres::error::ErrorPosition::Original(pos)) =
        e.as_db_error().and_then(|d| d.position())
    else {
        return text;
    };
    let chars = usize::try_from(*pos).unwrap_or(0).saturating_sub(1);
    let line = sql.chars().take(chars).filter(|&c| c == '\n').count() + 1;
    format!("line {line}: {text}")
}
