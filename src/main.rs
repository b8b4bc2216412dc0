//! The flightdeck binary: parse the command line, run the chosen command, map the outcome to an
//! exit code (see `flightdeck::error::exit`).
//!
//! One [`Shutdown`] is created here (SIGINT, SIGTERM, SIGHUP, or stdout closing) and passed to the
//! command; errors are printed with their cause chain, terminal-safe. color-eyre is not used: the
//! library's `thiserror` errors already carry their context, and the chain is printed here.

use clap::Parser;
use flightdeck::cli::Cli;
use flightdeck::errln;
use flightdeck::error::{Error, exit};
use flightdeck::shutdown::{Reason, Shutdown};

fn main() {
    let mut cli = Cli::parse();
    flightdeck::assess::install_config_check();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            errln!("flightdeck: cannot start the async runtime: {e}");
            std::process::exit(exit::INTERNAL);
        }
    };
    let code = runtime.block_on(async move {
        let shutdown = Shutdown::new();
        if let Err(e) = shutdown.listen_for_signals() {
            errln!("flightdeck: cannot install signal handlers: {e}");
            return exit::INTERNAL;
        }
        let on_close = shutdown.clone();
        flightdeck::output::on_stdout_closed(move || on_close.trigger(Reason::StdoutClosed));
        let result = match cli.command.take() {
            Some(command) => flightdeck::headless::dispatch(cli, command, shutdown).await,
            None => Box::pin(console(&cli, shutdown)).await,
        };
        match result {
            Ok(code) => code,
            Err(e) => {
                report(&e);
                e.exit_code()
            }
        }
    });
    // Drop the runtime without waiting for blocked stdin readers.
    std::process::exit(code);
}

/// Prints an error and its causes, one per line, and records it in the log.
fn report(e: &Error) {
    tracing::error!(error = %e, "command failed");
    errln!("flightdeck: {e}");
    let mut shown = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let text = c.to_string();
        // `#[error(transparent)]` and "{context}: {source}" already include the cause's text.
        if !shown.contains(&text) {
            errln!("  caused by: {text}");
            shown.push_str(&text);
        }
        cause = c.source();
    }
}

async fn console(cli: &Cli, shutdown: Shutdown) -> Result<i32, Error> {
    let ctx = flightdeck::headless::load_ctx(cli)?.with_shutdown(shutdown);
    ctx.start_log();
    let opts =
        flightdeck::tui::runtime::ConsoleOptions { theme: cli.theme.clone(), color: cli.color.clone() };
    Box::pin(flightdeck::tui::runtime::run(&ctx, opts)).await
}
