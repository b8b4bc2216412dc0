//! `cert = { directory, names, ... }`: a TLS certificate by ACME (RFC 8555), renewed only when it
//! expires within `renew_before`.
//!
//! - `directory = "https://acme.example/dir"`, `ca = "pebble-ca.pem"` (a root for the directory's
//!   own TLS, for test servers), `names = ["app.example.org"]`.
//! - `http = "0.0.0.0:80"`: HTTP-01 challenges answered by flightdeck's own listener; or
//!   `dns = { server, key, zone }`: DNS-01 challenges by TXT records (RFC 2136 with TSIG).
//! - `renew_before = "30d"` (default): a certificate with more days left is kept as it is.
//! - The key (mode 0600), the chain and the ACME account live in `DATA_DIR/certs/NAME/`; outputs
//!   `cert`, `key`, `days_left`, `not_after`, `renewed`. Each issued certificate is recorded in
//!   `resources` (kind `certificate`); `cert = { teardown = true }` revokes them and deletes the files.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::engine::event::Stream;
use crate::engine::{StepCx, StepOutcome};
use crate::infra::acme::{self, Directory};
use crate::infra::dns::{Change, Server, fqdn, update};
use crate::infra::{field, forget, live, project_path, record, required, string_templates};
use crate::steps::{ActionKind, BoxFuture, StepKind};
use crate::time::parse_duration;
use crate::workflow::template::Template;

/// The `cert` kind.
pub struct Cert;

const KEYS: [&str; 7] = ["directory", "ca", "names", "http", "dns", "renew_before", "teardown"];

impl ActionKind for Cert {
    fn key(&self) -> &'static str {
        "cert"
    }

    fn parse(&self, action: &Value, _extras: &BTreeMap<String, Value>) -> Result<Value, String> {
        crate::infra::known_keys("cert", action, &KEYS)?;
        if action.get("teardown").and_then(Value::as_bool) == Some(true) {
            return Ok(action.clone());
        }
        if action
            .get("directory")
            .and_then(Value::as_str)
            .is_none_or(|s| !s.starts_with("https://") && !s.contains("{{"))
        {
            return Err("cert: `directory` is the ACME directory's https:// URL".into());
        }
        let names = action
            .get("names")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty() && a.iter().all(Value::is_string));
        if names.is_none() {
            return Err("cert: `names` is a non-empty list of DNS names".into());
        }
        match (action.get("http"), action.get("dns")) {
            (Some(Value::String(_)), None) => {}
            (None, Some(Value::Object(d))) if d.get("server").is_some() && d.get("key").is_some() => {}
            _ => {
                return Err(
                    "cert: give `http = \"IP:PORT\"` (HTTP-01) or `dns = { server, key, zone }` (DNS-01)"
                        .into(),
                );
            }
        }
        if let Some(r) = action.get("renew_before")
            && r.as_str().and_then(parse_duration).is_none()
        {
            return Err(format!("cert: bad renew_before {r}: write a duration such as \"30d\""));
        }
        Ok(action.clone())
    }

    fn templates(&self, spec: &Value) -> Vec<(String, Template)> {
        let mut t = string_templates("cert", spec);
        if let Some(d) = spec.get("dns") {
            t.extend(string_templates("cert.dns", d));
        }
        t
    }

    fn describe(&self, spec: &Value) -> String {
        if spec.get("teardown").is_some() {
            return "cert: revoke every recorded certificate of the environment".into();
        }
        let names: Vec<&str> = spec["names"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        format!("cert: {} from {}", names.join(", "), spec["directory"].as_str().unwrap_or_default())
    }
}

impl StepKind for Cert {
    fn execute<'a>(&'a self, spec: &'a Value, cx: &'a mut StepCx) -> BoxFuture<'a, StepOutcome> {
        Box::pin(async move {
            let r = if spec.get("teardown").and_then(Value::as_bool) == Some(true) {
                teardown(cx).await
            } else {
                issue(spec, cx).await
            };
            match r {
                Ok(()) => StepOutcome::Succeeded,
                Err(e) => StepOutcome::failed(e),
            }
        })
    }
}

fn now_unix() -> i64 {
    crate::time::now().0 / 1_000_000
}

fn directory(cx: &StepCx, spec: &Value) -> Result<Directory, String> {
    Ok(Directory {
        url: required(cx, spec, "directory", "cert")?,
        ca: field(cx, spec, "ca")?.map(|c| project_path(cx, &c)),
    })
}

