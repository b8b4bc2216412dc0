//! Where the read-only commands (`show RUN`, `log`, `audit`, `dora`, `ledger list/export/last-good`,
//! `notify list`, `incident list`, `image list`, `alerts list`, `profile show/baselines`, `cost
//! imports`, `env resources`) read
//! history: the store when this user can open it, else the runner's socket (a shared bastion,
//! where the store belongs to the runner's user and operators are in its group). Both sources give
//! the same records, so every printer prints the same bytes either way. Commands that need the
//! store itself refuse a client-only operator with exit 8 (`Project::store` says why).

use crate::engine::Event;
use crate::error::Error;
use crate::headless::Project;
use crate::profile::saved::{Saved, SavedBaseline};
use crate::runner::Client;
use crate::runner::protocol::{Request, Response};
use crate::runner::query::{Answer, LOG_PAGE_MAX, Query, ROWS_MAX};
use crate::store::Store;
use crate::store::notify::{AttemptRecord, NotificationRecord};
use crate::store::records::{
    AuditRecord, AuditVerdict, DeploymentRecord, IncidentRecord, RunRecord, StepRecord,
};

/// The history source of this command.
pub enum History {
    /// The store, read directly.
    Store(Store),
    /// The runner, for a user who cannot read the store.
    Runner(Box<Client>),
}

impl History {
    /// The store when it opens; the runner when it does not and a runner socket exists (the same
    /// test the console makes); otherwise the store's error.
    pub async fn open(ctx: &Project, what: &str) -> Result<History, Error> {
        let e = match ctx.store() {
            Ok(s) => return Ok(History::Store(s)),
            Err(e) => e,
        };
        // A data directory this user may not even search (0700, another owner) is a runner's too:
        // connecting then says who may connect, rather than the store's own error.
        if matches!(ctx.paths.data_dir.join(crate::runner::SOCKET_FILE).try_exists(), Ok(false)) {
            return Err(e);
        }
        let client = crate::headless::run::connect(ctx, what).await?;
        Ok(History::Runner(Box::new(client)))
    }

    /// The store, when read directly.
    pub fn store(&self) -> Option<&Store> {
        match self {
            History::Store(s) => Some(s),
            History::Runner(_) => None,
        }
    }

    pub(super) async fn ask(&mut self, query: Query) -> Result<Answer, Error> {
        let History::Runner(c) = self else {
            return Err(Error::Internal("a runner query on a store source".into()));
        };
        match c.call(&Request::Query { query }).await.map_err(crate::headless::run::client_error)? {
            Response::History { answer } => Ok(answer),
            Response::Error { code, message } if code == crate::error::exit::USAGE => {
                Err(Error::Invalid(message))
            }
            Response::Error { code, message } if code == crate::error::exit::PRECONDITION => {
                Err(Error::Precondition(message))
            }
            Response::Error { message, .. } => Err(Error::Internal(format!("runner: {message}"))),
            other => Err(unexpected(&other)),
        }
    }

    /// A run (by id or prefix) and its steps.
    pub async fn run(&mut self, run: &str) -> Result<(RunRecord, Vec<StepRecord>), Error> {
        if let History::Store(s) = self {
            let rec = s
                .run(run)?
                .ok_or_else(|| Error::Invalid(format!("no run {run:?}: see `flightdeck runs`")))?;
            let steps = s.steps(&rec.id)?;
            return Ok((rec, steps));
        }
        match self.ask(Query::Run { run: run.to_string() }).await? {
            Answer::Run { run, steps } => Ok((*run, steps)),
            other => Err(unexpected(&other)),
        }
    }

    /// One page of a step log through the runner: bytes, next offset, end, or why it is unreadable.
    pub async fn log_page(&mut self, run: &str, step: &str, offset: u64) -> Result<LogPage, Error> {
        let q = Query::StepLog { run: run.to_string(), step: step.to_string(), offset, max: LOG_PAGE_MAX };
        match self.ask(q).await? {
            Answer::LogPage { data, next, end, error } => {
                let bytes = Answer::log_bytes(&data).map_err(Error::Internal)?;
                Ok(LogPage { bytes, next, end, error })
            }
            other => Err(unexpected(&other)),
        }
    }

    /// Calls `each` with the run's journal in pages (one page when read directly).
    pub async fn journal(&mut self, run: &str, mut each: impl FnMut(&[Event]) -> bool) -> Result<(), Error> {
        if let History::Store(s) = self {
            each(&s.journal(run)?);
            return Ok(());
        }
        let mut offset = 0;
        loop {
            match self.ask(Query::Journal { run: run.to_string(), offset }).await? {
                Answer::Journal { events, end } => {
                    offset += events.len();
                    if !each(&events) || end || events.is_empty() {
                        return Ok(());
                    }
                }
                other => return Err(unexpected(&other)),
            }
        }
    }

