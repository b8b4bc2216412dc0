//! `flightdeck ledger add|list|export|import` and `flightdeck incident list`: the DORA
//! ledger by hand, to and from JSONL/CSV files, and bootstrapped from a repository's tags.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use crate::cli::{LedgerAddArgs, LedgerCommand, LedgerFormat, LedgerImportArgs};
use crate::dora::window::{parse_instant, time_zone};
use crate::dora::{git, inputs, tags};
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::headless::dora::{err, quote};
use crate::headless::history::History;
use crate::identity::Operator;
use crate::store::records::{DeploymentRecord, ReleaseRecord};
use crate::time::{Micros, now};

/// The CSV export's columns, in this order (README "The ledger by hand"); new columns go at the end,
/// and import reads columns by name, so older files still import.
const CSV_HEADER: &str = "id,service,environment,production,sha,version,kind,status,started_at,finished_at,run,remediates,actor,digest";

/// An instant from a flag (date in `[dora] time_zone` or RFC 3339), or `default`.
pub(super) fn instant(ctx: &Project, text: Option<&String>, default: Micros) -> Result<Micros, Error> {
    let Some(text) = text else { return Ok(default) };
    let tz = time_zone(ctx.config.dora.time_zone.as_deref()).map_err(err)?;
    parse_instant(text, &tz).map_err(err)
}

/// The environment a ledger entry goes to by default, and whether it is production.
pub(super) fn environment(ctx: &Project, name: Option<&String>) -> (String, bool) {
    let name = name.cloned().unwrap_or_else(|| {
        ctx.config
            .environments
            .iter()
            .find(|(_, e)| e.production)
            .map_or_else(|| "production".to_string(), |(n, _)| n.clone())
    });
    let production = ctx.config.environments.get(&name).map_or(name == "production", |e| e.production);
    (name, production)
}

/// `flightdeck ledger ...`.
pub async fn ledger(ctx: &Project, c: LedgerCommand) -> Result<i32, Error> {
    // The read commands work through the runner too (an operator who cannot read the store).
    match c {
        LedgerCommand::LastGood(a) => {
            let (env, _) = environment(ctx, a.env.as_ref());
            let mut history = History::open(ctx, "ledger").await?;
            let (deps, incidents) = (history.deployments().await?, history.incidents().await?);
            return super::last_good::last_good(&deps, &incidents, &a, &env);
        }
        LedgerCommand::List(j) => {
            let deps = History::open(ctx, "ledger").await?.deployments().await?;
            crate::out!("{}", list(&deps, j.json));
            return Ok(exit::OK);
        }
        LedgerCommand::Export(a) => {
            let deps = History::open(ctx, "ledger").await?.deployments().await?;
            crate::out!("{}", export(&deps, a.format));
            return Ok(exit::OK);
        }
        LedgerCommand::Add(_) | LedgerCommand::Import(_) => {}
    }
    let store = ctx.store()?;
    match c {
        LedgerCommand::Add(a) => {
            let d = record_from_args(ctx, &a)?;
            let ids: HashSet<String> = store.deployments()?.into_iter().map(|d| d.id).collect();
            let replaced = ids.contains(&d.id);
            if replaced && !a.replace {
                return Err(Error::Invalid(format!(
                    "deployment {:?} is already in the ledger: pass --replace to overwrite it",
                    d.id
                )));
            }
            let d = checked(ctx, d, &ids, a.allow_unknown_sha).map_err(Error::Invalid)?;
            store.add_deployment(&d).await?;
            crate::outln!("{} deployment {}", if replaced { "replaced" } else { "recorded" }, d.id);
        }
        LedgerCommand::LastGood(_) | LedgerCommand::List(_) | LedgerCommand::Export(_) => {}
        LedgerCommand::Import(a) => {
            let ids: HashSet<String> = store.deployments()?.into_iter().map(|d| d.id).collect();
            let (records, replaced) = check_import(ctx, import_records(ctx, &a)?, &ids, &a)?;
            store.add_deployments(&records).await?;
            let mut releases = 0;
            if a.from_tags.is_some() {
                for d in &records {
                    store.add_release(&release_of(d)).await?;
                    releases += 1;
                }
            }
            let written = store.deployments()?.len().saturating_sub(ids.len()) + replaced;
            crate::out!("imported {written} deployments ({replaced} replacing earlier rows)");
            crate::outln!(
                "{}",
                if releases > 0 { format!(" and {releases} releases") } else { String::new() }
            );
        }
    }
    Ok(exit::OK)
}

/// The release a tag stands for.
fn release_of(d: &DeploymentRecord) -> ReleaseRecord {
    let tag = d.version.clone();
    ReleaseRecord {
        id: d.id.clone(),
        service: d.service.clone(),
        version: tag.clone().unwrap_or_default(),
        tag,
        sha: d.sha.clone(),
        created_at: d.finished_at,
    }
}

