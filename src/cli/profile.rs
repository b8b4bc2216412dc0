//! `profile` arguments: CPU profiles, baselines and recording.

use clap::{Args, Subcommand};

use super::JsonFlag;

/// `profile ...`.
#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Show the profiles a run took (or a baseline's): hottest functions, deltas, flamegraph paths.
    Show(ProfileShowArgs),
    /// List the saved profile baselines.
    Baselines(JsonFlag),
    /// Point a baseline at the last profile a run took.
    SaveBaseline(ProfileSaveArgs),
    /// Record a profile now (exit 2 on bad input or when perf cannot run, 7 on a regression).
    Record(Box<ProfileRecordArgs>),
}

/// `profile show`.
#[derive(Debug, Args)]
pub struct ProfileShowArgs {
    /// The run (id or unique prefix).
    #[arg(required_unless_present = "baseline", conflicts_with = "baseline")]
    pub run: Option<String>,
    /// Show this baseline's profile instead.
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `profile save-baseline`.
#[derive(Debug, Args)]
pub struct ProfileSaveArgs {
    /// The baseline's name.
    pub name: String,
    /// The run whose last profile it names (id or unique prefix).
    #[arg(long)]
    pub run: String,
}

/// `profile record`: the `profile` step's keys as flags.
#[derive(Debug, Args)]
pub struct ProfileRecordArgs {
    /// Profile this running process.
    #[arg(long, conflicts_with_all = ["process", "command"])]
    pub pid: Option<String>,
    /// Profile every running process of this name.
    #[arg(long, conflicts_with = "command")]
    pub process: Option<String>,
    /// Start this shell command under perf (stopped at the end of the duration).
    #[arg(long)]
    pub command: Option<String>,
    /// How long to record (`30s`; at most 120s in a production environment).
    #[arg(short = 'z', long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Samples per second.
    #[arg(short = 'F', long, value_name = "HZ")]
    pub frequency: Option<u32>,
    /// `fp` (frame pointers) or `dwarf`.
    #[arg(long, value_name = "MODE")]
    pub call_graph: Option<String>,
    /// Drive load at this URL while recording.
    #[arg(long, value_name = "URL")]
    pub load_url: Option<String>,
    /// Connections of that load.
    #[arg(short = 'c', long, value_name = "CONNS")]
    pub connections: Option<usize>,
    /// Compare with this saved baseline profile.
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,
    /// Save this profile as a baseline of this name (unless it regressed).
    #[arg(long, value_name = "NAME")]
    pub save_baseline: Option<String>,
    /// Share growth that counts as a regression (`5pp`).
    #[arg(long, value_name = "PP")]
    pub regress: Option<String>,
    /// The environment whose policy applies (production caps the duration).
    #[arg(long, value_name = "NAME")]
    pub env: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}
