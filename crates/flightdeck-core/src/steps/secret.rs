//! `secret = { ... }`: act on the project's secrets (see `secrets::SecretSet`), never showing a value.
//!
//! - `{ check = ["db_password", "api_token"] }`: each is readable; outputs `version_NAME`.
//! - `{ rotate = "db_password", length = 32 }`: writes a generated value as a new version; outputs
//!   `version` and `previous` (undo with `restore` or `flightdeck secrets restore`).
//! - `{ disable = "db_password", version = "{{ steps.rotate.outputs.previous }}" }`.
//! - `{ restore = "db_password", version = "..." }`: makes that version current again.
//! - `{ ensure = ["db_password"], length = 32 }`: creates the missing ones with generated values,
//!   or, for a secret with `create = "prompt"`, from a value its operator types at a hidden prompt
//!   (`steps::secret_prompt`).
//! - `{ env_file = "deploy/app.env", vars = { PGPASSWORD = "db_password" } }`: writes a service's
//!   env file with mode 0600.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{Map, Value, json};

use crate::engine::event::Stream;
use crate::engine::{StepCx, StepOutcome};
use crate::secrets::{Problem, SecretError, generate};
use crate::steps::{ActionKind, BoxFuture, StepKind, template_field};
use crate::workflow::template::Template;

/// The operations, each the key that names it.
const OPS: [&str; 6] = ["check", "rotate", "disable", "restore", "ensure", "env_file"];
/// Every key allowed in the table.
const KEYS: [&str; 8] = ["check", "rotate", "disable", "restore", "ensure", "env_file", "version", "length"];

/// The `secret` kind.
pub struct SecretKind;

/// The secrets a spec acts on that must exist before the run starts (not `ensure`d ones, not
/// names given by templates: those are checked when the step starts).
pub fn names(spec: &Value) -> Vec<String> {
    raw_names(spec).into_iter().filter(|n| !n.contains("{{")).collect()
}

fn raw_names(spec: &Value) -> Vec<String> {
    let list = |k: &str| -> Vec<String> {
        spec.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
            .unwrap_or_default()
    };
    let mut out = list("check");
    for k in ["rotate", "disable", "restore"] {
        out.extend(spec.get(k).and_then(Value::as_str).map(String::from));
    }
    if let Some(vars) = spec.get("vars").and_then(Value::as_object) {
        out.extend(vars.values().filter_map(Value::as_str).map(String::from));
    }
    out
}

fn op(spec: &Value) -> &str {
    spec.get("op").and_then(Value::as_str).unwrap_or("check")
}

fn parse_table(action: &Value) -> Result<Map<String, Value>, String> {
    let t =
        action.as_object().ok_or("`secret` must be a table, e.g. secret = { check = [\"db_password\"] }")?;
    let ops: Vec<&str> = OPS.iter().copied().filter(|k| t.contains_key(*k)).collect();
    if ops.len() != 1 {
        return Err(format!(
            "`secret` needs exactly one of {}; found {}",
            OPS.join(", "),
            if ops.is_empty() { "none".into() } else { ops.join(", ") }
        ));
    }
    if let Some(k) = t.keys().find(|k| !KEYS.contains(&k.as_str()) && k.as_str() != "vars") {
        let hint =
            crate::diag::nearest(k, &KEYS).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
        return Err(format!("unknown key `{k}` in `secret`{hint}"));
    }
    let mut m = t.clone();
    m.insert("op".into(), json!(ops[0]));
    Ok(m)
}

