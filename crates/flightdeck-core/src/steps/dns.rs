//! `dns = { server, key, zone, name, type, values, ttl, action }`: adds, replaces or deletes A, CNAME
//! and TXT records by RFC 2136 update signed with TSIG, then checks them with a query.
//!
//! - `action = "add" | "replace" | "delete"` (default `replace`); `values = ["127.0.0.10"]` (or
//!   `value = "..."`); `ttl = 60`.
//! - Outputs: `old` (the values before, comma-separated), `values` (after) and `restore` (an
//!   nsupdate script that puts the old set back): `rollback = "nsupdate -k KEY {{ steps.ID.outputs.restore }}"`.
//! - Every added record is recorded in the environment's `resources` (kind `dns_record`).
//! - `dns = { teardown = true }` deletes every live recorded record of the run's environment,
//!   newest first, and marks it removed.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::engine::event::Stream;
use crate::engine::{StepCx, StepOutcome};
use crate::infra::dns::{Change, Server, TYPES, check_text, fqdn, query, update};
use crate::infra::{field, forget, live, record, required, run_dir, string_templates};
use crate::steps::{ActionKind, BoxFuture, StepKind};
use crate::workflow::template::Template;

/// The `dns` kind.
pub struct Dns;

const KEYS: [&str; 10] =
    ["server", "key", "zone", "name", "type", "values", "value", "ttl", "action", "teardown"];

impl ActionKind for Dns {
    fn key(&self) -> &'static str {
        "dns"
    }

    fn parse(&self, action: &Value, _extras: &BTreeMap<String, Value>) -> Result<Value, String> {
        crate::infra::known_keys("dns", action, &KEYS)?;
        let mut spec = action.clone();
        if spec.get("teardown").and_then(Value::as_bool) == Some(true) {
            return Ok(spec);
        }
        for k in ["server", "key", "name"] {
            if spec.get(k).and_then(Value::as_str).is_none_or(|s| s.trim().is_empty()) {
                return Err(format!(
                    "dns: `{k}` is required (server = \"IP:PORT\", key = \"TSIG key file\", name = \"app.example.org.\")"
                ));
            }
        }
        let rtype = spec.get("type").and_then(Value::as_str).unwrap_or("A").to_ascii_uppercase();
        if !TYPES.contains(&rtype.as_str()) {
            return Err(format!("dns: type {rtype:?} is not supported: use one of {}", TYPES.join(", ")));
        }
        let act = spec.get("action").and_then(Value::as_str).unwrap_or("replace").to_string();
        if !["add", "replace", "delete"].contains(&act.as_str()) {
            return Err(format!("dns: action {act:?} is unknown: use add, replace or delete"));
        }
        let values = values_of(&spec)?;
        if values.is_empty() && act != "delete" {
            return Err(format!("dns: action {act:?} needs `values` (or `value`)"));
        }
        if let Some(t) = spec.get("ttl")
            && t.as_u64().is_none_or(|t| t == 0 || t > 86_400 * 7)
        {
            return Err(format!("dns: bad ttl {t}: give seconds between 1 and 604800"));
        }
        if let Some(o) = spec.as_object_mut() {
            o.remove("value");
            o.insert("values".into(), json!(values));
            o.insert("type".into(), json!(rtype));
            o.insert("action".into(), json!(act));
        }
        Ok(spec)
    }

    fn templates(&self, spec: &Value) -> Vec<(String, Template)> {
        string_templates("dns", spec)
    }

    fn describe(&self, spec: &Value) -> String {
        if spec.get("teardown").is_some() {
            return "dns: delete every recorded DNS record of the environment".into();
        }
        let s = |k: &str| spec.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let vals: Vec<&str> = spec
            .get("values")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        format!("dns: {} {} {} {} at {}", s("action"), s("type"), s("name"), vals.join(","), s("server"))
    }
}

