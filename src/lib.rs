//! flightdeck, the binary's library: the command line (`cli`) and the headless printer (`headless`).
//!
//! The capabilities live in `flightdeck-core` and the console in `flightdeck-console`; both are
//! re-exported here (`flightdeck::engine`, `flightdeck::tui`) so the binary, the integration tests
//! and the scripts name one crate. Only the console crate depends on ratatui or crossterm: the
//! compiler checks the layering (and `tests/it/layering.rs` reads it from `cargo metadata`).

pub use flightdeck_console as tui;
pub use flightdeck_core::*;

pub mod cli;
pub mod headless;
