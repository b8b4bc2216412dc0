//! Cloud cost analysis: reading billing exports (AWS Cost and Usage Report CSV, legacy and 2.0
//! headers, plain or gzip; GCP's standard usage-cost export as newline-delimited JSON) into daily
//! aggregates per service, environment, tag and currency, and the monthly report built on them:
//! totals, month-over-month change and anomalous days.
//!
//! Files are streamed (a CSV reader and a JSON line at a time) and amounts stay exact decimals
//! (`rust_decimal`): nothing is ever added in floating point and currencies are never summed
//! together. An import is parsed completely before anything is written, then written in one
//! transaction, so a bad file leaves the store as it was; a file already imported (same sha256)
//! changes nothing.

mod aggregate;
mod anomaly;
mod cur;
mod gcp;
mod import;
mod month;
mod query;
mod report;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use aggregate::{Aggregates, LineItem, Mapping};
pub use anomaly::{Anomaly, find_anomalies, median_mad};
pub use import::{ImportOutcome, Parsed, import_file, parse_file};
pub use month::Month;
pub use query::{build_report, known_tag_keys};
pub use report::rule_text;
pub use report::{CurrencyTotal, GroupBy, GroupLine, Report, SeriesRow, compute_report};

/// Exact decimal amounts (re-exported for the binary and the console).
pub use rust_decimal::Decimal;

/// The service, environment or tag value of cost that carries no such tag.
pub const UNTAGGED: &str = "(untagged)";

/// What kind of billing file an import was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// AWS CUR with the legacy `lineItem/...` headers.
    AwsCurLegacy,
    /// AWS CUR 2.0 (`line_item_...` headers, `resource_tags` as JSON).
    AwsCur2,
    /// GCP billing export, standard usage cost, as newline-delimited JSON.
    GcpNdjson,
}

impl Source {
    /// The name stored and printed.
    pub fn name(self) -> &'static str {
        match self {
            Source::AwsCurLegacy => "aws-cur-legacy",
            Source::AwsCur2 => "aws-cur-2",
            Source::GcpNdjson => "gcp-ndjson",
        }
    }
}

/// Cost errors. Each names the file, line or value and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum CostError {
    /// The file could not be read.
    #[error("cannot read {}: {source} (check the path and its permissions)", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A CUR file lacks a column the import needs.
    #[error("{}: the {format} file has no column {column:?}; {help}", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// Which export it looks like.
        format: &'static str,
        /// The missing column.
        column: String,
        /// What to do.
        help: String,
    },
    /// A row or line cannot be read.
    #[error("{}:{line}: {message}", path.display())]
    BadLine {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong and what to do.
        message: String,
    },
    /// A flag or setting has a bad value.
    #[error("{0}")]
    Invalid(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// A value from a billing file quoted for an error message: at most 80 characters (a hostile or
/// broken file's cell can be a megabyte long).
pub(crate) fn quoted(value: &str) -> String {
    match value.char_indices().nth(80) {
        Some((i, _)) => format!("{:?}… ({} bytes)", &value[..i], value.len()),
        None => format!("{value:?}"),
    }
}
