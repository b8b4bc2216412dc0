//! The `db status|migrate|restore` subcommands on either engine (printing, step outputs, the
//! production phrases), and the copy and check that the runner's backups and verifications use.

use std::io::IsTerminal;
use std::path::Path;

use serde_json::json;

use crate::dbtool::destructive::{DESTRUCTIVE_PHRASE, scan};
use crate::dbtool::manifest::Manifest;
use crate::dbtool::migrate::{MigrateReport, MigrationFile, read_dir, version_text};
use crate::dbtool::target::Target;
use crate::dbtool::{DbError, EnvArgs, Tool, backup as sqlite_copy, dbmate, migrate, pg, pgdump};
use crate::error::{Error, exit};
use crate::outputs::write_outputs;
use crate::project::Project;

/// The preflight facts of a database: applied migrations, and whether it was reachable.
struct Facts {
    server: Option<String>,
    report: MigrateReport,
}

async fn facts(t: &Target, dir: Option<&Path>) -> Result<Facts, DbError> {
    let files = dir.map(read_dir).transpose()?;
    match t {
        Target::Sqlite(db) => {
            let already = match migrate::open_ro(db)? {
                Some(conn) => migrate::applied(&conn, db)?,
                None => Vec::new(),
            };
            let report = match files {
                Some(f) => migrate::plan(f, already)?,
                None => MigrateReport { already, ..MigrateReport::default() },
            };
            Ok(Facts { server: None, report })
        }
        Target::Postgres(p) => {
            let c = pg::connect(p).await?;
            let server = Some(pg::server_version(&c).await?);
            let already = pg::applied(&c).await?;
            let report = match files {
                Some(f) => migrate::plan(f, already)?,
                None => MigrateReport { already, ..MigrateReport::default() },
            };
            Ok(Facts { server, report })
        }
    }
}

/// `db status`: the preflight.
pub async fn status(t: &Target, dir: Option<&Path>, json_out: bool, current: bool) -> Result<i32, Error> {
    let f = facts(t, dir).await?;
    let version = version_text(f.report.version());
    let flagged: Vec<(&MigrationFile, Vec<crate::dbtool::destructive::Flag>)> =
        f.report.pending.iter().map(|m| (m, scan(&m.sql))).collect();
    let destructive = flagged.iter().any(|(_, fl)| !fl.is_empty());
    if json_out {
        let pending: Vec<_> = flagged
            .iter()
            .map(|(m, fl)| {
                let d: Vec<_> = fl.iter().map(|x| json!({"line": x.line, "what": x.what})).collect();
                json!({"version": m.version, "file": m.path, "destructive": d})
            })
            .collect();
        let applied: Vec<_> = f
            .report
            .already
            .iter()
            .map(|a| json!({"version": a.version, "name": a.name, "applied_at": a.applied_at}))
            .collect();
        let doc = json!({"database": t.display(), "engine": t.engine(), "reachable": true,
            "server_version": f.server, "version": version, "applied": applied, "pending": pending});
        crate::outln!("{doc}");
    } else {
        let server = f.server.as_deref().map(|s| format!(", PostgreSQL {s}")).unwrap_or_default();
        crate::outln!("{}: reachable{server}", t.display());
        for a in &f.report.already {
            crate::outln!("  applied {:04}_{} on {}", a.version, a.name, a.applied_at);
        }
        for (m, fl) in &flagged {
            crate::outln!("  pending {}{}", m.path.display(), flag_text(fl));
        }
        warn_missing(&f.report);
        crate::outln!(
            "version {version}; {} pending{}",
            f.report.pending.len(),
            if destructive { " (destructive)" } else { "" }
        );
    }
    let pending = f.report.pending.len().to_string();
    let mut outs = vec![("version", version.as_str()), ("pending", pending.as_str())];
    outs.push(("destructive", if destructive { "yes" } else { "no" }));
    if let Some(s) = &f.server {
        outs.push(("server_version", s));
    }
    write_outputs(&outs)?;
    if current && !f.report.pending.is_empty() {
        return Err(Error::Precondition(format!(
            "{}: {} migration(s) still pending after the migration; the run rolls back",
            t.display(),
            f.report.pending.len()
        )));
    }
    Ok(exit::OK)
}

