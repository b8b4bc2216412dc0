//! More of what the read-only commands read from the store or, for a client-only operator, from
//! the runner (see [`History`]): the recorded backups (`db backups`), an incident's redacted
//! postmortem (`incident show`, `incident timeline`) and the stored assessments (`assess history`).

use crate::error::Error;
use crate::headless::Project;
use crate::headless::history::{History, unexpected};
use crate::incident::report::{Redacted, build_redacted};
use crate::runner::query::{Answer, Query};
use crate::store::{AssessmentRecord, BackupRecord};

impl History {
    /// The recorded backups of `database` (a `db backups` key; all when absent), newest first.
    pub async fn backups(&mut self, database: Option<&str>) -> Result<Vec<BackupRecord>, Error> {
        if let History::Store(s) = self {
            return Ok(s.backups(database)?);
        }
        let all = self
            .pages(
                |offset| Query::Backups { offset },
                |a| match a {
                    Answer::Backups { rows, end } => Ok((rows, end)),
                    other => Err(other),
                },
            )
            .await?;
        Ok(all.into_iter().filter(|b| database.is_none_or(|d| b.backup.database == d)).collect())
    }

    /// Incident `id`'s postmortem as of now, redacted with the project's secrets (the runner's
    /// when it builds it).
    pub async fn postmortem(&mut self, ctx: &Project, id: &str) -> Result<Redacted, Error> {
        if let History::Store(s) = self {
            let (config, dir) = (&ctx.config, &ctx.paths.project_dir);
            return build_redacted(config, dir, s, id, crate::time::now()).await;
        }
        match self.ask(Query::Postmortem { id: id.to_string() }).await? {
            Answer::Postmortem { postmortem, warnings } => Ok(Redacted { postmortem: *postmortem, warnings }),
            other => Err(unexpected(&other)),
        }
    }

    /// The stored assessments of `environment` (all when absent), newest first.
    pub async fn assessments(
        &mut self,
        environment: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AssessmentRecord>, Error> {
        if let History::Store(s) = self {
            return Ok(s.assessments(environment, limit)?);
        }
        let query = Query::Assessments { environment: environment.map(str::to_string), limit };
        match self.ask(query).await? {
            Answer::Assessments { rows } => Ok(rows),
            other => Err(unexpected(&other)),
        }
    }
}
