//! Integration tests: the real binary, real child processes, real `SQLite` files, temp directories.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on setup failures

mod common;
mod engine_runs;
mod gates;
mod invalid;
mod layering;
mod load;
mod load_servers;
mod load_step;
mod resume;
mod store_cli;
