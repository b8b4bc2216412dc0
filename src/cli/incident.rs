//! `incident` arguments: declare, join, note, resolve, list, show, timeline.

use clap::{Args, Subcommand};

use super::JsonFlag;

/// `incident`.
#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// Declare an incident (you are on it; `--commander` makes you its commander).
    Open(IncidentOpenArgs),
    /// Join an incident, or change your role on it.
    Join(IncidentJoinArgs),
    /// Leave an incident.
    Leave(IncidentIdArgs),
    /// Add a note (a note on a resolved incident is kept, marked late).
    Note(IncidentNoteArgs),
    /// Change the severity (sev1–sev4).
    Severity(IncidentSeverityArgs),
    /// Mark the incident mitigated (users no longer hurt).
    Mitigated(IncidentIdArgs),
    /// Resolve an incident.
    Resolve(IncidentResolveArgs),
    /// List incidents.
    List(JsonFlag),
    /// Show one incident: state, responders and MTTR against targets.
    Show(IncidentShowArgs),
    /// The merged timeline; `--markdown` writes the postmortem, `--json` the same content as JSON.
    Timeline(IncidentTimelineArgs),
}

/// `incident open`.
#[derive(Debug, Args)]
pub struct IncidentOpenArgs {
    /// One-line description.
    pub title: String,
    /// Service affected.
    #[arg(long)]
    pub service: String,
    /// Environment (default: the first production environment, else `production`).
    #[arg(long = "env", short = 'e')]
    pub env: Option<String>,
    /// Severity: sev1 (worst) to sev4.
    #[arg(long, default_value = "sev2")]
    pub severity: String,
    /// The deployment that caused it (a ledger id).
    #[arg(long)]
    pub caused_by: Option<String>,
    /// When the impairment began (default: the detection).
    #[arg(long)]
    pub started: Option<String>,
    /// When it was noticed (default: now).
    #[arg(long)]
    pub detected: Option<String>,
    /// Id (default: `inc-` and the start time in seconds).
    #[arg(long)]
    pub id: Option<String>,
    /// You take the incident commander role.
    #[arg(long)]
    pub commander: bool,
    /// When it was declared (default: now; RFC 3339).
    #[arg(long)]
    pub at: Option<String>,
}

/// `incident ID` with an optional time.
#[derive(Debug, Args)]
pub struct IncidentIdArgs {
    /// Incident id.
    pub id: String,
    /// When (default: now; RFC 3339).
    #[arg(long)]
    pub at: Option<String>,
}

/// `incident join`.
#[derive(Debug, Args)]
pub struct IncidentJoinArgs {
    /// Incident id.
    pub id: String,
    /// commander, responder or scribe.
    #[arg(long, default_value = "responder")]
    pub role: String,
    /// When (default: now; RFC 3339).
    #[arg(long)]
    pub at: Option<String>,
}

/// `incident note`.
#[derive(Debug, Args)]
pub struct IncidentNoteArgs {
    /// Incident id.
    pub id: String,
    /// The note.
    pub text: String,
    /// When (default: now; RFC 3339).
    #[arg(long)]
    pub at: Option<String>,
}

/// `incident severity`.
#[derive(Debug, Args)]
pub struct IncidentSeverityArgs {
    /// Incident id.
    pub id: String,
    /// sev1 (worst) to sev4.
    pub level: String,
    /// When (default: now; RFC 3339).
    #[arg(long)]
    pub at: Option<String>,
}

/// `incident resolve`.
#[derive(Debug, Args)]
pub struct IncidentResolveArgs {
    /// Incident id.
    pub id: String,
    /// When it was resolved (default: now).
    #[arg(long)]
    pub at: Option<String>,
    /// When it was mitigated, if not recorded yet (default: the resolution).
    #[arg(long)]
    pub mitigated: Option<String>,
}

/// `incident show`.
#[derive(Debug, Args)]
pub struct IncidentShowArgs {
    /// Incident id.
    pub id: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `incident timeline`.
#[derive(Debug, Args)]
pub struct IncidentTimelineArgs {
    /// Incident id.
    pub id: String,
    /// The Markdown postmortem.
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
    /// The postmortem as JSON (the same content as `--markdown`).
    #[arg(long)]
    pub json: bool,
    /// Write to this file instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
}
