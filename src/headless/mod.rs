//! The headless CLI: the same engines as the console, printed as lines or JSON.
//!
//! Each `flightdeck` subcommand is one function here returning the process exit code
//! (see `error::exit`); `main.rs` only parses and dispatches.

use crate::cli::{Cli, Command};
use crate::error::Error;
use crate::shutdown::Shutdown;

mod approve;
mod assess;
mod cost;
mod db;
mod dora;
mod env;
mod health;
mod history;
mod history_records;
mod images;
mod incident;
mod last_good;
mod ledger;
mod load;
mod monitoring;
mod notify;
mod printer;
mod profile;
mod prompt;
mod query;
mod release;
mod run;
mod run_view;
mod secret_create;
mod secrets;

pub use crate::project::Project;

/// Loads the project the command line names (`--project`, `--data-dir`).
pub fn load_ctx(cli: &Cli) -> Result<Project, Error> {
    Project::open(cli.project.as_deref(), cli.data_dir.as_deref())
}

/// Runs one subcommand and returns its exit code.
pub async fn dispatch(cli: Cli, command: Command, shutdown: Shutdown) -> Result<i32, Error> {
    let ctx = load_ctx(&cli)?.with_shutdown(shutdown);
    ctx.start_log();
    let db_file = ctx.paths.db_file.clone();
    run_command(&ctx, command).await.map_err(|e| e.with_store_path(&db_file))
}

async fn run_command(ctx: &Project, command: Command) -> Result<i32, Error> {
    match command {
        Command::List(a) => query::list(ctx, a.json),
        Command::Show(a) => query::show(ctx, &a).await,
        Command::Run(a) => run::run(ctx, a).await,
        Command::Runs(a) => query::runs(ctx, &a).await,
        Command::Log(a) => query::log(ctx, &a).await,
        Command::Resume(a) => run::resume(ctx, a).await,
        Command::Approve(a) => approve::approve(ctx, &a).await,
        Command::Attach(a) => run::attach(ctx, &a).await,
        Command::Runner(a) => runner(ctx, &a).await,
        Command::Audit(a) => query::audit(ctx, &a).await,
        Command::Validate(a) => query::validate(ctx, &a),
        Command::Info(a) => query::info(ctx, a.json),
        Command::Load(a) => load::load(ctx, *a).await,
        Command::Sandbox(c) => crate::sandbox::run_command(c, &ctx.paths, &ctx.shutdown).await,
        Command::Db(c) => db::run(ctx, c).await,
        Command::Release(c) => release::dispatch(ctx, c).await,
        Command::Dora(a) => dora::dora(ctx, &a).await,
        Command::Ledger(c) => ledger::ledger(ctx, c).await,
        Command::Incident(c) => incident::incident(ctx, c).await,
        Command::Health(a) => health::health(ctx, &a).await,
        Command::Secrets(c) => secrets::dispatch(ctx, c).await,
        Command::Notify(c) => notify::notify(ctx, c).await,
        Command::Image(c) => images::image(ctx, c).await,
        Command::Assess(a) => assess::assess(ctx, a).await,
        Command::Monitoring(c) => monitoring::monitoring(ctx, &c).await,
        Command::Alerts(c) => monitoring::alerts(ctx, &c).await,
        Command::Cost(c) => cost::cost(ctx, c).await,
        Command::Profile(c) => profile::profile(ctx, c).await,
        Command::Env(c) => env::env(ctx, &c).await,
    }
}

/// `flightdeck runner`: serves the data directory until idle.
async fn runner(ctx: &Project, a: &crate::cli::RunnerArgs) -> Result<i32, Error> {
    let cfg = crate::runner::RunnerConfig {
        project_dir: ctx.paths.project_dir.clone(),
        data_dir: ctx.paths.data_dir.clone(),
        idle_exit: (a.idle_exit > 0).then(|| std::time::Duration::from_secs(a.idle_exit)),
        // The flag, then FLIGHTDECK_RUNNER_GROUP (clap reads both), then `[runner] group`.
        group: a.group.clone().or_else(|| ctx.config.runner.group.clone()),
        bin: Project::flightdeck_bin(),
        stop: ctx.shutdown.token(),
        kinds: crate::steps::kinds(),
    };
    ctx.shutdown.handle();
    crate::runner::server::detach_session();
    match crate::runner::serve(cfg).await {
        Ok(()) => Ok(crate::error::exit::OK),
        Err(crate::runner::RunnerError::AlreadyRunning { dir }) => {
            Err(Error::Precondition(format!("a runner already serves {}", dir.display())))
        }
        Err(crate::runner::RunnerError::Store(e)) => Err(Error::Store(e)),
        Err(crate::runner::RunnerError::Unsafe(m)) => Err(Error::Precondition(m)),
        // A bad `--group` (or its variable or `[runner] group`) is invalid input.
        Err(e @ crate::runner::RunnerError::Setup(_)) => Err(Error::Invalid(e.to_string())),
        Err(e) => Err(Error::Internal(e.to_string())),
    }
}
