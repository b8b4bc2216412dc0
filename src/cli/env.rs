//! `env` arguments: an environment's resources and their garbage collection.

use clap::{Args, Subcommand};

/// `env ...`.
#[derive(Debug, Subcommand)]
pub enum EnvCommand {
    /// The live resources flightdeck created in an environment (DNS records, certificates, `IaC`
    /// applies, containers), oldest first.
    Resources(EnvResourcesArgs),
    /// Removes the containers a blue-green `keep` kept whose time has expired.
    Gc(EnvGcArgs),
}

/// `env gc ENV [--json]`.
#[derive(Debug, Args)]
pub struct EnvGcArgs {
    /// The environment.
    pub env: String,
    /// Print the removed resources as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `env resources ENV [--json] [--all]`.
#[derive(Debug, Args)]
pub struct EnvResourcesArgs {
    /// The environment.
    pub env: String,
    /// Also list removed resources.
    #[arg(long)]
    pub all: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}