    /// The newest `limit` audit entries (0: all), newest first.
    pub async fn audit(&mut self, limit: usize) -> Result<Vec<AuditRecord>, Error> {
        if let History::Store(s) = self {
            return Ok(s.audit_log(limit)?);
        }
        let mut out: Vec<AuditRecord> = Vec::new();
        loop {
            let want = if limit == 0 { ROWS_MAX } else { (limit - out.len()).min(ROWS_MAX) };
            let before = out.last().map(|e| e.seq);
            let entries = match self.ask(Query::Audit { before, limit: want }).await? {
                Answer::Audit { entries } => entries,
                other => return Err(unexpected(&other)),
            };
            let last = entries.len() < want;
            out.extend(entries);
            if last || (limit > 0 && out.len() >= limit) {
                return Ok(out);
            }
        }
    }

    /// `audit verify` (the runner holds the key).
    pub async fn verify_audit(&mut self) -> Result<AuditVerdict, Error> {
        if let History::Store(s) = self {
            return Ok(s.verify_audit()?);
        }
        match self.ask(Query::AuditVerify).await? {
            Answer::Verdict { verdict } => Ok(verdict),
            other => Err(unexpected(&other)),
        }
    }

    /// The whole ledger, oldest first.
    pub async fn deployments(&mut self) -> Result<Vec<DeploymentRecord>, Error> {
        if let History::Store(s) = self {
            return Ok(s.deployments()?);
        }
        let mut out = Vec::new();
        loop {
            match self.ask(Query::Deployments { offset: out.len() }).await? {
                Answer::Deployments { rows, end } => {
                    let stop = end || rows.is_empty();
                    out.extend(rows);
                    if stop {
                        return Ok(out);
                    }
                }
                other => return Err(unexpected(&other)),
            }
        }
    }

    /// Every incident.
    pub async fn incidents(&mut self) -> Result<Vec<IncidentRecord>, Error> {
        if let History::Store(s) = self {
            return Ok(s.incidents()?);
        }
        let mut out = Vec::new();
        loop {
            match self.ask(Query::Incidents { offset: out.len() }).await? {
                Answer::Incidents { rows, end } => {
                    let stop = end || rows.is_empty();
                    out.extend(rows);
                    if stop {
                        return Ok(out);
                    }
                }
                other => return Err(unexpected(&other)),
            }
        }
    }

    /// The newest `limit` notifications, newest first (at most 1000 through the runner).
    pub async fn notifications(&mut self, limit: usize) -> Result<Vec<NotificationRecord>, Error> {
        if let History::Store(s) = self {
            return Ok(s.notifications(limit)?);
        }
        match self.ask(Query::Notifications { limit }).await? {
            Answer::Notifications { rows } => Ok(rows),
            other => Err(unexpected(&other)),
        }
    }

    /// One notification and its attempts.
    pub async fn notification(
        &mut self,
        id: i64,
    ) -> Result<(Option<NotificationRecord>, Vec<AttemptRecord>), Error> {
        if let History::Store(s) = self {
            let Some(rec) = s.notification(id)? else { return Ok((None, Vec::new())) };
            return Ok((Some(rec), s.notification_attempts(id)?));
        }
        match self.ask(Query::Notification { id }).await? {
            Answer::Notification { notification, attempts } => Ok((notification.map(|n| *n), attempts)),
            other => Err(unexpected(&other)),
        }
    }

    /// The release plan the runner makes of its project's repository.
    pub async fn release_plan(&mut self, query: Query) -> Result<crate::release::ReleasePlan, Error> {
        match self.ask(query).await? {
            Answer::ReleasePlan { plan } => Ok(*plan),
            other => Err(unexpected(&other)),
        }
    }

    /// The newest `limit` alerts received from Alertmanager (at most 1000 through the runner).
    pub async fn alerts(&mut self, limit: usize) -> Result<Vec<crate::store::AlertRecord>, Error> {
        if let History::Store(s) = self {
            return Ok(s.alerts(limit)?);
        }
        match self.ask(Query::Alerts { limit }).await? {
            Answer::Alerts { rows } => Ok(rows),
            other => Err(unexpected(&other)),
        }
    }

