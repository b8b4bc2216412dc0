//! Integration tests: the real binary, real child processes, real SQLite files, temp directories.

mod common;
mod engine_runs;
mod gates;
mod invalid;
mod layering;
mod resume;
mod store_cli;
