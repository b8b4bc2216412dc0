//! flightdeck: a terminal operations console.
//!
//! The library holds every capability; the binary (`src/main.rs`) only parses the command line and
//! picks a consumer: the headless printer (`headless`) or, later, the console (`tui`). Nothing outside
//! `tui/` imports ratatui or crossterm (checked by `tests/it/layering.rs`).

pub mod cli;
pub mod compare;
pub mod config;
pub mod dbtool;
pub mod dora;
pub mod engine;
pub mod error;
pub mod headless;
pub mod health;
pub mod identity;
pub mod load;
pub mod logging;
pub mod notify;
pub mod output;
pub mod outputs;
pub mod paths;
pub mod project;
pub mod release;
pub mod runner;
pub mod sandbox;
pub mod sanitize;
pub mod secrets;
pub mod shutdown;
pub mod steps;
pub mod store;
pub mod time;
pub mod tui;
pub mod workflow;