/// The repository of `service`: `[services.NAME] repo`, else the project directory.
fn service_repo(ctx: &Project, service: &str) -> PathBuf {
    let repo = ctx.config.services.get(service).and_then(|s| s.repo.as_ref());
    repo.map_or_else(|| ctx.paths.project_dir.clone(), |r| ctx.paths.project_dir.join(r))
}

/// The checks `ledger add` and `ledger import` share (kind, status, production, times,
/// `remediates` among `known`), and the SHA resolved to a full commit id of the service's
/// repository (kept as given only with `allow_unknown_sha`).
fn checked(
    ctx: &Project,
    mut d: DeploymentRecord,
    known: &HashSet<String>,
    allow_unknown_sha: bool,
) -> Result<DeploymentRecord, String> {
    let expected = environment(ctx, Some(&d.environment)).1;
    inputs::check_deployment(&d, expected, known).map_err(|e| e.to_string())?;
    if let Some(rev) = d.sha.clone() {
        match inputs::resolve_sha(&service_repo(ctx, &d.service), &rev) {
            Ok(full) => d.sha = Some(full),
            Err(_) if allow_unknown_sha => {}
            Err(e) => {
                return Err(format!(
                    "sha {rev:?}: {e}; give a commit of that repository, or pass --allow-unknown-sha to \
                     record it as given"
                ));
            }
        }
    }
    Ok(d)
}

/// Checks every imported row as `ledger add` would, plus duplicate ids (within the file, and in
/// the ledger unless `--replace`); all or nothing. Returns the rows and how many replace one.
fn check_import(
    ctx: &Project,
    rows: Vec<(String, DeploymentRecord)>,
    existing: &HashSet<String>,
    a: &LedgerImportArgs,
) -> Result<(Vec<DeploymentRecord>, usize), Error> {
    let mut known = existing.clone();
    known.extend(rows.iter().map(|(_, d)| d.id.clone()));
    let (mut seen, mut out, mut errors, mut replaced) = (HashSet::new(), Vec::new(), Vec::new(), 0);
    for (at, d) in rows {
        if !seen.insert(d.id.clone()) {
            errors.push(format!("{at}: id {:?} appears twice in the import", d.id));
        } else if existing.contains(&d.id) && !a.replace {
            errors.push(format!("{at}: deployment {:?} is already in the ledger (pass --replace)", d.id));
        } else {
            replaced += usize::from(existing.contains(&d.id));
            match checked(ctx, d, &known, a.allow_unknown_sha) {
                Ok(d) => out.push(d),
                Err(e) => errors.push(format!("{at}: {e}")),
            }
        }
    }
    if errors.is_empty() {
        return Ok((out, replaced));
    }
    let more = errors.len().saturating_sub(5);
    errors.truncate(5);
    let tail = if more > 0 { format!("\n... and {more} more") } else { String::new() };
    Err(Error::Invalid(format!("nothing imported:\n{}{tail}", errors.join("\n"))))
}

fn record_from_args(ctx: &Project, a: &LedgerAddArgs) -> Result<DeploymentRecord, Error> {
    let finished = instant(ctx, a.finished.as_ref(), now())?;
    let started = instant(ctx, a.started.as_ref(), finished)?;
    let (environment, production) = environment(ctx, a.env.as_ref());
    Ok(DeploymentRecord {
        id: a.id.clone().unwrap_or_else(|| format!("dep-{}", finished.0)),
        service: a.service.clone(),
        environment,
        production,
        sha: a.sha.clone(),
        version: a.version.clone(),
        kind: a.kind.clone(),
        status: a.status.clone(),
        started_at: started,
        finished_at: finished,
        run: None,
        remediates: a.remediates.clone(),
        actor: Some(a.actor.clone().unwrap_or_else(|| Operator::current().name)),
        digest: None,
    })
}

fn list(deps: &[DeploymentRecord], json: bool) -> String {
    if json {
        return serde_json::to_string_pretty(deps).unwrap_or_default() + "\n";
    }
    let mut s = format!(
        "{:<24} {:<10} {:<12} {:<9} {:<11} {:<10} {:<25} {}\n",
        "id", "service", "environment", "sha", "kind", "status", "finished", "digest"
    );
    for d in deps {
        let sha = d.sha.as_deref().map_or("-", |x| x.get(..8).unwrap_or(x));
        // `sha256:` and 12 hex digits, enough to tell images apart (`--json` has it whole).
        let digest = d.digest.as_deref().map_or("-", |x| x.get(..19).unwrap_or(x));
        let _ = writeln!(
            s,
            "{:<24} {:<10} {:<12} {:<9} {:<11} {:<10} {:<25} {}",
            d.id,
            d.service,
            d.environment,
            sha,
            d.kind,
            d.status,
            d.finished_at.to_rfc3339(),
            digest
        );
    }
    s
}