impl StepKind for Dns {
    fn execute<'a>(&'a self, spec: &'a Value, cx: &'a mut StepCx) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async move {
            let r = if spec.get("teardown").and_then(Value::as_bool) == Some(true) {
                teardown(cx).await
            } else {
                apply(spec, cx).await
            };
            match r {
                Ok(()) => StepOutcome::Succeeded,
                Err(e) => StepOutcome::failed(e),
            }
        })
    }
}

fn values_of(spec: &Value) -> Result<Vec<String>, String> {
    match (spec.get("values"), spec.get("value")) {
        (Some(_), Some(_)) => Err("dns: give `values` or `value`, not both".into()),
        (Some(Value::Array(a)), None) => a
            .iter()
            .map(|v| v.as_str().map(String::from).ok_or_else(|| format!("dns: value {v} is not a string")))
            .collect(),
        (None, Some(Value::String(s))) => Ok(vec![s.clone()]),
        (None, None) => Ok(Vec::new()),
        _ => Err("dns: `values` is a list of strings, `value` one string".into()),
    }
}

/// The rendered request of one step.
struct Request {
    srv: Server,
    name: String,
    rtype: String,
    values: Vec<String>,
    ttl: u32,
    action: String,
}

fn request(cx: &StepCx, spec: &Value) -> Result<Request, String> {
    let srv = Server {
        addr: required(cx, spec, "server", "dns")?,
        key: required(cx, spec, "key", "dns")?,
        zone: field(cx, spec, "zone")?,
    };
    let name = fqdn(&required(cx, spec, "name", "dns")?);
    check_text("name", &name)?;
    let rtype = spec.get("type").and_then(Value::as_str).unwrap_or("A").to_string();
    let mut values = Vec::new();
    for v in spec.get("values").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
        let v = cx.render(&Template::new(v))?;
        check_text("value", &v)?;
        values.push(if rtype == "CNAME" { fqdn(&v) } else { v });
    }
    let ttl = u32::try_from(spec.get("ttl").and_then(Value::as_u64).unwrap_or(60)).unwrap_or(60);
    let action = spec.get("action").and_then(Value::as_str).unwrap_or("replace").to_string();
    Ok(Request { srv, name, rtype, values, ttl, action })
}

async fn apply(spec: &Value, cx: &mut StepCx) -> Result<(), String> {
    let r = request(cx, spec)?;
    cx.started(&format!("dns {} {} {} at {}", r.action, r.rtype, r.name, r.srv.addr))
        .await
        .map_err(|e| e.to_string())?;
    let old = query(cx, &r.srv, &r.name, &r.rtype).await?;
    let mut change = Change::default();
    let mut expected: Vec<String> = match r.action.as_str() {
        "add" => old.iter().chain(&r.values).cloned().collect(),
        "delete" if r.values.is_empty() => Vec::new(),
        "delete" => old.iter().filter(|v| !r.values.contains(v)).cloned().collect(),
        _ => r.values.clone(),
    };
    expected.sort();
    expected.dedup();
    match r.action.as_str() {
        "add" => r.values.iter().for_each(|v| change.add(&r.name, r.ttl, &r.rtype, v)),
        "delete" if r.values.is_empty() => change.delete_all(&r.name, &r.rtype),
        "delete" => r.values.iter().for_each(|v| change.delete(&r.name, &r.rtype, v)),
        _ => {
            change.delete_all(&r.name, &r.rtype);
            r.values.iter().for_each(|v| change.add(&r.name, r.ttl, &r.rtype, v));
        }
    }
    let what = format!("{} {} {}", r.action, r.rtype, r.name);
    let unchanged = old == expected;
    if unchanged {
        let line = format!("{} {} already answers [{}]: nothing to change", r.rtype, r.name, old.join(", "));
        cx.log(Stream::System, line).await;
    } else {
        update(cx, &r.srv, &change, &what).await?;
    }
    let now = query(cx, &r.srv, &r.name, &r.rtype).await?;
    if now != expected {
        return Err(format!(
            "dns: after the update, {} {} at {} answers [{}], expected [{}]",
            r.name,
            r.rtype,
            r.srv.addr,
            now.join(", "),
            expected.join(", ")
        ));
    }
    cx.log(
        Stream::System,
        format!("{} {}: [{}] -> [{}] (checked by a query)", r.rtype, r.name, old.join(", "), now.join(", ")),
    )
    .await;
    let restore = restore_file(cx, &r, &old)?;
    let label = format!("{} {}", r.rtype, r.name);
    if !(unchanged && live(cx, "dns_record")?.iter().any(|row| row.name == label)) {
        inventory(cx, &r, &old).await?;
    }
    cx.step_outputs.insert("old".into(), old.join(","));
    cx.step_outputs.insert("values".into(), now.join(","));
    cx.step_outputs.insert("restore".into(), restore);
    cx.progress(json!({ "dns": what, "old": old, "now": now })).await;
    Ok(())
}

