//! History read through the runner: on a shared bastion the store belongs to the runner's user, so
//! operators in its group read run details, step logs, the journal, the audit log (and its
//! verification, which needs the key only the runner reads), the ledger, incidents, DORA,
//! notifications, and what the console's screens show ([`crate::runner::reads`]) with [`Query`]
//! requests. Any client that can connect may read history: the socket's
//! group is the read permission. Every answer is bounded (a page of rows, a page of log bytes, a
//! budget of journal bytes), so a client cannot make the runner buffer unbounded data; clients page.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::dora::Dashboard;
use crate::engine::Event;
use crate::error::exit;
pub use crate::runner::dora::check_service;
use crate::runner::protocol::Response;
use crate::runner::server::Server;
use crate::store::notify::NotificationRecord;
use crate::store::records::{
    AuditRecord, AuditVerdict, DeploymentRecord, IncidentRecord, RunRecord, StepRecord,
};
use crate::time::Micros;

/// The most log bytes one answer carries.
pub const LOG_PAGE_MAX: usize = 256 * 1024;
/// The most rows one answer carries (audit entries, deployments, incidents, notifications).
pub const ROWS_MAX: usize = 1000;
/// The most serialized journal bytes one answer carries (at least one event is always sent).
pub const JOURNAL_BYTES_MAX: usize = 1024 * 1024;

/// A read of the store's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "query", rename_all = "snake_case")]
pub enum Query {
    /// A run and its steps.
    Run {
        /// Run id or unique prefix.
        run: String,
    },
    /// A page of one step's log from a byte offset.
    StepLog {
        /// Run id or unique prefix.
        run: String,
        /// Full step id.
        step: String,
        /// Byte offset into the log.
        offset: u64,
        /// At most this many bytes (clamped to [`LOG_PAGE_MAX`]).
        max: usize,
    },
    /// A page of a run's journal: events from position `offset`.
    Journal {
        /// Run id or unique prefix.
        run: String,
        /// Index of the first event.
        offset: usize,
    },
    /// A page of the audit log, newest first, below sequence number `before`.
    Audit {
        /// Only entries with a smaller `seq` (all when absent).
        before: Option<i64>,
        /// At most this many (clamped to [`ROWS_MAX`]).
        limit: usize,
    },
    /// `audit verify`, with the runner's key.
    AuditVerify,
    /// A page of the ledger, oldest first.
    Deployments {
        /// Index of the first row.
        offset: usize,
    },
    /// A page of incidents, as the store lists them.
    Incidents {
        /// Index of the first row.
        offset: usize,
    },
    /// The DORA dashboard over `[since, until)` in a time zone, at `now`.
    Dora {
        /// One service (checked against `[services]` and the ledger).
        service: Option<String>,
        /// One environment (default: every production one).
        environment: Option<String>,
        /// Window start.
        since: Micros,
        /// Window end.
        until: Micros,
        /// IANA zone name (`None`: UTC).
        time_zone: Option<String>,
        /// The client's clock, so both paths compute the same report.
        now: Micros,
    },
    /// The newest notifications.
    Notifications {
        /// At most this many (clamped to [`ROWS_MAX`]).
        limit: usize,
    },
    /// One notification and its attempts (`notify list --id`, the console's attempts view).
    Notification {
        /// Its id.
        id: i64,
    },
    /// A page of the pushed images (the console's Images screen).
    Images {
        /// Index of the first row.
        offset: usize,
    },
    /// A page of the recorded backups (the console's Backups screen).
    Backups {
        /// Index of the first row.
        offset: usize,
    },
    /// A month's cost report (the console's Cost screen).
    Cost {
        /// `YYYY-MM` (default: the month of the newest imported billing day).
        month: Option<String>,
        /// What to group by (`service`, `environment`, `tag:KEY`, ...).
        by: String,
    },
    /// The readiness assessment of the default assessed environment, computed by the runner.
    Assessment,
    /// The open incident the console's banner shows.
    OpenIncident,
    /// An incident's merged timeline as the console shows it (the open one when `id` is absent).
    IncidentTimeline {
        /// Incident id.
        id: Option<String>,
    },
    /// The release plan of the runner's project repository (`release plan`, `release changelog`
    /// for an operator who cannot open the repository).
    ReleasePlan {
        /// `--package`.
        package: Option<String>,
        /// `--version`.
        version: Option<String>,
        /// `--level` (`major`, `minor`, `patch`; absent: from the commits).
        level: Option<String>,
        /// `--pre`.
        pre: Option<String>,
        /// `--hotfix`.
        hotfix: bool,
        /// `--finalize`.
        finalize: bool,
        /// The client's clock (the changelog's date).
        now: Micros,
    },
    /// The newest alerts received from Alertmanager (`alerts list`, the Health screen).
    Alerts {
        /// At most this many (clamped to [`ROWS_MAX`]).
        limit: usize,
    },
    /// The profiles a run took and the baselines they were compared with (`profile show`, the
    /// flame view).
    Profiles {
        /// Run id or unique prefix.
        run: String,
    },
    /// The saved profile baselines (`profile baselines`, `profile show --baseline`).
    ProfileBaselines,
    /// A page of the imported billing files (`cost imports`), oldest first.
    CostImports {
        /// Index of the first row.
        offset: usize,
    },
    /// A page of what flightdeck created in an environment (`env resources`), oldest first.
    Resources {
        /// The environment.
        environment: String,
        /// Removed ones too (`--all`).
        all: bool,
        /// Index of the first row.
        offset: usize,
    },
    /// An incident's redacted postmortem (`incident show`, `incident timeline`).
    Postmortem {
        /// Incident id.
        id: String,
    },
    /// The stored assessments, newest first (`assess history`).
    Assessments {
        /// One environment (all when absent).
        environment: Option<String>,
        /// At most this many (clamped to [`ROWS_MAX`]).
        limit: usize,
    },
}