impl ActionKind for SecretKind {
    fn key(&self) -> &'static str {
        "secret"
    }

    fn parse(&self, action: &Value, _extras: &BTreeMap<String, Value>) -> Result<Value, String> {
        let m = parse_table(action)?;
        let name_list = |k: &str| {
            m.get(k)
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string))
        };
        match m.get("op").and_then(Value::as_str).unwrap_or_default() {
            o @ ("check" | "ensure") if !name_list(o) => {
                Err(format!("`{o}` must be a list of secret names, e.g. {o} = [\"db_password\"]"))
            }
            o @ ("rotate" | "disable" | "restore") if !m.get(o).is_some_and(Value::is_string) => {
                Err(format!("`{o}` must be a secret name"))
            }
            o @ ("disable" | "restore") if !m.get("version").is_some_and(Value::is_string) => Err(format!(
                "`{o}` needs `version = \"...\"` (e.g. \"{{{{ steps.rotate.outputs.previous }}}}\")"
            )),
            "env_file"
                if !m.get("vars").is_some_and(|v| {
                    v.is_string() || v.as_object().is_some_and(|o| o.values().all(Value::is_string))
                }) =>
            {
                Err("`env_file` needs `vars = { VAR = \"secret_name\" }`".into())
            }
            _ if m.get("length").is_some_and(|l| l.as_u64().is_none_or(|n| !(8..=4096).contains(&n))) => {
                Err("`length` must be a number from 8 to 4096".into())
            }
            _ => Ok(Value::Object(m)),
        }
    }

    fn templates(&self, spec: &Value) -> Vec<(String, Template)> {
        let mut out: Vec<(String, Template)> = ["version", "env_file"]
            .iter()
            .filter_map(|f| template_field(spec, f).map(|t| ((*f).to_string(), t)))
            .collect();
        out.extend(raw_names(spec).into_iter().map(|n| ("secret".to_string(), Template::new(n))));
        out.extend(
            spec.get("ensure")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|n| ("secret".to_string(), Template::new(n))),
        );
        out
    }

    fn describe(&self, spec: &Value) -> String {
        let o = op(spec);
        let what = match spec.get(o) {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "),
            Some(Value::String(s)) => s.clone(),
            _ => String::new(),
        };
        match spec.get("version").and_then(Value::as_str) {
            Some(v) => format!("secret: {o} {what} version {v}"),
            None => format!("secret: {o} {what}"),
        }
    }
}

impl StepKind for SecretKind {
    fn secrets_needed(&self, spec: &Value) -> Vec<String> {
        names(spec)
    }

    fn execute<'a>(&'a self, spec: &'a Value, cx: &'a mut StepCx) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async move {
            let desc = self.describe(spec);
            if let Err(e) = cx.started(&desc).await {
                return StepOutcome::failed(format!("store: {e}"));
            }
            let result = match op(spec) {
                "check" => check(spec, cx).await,
                "rotate" => rotate(spec, cx).await,
                "disable" | "restore" => change(spec, cx).await,
                "ensure" => ensure(spec, cx).await,
                _ => env_file(spec, cx).await,
            };
            match result {
                Ok(()) => StepOutcome::Succeeded,
                Err(_) if cx.shared.cancel.is_cancelled() => StepOutcome::Cancelled,
                Err(e) => StepOutcome::failed(cx.shared.redact(e)),
            }
        })
    }
}

fn env_of(cx: &StepCx) -> String {
    cx.shared.plan.environment.name.clone()
}

/// The secret names under `key` (a list or one string), rendered.
fn rendered(spec: &Value, key: &str, cx: &StepCx) -> Result<Vec<String>, String> {
    let raw: Vec<&str> = match spec.get(key) {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => vec![s.as_str()],
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for n in raw {
        let text = cx.render(&Template::new(n))?;
        for name in text.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()) {
            if name == "*" {
                out.extend(cx.shared.secret_set.names());
            } else {
                out.push(name.to_string());
            }
        }
    }
    Ok(out)
}

/// `vars = { VAR = "name" }`, or `vars = "VAR=name,VAR2=name2"` (rendered).
fn vars(spec: &Value, cx: &StepCx) -> Result<Vec<(String, String)>, String> {
    match spec.get("vars") {
        Some(Value::Object(o)) => {
            Ok(o.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        }
        Some(Value::String(s)) => cx
            .render(&Template::new(s.as_str()))?
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.split_once('=')
                    .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                    .ok_or_else(|| format!("`vars`: {p:?} is not VAR=secret_name"))
            })
            .collect(),
        _ => Err("`env_file` needs `vars = { VAR = \"secret_name\" }`".into()),
    }
}

async fn check(spec: &Value, cx: &mut StepCx) -> Result<(), String> {
    for name in rendered(spec, "check", cx)? {
        let s = cx.shared.read_secret(&name, Some(cx.step_id())).await?;
        let v = s.version.clone().unwrap_or_else(|| "-".into());
        cx.log(Stream::System, format!("secret {name}: readable (version {v})")).await;
        cx.step_outputs.insert(format!("version_{name}"), v.clone());
        cx.step_outputs.insert("version".into(), v);
    }
    Ok(())
}

fn length(spec: &Value, cx: &StepCx, name: &str) -> usize {
    let configured = cx.shared.secret_set.config(name).ok().and_then(|c| c.length);
    spec.get("length")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .or(configured)
        .unwrap_or(generate::DEFAULT_LENGTH)
}

