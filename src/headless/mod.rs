//! The headless CLI: the same engines as the console, printed as lines or JSON.
//!
//! Each `flightdeck` subcommand is one function here returning the process exit code
//! (see `error::exit`); `main.rs` only parses and dispatches.

use std::path::PathBuf;

use crate::cli::{Cli, Command};
use crate::config::Config;
use crate::error::Error;
use crate::paths::{Paths, find_project_dir};
use crate::store::Store;
use crate::workflow::catalog::Catalog;

mod approve;
mod dora;
mod health;
mod ledger;
mod load;
mod printer;
mod prompt;
mod query;
mod release;
mod run;

/// What every command needs: the project, its config, and the paths in use.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Loaded `flightdeck.toml` (or defaults).
    pub config: Config,
    /// Every path in use.
    pub paths: Paths,
}

impl Ctx {
    /// Resolves the project directory and loads its config.
    pub fn load(cli: &Cli) -> Result<Ctx, Error> {
        let cwd = std::env::current_dir().map_err(|e| Error::io("cannot read the current directory", e))?;
        let project_dir = match &cli.project {
            Some(p) => cwd.join(p),
            None => find_project_dir(&cwd),
        };
        if !project_dir.is_dir() {
            return Err(Error::Invalid(format!(
                "project directory {} does not exist",
                project_dir.display()
            )));
        }
        let config = Config::load(&project_dir)?;
        let paths = Paths::resolve(&project_dir, cli.data_dir.as_deref(), &config);
        Ok(Ctx { config, paths })
    }

    /// The built-in and project workflows, validated.
    pub fn catalog(&self) -> Result<Catalog, Error> {
        Catalog::load(&self.paths.project_dir).map_err(Error::Diagnostics)
    }

    /// Opens the store in the data directory.
    pub fn store(&self) -> Result<Store, Error> {
        Ok(Store::open(&self.paths.data_dir)?)
    }

    /// How to reach (or start) this data directory's runner.
    pub fn connect(&self, client: &str) -> crate::runner::Connect {
        crate::runner::Connect {
            data_dir: self.paths.data_dir.clone(),
            project_dir: self.paths.project_dir.clone(),
            bin: Ctx::flightdeck_bin(),
            client: client.to_string(),
        }
    }

    /// The path of this binary, exported to steps as `$FLIGHTDECK`.
    pub fn flightdeck_bin() -> PathBuf {
        std::env::current_exe().unwrap_or_else(|_| PathBuf::from("flightdeck"))
    }
}

/// Runs one subcommand and returns its exit code.
pub async fn dispatch(cli: Cli, command: Command) -> Result<i32, Error> {
    let ctx = Ctx::load(&cli)?;
    match command {
        Command::List(a) => query::list(&ctx, a.json),
        Command::Show(a) => query::show(&ctx, &a),
        Command::Run(a) => run::run(&ctx, a).await,
        Command::Runs(a) => query::runs(&ctx, &a).await,
        Command::Log(a) => query::log(&ctx, &a),
        Command::Resume(a) => run::resume(&ctx, a).await,
        Command::Approve(a) => approve::approve(&ctx, &a).await,
        Command::Attach(a) => run::attach(&ctx, &a).await,
        Command::Runner(a) => runner(&ctx, &a).await,
        Command::Audit(a) => query::audit(&ctx, &a),
        Command::Validate(a) => query::validate(&ctx, &a),
        Command::Info(a) => query::info(&ctx, a.json),
        Command::Load(a) => load::load(&ctx, *a).await,
        Command::Sandbox(c) => crate::sandbox::run_command(c, &ctx.paths).await,
        Command::Db(c) => crate::dbtool::run_command(c),
        Command::Release(c) => release::dispatch(&ctx, c).await,
        Command::Dora(a) => dora::dora(&ctx, &a),
        Command::Ledger(c) => ledger::ledger(&ctx, c).await,
        Command::Incident(c) => ledger::incident(&ctx, c).await,
        Command::Health(a) => health::health(&ctx, &a).await,
    }
}

/// `flightdeck runner`: serves the data directory until idle.
async fn runner(ctx: &Ctx, a: &crate::cli::RunnerArgs) -> Result<i32, Error> {
    let cfg = crate::runner::RunnerConfig {
        project_dir: ctx.paths.project_dir.clone(),
        data_dir: ctx.paths.data_dir.clone(),
        idle_exit: (a.idle_exit > 0).then(|| std::time::Duration::from_secs(a.idle_exit)),
        group: a.group.clone(),
        bin: Ctx::flightdeck_bin(),
    };
    match crate::runner::serve(cfg).await {
        Ok(()) => Ok(crate::error::exit::OK),
        Err(crate::runner::RunnerError::AlreadyRunning { dir }) => {
            Err(Error::Precondition(format!("a runner already serves {}", dir.display())))
        }
        Err(e) => Err(Error::Invalid(e.to_string())),
    }
}