/// The ledger as JSONL or CSV.
pub fn export(deps: &[DeploymentRecord], format: LedgerFormat) -> String {
    let mut s = String::new();
    if format == LedgerFormat::Csv {
        s.push_str(CSV_HEADER);
        s.push('\n');
    }
    for d in deps {
        if format == LedgerFormat::Jsonl {
            s.push_str(&serde_json::to_string(d).unwrap_or_default());
        } else {
            let o = |v: &Option<String>| quote(v.as_deref().unwrap_or(""));
            let _ = write!(
                s,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                quote(&d.id),
                quote(&d.service),
                quote(&d.environment),
                d.production,
                o(&d.sha),
                o(&d.version),
                quote(&d.kind),
                quote(&d.status),
                d.started_at.0,
                d.finished_at.0,
                o(&d.run),
                o(&d.remediates),
                o(&d.actor),
                o(&d.digest)
            );
        }
        s.push('\n');
    }
    s
}

fn import_records(ctx: &Project, a: &LedgerImportArgs) -> Result<Vec<(String, DeploymentRecord)>, Error> {
    if let Some(pattern) = &a.from_tags {
        let service =
            a.service.clone().unwrap_or_else(|| match ctx.config.services.keys().collect::<Vec<_>>()[..] {
                [only] => only.clone(),
                _ => ctx.config.project_name(&ctx.paths.project_dir),
            });
        let dir = ctx.config.services.get(&service).and_then(|s| s.repo.as_ref());
        let dir = dir.map_or_else(|| ctx.paths.project_dir.clone(), |r| ctx.paths.project_dir.join(r));
        let repo = git::open(&dir).map_err(err)?;
        let (env, _) = environment(ctx, None);
        let deps = tags::deployments_from_tags(&repo, pattern, &service, &env).map_err(err)?;
        return Ok(deps
            .into_iter()
            .map(|d| (format!("tag {}", d.version.clone().unwrap_or_default()), d))
            .collect());
    }
    let Some(path) = &a.file else { return Err(Error::Invalid("name a FILE or --from-tags PATTERN".into())) };
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    let rows = parse_file(&text)
        .map_err(|(line, msg)| Error::Invalid(format!("{}:{line}: {msg}", path.display())))?;
    Ok(rows.into_iter().map(|(line, d)| (format!("{}:{line}", path.display()), d)).collect())
}

/// Parses JSONL (lines starting with `{`) or CSV with the export's header; each row with its line.
pub fn parse_file(text: &str) -> Result<Vec<(usize, DeploymentRecord)>, (usize, String)> {
    let mut out = Vec::new();
    let mut csv_header: Option<Vec<String>> = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if line.trim_start().starts_with('{') {
            out.push((i + 1, serde_json::from_str(line).map_err(|e| (i + 1, e.to_string()))?));
        } else if let Some(h) = &csv_header {
            out.push((i + 1, csv_record(h, &split_csv(line)).map_err(|e| (i + 1, e))?));
        } else {
            csv_header = Some(split_csv(line));
        }
    }
    Ok(out)
}

fn csv_record(header: &[String], fields: &[String]) -> Result<DeploymentRecord, String> {
    let get =
        |k: &str| header.iter().position(|h| h == k).and_then(|i| fields.get(i)).cloned().unwrap_or_default();
    let opt = |k: &str| Some(get(k)).filter(|v| !v.is_empty());
    let num = |k: &str| {
        get(k).parse::<i64>().map(Micros).map_err(|_| format!("{k} {:?} is not microseconds", get(k)))
    };
    Ok(DeploymentRecord {
        id: get("id"),
        service: get("service"),
        environment: get("environment"),
        production: get("production") == "true",
        sha: opt("sha"),
        version: opt("version"),
        kind: get("kind"),
        status: get("status"),
        started_at: num("started_at")?,
        finished_at: num("finished_at")?,
        run: opt("run"),
        remediates: opt("remediates"),
        actor: opt("actor"),
        digest: opt("digest"),
    })
}

/// Splits one CSV line (fields may be quoted, `""` is a quote).
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                if let Some(f) = fields.last_mut() {
                    f.push('"');
                }
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => {
                if let Some(f) = fields.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    fields
}

/// `flightdeck incident list`.
pub async fn list_incidents(ctx: &Project, json: bool) -> Result<i32, Error> {
    let all = crate::headless::history::History::open(ctx, "incident list").await?.incidents().await?;
    if json {
        crate::outln!("{}", serde_json::to_string_pretty(&all).unwrap_or_default());
        return Ok(exit::OK);
    }
    for i in &all {
        let resolved =
            i.resolved_at.map_or_else(|| "open".to_string(), |r| format!("resolved {}", r.to_rfc3339()));
        let cause = i.caused_by.as_deref().unwrap_or("-");
        crate::outln!(
            "{:<22} {:<6} {:<10} {} caused by {cause}, {resolved}: {}",
            i.id,
            i.severity,
            i.service,
            i.started_at.to_rfc3339(),
            crate::sanitize::one_line(&i.title)
        );
    }
    Ok(exit::OK)
}