async fn rotate(spec: &Value, cx: &mut StepCx) -> Result<(), String> {
    let name = rendered(spec, "rotate", cx)?.concat();
    let env = env_of(cx);
    let old = cx.shared.read_secret(&name, Some(cx.step_id())).await?;
    let previous = old.version.clone().ok_or_else(|| format!("secret `{name}`: its provider keeps no versions, so it cannot be rotated with rollback; use an openbao or aws provider"))?;
    drop(old);
    let value =
        generate::generate(length(spec, cx, &name)).map_err(|e| format!("cannot generate a value: {e}"))?;
    cx.shared.redactor.add(&value);
    let (provider, version) =
        cx.shared.secret_set.write(&name, Some(&env), &value).await.map_err(|e| e.to_string())?;
    drop(value);
    let detail = json!({ "secret": name, "provider": provider, "version": version, "previous": previous });
    cx.shared.audit("secret.rotate", detail).await.map_err(|e| format!("store: {e}"))?;
    cx.log(Stream::System, format!("secret {name}: wrote version {version} (previous {previous})")).await;
    cx.step_outputs.insert("version".into(), version);
    cx.step_outputs.insert("previous".into(), previous);
    Ok(())
}

async fn change(spec: &Value, cx: &mut StepCx) -> Result<(), String> {
    let o = op(spec).to_string();
    let name = rendered(spec, &o, cx)?.concat();
    let t = template_field(spec, "version").ok_or("no `version`")?;
    let version = cx.render(&t)?;
    let env = env_of(cx);
    let set = &cx.shared.secret_set;
    let r = if o == "disable" {
        set.disable(&name, Some(&env), &version).await
    } else {
        set.make_current(&name, Some(&env), &version).await
    };
    r.map_err(|e| e.to_string())?;
    let detail = json!({ "secret": name, "version": version });
    cx.shared.audit(&format!("secret.{o}"), detail).await.map_err(|e| format!("store: {e}"))?;
    let verb = if o == "disable" { "disabled" } else { "made current" };
    cx.log(Stream::System, format!("secret {name}: version {version} {verb}")).await;
    Ok(())
}

async fn ensure(spec: &Value, cx: &mut StepCx) -> Result<(), String> {
    let env = env_of(cx);
    let wanted = rendered(spec, "ensure", cx)?;
    let mut created = Vec::new();
    for name in wanted {
        match cx.shared.secret_set.read(&name, Some(&env)).await {
            Ok((_, s)) => {
                cx.shared.redactor.add(&s.value);
                cx.log(Stream::System, format!("secret {name}: present")).await;
            }
            Err(SecretError::Provider { problem, .. })
                if matches!(*problem, Problem::PathMissing { .. } | Problem::KeyMissing { .. }) =>
            {
                let by_prompt = cx
                    .shared
                    .secret_set
                    .config(&name)
                    .is_ok_and(crate::config::secrets::SecretConfig::created_by_prompt);
                let value = if by_prompt {
                    let typed = super::secret_prompt::ask(cx, &name, &env).await?;
                    zeroize::Zeroizing::new(typed.expose().to_string())
                } else {
                    generate::generate(length(spec, cx, &name))
                        .map_err(|e| format!("cannot generate a value: {e}"))?
                };
                cx.shared.redactor.add(&value);
                let (provider, version) =
                    cx.shared.secret_set.write(&name, Some(&env), &value).await.map_err(|e| e.to_string())?;
                drop(value);
                let source = if by_prompt { "prompt" } else { "generated" };
                cx.shared
                    .audit(
                        "secret.create",
                        json!({ "secret": name, "provider": provider, "version": version, "source": source }),
                    )
                    .await
                    .map_err(|e| format!("store: {e}"))?;
                cx.log(Stream::System, format!("secret {name}: created (version {version})")).await;
                created.push(name);
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    cx.step_outputs.insert("created".into(), created.join(","));
    Ok(())
}

async fn env_file(spec: &Value, cx: &mut StepCx) -> Result<(), String> {
    let t = template_field(spec, "env_file").ok_or("no `env_file`")?;
    let path = cx.shared.plan.project_dir.join(cx.render(&t)?);
    let vars = vars(spec, cx)?;
    let mut text = zeroize::Zeroizing::new(String::new());
    for (var, name) in &vars {
        let name = cx.render(&Template::new(name.as_str()))?;
        let s = cx.shared.read_secret(&name, Some(cx.step_id())).await?;
        let escaped = s.value.replace('\\', "\\\\").replace('"', "\\\"");
        let _ = writeln!(text, "{var}=\"{escaped}\"");
    }
    write_private(&path, text.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    cx.log(Stream::System, format!("wrote {} ({} variables, mode 0600)", path.display(), vars.len())).await;
    cx.step_outputs.insert("file".into(), path.display().to_string());
    Ok(())
}

/// Writes `data` to `path` with mode 0600 (created that way, then renamed into place).
fn write_private(path: &std::path::Path, data: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("flightdeck-tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
    f.write_all(data)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}
