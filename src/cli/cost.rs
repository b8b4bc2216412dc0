//! `cost` arguments: billing imports, reports and anomalies.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::JsonFlag;

/// `cost ...`.
#[derive(Debug, Subcommand)]
pub enum CostCommand {
    /// Import an AWS CUR CSV (legacy or 2.0 headers, plain or .gz) or a GCP billing export (NDJSON);
    /// importing the same file again changes nothing.
    Import(CostImportArgs),
    /// A month's totals by service, environment or tag, the change from the month before, and anomalies.
    Report(CostReportArgs),
    /// A month's anomalous days (median + 3 x MAD of the previous 14 days, above `[cost] min_amount`).
    Anomalies(CostAnomaliesArgs),
    /// The imported billing files.
    Imports(JsonFlag),
}

/// `cost import`.
#[derive(Debug, Args)]
pub struct CostImportArgs {
    /// The billing file.
    pub file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `cost report`.
#[derive(Debug, Args)]
pub struct CostReportArgs {
    /// The month, YYYY-MM (default: the month of the latest imported day).
    #[arg(long)]
    pub month: Option<String>,
    /// Group by `service`, `environment` or `tag:KEY`.
    #[arg(long, default_value = "service")]
    pub by: String,
    /// Print the whole report as JSON.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print the breakdown as CSV.
    #[arg(long)]
    pub csv: bool,
}

/// `cost anomalies`.
#[derive(Debug, Args)]
pub struct CostAnomaliesArgs {
    /// The month, YYYY-MM (default: the month of the latest imported day).
    #[arg(long)]
    pub month: Option<String>,
    /// Print JSON instead of text.
    #[arg(long, conflicts_with = "count")]
    pub json: bool,
    /// Print only the number of anomalous days.
    #[arg(long)]
    pub count: bool,
}
