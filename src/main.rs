//! The flightdeck binary: parse the command line, run the chosen command, map the outcome to an
//! exit code (see `flightdeck::error::exit`).

use clap::Parser;
use flightdeck::cli::Cli;
use flightdeck::error::exit;

fn main() {
    let mut cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("flightdeck: cannot start the async runtime: {e}");
            std::process::exit(exit::INTERNAL);
        }
    };
    let code = runtime.block_on(async move {
        let result = match cli.command.take() {
            Some(command) => flightdeck::headless::dispatch(cli, command).await,
            None => console(&cli).await,
        };
        match result {
            Ok(code) => code,
            Err(e) => {
                eprintln!("flightdeck: {e}");
                e.exit_code()
            }
        }
    });
    // Drop the runtime without waiting for blocked stdin readers.
    std::process::exit(code);
}

async fn console(cli: &Cli) -> Result<i32, flightdeck::error::Error> {
    let ctx = flightdeck::headless::load_ctx(cli)?;
    let opts =
        flightdeck::tui::runtime::ConsoleOptions { theme: cli.theme.clone(), color: cli.color.clone() };
    flightdeck::tui::runtime::run(&ctx, opts).await
}
