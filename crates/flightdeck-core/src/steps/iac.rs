//! `iac = { tool, ... }`: infrastructure as code as plan → approve → apply.
//!
//! - Ansible: `iac = { tool = "ansible", playbook = "infra/site.yml", inventory = "infra/hosts", plan = true }`
//!   runs `ansible-playbook --check --diff`; outputs `plan_hash`, `summary` (changes per host and
//!   task, for an approval's `facts`) and `changes`. The same step without `plan`, with
//!   `approved = "{{ steps.plan.outputs.plan_hash }}"`, runs a fresh check and refuses (exit 8) when
//!   it shows changes nobody approved, then applies. `python` sets `ansible_python_interpreter`
//!   (default `/usr/bin/python3`); `connection` passes `-c`; `teardown_playbook` is what
//!   `environment-teardown` runs to undo it.
//! - Terraform / `OpenTofu`: `iac = { tool = "terraform" | "tofu", dir = "infra/tf", plan = true }` runs
//!   `init` and `plan -out` (`destroy = true`: `plan -destroy`) and keeps the plan under the run's data
//!   directory by its hash; the apply step (`approved = ...`) applies exactly that plan file.
//!   A plan that deletes something in a production environment asks for the phrase
//!   `DESTROY PRODUCTION RESOURCES` before it is applied.
//! - `iac = { teardown = true }`: undoes every recorded apply of the environment, newest first
//!   (terraform: a destroy plan, then its apply; ansible: its `teardown_playbook`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::engine::event::Stream;
use crate::engine::{StepCx, StepOutcome};
use crate::infra::ansible::{self, Playbook};
use crate::infra::terraform::{self, SavedPlan};
use crate::infra::{
    environment, field, forget, live, project_path, record, required, run_dir, string_templates,
};
use crate::steps::approve::ApproveSpec;
use crate::steps::{ActionKind, BoxFuture, StepKind};
use crate::workflow::template::Template;

/// The `iac` kind.
pub struct Iac;

/// The phrase a destroy in production needs.
pub const DESTROY_PHRASE: &str = "DESTROY PRODUCTION RESOURCES";

const KEYS: [&str; 12] = [
    "tool",
    "playbook",
    "inventory",
    "python",
    "connection",
    "dir",
    "plan",
    "destroy",
    "approved",
    "bin",
    "teardown",
    "teardown_playbook",
];

impl ActionKind for Iac {
    fn key(&self) -> &'static str {
        "iac"
    }

    fn parse(&self, action: &Value, _extras: &BTreeMap<String, Value>) -> Result<Value, String> {
        crate::infra::known_keys("iac", action, &KEYS)?;
        if action.get("teardown").and_then(Value::as_bool) == Some(true) {
            return Ok(action.clone());
        }
        let tool = action.get("tool").and_then(Value::as_str).unwrap_or("");
        let need: &[&str] = match tool {
            "ansible" => &["playbook", "inventory"],
            "terraform" | "tofu" => &["dir"],
            _ => {
                return Err(format!(
                    "iac: tool {tool:?} is unknown: use \"ansible\", \"terraform\" or \"tofu\""
                ));
            }
        };
        for k in need {
            if action.get(*k).and_then(Value::as_str).is_none_or(|s| s.trim().is_empty()) {
                return Err(format!("iac: tool {tool:?} needs `{k}`"));
            }
        }
        for k in ["plan", "destroy"] {
            if action.get(k).is_some_and(|v| !v.is_boolean()) {
                return Err(format!("iac: `{k}` is true or false"));
            }
        }
        if action.get("plan").and_then(Value::as_bool) == Some(true) && action.get("approved").is_some() {
            return Err("iac: a plan step takes no `approved`; give it to the apply step".into());
        }
        Ok(action.clone())
    }

    fn templates(&self, spec: &Value) -> Vec<(String, Template)> {
        string_templates("iac", spec)
    }

    fn describe(&self, spec: &Value) -> String {
        if spec.get("teardown").is_some() {
            return "iac: undo every recorded apply of the environment".into();
        }
        let s = |k: &str| spec.get(k).and_then(Value::as_str).unwrap_or_default();
        let what = if s("tool") == "ansible" { s("playbook") } else { s("dir") };
        let verb = if spec.get("plan").and_then(Value::as_bool) == Some(true) { "plan" } else { "apply" };
        let destroy =
            if spec.get("destroy").and_then(Value::as_bool) == Some(true) { " (destroy)" } else { "" };
        format!("iac: {} {verb} {what}{destroy}", s("tool"))
    }

    fn mutates(&self) -> bool {
        true
    }
}

impl StepKind for Iac {
    fn execute<'a>(&'a self, spec: &'a Value, cx: &'a mut StepCx) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async move {
            let planning = spec.get("plan").and_then(Value::as_bool) == Some(true);
            let r = match (
                spec.get("teardown").and_then(Value::as_bool) == Some(true),
                spec.get("tool").and_then(Value::as_str),
            ) {
                (true, _) => teardown(cx).await,
                (false, Some("ansible")) => ansible_step(spec, cx, planning).await,
                _ => terraform_step(spec, cx, planning).await,
            };
            match r {
                Ok(None) => StepOutcome::Succeeded,
                Ok(Some(outcome)) => outcome,
                Err(e) => StepOutcome::failed(e),
            }
        })
    }
}

