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
mod secrets;

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
        Command::Runs(a) => query::runs(&ctx, &a),
        Command::Log(a) => query::log(&ctx, &a),
        Command::Resume(a) => run::resume(&ctx, a).await,
        Command::Approve(a) => approve::approve(&ctx, &a).await,
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
        Command::Secrets(c) => secrets::dispatch(&ctx, c).await,
    }
}
