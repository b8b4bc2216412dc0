//! What the console's screens read, answered by the runner for a console that cannot read the
//! store (client-only mode on a shared bastion): notifications and their attempts, pushed images,
//! backups, a cost report, the readiness assessment, the open incident and an incident's timeline;
//! and the release plan of the runner's project for `release plan`/`changelog`.
//! The same functions build what a console that reads the store shows, so both show the same.

use serde::{Deserialize, Serialize};

use crate::error::exit;
use crate::incident::timeline::{self, Entry};
use crate::runner::protocol::Response;
use crate::runner::query::{Answer, Failed, Query, ROWS_MAX, internal, page};
use crate::runner::server::Server;
use crate::store::Store;
use crate::time::Micros;

/// An incident's timeline as the console's Incident screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreenTimeline {
    /// Incident id.
    pub id: String,
    /// `SEV1 title (service/environment, open)`.
    pub heading: String,
    /// The merged entries, oldest first.
    pub entries: Vec<Entry>,
}

/// The timeline of `id`, or of the open incident (the most severe, then the newest), as the screen
/// shows it: a failed step's last line comes raw from its log file (only the exports redact it with
/// the configured secrets), so it is left out.
pub fn screen_timeline(store: &Store, id: Option<&str>, now: Micros) -> Result<ScreenTimeline, String> {
    let record = match id {
        Some(id) => {
            store.incident(id).map_err(|e| e.to_string())?.ok_or_else(|| format!("no incident {id}"))?
        }
        None => match crate::incident::open_incident(store).map_err(|e| e.to_string())? {
            Some(open) => open.record,
            None => return Err("no open incident: `:incident ID` shows a resolved one".into()),
        },
    };
    let mut parts = timeline::gather(store, &record, now).map_err(|e| e.to_string())?;
    for f in &mut parts.failures {
        f.last_line = None;
    }
    let state = if record.resolved_at.is_some() { "resolved" } else { "open" };
    let heading = format!(
        "{} {} ({}/{}, {state})",
        record.severity.to_uppercase(),
        record.title,
        record.service,
        record.environment
    );
    Ok(ScreenTimeline { id: record.id, heading, entries: timeline::merge(&parts) })
}

/// A month's cost report grouped `by` (default month: that of the newest imported billing day).
pub fn cost_report(
    store: &Store,
    cfg: &crate::config::CostConfig,
    month: Option<&str>,
    by: &str,
) -> Result<crate::cost::Report, String> {
    use crate::cost::{CostError, GroupBy, Month, build_report};
    let month: Month = if let Some(m) = month {
        m.parse().map_err(|e: CostError| e.to_string())?
    } else {
        let imports = store.cost_imports().map_err(|e| e.to_string())?;
        let last = imports.into_iter().filter_map(|i| i.import.last_day).max();
        Month::of(last.ok_or("no billing file imported yet: run flightdeck cost import FILE")?)
    };
    let by: GroupBy = by.parse().map_err(|e: CostError| e.to_string())?;
    build_report(store, cfg, month, &by).map_err(|e| e.to_string())
}

/// A release error with the exit code the local command gives it (refusals 8, bad input 2).
#[allow(clippy::needless_pass_by_value)] // used as map_err(release_failed)
fn release_failed(e: crate::release::ReleaseError) -> Failed {
    use crate::release::ReleaseError;
    let code = match &e {
        ReleaseError::Refused(_) => exit::PRECONDITION,
        ReleaseError::Invalid(_) => exit::USAGE,
        _ => exit::INTERNAL,
    };
    Box::new(Response::error(code, e.to_string()))
}

fn usage(message: impl Into<String>) -> Failed {
    Box::new(Response::error(exit::USAGE, message))
}

impl Server {
    /// Answers the queries of the console's screens (all but the assessment, which is async).
    pub(super) fn screen_answer(&self, q: Query) -> Result<Answer, Failed> {
        let s = &self.store;
        Ok(match q {
            Query::Notification { id } => {
                let notification = s.notification(id).map_err(internal)?.map(Box::new);
                let mut attempts = s.notification_attempts(id).map_err(internal)?;
                attempts.truncate(ROWS_MAX);
                Answer::Notification { notification, attempts }
            }
            Query::Images { offset } => {
                let (rows, end) = page(&s.artifacts().map_err(internal)?, offset);
                Answer::Images { rows, end }
            }
            Query::Backups { offset } => {
                let (rows, end) = page(&s.backups(None).map_err(internal)?, offset);
                let rows = rows.into_iter().map(crate::store::backup_state::as_seen).collect();
                Answer::Backups { rows, end }
            }
            Query::Cost { month, by } => {
                let config = self.config()?;
                let report = cost_report(s, &config.cost, month.as_deref(), &by).map_err(usage)?;
                Answer::Cost { report: Box::new(report), tags: s.cost_tag_keys().map_err(internal)? }
            }
            Query::OpenIncident => Answer::OpenIncident {
                open: crate::incident::open_incident(s).map_err(internal)?.map(Box::new),
            },
            Query::IncidentTimeline { id } => Answer::IncidentTimeline {
                timeline: screen_timeline(s, id.as_deref(), crate::time::now()).map_err(usage)?,
            },
            Query::ReleasePlan { package, version, level, pre, hotfix, finalize, now } => {
                let level = level.as_deref().map(str::parse).transpose().map_err(release_failed)?;
                let options = crate::release::PlanOptions { package, version, level, pre, hotfix, finalize };
                let config = self.config()?;
                let repo = crate::release::plan::open(&self.project_dir).map_err(release_failed)?;
                let plan = crate::release::plan::plan(&repo, &config.release, &options, now)
                    .map_err(release_failed)?;
                Answer::ReleasePlan { plan: Box::new(plan) }
            }
            other => return Err(internal(format!("not a screen query: {other:?}"))),
        })
    }

    /// The readiness assessment of the default assessed environment (nothing stored).
    pub(super) async fn assessment(&self) -> Result<Answer, Failed> {
        let config = self.config()?;
        let environment = crate::assess::default_environment(&config);
        let report = self.assess_now(&config, &environment).await?;
        Ok(Answer::Assessment { report: Box::new(report) })
    }

    /// The readiness assessment of `environment` as of now.
    pub(super) async fn assess_now(
        &self,
        config: &crate::config::Config,
        environment: &str,
    ) -> Result<crate::assess::Report, Failed> {
        let list = crate::assess::checklist::for_config(config).map_err(|e| usage(e.to_string()))?;
        let inputs = crate::assess::evidence::Inputs {
            config,
            store: &self.store,
            project_dir: &self.project_dir,
            environment,
            now: crate::time::now(),
        };
        crate::assess::assess(&list, &inputs).await.map_err(|e| match e {
            crate::assess::AssessError::Store(s) => internal(s),
            other => usage(other.to_string()),
        })
    }

    /// The project's configuration as it is now.
    pub(super) fn config(&self) -> Result<crate::config::Config, Failed> {
        crate::config::Config::load(&self.project_dir).map_err(|d| usage(d.to_string()))
    }
}
