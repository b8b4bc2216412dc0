//! Starting and resuming runs inside the runner. The runner builds every plan from its own project's
//! catalogue and config (a client sends a workflow name and values, never commands or a plan), and
//! the run's operator is always the identity that started it, whoever resumes it later.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::engine::markers::Resolution;
use crate::engine::{self, RunSpec};
use crate::error::{Error, exit};
use crate::identity::Operator;
use crate::runner::live::LiveRun;
use crate::runner::protocol::{Response, StartOptions};
use crate::runner::server::Server;
use crate::store::NewAudit;
use crate::time::now;
use crate::workflow::catalog::Catalog;
use crate::workflow::plan::{self, Mode, PlanError, PlanRequest, RunOptions};

impl Server {
    /// Builds the plan of `workflow` from the runner's project and starts it for `op`.
    pub async fn start(
        self: &Arc<Server>,
        op: Operator,
        workflow: &str,
        env: Option<&str>,
        params: &BTreeMap<String, String>,
        options: StartOptions,
    ) -> Response {
        let config = match Config::load(&self.project_dir) {
            Ok(c) => c,
            Err(d) => return Response::error(exit::USAGE, d.to_string()),
        };
        let catalog = match Catalog::load_with(&self.project_dir, self.kinds.actions()) {
            Ok(c) => c,
            Err(d) => return Response::error(exit::USAGE, crate::diag::render_all(&d)),
        };
        let incident = options.incident.clone();
        let mut params = params.clone();
        if let Some(inc) = &incident {
            let declares =
                catalog.workflow(workflow).is_ok_and(|w| w.params.iter().any(|p| p.name == "remediates"));
            if let Err(r) = self.incident_for_start(inc, declares, &mut params) {
                return *r;
            }
        }
        let plan = match build_plan(&config, &catalog, self, workflow, env, &params, options) {
            Ok(p) => p,
            Err(e) => return Response::error(e.exit_code(), e.to_string()),
        };
        match engine::prepare_run(plan, &self.store, op.clone(), self.bin.clone(), self.kinds).await {
            Ok(spec) => {
                if let Some(inc) = &incident {
                    self.link_incident_run(&op, inc, &spec.run_id).await;
                }
                self.spawn(spec, Vec::new())
            }
            Err(e) => Response::error(e.exit_code(), e.to_string()),
        }
    }

    /// Resumes an interrupted run for `by`; its operator stays the one who started it. For a run
    /// already live here, `--yes` confirms the re-runs it waits for; a run this runner recovered
    /// on start and that has ended since is followed to its stored end.
    pub async fn resume(self: &Arc<Server>, by: Operator, run: &str, options: StartOptions) -> Response {
        let record = match self.store.run(run) {
            Ok(Some(r)) => r,
            Ok(None) => {
                return Response::error(exit::USAGE, format!("no run {run:?}: see `flightdeck runs`"));
            }
            Err(e) => return Response::error(exit::INTERNAL, e.to_string()),
        };
        if let Some(live) = self.live(&record.id) {
            return self.resume_live(&live, by, &options).await;
        }
        if record.status.is_final() && self.was_recovered(&record.id) {
            return Response::Started { run: record.id, life: record.life };
        }
        let run_options = RunOptions {
            yes: options.yes,
            interactive: options.interactive,
            wait_approvals: options.wait_approvals,
            ..RunOptions::default()
        };
        self.resume_stored(by, &record, Some(run_options)).await
    }

    /// Starts another life of a stored run (`options`: `None` when the runner recovers it).
    async fn resume_stored(
        self: &Arc<Server>,
        by: Operator,
        record: &crate::store::records::RunRecord,
        options: Option<RunOptions>,
    ) -> Response {
        let operator = Operator { uid: record.operator_uid, name: record.operator.clone() };
        let asked = options.is_some();
        let prepared =
            engine::prepare_resume(&self.store, &record.id, operator, self.bin.clone(), options, self.kinds)
                .await;
        let (mut spec, checks) = match prepared {
            Ok(p) => p,
            Err(e) => return Response::error(e.exit_code(), e.to_string()),
        };
        // A `--yes` given with this resume is the resumer's approval, not the operator's.
        if asked && by.uid != spec.operator.uid {
            spec.yes_by = Some(by.clone());
        }
        let detail = json!({ "life": spec.life, "operator": spec.operator.name });
        self.audit(&by, "run.resume_requested", Some(&spec.run_id), detail).await;
        // Only a step whose fate is unknown waits: a live one is adopted, an ended one recorded.
        let confirm = checks
            .iter()
            .filter(|c| !c.idempotent && c.resolution == Resolution::Confirm)
            .map(|c| c.step.clone())
            .collect();
        self.spawn(spec, confirm)
    }

    async fn resume_live(&self, live: &Arc<LiveRun>, by: Operator, options: &StartOptions) -> Response {
        let waiting = live.rerun_needed();
        if waiting.is_empty() || options.interactive {
            return Response::Started { run: live.id.clone(), life: live.life };
        }
        if !options.yes {
            return Response::error(
                exit::PRECONDITION,
                format!(
                    "run {} waits for a confirmation to re-run {} (it was running when the runner died and is not idempotent): pass --yes, or answer on a terminal",
                    live.id,
                    waiting.join(", ")
                ),
            );
        }
        for step in waiting {
            let d = engine::Decision::ConfirmRerun { step };
            let _ = live.decisions.send(engine::Stamped::new(d, by.clone())).await;
        }
        Response::Started { run: live.id.clone(), life: live.life }
    }

