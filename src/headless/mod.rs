//! The headless CLI: the same engines as the console, printed as lines or JSON.
//!
//! Each `flightdeck` subcommand is one function here returning the process exit code
//! (see `error::exit`); `main.rs` only parses and dispatches.

use crate::cli::{Cli, Command};
use crate::error::Error;

mod approve;
mod dora;
mod health;
mod ledger;
mod load;
mod notify;
mod printer;
mod prompt;
mod query;
mod release;
mod run;

pub use crate::project::Project as Ctx;

/// Loads the project the command line names (`--project`, `--data-dir`).
pub fn load_ctx(cli: &Cli) -> Result<Ctx, Error> {
    Ctx::open(cli.project.as_deref(), cli.data_dir.as_deref())
}

/// Runs one subcommand and returns its exit code.
pub async fn dispatch(cli: Cli, command: Command) -> Result<i32, Error> {
    let ctx = load_ctx(&cli)?;
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
        Command::Notify(c) => notify::notify(&ctx, c).await,
    }
}
