//! The one way a flightdeck process is asked to stop: a [`Shutdown`] created once in `main`,
//! triggered by SIGINT, SIGTERM or SIGHUP (or by stdout closing under a long-running command),
//! and passed to every long-running command and the console.
//!
//! Commands that can stop cleanly (a run cancels its step, `health --watch` and `load` end and
//! report, the sandbox server stops, the console restores the terminal) call [`Shutdown::handle`]
//! and then await [`Shutdown::wait`] or hand [`Shutdown::token`] to their engine. A command that
//! has not called `handle` is short and holds nothing that needs cleaning up: a signal ends the
//! process at once with exit code 5 (cancelled), as the default signal action would have.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;

use crate::error::exit;

/// Why the process was asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM.
    Terminate,
    /// SIGHUP (the terminal or SSH link went away).
    Hangup,
    /// The reader of stdout went away.
    StdoutClosed,
    /// Asked for in code (tests, an explicit quit).
    Requested,
}

impl Reason {
    /// A short phrase for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Reason::Interrupt => "interrupted (SIGINT)",
            Reason::Terminate => "terminated (SIGTERM)",
            Reason::Hangup => "hung up (SIGHUP)",
            Reason::StdoutClosed => "stdout was closed",
            Reason::Requested => "shutdown requested",
        }
    }
}

/// The process-wide stop request. Cloning shares it.
#[derive(Debug, Clone, Default)]
pub struct Shutdown {
    token: CancellationToken,
    reason: Arc<Mutex<Option<Reason>>>,
    handled: Arc<AtomicBool>,
}

impl Shutdown {
    /// A shutdown that nothing has triggered yet (and no signal triggers until
    /// [`Shutdown::listen_for_signals`]).
    pub fn new() -> Shutdown {
        Shutdown::default()
    }

    /// Installs the SIGINT, SIGTERM and SIGHUP handlers (call once, inside the tokio runtime).
    pub fn listen_for_signals(&self) -> std::io::Result<()> {
        let mut int = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        let mut hup = signal(SignalKind::hangup())?;
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                let reason = tokio::select! {
                    _ = int.recv() => Reason::Interrupt,
                    _ = term.recv() => Reason::Terminate,
                    _ = hup.recv() => Reason::Hangup,
                };
                this.on_signal(reason);
            }
        });
        Ok(())
    }

    fn on_signal(&self, reason: Reason) {
        if !self.handled.load(Ordering::SeqCst) {
            crate::errln!("flightdeck: {}", reason.describe());
            std::process::exit(exit::CANCELLED);
        }
        if self.is_triggered() {
            tracing::info!(?reason, "signal received while already shutting down");
        }
        self.trigger(reason);
    }

    /// Declares that the running command stops cleanly on this shutdown, so a signal triggers it
    /// instead of ending the process.
    pub fn handle(&self) {
        self.handled.store(true, Ordering::SeqCst);
    }

    /// True when the running command has called [`Shutdown::handle`].
    pub fn is_handled(&self) -> bool {
        self.handled.load(Ordering::SeqCst)
    }

    /// Asks everything holding this shutdown to stop. The first reason is kept.
    pub fn trigger(&self, reason: Reason) {
        if let Ok(mut slot) = self.reason.lock()
            && slot.is_none()
        {
            *slot = Some(reason);
            tracing::info!(?reason, "shutdown triggered");
        }
        self.token.cancel();
    }

    /// True once triggered.
    pub fn is_triggered(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Why it was triggered, once it has been.
    pub fn reason(&self) -> Option<Reason> {
        self.reason.lock().ok().and_then(|r| *r)
    }

    /// Completes when triggered, with the reason.
    pub async fn wait(&self) -> Reason {
        self.token.cancelled().await;
        self.reason().unwrap_or(Reason::Requested)
    }

    /// A token cancelled when this shutdown triggers, for an engine's `cancel` argument;
    /// cancelling the token itself does not trigger the shutdown.
    pub fn token(&self) -> CancellationToken {
        self.token.child_token()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn trigger_wakes_waiters_and_keeps_the_first_reason() {
        let s = Shutdown::new();
        let child = s.token();
        let waiter = tokio::spawn({
            let s = s.clone();
            async move { s.wait().await }
        });
        assert!(!s.is_triggered());
        s.trigger(Reason::Hangup);
        s.trigger(Reason::Interrupt);
        assert_eq!(waiter.await.ok(), Some(Reason::Hangup));
        assert!(child.is_cancelled());
        assert_eq!(s.reason(), Some(Reason::Hangup));
    }

    #[tokio::test]
    async fn cancelling_a_child_token_does_not_trigger_the_shutdown() {
        let s = Shutdown::new();
        s.token().cancel();
        assert!(!s.is_triggered());
        assert_eq!(s.reason(), None);
    }

    #[tokio::test]
    async fn a_handled_signal_triggers_instead_of_exiting() {
        let s = Shutdown::new();
        s.handle();
        s.listen_for_signals().ok();
        nix::sys::signal::raise(nix::sys::signal::Signal::SIGHUP).ok();
        let reason = tokio::time::timeout(std::time::Duration::from_secs(30), s.wait()).await;
        assert_eq!(reason.ok(), Some(Reason::Hangup));
    }
}