fn flag_text(fl: &[crate::dbtool::destructive::Flag]) -> String {
    if fl.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = fl.iter().map(|f| format!("line {} {}", f.line, f.what)).collect();
    format!("  [destructive: {}]", parts.join(", "))
}

fn warn_missing(report: &MigrateReport) {
    for a in &report.missing_files {
        crate::errln!(
            "warning: migration {:04}_{} was applied on {} but its file is gone",
            a.version,
            a.name,
            a.applied_at
        );
    }
}

/// Whether the named environment is production, and its confirm phrase.
fn environment(project: &Project, env: &EnvArgs) -> Result<(bool, Option<String>), Error> {
    let Some(name) = env.env.as_deref().filter(|n| !n.is_empty()) else { return Ok((false, None)) };
    let e = project.config.environment(name).map_err(Error::Invalid)?;
    Ok((e.production, e.confirm_phrase.clone()))
}

/// Checks `--phrase` (or asks on a terminal); `Ok(false)` when it is missing or wrong.
fn phrase_given(env: &EnvArgs, want: &str, why: &str) -> bool {
    if let Some(p) = &env.phrase {
        return p == want;
    }
    if !std::io::stdin().is_terminal() {
        return false;
    }
    crate::errln!("{why}. Type {want:?} to go on:");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).is_ok() && line.trim_end_matches(['\r', '\n']) == want
}

/// `db migrate`.
pub async fn migrate(
    project: &Project,
    t: &Target,
    dir: &Path,
    dry_run: bool,
    tool: Tool,
    env: &EnvArgs,
) -> Result<i32, Error> {
    if tool == Tool::Dbmate {
        return dbmate::migrate(project, t, dir, dry_run, env).await;
    }
    let files = read_dir(dir)?;
    let planned = facts(t, None).await.map(|f| migrate::plan(files.clone(), f.report.already))??;
    let flagged: Vec<_> = planned
        .pending
        .iter()
        .map(|m| (m.path.clone(), scan(&m.sql)))
        .filter(|(_, f)| !f.is_empty())
        .collect();
    for (path, fl) in &flagged {
        crate::outln!("destructive: {}{}", path.display(), flag_text(fl));
    }
    if !dry_run && !flagged.is_empty() && !destructive_allowed(project, env)? {
        crate::errln!(
            "refused: {} pending migration(s) drop or rewrite data in production; pass --phrase {DESTRUCTIVE_PHRASE:?} \
             once the backup is verified",
            flagged.len()
        );
        return Ok(exit::REJECTED);
    }
    let printer = |m: &MigrationFile| crate::outln!("applied {}", m.path.display());
    let report = match t {
        Target::Sqlite(db) => migrate::migrate(db, dir, dry_run, printer)?,
        Target::Postgres(p) => pg::migrate(p, files, dry_run, printer).await?,
    };
    if dry_run {
        write_outputs(&[("destructive", if flagged.is_empty() { "no" } else { "yes" })])?;
    }
    finish_migrate(t, &report, dry_run)
}

/// Destructive migrations run outside production, or in production after the phrase.
pub fn destructive_allowed(project: &Project, env: &EnvArgs) -> Result<bool, Error> {
    let (production, _) = environment(project, env)?;
    Ok(!production
        || phrase_given(env, DESTRUCTIVE_PHRASE, "these migrations destroy or rewrite data in production"))
}

fn finish_migrate(t: &Target, report: &MigrateReport, dry_run: bool) -> Result<i32, Error> {
    warn_missing(report);
    let (applied, version) = if dry_run {
        print_pending(t, report);
        let newest = report.pending.iter().map(|m| m.version).max().or_else(|| report.version());
        (report.pending.len(), newest)
    } else {
        (report.applied.len(), report.version())
    };
    let version = version_text(version);
    let verb = if dry_run { "would apply" } else { "applied" };
    crate::outln!("{}: {verb} {applied} migration(s); version {version}", t.display());
    let applied = applied.to_string();
    let key = if dry_run { "pending" } else { "applied" };
    write_outputs(&[(key, &applied), ("version", &version)])?;
    Ok(exit::OK)
}