pub(crate) type StepResult = Result<Option<StepOutcome>, String>;

fn playbook(cx: &StepCx, spec: &Value) -> Result<Playbook, String> {
    let pb = project_path(cx, &required(cx, spec, "playbook", "iac")?);
    if !pb.is_file() {
        return Err(format!("iac: playbook {} not found", pb.display()));
    }
    let inv = required(cx, spec, "inventory", "iac")?;
    let inv_path = project_path(cx, &inv);
    Ok(Playbook {
        program: field(cx, spec, "bin")?.unwrap_or_else(|| "ansible-playbook".into()),
        playbook: pb,
        inventory: if inv_path.exists() { inv_path.display().to_string() } else { inv },
        python: field(cx, spec, "python")?.unwrap_or_else(|| "/usr/bin/python3".into()),
        connection: field(cx, spec, "connection")?,
        dir: cx.shared.plan.project_dir.clone(),
    })
}

async fn ansible_step(spec: &Value, cx: &mut StepCx, planning: bool) -> StepResult {
    let pb = playbook(cx, spec)?;
    let verb = if planning { "plan (check)" } else { "apply" };
    cx.started(&format!("ansible {verb} {}", pb.playbook.display())).await.map_err(|e| e.to_string())?;
    let tmp = run_dir(cx)?.join(format!("ansible-{}", cx.step_id().replace(['/', '.'], "_")));
    let check = ansible::play(cx, &pb, &tmp, true).await?;
    if let Some(e) = check.error("--check") {
        return Err(e);
    }
    let hash = ansible::plan_hash(&pb, &check);
    let summary = ansible::summary(&check);
    cx.progress(json!({ "iac": "ansible", "plan_hash": hash, "changes": check.changes() })).await;
    if planning {
        cx.log(Stream::System, format!("plan {hash}:\n{summary}")).await;
        return Ok(outputs(cx, &hash, &summary, check.changes().len(), false));
    }
    let approved = field(cx, spec, "approved")?.unwrap_or_default();
    if !check.changes().is_empty() && approved.trim() != hash {
        return Ok(Some(StepOutcome::refused(format!(
            "a fresh check of {} shows changes nobody approved (plan {hash}, approved {:?}):\n{summary}\nplan and approve again",
            pb.playbook.display(),
            approved.trim()
        ))));
    }
    let applied = ansible::play(cx, &pb, &tmp, false).await?;
    if let Some(e) = applied.error("apply") {
        return Err(e);
    }
    let detail = json!({ "tool": "ansible", "playbook": pb.playbook, "inventory": pb.inventory, "python": pb.python,
        "connection": pb.connection, "plan_hash": hash, "changed": applied.changes().len(),
        "teardown_playbook": field(cx, spec, "teardown_playbook")?.map(|p| project_path(cx, &p)) });
    record(cx, "iac_apply", &format!("ansible {}", pb.playbook.display()), detail).await?;
    cx.log(Stream::System, format!("applied: {} change(s)", applied.changes().len())).await;
    Ok(outputs(cx, &hash, &ansible::summary(&applied), applied.changes().len(), false))
}

fn outputs(
    cx: &mut StepCx,
    hash: &str,
    summary: &str,
    changes: usize,
    destroys: bool,
) -> Option<StepOutcome> {
    cx.step_outputs.insert("plan_hash".into(), hash.to_string());
    cx.step_outputs.insert("summary".into(), summary.to_string());
    cx.step_outputs.insert("changes".into(), changes.to_string());
    cx.step_outputs.insert("destroys".into(), destroys.to_string());
    None
}

fn tf_config(cx: &StepCx, spec: &Value) -> Result<terraform::Config, String> {
    let tool = spec.get("tool").and_then(Value::as_str).unwrap_or("terraform").to_string();
    let dir = project_path(cx, &required(cx, spec, "dir", "iac")?);
    if !dir.is_dir() {
        return Err(format!("iac: configuration directory {} not found", dir.display()));
    }
    Ok(terraform::Config { program: field(cx, spec, "bin")?.unwrap_or(tool), dir })
}