    /// Starts the engine for a prepared run; the runner relays its events and keeps it until it ends.
    pub fn spawn(self: &Arc<Server>, spec: RunSpec, confirm: Vec<String>) -> Response {
        let (etx, mut erx) = mpsc::channel(1024);
        let (dtx, drx) = mpsc::channel(64);
        let cancel = CancellationToken::new();
        let (run_id, run_life) = (spec.run_id.clone(), spec.life);
        let live = LiveRun::new(run_id.clone(), run_life, dtx, cancel.clone(), confirm);
        self.insert_live(Arc::clone(&live));
        let server = Arc::clone(self);
        tokio::spawn(async move {
            let engine = tokio::spawn(engine::run(spec, etx, drx, cancel));
            while let Some(e) = erx.recv().await {
                live.publish(e);
            }
            let (summary, status) = match engine.await {
                Ok(Ok(s)) => {
                    let st = s.status;
                    (Some(s), st)
                }
                Ok(Err(e)) => {
                    server.log(&format!("run {}: the engine stopped: {e}", live.id));
                    (Some(server.stopped(&live.id, &e.to_string())), engine::RunStatus::Interrupted)
                }
                Err(e) => {
                    server.log(&format!("run {}: the engine task failed: {e}", live.id));
                    (None, engine::RunStatus::Interrupted)
                }
            };
            live.finish(summary, status);
            server.remove_live(&live.id);
        });
        Response::Started { run: run_id, life: run_life }
    }

    /// The summary of run `id` whose engine stopped with `error` (its store could not record a
    /// change, typically a full disk): interrupted, exit 8, with the cause and what to do.
    fn stopped(&self, id: &str, error: &str) -> engine::Summary {
        let disk = crate::store::space::full_disk_hint(&self.data_dir)
            .map(|h| format!("\n  {h}"))
            .unwrap_or_default();
        engine::Summary {
            run: id.to_string(),
            status: engine::RunStatus::Interrupted,
            exit_code: exit::PRECONDITION,
            message: Some(format!(
                "the run stopped: {error}{disk}\n  what it did so far is kept; once the cause is fixed, \
                 `flightdeck resume {id}` continues it"
            )),
            steps: Vec::new(),
        }
    }

    /// Finishes a cancel the dead runner had begun: the recovered run is cancelled again (its
    /// adopted step's group gets SIGTERM, then SIGKILL), audited anew so a further crash still
    /// finds it pending.
    async fn carry_cancel(&self, run: &str, me: &Operator) {
        let Some(live) = self.live(run) else { return };
        let detail = json!({ "requested_by": me.name, "carried_over": true });
        self.audit(me, "run.cancel", Some(run), detail).await;
        live.cancel.cancel();
        self.log(&format!("run {run}: finishing the cancel the previous runner had begun"));
    }

    /// Appends an audit entry as `who` (a failure is logged: the request itself already happened).
    pub async fn audit(&self, who: &Operator, action: &str, run: Option<&str>, detail: serde_json::Value) {
        let entry = NewAudit {
            at: now(),
            uid: who.uid,
            actor: who.name.clone(),
            action: action.to_string(),
            run: run.map(str::to_string),
            detail,
        };
        if let Err(e) = self.store.audit(entry).await {
            self.log(&format!("cannot audit {action}: {e}"));
        }
    }

    /// Resumes every run a dead runner left running, with its stored options: re-runs of steps
    /// with unknown fate wait for an operator's confirmation (`flightdeck resume RUN --yes`, or a
    /// terminal). A run whose stored plan no longer matches its hash is refused, as by `resume`.
    pub async fn recover(self: &Arc<Server>) {
        let runs = match self.store.orphaned_runs() {
            Ok(r) => r,
            Err(e) => return self.log(&format!("cannot look for runs to recover: {e}")),
        };
        let me = Operator::current();
        for run in runs {
            let record = match self.store.run(&run) {
                Ok(Some(r)) => r,
                Ok(None) => continue,
                Err(e) => {
                    self.log(&format!("cannot recover run {run}: {e}"));
                    continue;
                }
            };
            let cancel = self.store.cancel_pending(&run).unwrap_or(false);
            match self.resume_stored(me.clone(), &record, None).await {
                Response::Started { life, .. } => {
                    self.mark_recovered(&run);
                    self.log(&format!("recovered run {run} (life {life})"));
                    if cancel {
                        self.carry_cancel(&run, &me).await;
                    }
                }
                Response::Error { message, .. } => self.log(&format!("cannot recover run {run}: {message}")),
                other => self.log(&format!("cannot recover run {run}: {other:?}")),
            }
        }
    }
}

fn build_plan(
    config: &Config,
    catalog: &Catalog,
    server: &Server,
    workflow: &str,
    env: Option<&str>,
    params: &BTreeMap<String, String>,
    o: StartOptions,
) -> Result<crate::workflow::plan::Plan, Error> {
    let wf = catalog.workflow(workflow).map_err(Error::Invalid)?;
    let env_name = env.map_or_else(|| config.default_env().to_string(), str::to_string);
    let environment = config.environment(&env_name).map_err(Error::Invalid)?;
    let mode = if o.dry_run {
        Mode::DryRun
    } else if o.emergency.is_some() {
        Mode::Emergency
    } else if o.yes {
        Mode::Automated
    } else {
        Mode::Interactive
    };
    let options = RunOptions {
        mode,
        yes: o.yes,
        interactive: o.interactive,
        wait_approvals: o.wait_approvals,
        emergency_reason: o.emergency,
    };
    let req = PlanRequest {
        workflow: wf,
        environment,
        params,
        options,
        project_dir: server.project_dir.clone(),
        data_dir: server.data_dir.clone(),
    };
    plan::build(req, catalog).map_err(|e| match e {
        PlanError::Policy(m) => Error::Precondition(m),
        other => Error::Invalid(other.to_string()),
    })
}
