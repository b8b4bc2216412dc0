//! The screens of a client-only console (a shared bastion: the store belongs to the runner's user)
//! read through the runner's history queries: notifications and their attempts, images, backups,
//! cost, the readiness assessment, the incident banner and an incident's timeline, the Health
//! screen's received alerts and a run's profiles (the flame view). Each read runs in the
//! background and reports as the same message the store path sends. Writes from these screens
//! (resend, an assessment item's state) stay with the runner's user: the console says so.

use flightdeck_core::runner::Connect;
use flightdeck_core::runner::protocol::{Request, Response};
use flightdeck_core::runner::query::{Answer, Query};

use super::{Console, attach};
use crate::app::incident::IncidentTimeline;
use crate::msg::{Effect, Msg};

/// The most pages one screen reads (1000 rows each).
const PAGES_MAX: usize = 50;

impl Console {
    /// Carries out a read effect of a client-only console through the runner; `None` for an
    /// effect this module does not serve.
    pub(super) fn remote_effect(&self, effect: &Effect) -> Option<Vec<Msg>> {
        let why = self.client_only.clone()?;
        let (connect, tx) = (self.ctx.connect("console"), self.tx.clone());
        let effect = effect.clone();
        let msg_now = match &effect {
            Effect::ResendNotification { .. } | Effect::SetAssessmentItem { .. } => {
                return Some(vec![Msg::Notice {
                    text: format!("only the runner's user can change this: {why}"),
                }]);
            }
            Effect::LoadNotifications
            | Effect::LoadNotificationAttempts { .. }
            | Effect::LoadImages
            | Effect::LoadBackups
            | Effect::LoadCost { .. }
            | Effect::LoadAssessment
            | Effect::LoadIncident
            | Effect::LoadIncidentTimeline { .. }
            | Effect::LoadProfile { .. } => Vec::new(),
            _ => return None,
        };
        tokio::spawn(async move {
            if let Some(msg) = read(&connect, effect).await {
                let _ = tx.send(msg).await;
            }
        });
        Some(msg_now)
    }
}

/// One screen's data from the runner, as the message the screen takes.
async fn read(connect: &Connect, effect: Effect) -> Option<Msg> {
    Some(match effect {
        Effect::LoadNotifications => match ask(connect, Query::Notifications { limit: 500 }).await {
            Ok(Answer::Notifications { rows }) => Msg::NotificationsLoaded { rows },
            other => notice("cannot read notifications", other),
        },
        Effect::LoadNotificationAttempts { id } => match ask(connect, Query::Notification { id }).await {
            Ok(Answer::Notification { attempts, .. }) => Msg::NotificationAttempts { id, attempts },
            other => notice(&format!("cannot read notification {id}"), other),
        },
        Effect::LoadImages => match pages(connect, |offset| Query::Images { offset }, images).await {
            Ok(rows) => Msg::ImagesLoaded { rows },
            Err(e) => Msg::Notice { text: format!("cannot read the pushed images: {e}") },
        },
        Effect::LoadBackups => match pages(connect, |offset| Query::Backups { offset }, backups).await {
            Ok(backups) => Msg::BackupsLoaded { backups, now: flightdeck_core::time::now() },
            Err(e) => Msg::Notice { text: format!("cannot read the backups: {e}") },
        },
        Effect::LoadCost { month, by } => match ask(connect, Query::Cost { month, by }).await {
            Ok(Answer::Cost { report, tags }) => Msg::CostLoaded { report: Ok(report), tags },
            Ok(_) => Msg::CostLoaded { report: Err(UNEXPECTED.into()), tags: Vec::new() },
            Err(e) => Msg::CostLoaded { report: Err(e), tags: Vec::new() },
        },
        Effect::LoadAssessment => match ask(connect, Query::Assessment).await {
            Ok(Answer::Assessment { report }) => Msg::AssessmentLoaded { report: Ok(report) },
            Ok(_) => Msg::AssessmentLoaded { report: Err(UNEXPECTED.into()) },
            Err(e) => Msg::AssessmentLoaded { report: Err(e) },
        },
        // Polled every second: a runner that does not answer shows no banner, not a notice a second.
        Effect::LoadIncident => match ask(connect, Query::OpenIncident).await {
            Ok(Answer::OpenIncident { open }) => Msg::IncidentLoaded { open },
            _ => return None,
        },
        Effect::LoadIncidentTimeline { id } => {
            let timeline = match ask(connect, Query::IncidentTimeline { id }).await {
                Ok(Answer::IncidentTimeline { timeline: t }) => {
                    Ok(Box::new(IncidentTimeline { id: t.id, heading: t.heading, entries: t.entries }))
                }
                Ok(_) => Err(UNEXPECTED.to_string()),
                Err(e) => Err(e),
            };
            Msg::IncidentTimelineLoaded { timeline }
        }
        Effect::LoadProfile { run } => {
            let data = match ask(connect, Query::Profiles { run: run.clone() }).await {
                Ok(Answer::Profiles { profiles, baselines, .. }) => {
                    Ok(super::readers::profile_data(profiles, baselines))
                }
                Ok(_) => Err(UNEXPECTED.to_string()),
                Err(e) => Err(e),
            };
            Msg::ProfileLoaded { run, data }
        }
        _ => return None,
    })
}

const UNEXPECTED: &str = "unexpected answer from the runner";

fn notice(what: &str, got: Result<Answer, String>) -> Msg {
    let why = got.err().unwrap_or_else(|| UNEXPECTED.to_string());
    Msg::Notice { text: format!("{what}: {why}") }
}

/// How long one query may take (a runner that hangs must not pile up the banner's polls).
const ASK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// One query's answer, or the runner's error message.
async fn ask(connect: &Connect, query: Query) -> Result<Answer, String> {
    let request = Request::Query { query };
    match tokio::time::timeout(ASK_TIMEOUT, attach::request(connect, &request))
        .await
        .map_err(|_| "the runner did not answer within 10 s".to_string())??
    {
        Response::History { answer } => Ok(answer),
        Response::Error { message, .. } => Err(message),
        other => Err(format!("{UNEXPECTED}: {other:?}")),
    }
}

/// The newest `limit` received alerts (`None`: the runner did not answer with them).
pub(super) async fn alerts(
    connect: &Connect,
    limit: usize,
) -> Option<Vec<flightdeck_core::store::AlertRecord>> {
    match ask(connect, Query::Alerts { limit }).await {
        Ok(Answer::Alerts { rows }) => Some(rows),
        _ => None,
    }
}

/// Every page of a paged query (bounded to [`PAGES_MAX`] pages).
async fn pages<T>(
    connect: &Connect,
    query: impl Fn(usize) -> Query,
    rows: impl Fn(Answer) -> Option<(Vec<T>, bool)>,
) -> Result<Vec<T>, String> {
    let mut out = Vec::new();
    for _ in 0..PAGES_MAX {
        let (page, end) = rows(ask(connect, query(out.len())).await?).ok_or(UNEXPECTED)?;
        let stop = end || page.is_empty();
        out.extend(page);
        if stop {
            break;
        }
    }
    Ok(out)
}

fn images(a: Answer) -> Option<(Vec<flightdeck_core::store::ArtifactRecord>, bool)> {
    match a {
        Answer::Images { rows, end } => Some((rows, end)),
        _ => None,
    }
}

fn backups(a: Answer) -> Option<(Vec<flightdeck_core::store::BackupRecord>, bool)> {
    match a {
        Answer::Backups { rows, end } => Some((rows, end)),
        _ => None,
    }
}
