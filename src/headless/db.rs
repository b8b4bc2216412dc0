//! `flightdeck db ...`: `db backup ENV` outside a run is a client of the runner (the runner owns
//! runs and is the store's one writer): it starts the built-in `database-backup` workflow in ENV
//! without its retention step, follows it like `flightdeck run`, and exits with the run's code.
//! Every other `db` command (and `db backup` inside a run's shell step) runs here.

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
        cmd => crate::dbtool::run_command(ctx, cmd).await,
    }
}

/// `db backup ENV --database D [--out F]` through the runner.
async fn backup(
    ctx: &Project,
    env: Option<String>,
    database: String,
    out: Option<std::path::PathBuf>,
    json: bool,
) -> Result<i32, Error> {
    let Some(env) = env.filter(|e| !e.is_empty()) else {
        return Err(Error::Invalid(
            "db backup: name the environment the backup run belongs to: flightdeck db backup ENV --database ..."
                .into(),
        ));
    };
    // Relative paths are the caller's; the runner may run elsewhere. A directory keeps its `/`.
    let dir = match out {
        Some(o) => {
            let slash = o.as_os_str().to_string_lossy().ends_with('/');
            let abs = std::path::absolute(&o).unwrap_or(o);
            format!("{}{}", abs.display(), if slash { "/" } else { "" })
        }
        None => "backups/".to_string(),
    };
    let params = vec![format!("database={database}"), format!("dir={dir}"), "prune=false".to_string()];
    let args = RunArgs {
        workflow: "database-backup".into(),
        params,
        env: Some(env),
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
