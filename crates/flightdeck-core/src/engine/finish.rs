//! The end of a run: the ledger row of a deploying workflow, the final event and state, the audit entry.

use serde_json::json;

use crate::engine::event::{EventKind, RunStatus};
use crate::engine::runner::{End, Runner};
use crate::engine::{EngineError, Summary};
use crate::error::exit;
use crate::store::RunUpdate;
use crate::store::records::DeploymentRecord;
use crate::time::now;
use crate::workflow::plan::Mode;
use crate::workflow::template::{Scope, Template};

impl Runner {
    pub(crate) async fn finish(self, end: End) -> Result<Summary, EngineError> {
        let refused = end.status == RunStatus::Failed
            && end.message.as_deref().is_some_and(|m| m.contains(crate::error::REFUSED));
        let exit_code = if end.status == RunStatus::Interrupted || refused {
            exit::PRECONDITION
        } else {
            end.status.exit_code()
        };
        self.write_ledger(end.status).await?;
        let update = RunUpdate {
            status: end.status,
            finished_at: end.status.is_final().then(now),
            exit_code: Some(exit_code),
            message: end.message.clone(),
        };
        let kind = EventKind::RunFinished { status: end.status, exit_code, message: end.message.clone() };
        self.shared.emit(kind, Some(update), None).await?;
        let detail = json!({ "status": end.status, "exit_code": exit_code, "message": end.message });
        self.shared.audit("run.finish", detail).await?;
        Ok(Summary {
            run: self.shared.run_id.clone(),
            status: end.status,
            exit_code,
            message: end.message.map(|m| self.shared.redact(m)),
            steps: self.records.iter().map(|r| (r.step.clone(), r.status)).collect(),
        })
    }

    /// A deploying workflow's finished (not dry, not rejected, not cancelled) run writes one ledger row.
    async fn write_ledger(&self, status: RunStatus) -> Result<(), EngineError> {
        let plan = &self.shared.plan;
        let Some(spec) = &plan.deployment else { return Ok(()) };
        let succeeded = match status {
            RunStatus::Succeeded => true,
            RunStatus::Failed | RunStatus::RolledBack => false,
            _ => return Ok(()),
        };
        if plan.options.mode == Mode::DryRun {
            return Ok(());
        }
        let env = plan.environment.template_vars();
        let scope = Scope {
            params: &plan.params,
            environment: &env,
            outputs: &self.outputs,
            step_prefix: None,
            secrets: &self.shared.secrets,
            run: &self.shared.run_vars,
        };
        let render = |t: &Option<Template>| {
            t.as_ref().and_then(|t| t.render(&scope, false).ok()).filter(|s| !s.is_empty())
        };
        let service = render(&spec.service).unwrap_or_else(|| plan.workflow.clone());
        let started = self.records.iter().filter_map(|r| r.started_at).min().unwrap_or_else(now);
        let default_kind = match plan.kind {
            crate::workflow::model::WorkflowKind::Rollback => "rollback",
            crate::workflow::model::WorkflowKind::Hotfix => "hotfix",
            _ => "normal",
        };
        let record = DeploymentRecord {
            id: self.shared.run_id.clone(),
            service,
            environment: plan.environment.name.clone(),
            production: plan.environment.production,
            sha: render(&spec.sha),
            version: render(&spec.version),
            kind: render(&spec.kind).unwrap_or_else(|| default_kind.to_string()),
            status: if succeeded { "succeeded" } else { "failed" }.to_string(),
            started_at: started,
            finished_at: now(),
            run: Some(self.shared.run_id.clone()),
            remediates: render(&spec.remediates),
            actor: Some(self.shared.operator.name.clone()),
            digest: render(&spec.digest),
        };
        self.shared.store.add_deployment(&record).await?;
        if let Some(target) = &record.remediates {
            self.shared.store.link_runs(&self.shared.run_id, "remediates", target).await?;
        }
        Ok(())
    }
}
