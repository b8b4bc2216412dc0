//! `flightdeck image build|scan|push|list`: the container mechanics of `flightdeck_core::containers`,
//! printed as lines, with the gate's decision, the override check against the run's approvals, the
//! audit entries and the `artifacts` row that need the store.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use super::Project;
use crate::containers::build::{BuildRecord, BuildSpec, build};
use crate::containers::scan::{ScanReport, ScanSpec, scan};
use crate::containers::{ContainerError, ImageCommand, push};
use crate::engine::event::StepStatus;
use crate::error::{Error, exit};
use crate::identity::Operator;
use crate::outputs::write_outputs;
use crate::store::{NewArtifact, NewAudit, Store};

/// Runs one `image` subcommand.
pub async fn image(ctx: &Project, c: ImageCommand) -> Result<i32, Error> {
    match c {
        ImageCommand::Build { context, file, image, tags, out, builder } => {
            let r = build(&BuildSpec { context, file, image, tags, out, builder })?;
            print_build(&r)?;
            Ok(exit::OK)
        }
        ImageCommand::Scan { dir, reports, advisories, fail_on, no_secret_scan } => {
            let r = scan(&ScanSpec { dir, reports, advisories, fail_on, secret_scan: !no_secret_scan })?;
            print_scan(&r)?;
            Ok(exit::OK)
        }
        ImageCommand::Push { dir, registry, insecure, override_gate, run } => {
            let run = run.or_else(|| std::env::var("FLIGHTDECK_RUN").ok().filter(|r| !r.is_empty()));
            let store = ctx.store()?;
            push_cmd(&store, &dir, &registry, insecure, override_gate.as_deref(), run.as_deref()).await
        }
        ImageCommand::Digest { reference, insecure } => digest_cmd(&reference, insecure).await,
        ImageCommand::List { json } => {
            let mut history = crate::headless::history::History::open(ctx, "image list").await?;
            crate::out!("{}", list(&history.images().await?, json));
            Ok(exit::OK)
        }
    }
}

fn print_build(r: &BuildRecord) -> Result<(), Error> {
    let tags = r.tags.join(", ");
    crate::outln!("built {} ({tags}) from {}", r.image, r.containerfile.display());
    crate::outln!("SBOM {} lists {} package(s):", r.sbom.display(), r.components.len());
    for c in &r.components {
        crate::outln!("  {} {}", crate::sanitize::one_line(&c.name), crate::sanitize::one_line(&c.version));
    }
    let (sbom, archive) = (r.sbom.to_string_lossy(), r.archive.to_string_lossy());
    write_outputs(&[("image", &r.image), ("tags", &tags), ("sbom", &sbom), ("archive", &archive)])
}

fn print_scan(r: &ScanReport) -> Result<(), Error> {
    for f in &r.findings {
        let pkg = match (&f.package, &f.version) {
            (Some(p), Some(v)) => format!(" {p} {v}"),
            _ => String::new(),
        };
        let line = format!("{:<8} {} ({}){pkg}: {}", f.severity.name(), f.id, f.source, f.title);
        crate::outln!("{}", crate::sanitize::one_line(&line));
    }
    let counts = r.counts().iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ");
    crate::outln!("{} finding(s) ({counts}) from {}", r.findings.len(), r.sources.join(", "));
    let blocked = if r.passed() { "false" } else { "true" };
    if r.passed() {
        crate::outln!("scan gate: passed (nothing at or above {})", r.fail_on.name());
    } else {
        let ids = crate::sanitize::one_line(&r.blocking.join(", ")).into_owned();
        crate::outln!(
            "scan gate: BLOCKED by {} finding(s) at or above {}: {ids}",
            r.blocking.len(),
            r.fail_on.name()
        );
    }
    write_outputs(&[("blocked", blocked), ("findings", &r.blocking.join(",")), ("counts", &counts)])
}

async fn push_cmd(
    store: &Store,
    dir: &Path,
    registry: &str,
    insecure: bool,
    override_gate: Option<&str>,
    run: Option<&str>,
) -> Result<i32, Error> {
    push::check_registry(registry)?;
    let build = BuildRecord::load(dir)?;
    let report = ScanReport::load(dir)?;
    if report.image != build.image || report.tags != build.tags {
        return Err(Error::Invalid(format!(
            "{}: the scan is of {} ({}), the build of {} ({}): scan this build again",
            dir.display(),
            report.image,
            report.tags.join(", "),
            build.image,
            build.tags.join(", ")
        )));
    }
    let mut verdict = "passed";
    let mut override_detail = Value::Null;
    if !report.passed() {
        match gate_override(store, &report, override_gate, run).await? {
            Ok(detail) => (verdict, override_detail) = ("overridden", detail),
            Err(code) => return Ok(code),
        }
    }
    let pushed = match push::push(&build, registry, insecure).await {
        Ok(p) => p,
        Err(e @ ContainerError::PushRefused { .. }) => {
            crate::errln!("flightdeck: {e}");
            return Ok(exit::STEP_FAILED);
        }
        Err(e) => return Err(e.into()),
    };
    let mut summary = report.summary(verdict);
    summary["override"] = override_detail;
    let artifact = NewArtifact {
        image: pushed.repository.clone(),
        tags: build.tags.clone(),
        digest: pushed.digest.clone(),
        sbom_path: Some(build.sbom.to_string_lossy().into_owned()),
        scan_summary: summary,
        run: run.map(str::to_string),
    };
    store.add_artifact(&artifact, crate::time::now()).await?;
    audit(
        store,
        "image.push",
        run,
        json!({ "image": pushed.repository, "tags": build.tags, "digest": pushed.digest, "scan": verdict }),
    )
    .await?;
    crate::outln!("pushed {} ({}) digest {}", pushed.repository, build.tags.join(", "), pushed.digest);
    let reference = format!("{}@{}", pushed.repository, pushed.digest);
    write_outputs(&[
        ("digest", &pushed.digest),
        ("repository", &pushed.repository),
        ("reference", &reference),
    ])?;
    Ok(exit::OK)
}