/// What a [`Query`] found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum Answer {
    /// The run and its steps.
    Run {
        /// The run.
        run: Box<RunRecord>,
        /// Its steps in plan order.
        steps: Vec<StepRecord>,
    },
    /// A page of a step log.
    LogPage {
        /// The bytes, base64 (they need not be UTF-8); whole lines unless one line is longer than a page.
        data: String,
        /// The offset after them.
        next: u64,
        /// The log ends there.
        end: bool,
        /// Why the log cannot be read (the step has a log path, the file is missing or unreadable).
        error: Option<String>,
    },
    /// A page of the journal.
    Journal {
        /// Events in order.
        events: Vec<Event>,
        /// Whether this page reaches the end.
        end: bool,
    },
    /// A page of the audit log.
    Audit {
        /// Newest first.
        entries: Vec<AuditRecord>,
    },
    /// The audit chain's verdict.
    Verdict {
        /// What `audit verify` reports.
        verdict: AuditVerdict,
    },
    /// A page of ledger rows.
    Deployments {
        /// Oldest first.
        rows: Vec<DeploymentRecord>,
        /// Whether this page reaches the end.
        end: bool,
    },
    /// A page of incidents.
    Incidents {
        /// As `Store::incidents` orders them.
        rows: Vec<IncidentRecord>,
        /// Whether this page reaches the end.
        end: bool,
    },
    /// The DORA report.
    Dora {
        /// The whole view-model.
        dashboard: Box<Dashboard>,
    },
    /// Notifications, newest first.
    Notifications {
        /// The rows.
        rows: Vec<NotificationRecord>,
    },
    /// One notification (`None`: no such id) and its attempts, oldest first.
    Notification {
        /// The row.
        notification: Option<Box<NotificationRecord>>,
        /// At most [`ROWS_MAX`] attempts.
        attempts: Vec<crate::store::notify::AttemptRecord>,
    },
    /// A page of pushed images.
    Images {
        /// As `Store::artifacts` orders them.
        rows: Vec<crate::store::ArtifactRecord>,
        /// Whether this page reaches the end.
        end: bool,
    },
    /// A page of backups.
    Backups {
        /// As `Store::backups` orders them.
        rows: Vec<crate::store::BackupRecord>,
        /// Whether this page reaches the end.
        end: bool,
    },
    /// A cost report and the tag keys it can be grouped by.
    Cost {
        /// The report.
        report: Box<crate::cost::Report>,
        /// Known tag keys.
        tags: Vec<String>,
    },
    /// A readiness assessment.
    Assessment {
        /// The report.
        report: Box<crate::assess::Report>,
    },
    /// The open incident, if any.
    OpenIncident {
        /// It and its events.
        open: Option<Box<crate::incident::OpenIncident>>,
    },
    /// An incident's timeline.
    IncidentTimeline {
        /// Heading and entries.
        timeline: crate::runner::reads::ScreenTimeline,
    },
    /// A release plan.
    ReleasePlan {
        /// The plan.
        plan: Box<crate::release::ReleasePlan>,
    },
    /// Received alerts, newest first.
    Alerts {
        /// The rows.
        rows: Vec<crate::store::AlertRecord>,
    },
    /// A run's profiles, oldest first, and the baselines they were compared with.
    Profiles {
        /// The run's full id.
        run: String,
        /// Its profiles (within [`JOURNAL_BYTES_MAX`] serialized bytes; at least one).
        profiles: Vec<crate::profile::saved::Saved>,
        /// The named baselines its profiles were compared with.
        baselines: Vec<crate::profile::saved::SavedBaseline>,
        /// Some profiles or baselines were left out to keep the answer bounded.
        truncated: bool,
    },
    /// A page of imported billing files.
    CostImports {
        /// Oldest first.
        rows: Vec<crate::store::CostImportRecord>,
        /// Whether this page reaches the end.
        end: bool,
    },
    /// A page of an environment's resources.
    Resources {
        /// Oldest first.
        rows: Vec<crate::store::ResourceRecord>,
        /// Whether this page reaches the end.
        end: bool,
    },
    /// Saved profile baselines, by name.
    ProfileBaselines {
        /// The baselines.
        rows: Vec<crate::profile::saved::SavedBaseline>,
        /// Some were left out to keep the answer bounded.
        truncated: bool,
    },
    /// An incident's postmortem, redacted with the runner's secrets.
    Postmortem {
        /// The postmortem.
        postmortem: Box<crate::incident::export::Postmortem>,
        /// The secrets that could not be looked for (one warning each).
        warnings: Vec<String>,
    },
    /// Stored assessments, newest first.
    Assessments {
        /// The rows.
        rows: Vec<crate::store::AssessmentRecord>,
    },
}

