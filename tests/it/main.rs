//! Integration tests: the real binary, real child processes, real `SQLite` files, temp directories.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on setup failures

mod audit_tamper;
mod common;
mod demo;
mod demo_files;
mod dora;
mod dora_inputs;
mod durable;
mod e2e_detach;
mod e2e_tmux;
mod edges;
mod engine_runs;
mod gates;
mod health;
mod health_engine;
mod health_hostile;
mod health_servers;
mod invalid;
mod layering;
mod load;
mod load_https;
mod load_servers;
mod load_step;
mod notify;
mod notify_smtp;
mod receiver;
mod release;
mod resume;
mod rollout;
mod rollout_nginx;
mod rollout_targets;
mod runner_detach;
mod runner_users;
mod screens;
mod secrets;
mod secrets_canary;
mod secrets_infra;
mod store_cli;
mod terminal;
mod users;
