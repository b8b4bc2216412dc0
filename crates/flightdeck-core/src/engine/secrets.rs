//! Secrets in a run: before the first step every secret the plan references is checked readable
//! (a resumed run checks again); when a step starts, the secrets its templates name are read anew
//! (so a rotated value is picked up) into the step's context only. Each read adds the value to the
//! run's redactor and writes an audit entry with the name, provider and version, never the value.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::json;

use crate::engine::context::StepCx;
use crate::engine::event::{EventKind, RunStatus, Stream};
use crate::engine::kind::StepKinds;
use crate::engine::runner::{End, Runner};
use crate::engine::shared::Shared;
use crate::workflow::plan::PlanStep;

static SECRET_REF: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"\{\{[^}]*?\bsecrets\.([A-Za-z0-9_-]+)").ok());

/// The secrets a step's templates name, and those its kind acts on (a `secret` step's).
pub(crate) fn referenced(kinds: StepKinds, ps: &PlanStep) -> Vec<String> {
    let text = serde_json::to_string(&ps.step).unwrap_or_default();
    let mut names: Vec<String> = SECRET_REF
        .as_ref()
        .map(|re| re.captures_iter(&text).filter_map(|c| c.get(1)).map(|m| m.as_str().to_string()).collect())
        .unwrap_or_default();
    if let Some(kind) = kinds.of(ps) {
        names.extend(kind.secrets_needed(&ps.step.action.spec));
    }
    names.sort();
    names.dedup();
    names
}

impl Shared {
    /// Reads secret `name` in the run's environment, adds it to the redactor and audits the read.
    pub(crate) async fn read_secret(
        &self,
        name: &str,
        step: Option<&str>,
    ) -> Result<crate::secrets::Secret, String> {
        let env = self.plan.environment.name.clone();
        let (provider, secret) =
            self.secret_set.read(name, Some(&env)).await.map_err(|e| self.redact(e.to_string()))?;
        self.redactor.add(&secret.value);
        let detail = json!({ "secret": name, "provider": provider, "version": secret.version, "step": step });
        self.audit("secret.read", detail).await.map_err(|e| format!("store: {e}"))?;
        Ok(secret)
    }
}

impl Runner {
    /// Checks every referenced secret is readable; the run stops (exit 8, resumable) if one is not.
    pub(crate) async fn precheck_secrets(&mut self) -> Option<End> {
        let mut names: Vec<String> =
            self.shared.plan.steps.iter().flat_map(|ps| referenced(self.shared.kinds, ps)).collect();
        names.sort();
        names.dedup();
        let mut problems = Vec::new();
        for name in &names {
            if let Err(e) = self.shared.read_secret(name, None).await {
                problems.push(e);
            }
        }
        if problems.is_empty() {
            return None;
        }
        Some(End {
            status: RunStatus::Interrupted,
            message: Some(format!(
                "secrets check before the first step failed: {}; fix the provider, then `flightdeck resume {}`",
                problems.join("; "),
                self.shared.run_id
            )),
        })
    }
}

impl StepCx {
    /// Reads the secrets this step's templates name into its scope.
    pub async fn load_secrets(&mut self) -> Result<(), String> {
        for name in referenced(self.shared.kinds, &self.plan_step) {
            if self.plan_step.step.action.kind == "secret" && !self.mentions(&name) {
                continue;
            }
            let s = self.shared.read_secret(&name, Some(&self.plan_step.id.clone())).await?;
            let version = s.version.clone().unwrap_or_else(|| "-".into());
            self.secrets.insert(&name, &s.value);
            drop(s);
            let (provider, _) = self
                .shared
                .secret_set
                .locate(&name, Some(&self.shared.plan.environment.name))
                .map_err(|e| e.to_string())?;
            self.journal_line(format!("secret {name}: read from {provider} (version {version})")).await?;
        }
        Ok(())
    }

    /// True if a template of this step (not only a `secret` action) names `secrets.NAME`.
    fn mentions(&self, name: &str) -> bool {
        let text = serde_json::to_string(&self.plan_step.step).unwrap_or_default();
        SECRET_REF
            .as_ref()
            .is_some_and(|re| re.captures_iter(&text).any(|c| c.get(1).is_some_and(|m| m.as_str() == name)))
    }
}

impl StepCx {
    /// A system line in the step's log that is also kept in the run's journal (unlike output lines).
    async fn journal_line(&mut self, line: String) -> Result<(), String> {
        let line = self.shared.redact(line);
        self.log.write_line(&line);
        let kind = EventKind::StepLog { step: self.plan_step.id.clone(), stream: Stream::System, line };
        self.shared.emit(kind, None, None).await.map_err(|e| format!("store: {e}"))
    }
}
