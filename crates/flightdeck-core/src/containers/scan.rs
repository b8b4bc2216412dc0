//! The scan gate: collects findings (trivy's offline secret scan of the image, reports made
//! elsewhere, OSV advisories matched against the SBOM), decides which block the push
//! (severity at or above `fail_on`) and writes `scan.json` beside the build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::build::BuildRecord;
use super::{ContainerError, Finding, Severity, files, findings, osv, tools};

/// What `image scan` was asked to do.
#[derive(Debug, Clone)]
pub struct ScanSpec {
    /// The build directory.
    pub dir: PathBuf,
    /// Reports made elsewhere.
    pub reports: Vec<PathBuf>,
    /// OSV advisory directory.
    pub advisories: Option<PathBuf>,
    /// The blocking threshold.
    pub fail_on: Severity,
    /// Run trivy's secret scanner on the image.
    pub secret_scan: bool,
}

/// The gate's result (`scan.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanReport {
    /// Repository name.
    pub image: String,
    /// Tags.
    pub tags: Vec<String>,
    /// The blocking threshold.
    pub fail_on: Severity,
    /// Every finding, most severe first.
    pub findings: Vec<Finding>,
    /// The ids of the findings at or above `fail_on` (sorted, unique).
    pub blocking: Vec<String>,
    /// What was consulted (`trivy secret scan`, report paths, the advisory directory).
    pub sources: Vec<String>,
}

impl ScanReport {
    /// Sorts the findings and computes the blocking ids.
    pub fn new(
        build: &BuildRecord,
        fail_on: Severity,
        mut found: Vec<Finding>,
        sources: Vec<String>,
    ) -> ScanReport {
        found.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
        found.dedup_by(|a, b| a.id == b.id && a.package == b.package && a.version == b.version);
        let mut blocking: Vec<String> =
            found.iter().filter(|f| f.severity >= fail_on).map(|f| f.id.clone()).collect();
        blocking.sort();
        blocking.dedup();
        ScanReport {
            image: build.image.clone(),
            tags: build.tags.clone(),
            fail_on,
            findings: found,
            blocking,
            sources,
        }
    }

    /// True when nothing blocks.
    pub fn passed(&self) -> bool {
        self.blocking.is_empty()
    }

    /// Counts per severity (every severity present, zero included).
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut counts: BTreeMap<&'static str, usize> = Severity::ALL.iter().map(|s| (s.name(), 0)).collect();
        for f in &self.findings {
            *counts.entry(f.severity.name()).or_default() += 1;
        }
        counts
    }

    /// The summary recorded with the pushed image.
    pub fn summary(&self, verdict: &str) -> Value {
        json!({ "verdict": verdict, "fail_on": self.fail_on, "counts": self.counts(), "blocking": self.blocking })
    }

    /// Reads `scan.json` of a build directory.
    pub fn load(dir: &Path) -> Result<ScanReport, ContainerError> {
        let path = dir.join(files::SCAN);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            ContainerError::io(
                format!(
                    "cannot read {} (run `flightdeck image scan --dir {}` first)",
                    path.display(),
                    dir.display()
                ),
                e,
            )
        })?;
        serde_json::from_str(&text)
            .map_err(|e| ContainerError::json(&path, &e, "a scan report written by `image scan`"))
    }
}

/// Runs the gate's sources and writes `scan.json`.
pub fn scan(spec: &ScanSpec) -> Result<ScanReport, ContainerError> {
    let build = BuildRecord::load(&spec.dir)?;
    let mut found = Vec::new();
    let mut sources = Vec::new();
    // Reports and advisories first: a bad file is reported before the slower image scan.
    for report in &spec.reports {
        found.extend(findings::read_report(report)?);
        sources.push(format!("report {}", report.display()));
    }
    if let Some(dir) = &spec.advisories {
        let advisories = osv::load(dir)?;
        found.extend(osv::matches(&advisories, &build.components));
        sources.push(format!("{} OSV advisories in {}", advisories.len(), dir.display()));
    }
    if spec.secret_scan {
        found.extend(secret_scan(&build, &spec.dir)?);
        sources.push("trivy secret scan".into());
    }
    let report = ScanReport::new(&build, spec.fail_on, found, sources);
    let path = spec.dir.join(files::SCAN);
    std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap_or_default())
        .map_err(|e| ContainerError::io(format!("cannot write {}", path.display()), e))?;
    Ok(report)
}

/// trivy's secret scanner on the image archive, offline (never the secret itself is kept).
fn secret_scan(build: &BuildRecord, dir: &Path) -> Result<Vec<Finding>, ContainerError> {
    let mut cmd = tools::trivy();
    cmd.env("TRIVY_CACHE_DIR", dir.join(".trivy-cache"))
        .args(["image", "--input"])
        .arg(&build.archive)
        .args(["--scanners", "secret", "--skip-db-update", "--offline-scan", "--quiet", "--format", "json"]);
    let out = tools::run(&mut cmd, &format!("trivy secret scan of {}", build.archive.display()))?;
    let doc: Value = serde_json::from_slice(&out.stdout).map_err(|e| ContainerError::ToolFailed {
        what: "reading trivy's JSON output".into(),
        code: 0,
        stderr: e.to_string(),
    })?;
    findings::trivy_findings(&doc, "trivy-secret").map_err(|m| ContainerError::ToolFailed {
        what: "reading trivy's JSON output".into(),
        code: 0,
        stderr: m,
    })
}