fn print_pending(t: &Target, report: &MigrateReport) {
    if report.pending.is_empty() {
        crate::outln!("{}: nothing to apply (dry run)", t.display());
    }
    for m in &report.pending {
        crate::outln!("-- pending {} (sha256 {})", m.path.display(), &m.checksum[..12.min(m.checksum.len())]);
        for line in m.sql.lines() {
            crate::outln!("   {}", line);
        }
    }
}

/// Copies the database to `out` (absolute) and writes its manifest beside it.
pub async fn copy(t: &Target, out: &Path) -> Result<Manifest, Error> {
    let m = match t {
        Target::Sqlite(db) => {
            let r = sqlite_copy::backup(db, out)?;
            if r.source_was_missing {
                crate::outln!("{} does not exist yet: the backup is an empty database", db.display());
            }
            let (sha256, bytes) = crate::dbtool::manifest::sha256_file(out)?;
            let conn = migrate::open_ro(out)?;
            let already = conn.map(|c| migrate::applied(&c, out)).transpose()?.unwrap_or_default();
            let m = Manifest {
                database: t.display(),
                engine: "sqlite".into(),
                path: out.to_path_buf(),
                bytes,
                sha256,
                schema_version: version_text(already.iter().map(|a| a.version).max()),
                created_at: crate::time::now().0,
                server_version: None,
                tables: r.tables,
                run: std::env::var("FLIGHTDECK_RUN").ok(),
            };
            m.write()?;
            m
        }
        Target::Postgres(p) => pgdump::backup(p, out).await?,
    };
    Ok(m)
}

/// One line about a backup taken.
pub fn summary(m: &Manifest) -> String {
    let rows: i64 = m.tables.values().map(|s| s.rows).sum();
    format!(
        "backed up {} to {} ({} bytes, {} tables, {rows} rows, schema {})",
        m.database,
        m.path.display(),
        m.bytes,
        m.tables.len(),
        m.schema_version
    )
}

/// Restores `m` into a scratch copy and compares it with the manifest: the copy's figures.
pub async fn check(m: &Manifest, server: Option<&Target>) -> Result<crate::dbtool::stats::Stats, Error> {
    if m.engine == "sqlite" {
        return Ok(crate::dbtool::manifest::check_file(m, &m.path)
            .and_then(|()| sqlite_copy::verify(&m.path, &m.tables))?);
    }
    let target = match server {
        Some(t) => t.clone(),
        None => Target::parse(&m.database)?,
    };
    let Target::Postgres(p) = target else {
        return Err(Error::Invalid("a PostgreSQL backup verifies on a postgres:// server".into()));
    };
    Ok(pgdump::verify(&p, m).await?)
}

/// `db restore`: in production, only after the environment's phrase.
pub async fn restore(project: &Project, t: &Target, from: &Path, env: &EnvArgs) -> Result<i32, Error> {
    let (production, phrase) = environment(project, env)?;
    let manifest = Manifest::read(from);
    let own_run = std::env::var("FLIGHTDECK_RUN").ok();
    let same_run = own_run.is_some() && manifest.as_ref().is_ok_and(|m| m.run == own_run);
    if production && !same_run {
        let want = phrase.unwrap_or_else(|| format!("RESTORE {}", env.env.clone().unwrap_or_default()));
        if !phrase_given(env, &want, "this replaces a production database with a backup") {
            crate::errln!(
                "refused: restoring over a production database needs the environment's phrase: pass --phrase {want:?}"
            );
            return Ok(exit::REJECTED);
        }
    }
    match t {
        Target::Sqlite(db) => {
            let r = sqlite_copy::restore(db, from)?;
            crate::outln!(
                "restored {} from {} ({} pages, integrity ok)",
                db.display(),
                from.display(),
                r.pages
            );
        }
        Target::Postgres(p) => {
            let m = manifest?;
            pgdump::restore(p, from, &m).await?;
            crate::outln!(
                "restored {} from {} (schema {}, one transaction)",
                t.display(),
                from.display(),
                m.schema_version
            );
        }
    }
    Ok(exit::OK)
}
