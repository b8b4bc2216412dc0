//! Integration tests: the real binary, real child processes, real `SQLite` files, temp directories.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on setup failures

mod common;
mod demo;
mod demo_files;
mod dora;
mod e2e_tmux;
mod engine_runs;
mod gates;
mod health;
mod health_engine;
mod health_servers;
mod invalid;
mod layering;
mod load;
mod load_servers;
mod load_step;
mod release;
mod resume;
mod screens;
mod store_cli;
