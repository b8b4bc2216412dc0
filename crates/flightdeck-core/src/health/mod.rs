//! Live health checks: monitors (HTTP(S), TCP, TLS certificate, DNS), the Gatus-style condition
//! language, probes that say why they failed, and the scheduler that keeps a snapshot of every
//! monitor's state, latency history and uptime for the console and the headless CLI.
//!
//! For the console: [`spawn`] starts the engine in the background and hands back a
//! `watch::Receiver<Snapshot>` (the Health screen and Home summary draw from [`Snapshot`]) and an
//! `mpsc::Receiver<HealthEvent>` of state transitions.

/// Conditions and maintenance windows live in the neutral [`crate::condition`] and
/// [`crate::maintenance`] modules (the config checks them at load time without depending on health);
/// re-exported so `health::condition::...` and `health::maintenance::...` paths keep working.
pub use crate::{condition, maintenance};
pub mod monitor;
pub mod probe;
pub mod result;
pub mod scheduler;
pub mod state;
pub mod view;

pub use monitor::{DisabledMonitor, Monitor, MonitorSet, ProbeSpec, monitor_set};
pub use result::{CheckResult, Reason};
pub use scheduler::{HealthEvent, ProbeSchedule, RunSummary, plan_for, run, spawn};
pub use state::{MonitorState, Transition, TransitionKind};
pub use view::{MonitorView, ResponseView, Snapshot, Summary};
