//! `assess` arguments: the production-readiness assessment.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `assess [--env E] [--json|--markdown] [-o FILE]`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AssessArgs {
    /// `set` or `history` (default: compute and print an assessment).
    #[command(subcommand)]
    pub command: Option<AssessCommand>,
    /// Environment assessed (default: the first production environment).
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Print the report as JSON.
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,
    /// Print the report as Markdown.
    #[arg(long)]
    pub markdown: bool,
    /// Write the report to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// List every item in the text report, not only those with a finding.
    #[arg(long)]
    pub all: bool,
}

/// `assess set|history`.
#[derive(Debug, Subcommand)]
pub enum AssessCommand {
    /// Set an item's state: `assess set 5.2.1 pass -m "why"` (audited; overrides evidence).
    Set(AssessSetArgs),
    /// Past assessments: overall score, coverage, verdict.
    History(AssessHistoryArgs),
}

/// `assess set ID STATE -m NOTE`.
#[derive(Debug, Args)]
pub struct AssessSetArgs {
    /// Item id (`5.2.1`).
    pub id: String,
    /// pass, partial, fail, n/a or unknown.
    pub state: String,
    /// Why (shown beside the item).
    #[arg(short = 'm', long = "message")]
    pub message: Option<String>,
    /// Environment (default: the first production environment).
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
}

/// `assess history`.
#[derive(Debug, Args)]
pub struct AssessHistoryArgs {
    /// Only this environment.
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// At most this many (0: all).
    #[arg(short = 'n', long, default_value_t = 20)]
    pub limit: usize,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}
