//! The console: ratatui front end over the same engines the headless CLI uses. `app` holds state and
//! `update(msg) -> effects`; `view` draws; `runtime` owns the terminal, the engines and the I/O.

/// The terminal UI library, re-exported for the snapshot tests and the bench.
pub use ratatui;

pub mod app;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod keymap;
pub mod live;
pub mod logindex;
pub mod msg;
pub mod runtime;
pub mod sanitize;
#[cfg(any(test, feature = "fixtures"))]
pub mod svg;
pub mod theme;
pub mod view;
