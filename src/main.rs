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
        let Some(command) = cli.command.take() else {
            use clap::CommandFactory;
            let _ = Cli::command().print_help();
            return exit::OK;
        };
        match flightdeck::headless::dispatch(cli, command).await {
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