impl Answer {
    /// Decodes a log page's bytes.
    pub fn log_bytes(data: &str) -> Result<Vec<u8>, String> {
        base64::engine::general_purpose::STANDARD.decode(data).map_err(|e| format!("bad log page: {e}"))
    }
}

/// A failed query: its exit code and message.
pub(super) type Failed = Box<Response>;

pub(super) fn internal(e: impl std::fmt::Display) -> Failed {
    Box::new(Response::error(exit::INTERNAL, e.to_string()))
}

/// A page of `rows` from `offset` and whether it reaches the end.
pub(super) fn page<T: Clone>(rows: &[T], offset: usize) -> (Vec<T>, bool) {
    let start = offset.min(rows.len());
    let end = start.saturating_add(ROWS_MAX).min(rows.len());
    (rows[start..end].to_vec(), end == rows.len())
}

impl Server {
    /// Answers one history query (as any connected client: the socket's group may read history).
    pub async fn query(&self, q: Query) -> Response {
        let answered = match q {
            Query::Assessment => self.assessment().await,
            Query::Postmortem { id } => self.postmortem(&id).await,
            q => self.answer(q),
        };
        match answered {
            Ok(answer) => Response::History { answer },
            Err(failed) => *failed,
        }
    }

    fn answer(&self, q: Query) -> Result<Answer, Failed> {
        let s = &self.store;
        Ok(match q {
            Query::Run { run } => {
                let run = self.find_run(&run)?;
                let steps = s.steps(&run.id).map_err(internal)?;
                Answer::Run { run: Box::new(run), steps }
            }
            Query::StepLog { run, step, offset, max } => self.log_page(&run, &step, offset, max)?,
            Query::Journal { run, offset } => self.journal_page(&run, offset)?,
            Query::Audit { before, limit } => {
                Answer::Audit { entries: s.audit_page(before, limit.min(ROWS_MAX)).map_err(internal)? }
            }
            Query::AuditVerify => {
                // A head file a full disk left behind a valid chain is caught up first (the runner holds the key).
                if let Err(e) = s.catch_up_head() {
                    tracing::warn!("bringing the audit head file up to date: {e}");
                }
                Answer::Verdict { verdict: s.verify_audit().map_err(internal)? }
            }
            Query::Deployments { offset } => {
                let (rows, end) = page(&s.deployments().map_err(internal)?, offset);
                Answer::Deployments { rows, end }
            }
            Query::Incidents { offset } => {
                let (rows, end) = page(&s.incidents().map_err(internal)?, offset);
                Answer::Incidents { rows, end }
            }
            Query::Dora { service, environment, since, until, time_zone, now } => {
                let dashboard = self.dora(service, environment, (since, until), time_zone.as_deref(), now)?;
                Answer::Dora { dashboard: Box::new(dashboard) }
            }
            Query::Notifications { limit } => {
                Answer::Notifications { rows: s.notifications(limit.min(ROWS_MAX)).map_err(internal)? }
            }
            q @ (Query::Notification { .. }
            | Query::Images { .. }
            | Query::Backups { .. }
            | Query::Cost { .. }
            | Query::Assessment
            | Query::OpenIncident
            | Query::IncidentTimeline { .. }
            | Query::ReleasePlan { .. }) => return self.screen_answer(q),
            q @ (Query::Alerts { .. }
            | Query::Profiles { .. }
            | Query::ProfileBaselines
            | Query::CostImports { .. }
            | Query::Resources { .. }) => return self.profile_answer(q),
            q @ (Query::Postmortem { .. } | Query::Assessments { .. }) => return self.record_answer(q),
        })
    }

    pub(super) fn find_run(&self, run: &str) -> Result<RunRecord, Failed> {
        match self.store.run(run) {
            Ok(Some(r)) => Ok(r),
            Ok(None) => {
                Err(Box::new(Response::error(exit::USAGE, format!("no run {run:?}: see `flightdeck runs`"))))
            }
            Err(e) => Err(Box::new(Response::error(exit::USAGE, e.to_string()))),
        }
    }
}
