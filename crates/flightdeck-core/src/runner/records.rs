//! Records the runner reads for a client that cannot open the store: an incident's postmortem,
//! redacted with the secrets the runner reads (the same one `incident show`/`timeline` build from
//! the store, [`crate::incident::report`]), and the stored assessments (`assess history`); and
//! `assess` itself, recorded as the runner's own write and audited as the socket peer.

use serde_json::json;

use crate::error::{Error, exit};
use crate::identity::Operator;
use crate::runner::protocol::Response;
use crate::runner::query::{Answer, Failed, Query, ROWS_MAX, internal};
use crate::runner::server::Server;
use crate::store::NewAudit;

/// The largest serialized postmortem one answer carries (a protocol line, less room for the rest).
const POSTMORTEM_MAX: usize = crate::runner::protocol::MAX_LINE - 64 * 1024;

/// `e` as a failed query with the exit code the local command gives it.
#[allow(clippy::needless_pass_by_value)] // used as map_err(failed)
fn failed(e: Error) -> Failed {
    let code = match e.exit_code() {
        exit::USAGE | exit::PRECONDITION => e.exit_code(),
        _ => exit::INTERNAL,
    };
    Box::new(Response::error(code, e.to_string()))
}

impl Server {
    /// The postmortem of incident `id` as of now, redacted with the project's secrets.
    pub(super) async fn postmortem(&self, id: &str) -> Result<Answer, Failed> {
        let config = crate::config::Config::load(&self.project_dir)
            .map_err(|d| Box::new(Response::error(exit::USAGE, d.to_string())))?;
        let built = crate::incident::report::build_redacted(
            &config,
            &self.project_dir,
            &self.store,
            id,
            crate::time::now(),
        )
        .await
        .map_err(failed)?;
        // One answer is one protocol line: a postmortem too big for it is refused, saying who can
        // print it, rather than cut or sent as a line the client would reject.
        let size = serde_json::to_vec(&built.postmortem).map_or(usize::MAX, |v| v.len());
        if size > POSTMORTEM_MAX {
            let owner = Operator::current().name;
            return Err(Box::new(Response::error(
                exit::PRECONDITION,
                format!(
                    "the postmortem of incident {id} is {size} bytes, more than one runner answer carries \
                     ({POSTMORTEM_MAX}): run the command as the runner's user ({owner}), e.g. \
                     `sudo -u {owner} flightdeck incident timeline {id} -o FILE`"
                ),
            )));
        }
        Ok(Answer::Postmortem { postmortem: Box::new(built.postmortem), warnings: built.warnings })
    }

    /// `assess` for `peer`: the readiness of `environment` (the default assessed one when absent),
    /// recorded for `assess history` and audited as `assess.run` by the peer.
    pub async fn assess_for(&self, peer: &Operator, environment: Option<String>) -> Response {
        match self.record_assessment(peer, environment).await {
            Ok(answer) => Response::History { answer },
            Err(failed) => *failed,
        }
    }

    async fn record_assessment(
        &self,
        peer: &Operator,
        environment: Option<String>,
    ) -> Result<Answer, Failed> {
        let config = self.config()?;
        let environment = match environment {
            Some(e) => {
                config.environment(&e).map_err(|m| Box::new(Response::error(exit::USAGE, m)))?;
                e
            }
            None => crate::assess::default_environment(&config),
        };
        let report = self.assess_now(&config, &environment).await?;
        let report_json = serde_json::to_string_pretty(&report).map_err(internal)?;
        crate::assess::record(&self.store, &environment, &report, report_json).await.map_err(internal)?;
        let audit = NewAudit {
            at: crate::time::Micros(report.at),
            uid: peer.uid,
            actor: peer.name.clone(),
            action: "assess.run".into(),
            run: None,
            detail: json!({ "environment": environment, "overall": report.overall, "ready": report.ready }),
        };
        self.store.audit(audit).await.map_err(internal)?;
        Ok(Answer::Assessment { report: Box::new(report) })
    }

    /// The stored records queries (all but the postmortem, which is async).
    pub(super) fn record_answer(&self, q: Query) -> Result<Answer, Failed> {
        match q {
            Query::Assessments { environment, limit } => {
                // 0 is "all" to the store: an answer stays bounded.
                let limit = if limit == 0 { ROWS_MAX } else { limit.min(ROWS_MAX) };
                let rows = self.store.assessments(environment.as_deref(), limit).map_err(internal)?;
                Ok(Answer::Assessments { rows })
            }
            other => Err(internal(format!("not a records query: {other:?}"))),
        }
    }
}
