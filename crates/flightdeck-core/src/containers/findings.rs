//! Severities and findings, and the reports they come from: trivy JSON (vulnerabilities and
//! secrets, the format of trivy's own secret scan too) and grype JSON.

use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ContainerError;

/// A finding's severity, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Not rated.
    Unknown,
    /// Low (also trivy/grype `negligible`).
    Low,
    /// Medium (also OSV/GitHub `moderate`).
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Every severity, most severe first.
    pub const ALL: [Severity; 5] =
        [Severity::Critical, Severity::High, Severity::Medium, Severity::Low, Severity::Unknown];

    /// Reads a severity as the tools write it (case-insensitive); `None` for anything else.
    pub fn parse(text: &str) -> Option<Severity> {
        match text.trim().to_ascii_lowercase().as_str() {
            "critical" => Some(Severity::Critical),
            "high" => Some(Severity::High),
            "medium" | "moderate" => Some(Severity::Medium),
            "low" | "negligible" => Some(Severity::Low),
            "unknown" | "" => Some(Severity::Unknown),
            _ => None,
        }
    }

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Unknown => "unknown",
        }
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::parse(s)
            .ok_or_else(|| format!("{s:?} is not a severity: use low, medium, high or critical"))
    }
}

/// One finding of the gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable id: a CVE/GHSA/OSV id, or `secret:RULE:FILE:LINE` for a secret.
    pub id: String,
    /// Severity.
    pub severity: Severity,
    /// Where it came from: `trivy-secret`, `trivy-report`, `grype-report`, `osv`.
    pub source: String,
    /// The package concerned, if any.
    pub package: Option<String>,
    /// Its version, if any.
    pub version: Option<String>,
    /// One line describing it (never the secret itself).
    pub title: String,
}

/// Reads a trivy or grype JSON report.
pub fn read_report(path: &Path) -> Result<Vec<Finding>, ContainerError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ContainerError::io(format!("cannot read scan report {}", path.display()), e))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        ContainerError::json(path, &e, "a trivy (`-f json`) or grype (`-o json`) JSON report")
    })?;
    let bad =
        |message: String| ContainerError::BadFile { path: path.to_path_buf(), line: 1, column: 1, message };
    if value.get("Results").is_some() || value.get("SchemaVersion").is_some() {
        trivy_findings(&value, "trivy-report").map_err(bad)
    } else if value.get("matches").is_some() {
        grype_findings(&value).map_err(bad)
    } else {
        Err(bad("not a trivy or grype JSON report: expected a top-level `Results` (trivy) or `matches` (grype) key".into()))
    }
}

fn severity_of(v: &Value, what: &str) -> Result<Severity, String> {
    let text = v.as_str().unwrap_or("");
    Severity::parse(text).ok_or_else(|| {
        format!("{what}: severity {text:?} is not one of critical, high, medium, low, unknown")
    })
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Findings of a trivy JSON document (vulnerabilities and secrets).
pub fn trivy_findings(doc: &Value, source: &str) -> Result<Vec<Finding>, String> {
    let mut out = Vec::new();
    let results = match doc.get("Results") {
        None | Some(Value::Null) => return Ok(out),
        Some(Value::Array(r)) => r,
        Some(_) => return Err("`Results` must be an array".into()),
    };
    for (i, r) in results.iter().enumerate() {
        let target = text(r, "Target").unwrap_or_default();
        for v in r.get("Vulnerabilities").and_then(Value::as_array).into_iter().flatten() {
            let id = text(v, "VulnerabilityID")
                .ok_or(format!("Results[{i}]: a vulnerability has no VulnerabilityID"))?;
            out.push(Finding {
                severity: severity_of(&v["Severity"], &id)?,
                source: source.to_string(),
                package: text(v, "PkgName"),
                version: text(v, "InstalledVersion"),
                title: text(v, "Title").unwrap_or_else(|| id.clone()),
                id,
            });
        }
        for s in r.get("Secrets").and_then(Value::as_array).into_iter().flatten() {
            let rule = text(s, "RuleID").unwrap_or_else(|| "secret".into());
            let line = s.get("StartLine").and_then(Value::as_u64).unwrap_or(0);
            let id = format!("secret:{rule}:{target}:{line}");
            out.push(Finding {
                severity: severity_of(&s["Severity"], &id)?,
                source: source.to_string(),
                package: None,
                version: None,
                title: format!("{} in {target} line {line}", text(s, "Title").unwrap_or(rule)),
                id,
            });
        }
    }
    Ok(out)
}

/// Findings of a grype JSON document.
pub fn grype_findings(doc: &Value) -> Result<Vec<Finding>, String> {
    let Some(matches) = doc.get("matches").and_then(Value::as_array) else {
        return Err("`matches` must be an array".into());
    };
    let mut out = Vec::new();
    for (i, m) in matches.iter().enumerate() {
        let vuln = &m["vulnerability"];
        let id = text(vuln, "id").ok_or(format!("matches[{i}]: no vulnerability.id"))?;
        out.push(Finding {
            severity: severity_of(&vuln["severity"], &id)?,
            source: "grype-report".into(),
            package: text(&m["artifact"], "name"),
            version: text(&m["artifact"], "version"),
            title: text(vuln, "description").unwrap_or_else(|| id.clone()),
            id,
        });
    }
    Ok(out)
}
