//! Live health checks: monitors (HTTP(S), TCP, TLS certificate, DNS), the Gatus-style condition
//! language, probes that say why they failed, and the scheduler that keeps a snapshot of every
//! monitor's state, latency history and uptime for the console and the headless CLI.

pub mod condition;
pub mod maintenance;
pub mod monitor;

pub use monitor::{Monitor, ProbeSpec, monitors_for};
pub mod probe;
pub mod result;

pub use result::{CheckResult, Reason};