async fn terraform_step(spec: &Value, cx: &mut StepCx, planning: bool) -> StepResult {
    let cfg = tf_config(cx, spec)?;
    let destroy = spec.get("destroy").and_then(Value::as_bool) == Some(true);
    let plans = run_dir(cx)?;
    if planning {
        cx.started(&format!("{} plan {}", cfg.program, cfg.dir.display()))
            .await
            .map_err(|e| e.to_string())?;
        let p = terraform::plan(cx, &cfg, &plans, destroy).await?;
        cx.log(Stream::System, format!("plan {}:\n{}", p.hash, p.summary())).await;
        cx.progress(json!({ "iac": cfg.program, "plan_hash": p.hash, "changes": p.summary() })).await;
        return Ok(outputs(cx, &p.hash, &p.summary(), p.changes.len(), p.destroys()));
    }
    cx.started(&format!("{} apply {}", cfg.program, cfg.dir.display())).await.map_err(|e| e.to_string())?;
    let approved = field(cx, spec, "approved")?.unwrap_or_default().trim().to_string();
    let file = plans.join(format!("{approved}.tfplan"));
    if approved.is_empty() || !approved.chars().all(|c| c.is_ascii_hexdigit()) || !file.is_file() {
        return Ok(Some(StepOutcome::refused(format!(
            "no approved plan {approved:?} in this run: apply takes `approved = \"{{{{ steps.PLAN.outputs.plan_hash }}}}\"` of a plan step"
        ))));
    }
    let (hash, changes) = terraform::show(cx, &cfg, &file).await?;
    if hash != approved {
        return Ok(Some(StepOutcome::refused(format!(
            "the plan file {} no longer matches the approved plan {approved} (now {hash})",
            file.display()
        ))));
    }
    let p = SavedPlan { file, hash, changes };
    if let Some(o) = destroy_gate(cx, &p).await {
        return Ok(Some(o));
    }
    terraform::apply(cx, &cfg, &p.file).await?;
    tf_inventory(cx, &cfg, &p, destroy).await?;
    Ok(outputs(cx, &p.hash, &p.summary(), p.changes.len(), p.destroys()))
}

/// A plan that deletes something in production waits for the destroy phrase.
async fn destroy_gate(cx: &mut StepCx, p: &SavedPlan) -> Option<StepOutcome> {
    if !(environment(cx).1 && p.destroys()) {
        return None;
    }
    let spec = ApproveSpec {
        message: Template::new(
            format!("destroy production resources:\n{}", p.summary()).replace("{{", "{ {"),
        ),
        phrase: Some(Template::new(DESTROY_PHRASE)),
        choices: Vec::new(),
        default: None,
        facts: BTreeMap::from([("changes".to_string(), Template::new(p.summary().replace("{{", "{ {")))]),
    };
    match cx.gate(&spec).await {
        StepOutcome::Succeeded => None,
        other => Some(other),
    }
}

async fn tf_inventory(
    cx: &mut StepCx,
    cfg: &terraform::Config,
    p: &SavedPlan,
    destroy: bool,
) -> Result<(), String> {
    let name = format!("{} {}", cfg.program, cfg.dir.display());
    if destroy {
        for row in live(cx, "iac_apply")? {
            if row.name == name {
                forget(cx, row.id).await?;
            }
        }
        return Ok(());
    }
    if live(cx, "iac_apply")?.iter().any(|r| r.name == name) {
        return Ok(());
    }
    let detail = json!({ "tool": cfg.program, "dir": cfg.dir, "plan_hash": p.hash, "changes": p.summary() });
    record(cx, "iac_apply", &name, detail).await.map(|_| ())
}

/// Undoes every recorded apply, newest first.
async fn teardown(cx: &mut StepCx) -> StepResult {
    let rows = live(cx, "iac_apply")?;
    cx.started(&format!("iac: undo {} recorded applies", rows.len())).await.map_err(|e| e.to_string())?;
    for row in rows {
        if let Some(o) = remove(cx, &row).await? {
            return Ok(Some(o));
        }
    }
    Ok(None)
}

/// Undoes one recorded apply (terraform: a destroy plan and its apply, behind the destroy phrase in
/// production; ansible: its teardown playbook) and marks it removed. `Some` is a gate's outcome
/// that stops the teardown.
pub(crate) async fn remove(cx: &mut StepCx, row: &crate::store::ResourceRecord) -> StepResult {
    let plans = run_dir(cx)?;
    let d = &row.detail;
    let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
    if s("tool") == "ansible" {
        let Some(tp) = d["teardown_playbook"].as_str() else {
            let note =
                format!("{}: no teardown_playbook recorded; nothing to undo, marked removed", row.name);
            cx.log(Stream::System, note).await;
            forget(cx, row.id).await?;
            return Ok(None);
        };
        let pb = Playbook {
            program: "ansible-playbook".into(),
            playbook: tp.into(),
            inventory: s("inventory"),
            python: s("python"),
            connection: d["connection"].as_str().map(String::from),
            dir: cx.shared.plan.project_dir.clone(),
        };
        let out = ansible::play(cx, &pb, &plans.join(format!("teardown-{}", row.id)), false).await?;
        if let Some(e) = out.error("teardown") {
            return Err(e);
        }
    } else {
        let cfg = terraform::Config { program: s("tool"), dir: s("dir").into() };
        let p = terraform::plan(cx, &cfg, &plans, true).await?;
        cx.log(Stream::System, format!("destroy plan for {}:\n{}", row.name, p.summary())).await;
        if let Some(o) = destroy_gate(cx, &p).await {
            return Ok(Some(o));
        }
        terraform::apply(cx, &cfg, &p.file).await?;
    }
    forget(cx, row.id).await?;
    cx.log(Stream::System, format!("undone: {}", row.name)).await;
    Ok(None)
}