    /// The profiles run `run` (id or prefix) took, oldest first; a run without one is refused.
    pub async fn run_profiles(&mut self, run: &str) -> Result<Vec<Saved>, Error> {
        let (id, found) = if let History::Store(s) = self {
            let rec = s
                .run(run)?
                .ok_or_else(|| Error::Invalid(format!("no run {run:?}: see `flightdeck runs`")))?;
            (rec.id.clone(), crate::profile::saved::of_run(s, &rec.id).map_err(profile_error)?)
        } else {
            match self.ask(Query::Profiles { run: run.to_string() }).await? {
                Answer::Profiles { run, profiles, truncated, .. } => {
                    if truncated {
                        crate::errln!(
                            "(some profiles of run {run} are too large to send through the runner)"
                        );
                    }
                    (run, profiles)
                }
                other => return Err(unexpected(&other)),
            }
        };
        if found.is_empty() {
            return Err(Error::Invalid(format!("run {id} took no profile")));
        }
        Ok(found)
    }

    /// Every saved profile baseline, by name.
    pub async fn profile_baselines(&mut self) -> Result<Vec<SavedBaseline>, Error> {
        if let History::Store(s) = self {
            return crate::profile::saved::baselines(s).map_err(profile_error);
        }
        match self.ask(Query::ProfileBaselines).await? {
            Answer::ProfileBaselines { rows, truncated } => {
                if truncated {
                    crate::errln!("(some baselines are too large to send through the runner: left out)");
                }
                Ok(rows)
            }
            other => Err(unexpected(&other)),
        }
    }

    /// The pushed images.
    pub async fn images(&mut self) -> Result<Vec<crate::store::ArtifactRecord>, Error> {
        if let History::Store(s) = self {
            return Ok(s.artifacts()?);
        }
        self.pages(
            |offset| Query::Images { offset },
            |a| match a {
                Answer::Images { rows, end } => Ok((rows, end)),
                other => Err(other),
            },
        )
        .await
    }

    /// The imported billing files, oldest first.
    pub async fn cost_imports(&mut self) -> Result<Vec<crate::store::CostImportRecord>, Error> {
        if let History::Store(s) = self {
            return Ok(s.cost_imports()?);
        }
        self.pages(
            |offset| Query::CostImports { offset },
            |a| match a {
                Answer::CostImports { rows, end } => Ok((rows, end)),
                other => Err(other),
            },
        )
        .await
    }

    /// What flightdeck created in `env` (removed ones too with `all`), oldest first.
    pub async fn resources(
        &mut self,
        env: &str,
        all: bool,
    ) -> Result<Vec<crate::store::ResourceRecord>, Error> {
        if let History::Store(s) = self {
            return Ok(s.resources(env, all)?);
        }
        let query = |offset| Query::Resources { environment: env.to_string(), all, offset };
        self.pages(query, |a| match a {
            Answer::Resources { rows, end } => Ok((rows, end)),
            other => Err(other),
        })
        .await
    }

    /// Every page of a paged query through the runner.
    pub(super) async fn pages<T>(
        &mut self,
        query: impl Fn(usize) -> Query,
        rows: impl Fn(Answer) -> Result<(Vec<T>, bool), Answer>,
    ) -> Result<Vec<T>, Error> {
        let mut out = Vec::new();
        loop {
            let (page, end) = rows(self.ask(query(out.len())).await?).map_err(|other| unexpected(&other))?;
            let stop = end || page.is_empty();
            out.extend(page);
            if stop {
                return Ok(out);
            }
        }
    }

    /// A month's cost report through the runner (the store path builds it in `cost.rs`).
    pub async fn cost(&mut self, month: Option<&str>, by: &str) -> Result<crate::cost::Report, Error> {
        match self.ask(Query::Cost { month: month.map(str::to_string), by: by.to_string() }).await? {
            Answer::Cost { report, .. } => Ok(*report),
            other => Err(unexpected(&other)),
        }
    }

    /// The DORA report through the runner (the store path computes it in `dora.rs`).
    pub async fn dora(&mut self, query: Query) -> Result<crate::dora::Dashboard, Error> {
        match self.ask(query).await? {
            Answer::Dora { dashboard } => Ok(*dashboard),
            other => Err(unexpected(&other)),
        }
    }
}

/// A page of a step log read through the runner.
pub struct LogPage {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The offset after them.
    pub next: u64,
    /// Whether the log ends there.
    pub end: bool,
    /// Why the log cannot be read.
    pub error: Option<String>,
}

/// A profile error as the command's error: bad input exits 2.
#[allow(clippy::needless_pass_by_value)] // used as map_err(profile_error)
fn profile_error(e: crate::profile::ProfileError) -> Error {
    if e.is_bad_input() { Error::Invalid(e.to_string()) } else { Error::Internal(e.to_string()) }
}

pub(super) fn unexpected(what: &impl std::fmt::Debug) -> Error {
    let text = format!("{what:?}");
    let short: String = text.chars().take(200).collect();
    Error::Internal(format!("unexpected answer from the runner: {short}"))
}
