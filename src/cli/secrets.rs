//! `secrets` arguments: versions, checks, rotation.

use clap::{Args, Subcommand};

/// `secrets ...`.
#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Every secret of flightdeck.toml: provider, version, last rotated, due by `rotate_every`.
    List(SecretsArgs),
    /// Check that secrets are readable (default: all); exit 8 if one is not.
    Check(SecretsCheckArgs),
    /// Write a generated value as a new version, read it back; prints the new and previous version.
    Rotate(SecretsRotateArgs),
    /// Make an earlier version current again (the rollback of a rotation).
    Restore(SecretsVersionArgs),
    /// Disable a version that is no longer current.
    Disable(SecretsVersionArgs),
    /// Create a secret that does not exist yet from a value typed at a hidden prompt (twice).
    Create(SecretsCreateArgs),
}

/// `secrets create`.
#[derive(Debug, Args)]
pub struct SecretsCreateArgs {
    /// Secret name (a `[secrets.NAME]` table in a versioned provider: openbao or aws).
    pub name: String,
    /// Environment whose overrides apply.
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
}

/// `secrets list`.
#[derive(Debug, Args)]
pub struct SecretsArgs {
    /// Environment whose overrides apply.
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `secrets check`.
#[derive(Debug, Args)]
pub struct SecretsCheckArgs {
    /// Secret names (default: every secret).
    pub names: Vec<String>,
    /// Environment whose overrides apply.
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `secrets rotate`.
#[derive(Debug, Args)]
pub struct SecretsRotateArgs {
    /// Secret name.
    pub name: String,
    /// Environment whose overrides apply.
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Length of the generated value (default: the secret's `length`, else 32).
    #[arg(long)]
    pub length: Option<usize>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `secrets restore|disable NAME VERSION`.
#[derive(Debug, Args)]
pub struct SecretsVersionArgs {
    /// Secret name.
    pub name: String,
    /// Version id.
    pub version: String,
    /// Environment whose overrides apply.
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}
