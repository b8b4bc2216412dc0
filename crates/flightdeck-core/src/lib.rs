//! flightdeck-core: every capability of flightdeck as a library: workflows, the engine and its step
//! kinds, the runner, the store, configuration, health checks, load testing, releases, DORA, secrets,
//! notifications and the demo sandbox. It knows nothing of terminals: the console crate
//! (`flightdeck-console`) and the binary (`flightdeck`: command line and headless printer) are two
//! consumers of it, and the compiler keeps it that way (this crate cannot name them).

pub mod assess;
pub mod compare;
pub mod condition;
pub mod config;
pub mod containers;
pub mod cost;
pub mod dbtool;
pub mod diag;
pub mod dora;
pub mod engine;
pub mod error;
pub mod event;
pub mod health;
pub mod http_guard;
pub mod identity;
pub mod incident;
pub mod infra;
pub mod load;
pub mod logging;
pub mod maintenance;
pub mod monitoring;
pub mod notify;
pub mod output;
pub mod outputs;
pub mod paths;
pub mod platforms;
pub mod profile;
pub mod project;
pub mod release;
pub mod rollout;
pub mod runner;
pub mod sandbox;
pub mod sanitize;
pub mod secrets;
pub mod shutdown;
pub mod steps;
pub mod store;
pub mod time;
pub mod verify;
pub mod workflow;
