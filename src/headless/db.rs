//! `flightdeck db ...`: `db backup ENV`, `db verify` and `db prune` change what the store records,
//! and the runner is its one writer (and the only one who can write it on a shared bastion): outside
//! a run they are clients of the runner. `db backup` starts the built-in `database-backup` workflow
//! in ENV without its retention step, `db verify` the `verify-backup` task and `db prune` the
//! `prune-backups` task (in ENV when given); each follows its run like `flightdeck run` and exits
//! with the run's code. Every other `db` command runs here; inside a run's shell step (a child of
//! the runner) the three are refused with the step kind to use instead (see `dbtool::run_command`).

use std::path::{Path, PathBuf};

use crate::cli::RunArgs;
use crate::dbtool::DbCommand;
use crate::error::Error;
use crate::headless::Project;

/// Runs one `db` command; returns the exit code.
pub async fn run(ctx: &Project, cmd: DbCommand) -> Result<i32, Error> {
    let in_run = std::env::var_os("FLIGHTDECK_RUN").is_some_and(|r| !r.is_empty());
    match cmd {
        DbCommand::Backup { env, database, out, json, .. } if !in_run => {
            backup(ctx, env, database, out, json).await
        }
        DbCommand::Verify { env, from, database, json } if !in_run => {
            let from = absolute(&from);
            if std::fs::exists(&from).is_ok_and(|e| !e) {
                return Err(Error::Invalid(format!(
                    "db verify: {} does not exist: give --from the backup file (see `flightdeck db backups`)",
                    from.display()
                )));
            }
            let params = vec![
                format!("from={}", from.display()),
                format!("database={}", database.unwrap_or_default()),
            ];
            through_runner(ctx, "verify-backup", env, params, json).await
        }
        DbCommand::Prune { env, database, daily, weekly, monthly, dry_run, json } if !in_run => {
            let database = crate::dbtool::catalog::key(database.as_deref())?.unwrap_or_default();
            let params = vec![
                format!("database={database}"),
                format!("daily={daily}"),
                format!("weekly={weekly}"),
                format!("monthly={monthly}"),
                format!("dry_run={dry_run}"),
            ];
            through_runner(ctx, "prune-backups", env, params, json).await
        }
        DbCommand::Backups { database, json } => {
            let key = crate::dbtool::catalog::key(database.as_deref())?;
            let mut source = crate::headless::history::History::open(ctx, "db backups").await?;
            crate::dbtool::catalog::print(&source.backups(key.as_deref()).await?, json);
            Ok(crate::error::exit::OK)
        }
        cmd => crate::dbtool::run_command(ctx, cmd).await,
    }
}

/// `p` made absolute against the current directory (the runner may run elsewhere), without `//`.
fn absolute(p: &Path) -> PathBuf {
    crate::dbtool::upkeep::clean(&std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
}

/// `db backup ENV --database D [--out F]` through the runner.
async fn backup(
    ctx: &Project,
    env: Option<String>,
    database: String,
    out: Option<PathBuf>,
    json: bool,
) -> Result<i32, Error> {
    let Some(env) = env.filter(|e| !e.is_empty()) else {
        return Err(Error::Invalid(
            "db backup: name the environment the backup run belongs to: flightdeck db backup ENV --database ..."
                .into(),
        ));
    };
    // A directory keeps its one trailing `/`.
    let dir = match out {
        Some(o) => {
            let slash = o.as_os_str().to_string_lossy().ends_with('/');
            format!("{}{}", absolute(&o).display(), if slash { "/" } else { "" })
        }
        None => "backups/".to_string(),
    };
    let params = vec![format!("database={database}"), format!("dir={dir}"), "prune=false".to_string()];
    through_runner(ctx, "database-backup", Some(env), params, json).await
}

/// Starts the built-in `workflow` with `params` in `env` and follows the run.
async fn through_runner(
    ctx: &Project,
    workflow: &str,
    env: Option<String>,
    params: Vec<String>,
    json: bool,
) -> Result<i32, Error> {
    let args = RunArgs {
        workflow: workflow.into(),
        params,
        env: env.filter(|e| !e.is_empty()),
        yes: false,
        dry_run: false,
        emergency: None,
        wait_approvals: false,
        json,
        detach: false,
        incident: None,
    };
    crate::headless::run::run(ctx, args).await
}