/// Writes the nsupdate script that puts `old` back; returns its path.
fn restore_file(cx: &StepCx, r: &Request, old: &[String]) -> Result<String, String> {
    let mut back = Change::default();
    back.delete_all(&r.name, &r.rtype);
    for v in old {
        back.add(&r.name, r.ttl, &r.rtype, v);
    }
    let path = run_dir(cx)?.join(format!("{}.restore.nsupdate", cx.step_id().replace(['/', '.'], "_")));
    std::fs::write(&path, back.script(&r.srv)).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(path.display().to_string())
}

/// Records added values; marks records this change replaced or deleted as removed.
async fn inventory(cx: &mut StepCx, r: &Request, old: &[String]) -> Result<(), String> {
    let label = format!("{} {}", r.rtype, r.name);
    if r.action != "add" {
        for row in live(cx, "dns_record")? {
            let gone = match r.action.as_str() {
                "delete" if !r.values.is_empty() => row.detail["values"].as_array().is_some_and(|a| {
                    a.iter().all(|v| v.as_str().is_some_and(|v| r.values.iter().any(|x| x == v)))
                }),
                _ => true,
            };
            if row.name == label && gone {
                forget(cx, row.id).await?;
            }
        }
    }
    if r.action != "delete" {
        let detail = json!({ "server": r.srv.addr, "key": r.srv.key, "zone": r.srv.zone, "name": r.name, "type": r.rtype, "values": r.values, "ttl": r.ttl, "old": old });
        record(cx, "dns_record", &label, detail).await?;
    }
    Ok(())
}

/// Deletes every recorded live record of the environment, newest first.
async fn teardown(cx: &mut StepCx) -> Result<(), String> {
    let rows = live(cx, "dns_record")?;
    cx.started(&format!("dns: delete {} recorded records", rows.len())).await.map_err(|e| e.to_string())?;
    for row in rows {
        remove(cx, &row).await?;
    }
    Ok(())
}

/// Deletes one recorded record, checks it is gone, and marks it removed.
pub(crate) async fn remove(cx: &mut StepCx, row: &crate::store::ResourceRecord) -> Result<(), String> {
    let d = &row.detail;
    let s = |k: &str| d[k].as_str().unwrap_or_default().to_string();
    let srv = Server { addr: s("server"), key: s("key"), zone: d["zone"].as_str().map(String::from) };
    let (name, rtype) = (s("name"), s("type"));
    let values: Vec<String> =
        d["values"].as_array().into_iter().flatten().filter_map(Value::as_str).map(String::from).collect();
    let mut change = Change::default();
    for v in &values {
        change.delete(&name, &rtype, v);
    }
    update(cx, &srv, &change, &format!("delete {rtype} {name}")).await?;
    let left = query(cx, &srv, &name, &rtype).await?;
    if let Some(v) = values.iter().find(|v| left.contains(v)) {
        return Err(format!("dns: {name} {rtype} still answers {v} after the delete"));
    }
    forget(cx, row.id).await?;
    cx.log(Stream::System, format!("deleted {rtype} {name} [{}]", values.join(", "))).await;
    Ok(())
}