/// `image digest REF`: the registry's digest of a pushed image, as the step output `digest`. A
/// registry that does not serve it (unknown image, unreachable) fails the step (exit 3).
async fn digest_cmd(reference: &str, insecure: bool) -> Result<i32, Error> {
    let (registry, name, tag) = push::split_reference(reference)?;
    let digest = match push::read_digest(registry, name, tag, insecure).await {
        Ok(d) => d,
        Err(e @ ContainerError::Registry { .. }) => {
            crate::errln!("flightdeck: {}", crate::sanitize::one_line(&e.to_string()));
            return Ok(exit::STEP_FAILED);
        }
        Err(e) => return Err(e.into()),
    };
    crate::outln!("{reference} is {digest}");
    write_outputs(&[("digest", &digest), ("reference", &format!("{registry}/{name}@{digest}"))])?;
    Ok(exit::OK)
}

/// A blocked scan: `Ok(Ok(detail))` when the run's approval step passed (audited with the finding
/// ids), `Ok(Err(exit code))` after printing why the push is refused.
async fn gate_override(
    store: &Store,
    report: &ScanReport,
    gate: Option<&str>,
    run: Option<&str>,
) -> Result<Result<Value, i32>, Error> {
    let ids = report.blocking.join(", ");
    let (Some(gate), Some(run)) = (gate, run) else {
        crate::errln!(
            "push refused: {} finding(s) at or above {}: {}\n  fix the image, or push from a workflow whose approval step passes (`--override-gate STEP`)",
            report.blocking.len(),
            report.fail_on.name(),
            crate::sanitize::one_line(&ids)
        );
        return Ok(Err(exit::PRECONDITION));
    };
    let passed = store.steps(run)?.iter().any(|s| s.step == gate && s.status == StepStatus::Succeeded);
    let prefix = format!("{gate}#");
    let approvers: Vec<String> = store
        .approvals(run, None)?
        .into_iter()
        .filter(|a| a.gate.starts_with(&prefix) && a.decision != "reject")
        .map(|a| a.name)
        .collect();
    if !passed || approvers.is_empty() {
        crate::errln!(
            "push refused: step {gate:?} of run {run} has no passed approval, and {} finding(s) block: {}",
            report.blocking.len(),
            crate::sanitize::one_line(&ids)
        );
        return Ok(Err(exit::REJECTED));
    }
    let detail = json!({ "gate": gate, "approvers": approvers, "findings": report.blocking, "image": report.image, "tags": report.tags });
    audit(store, "image.scan-override", Some(run), detail.clone()).await?;
    crate::outln!("scan gate overridden by the approval of {gate} ({}): {ids}", approvers.join(", "));
    Ok(Ok(detail))
}

async fn audit(store: &Store, action: &str, run: Option<&str>, detail: Value) -> Result<(), Error> {
    let op = Operator::current();
    let entry = NewAudit {
        at: crate::time::now(),
        uid: op.uid,
        actor: op.name,
        action: action.into(),
        run: run.map(str::to_string),
        detail,
    };
    store.audit(entry).await?;
    Ok(())
}

fn list(all: &[crate::store::ArtifactRecord], json: bool) -> String {
    if json {
        return serde_json::to_string_pretty(all).unwrap_or_default() + "\n";
    }
    let mut s = format!("{:<20} {:<30} {:<20} {:<26} {}\n", "pushed", "image", "tags", "digest", "scan");
    for a in all {
        let x = &a.artifact;
        let digest = x.digest.get(..19).unwrap_or(&x.digest);
        let line = format!(
            "{:<20} {:<30} {:<20} {:<26} {}",
            a.created_at.to_rfc3339().get(..19).unwrap_or_default(),
            x.image,
            x.tags.join(","),
            digest,
            scan_text(&x.scan_summary)
        );
        let _ = writeln!(s, "{}", crate::sanitize::one_line(&line));
    }
    s
}

/// `passed`, `blocked`... as one short text: the verdict and the blocking count.
pub fn scan_text(summary: &Value) -> String {
    let verdict = summary["verdict"].as_str().unwrap_or("?");
    let n = summary["blocking"].as_array().map_or(0, Vec::len);
    if n == 0 {
        verdict.to_string()
    } else {
        format!("{verdict} ({n} at/above {})", summary["fail_on"].as_str().unwrap_or("?"))
    }
}