async fn issue(spec: &Value, cx: &mut StepCx) -> Result<(), String> {
    let dir = directory(cx, spec)?;
    let mut names = Vec::new();
    for n in spec["names"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        let n = cx.render(&Template::new(n))?;
        crate::infra::dns::check_text("name", &n)?;
        names.push(n.trim_end_matches('.').to_ascii_lowercase());
    }
    let first = names.first().cloned().ok_or("cert: no names")?;
    if first.contains('/') || first.starts_with('.') {
        return Err(format!("cert: bad name {first:?}"));
    }
    let home = cx.shared.plan.data_dir.join("certs").join(&first);
    let (cert_file, key_file) = (home.join("cert.pem"), home.join("key.pem"));
    let renew_ms = spec["renew_before"].as_str().and_then(parse_duration).unwrap_or(30 * 86_400_000);
    let renew_days = i64::try_from(renew_ms / 86_400_000).unwrap_or(30);
    cx.started(&format!("cert {} from {}", names.join(", "), dir.url)).await.map_err(|e| e.to_string())?;
    if let Ok(pem) = std::fs::read_to_string(&cert_file)
        && let Ok((days, end)) = acme::days_left(&pem, now_unix())
        && days > renew_days
    {
        cx.log(
            Stream::System,
            format!("{first}: valid for {days} more days (until {end}); renews under {renew_days} days"),
        )
        .await;
        outputs(cx, &cert_file, &key_file, days, &end, false);
        return Ok(());
    }
    let acct = acme::account(&dir, &home.join("account.json")).await?;
    let http = field(cx, spec, "http")?;
    let dns_srv = match spec.get("dns") {
        Some(d) => Some(Server {
            addr: required(cx, d, "server", "cert.dns")?,
            key: required(cx, d, "key", "cert.dns")?,
            zone: field(cx, d, "zone")?,
        }),
        None => None,
    };
    let (key, chain) = answer(cx, &acct, &dir, &names, http.as_deref(), dns_srv.as_ref()).await?;
    acme::write_private(&key_file, key.as_bytes())?;
    std::fs::write(&cert_file, &chain).map_err(|e| format!("writing {}: {e}", cert_file.display()))?;
    let (days, end) = acme::days_left(&chain, now_unix())?;
    cx.log(
        Stream::System,
        format!("issued {} for {} (valid {days} days, until {end})", cert_file.display(), names.join(", ")),
    )
    .await;
    let label = format!("certificate {first}");
    for row in live(cx, "certificate")? {
        if row.name == label {
            forget(cx, row.id).await?;
        }
    }
    let detail = json!({ "directory": dir.url, "ca": dir.ca, "names": names, "cert": cert_file, "key": key_file, "account": home.join("account.json"), "not_after": end });
    record(cx, "certificate", &label, detail).await?;
    outputs(cx, &cert_file, &key_file, days, &end, true);
    Ok(())
}

/// Orders the certificate, answering its challenges (HTTP-01 listener or DNS-01 TXT records,
/// removed afterwards).
async fn answer(
    cx: &mut StepCx,
    acct: &instant_acme::Account,
    dir: &Directory,
    names: &[String],
    http: Option<&str>,
    dns: Option<&Server>,
) -> Result<(String, String), String> {
    let mut order = acme::new_order(acct, dir, names).await?;
    let ch = acme::challenges(&mut order, dir, http.is_some()).await?;
    let listener = match http {
        Some(addr) => {
            let tokens: acme::Tokens = std::sync::Arc::default();
            tokens.lock().map_err(|_| "token table poisoned")?.extend(ch.http.iter().cloned());
            Some(acme::serve_http01(addr, tokens).await?)
        }
        None => None,
    };
    let txt = |add: bool| {
        let mut change = Change::default();
        for (name, value) in &ch.txt {
            if add {
                change.add(&fqdn(name), 60, "TXT", value);
            } else {
                change.delete(&fqdn(name), "TXT", value);
            }
        }
        change
    };
    if let (Some(srv), false) = (dns, ch.txt.is_empty()) {
        update(cx, srv, &txt(true), "ACME DNS-01 TXT").await?;
    }
    let mut result = acme::ready(&mut order, dir, http.is_some()).await;
    let issued = match result {
        Ok(()) => acme::finish(&mut order, dir, names).await,
        Err(e) => Err(e),
    };
    if let Some(l) = listener {
        l.abort();
    }
    if let (Some(srv), false) = (dns, ch.txt.is_empty()) {
        result = update(cx, srv, &txt(false), "removing the ACME DNS-01 TXT").await;
        if let Err(e) = &result {
            cx.log(Stream::System, e.clone()).await;
        }
    }
    issued
}

fn outputs(
    cx: &mut StepCx,
    cert: &std::path::Path,
    key: &std::path::Path,
    days: i64,
    end: &str,
    renewed: bool,
) {
    cx.step_outputs.insert("cert".into(), cert.display().to_string());
    cx.step_outputs.insert("key".into(), key.display().to_string());
    cx.step_outputs.insert("days_left".into(), days.to_string());
    cx.step_outputs.insert("not_after".into(), end.to_string());
    cx.step_outputs.insert("renewed".into(), renewed.to_string());
}

/// Revokes every recorded certificate, newest first, and deletes its files.
async fn teardown(cx: &mut StepCx) -> Result<(), String> {
    let rows = live(cx, "certificate")?;
    cx.started(&format!("cert: revoke {} recorded certificates", rows.len()))
        .await
        .map_err(|e| e.to_string())?;
    for row in rows {
        remove(cx, &row).await?;
    }
    Ok(())
}

/// Revokes one recorded certificate, deletes its files, and marks it removed.
pub(crate) async fn remove(cx: &mut StepCx, row: &crate::store::ResourceRecord) -> Result<(), String> {
    let d = &row.detail;
    let path = |k: &str| std::path::PathBuf::from(d[k].as_str().unwrap_or_default());
    let dir = Directory {
        url: d["directory"].as_str().unwrap_or_default().to_string(),
        ca: d["ca"].as_str().map(Into::into),
    };
    let chain = std::fs::read_to_string(path("cert"))
        .map_err(|e| format!("reading {}: {e}", path("cert").display()))?;
    let acct = acme::account(&dir, &path("account")).await?;
    acme::revoke(&acct, &dir, &chain).await?;
    let _ = std::fs::remove_file(path("key"));
    let _ = std::fs::remove_file(path("cert"));
    forget(cx, row.id).await?;
    cx.log(Stream::System, format!("revoked {}", row.name)).await;
    Ok(())
}
