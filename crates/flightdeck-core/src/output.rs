//! Standard output and error for the commands: every line is made terminal-safe
//! ([`crate::sanitize`]) and a closed pipe ends output quietly instead of panicking.
//!
//! `println!` panics when stdout is a pipe whose reader has gone (`flightdeck runs --json | head
//! -c 100`), and prints untrusted text raw. The [`outln!`](crate::outln), [`out!`](crate::out),
//! [`errln!`](crate::errln) and [`err!`](crate::err) macros take the same arguments as
//! `println!`/`print!`/`eprintln!`/`eprint!`;
//! they sanitize the formatted text as a whole (our own format strings hold no control
//! characters, so only untrusted values change) and write it. JSON written through them stays
//! valid (see the sanitizer's escapes).
//!
//! The first failed write to stdout (a broken pipe, a full disk behind a redirect) marks stdout
//! closed: later writes are dropped, and the hook set by [`on_stdout_closed`] runs once; `main`
//! uses it to trigger the shutdown future, so a long-running command (a run, `health --watch`)
//! stops as it would on Ctrl-C, while a short command finishes with its own exit code.

use std::fmt;
use std::io::{self, Write};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::sanitize;

static CLOSED: AtomicBool = AtomicBool::new(false);
static ON_CLOSED: OnceLock<Box<dyn Fn() + Send + Sync>> = OnceLock::new();

/// Prints a terminal-safe line to stdout, like `println!`, never panicking.
#[macro_export]
macro_rules! outln {
    () => {{ $crate::output::write_stdout(::std::format_args!(""), true); }};
    ($($arg:tt)*) => {{ $crate::output::write_stdout(::std::format_args!($($arg)*), true); }};
}

/// Prints terminal-safe text to stdout, like `print!`, never panicking.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {{ $crate::output::write_stdout(::std::format_args!($($arg)*), false); }};
}

/// Prints a terminal-safe line to stderr, like `eprintln!`, never panicking.
#[macro_export]
macro_rules! errln {
    () => {{ $crate::output::write_stderr(::std::format_args!(""), true); }};
    ($($arg:tt)*) => {{ $crate::output::write_stderr(::std::format_args!($($arg)*), true); }};
}

/// Prints terminal-safe text to stderr, like `eprint!` (a prompt), never panicking.
#[macro_export]
macro_rules! err {
    ($($arg:tt)*) => {{ $crate::output::write_stderr(::std::format_args!($($arg)*), false); }};
}

/// Sets what runs (once) when stdout turns out to be closed. Only the first call counts.
pub fn on_stdout_closed(hook: impl Fn() + Send + Sync + 'static) {
    let _ = ON_CLOSED.set(Box::new(hook));
}

/// True once a write to stdout has failed; later output is dropped.
pub fn stdout_closed() -> bool {
    CLOSED.load(Ordering::SeqCst)
}

/// Formats, sanitizes and writes to stdout (the body of [`outln!`](crate::outln)).
pub fn write_stdout(args: fmt::Arguments<'_>, newline: bool) {
    if stdout_closed() {
        return;
    }
    let text = args.to_string();
    let mut safe = sanitize::for_terminal(&text).into_owned();
    if newline {
        safe.push('\n');
    }
    write_stdout_bytes(safe.as_bytes());
}

/// Writes bytes to stdout unchanged (`flightdeck log --raw`), with the same closed-pipe handling.
pub fn write_stdout_bytes(bytes: &[u8]) {
    if stdout_closed() {
        return;
    }
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_all(bytes).and_then(|()| out.flush()) {
        mark_closed(&e);
    }
}

/// Formats, sanitizes and writes to stderr (the body of [`errln!`](crate::errln)), flushed.
pub fn write_stderr(args: fmt::Arguments<'_>, newline: bool) {
    let text = args.to_string();
    let mut safe = sanitize::for_terminal(&text).into_owned();
    if newline {
        safe.push('\n');
    }
    let mut err = io::stderr().lock();
    if let Err(e) = err.write_all(safe.as_bytes()).and_then(|()| err.flush()) {
        tracing::debug!(error = %e, "cannot write to stderr");
    }
}

fn mark_closed(e: &io::Error) {
    if CLOSED.swap(true, Ordering::SeqCst) {
        return;
    }
    if e.kind() == io::ErrorKind::BrokenPipe {
        tracing::debug!("stdout closed by its reader; further output is dropped");
    } else {
        tracing::warn!(error = %e, "cannot write to stdout; further output is dropped");
    }
    if let Some(hook) = ON_CLOSED.get() {
        hook();
    }
}
