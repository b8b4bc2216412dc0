//! An offline advisory directory in OSV JSON, matched against the SBOM by exact package version:
//! an advisory applies to a component when one of its `affected` entries names the package and lists
//! the component's version in `versions` (ranges are not evaluated: the directory must list versions).
//!
//! Severity comes from `database_specific.severity` (GitHub's `LOW`/`MODERATE`/`HIGH`/`CRITICAL`),
//! else an `affected[].ecosystem_specific.severity`, else a numeric `severity[].score` (CVSS vectors
//! are not scored); an advisory with none of these is `unknown`: reported, and blocking only with
//! `--fail-on unknown`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::sbom::Component;
use super::{ContainerError, Finding, Severity};

/// One advisory, reduced to what matching needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Advisory {
    /// Its id (`OSV-2024-1`, `GHSA-...`, `CVE-...`).
    pub id: String,
    /// One line.
    pub summary: String,
    /// Severity.
    pub severity: Severity,
    /// `(package name, versions)` per affected entry.
    pub affected: Vec<(String, Vec<String>)>,
}

/// Reads every `*.json` file of `dir` (sorted by name); a file may hold one advisory or an array.
pub fn load(dir: &Path) -> Result<Vec<Advisory>, ContainerError> {
    let read_dir = std::fs::read_dir(dir).map_err(|e| {
        ContainerError::io(format!("cannot read the advisory directory {}", dir.display()), e)
    })?;
    let mut files: Vec<PathBuf> = read_dir
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| ContainerError::io(format!("cannot read advisory {}", file.display()), e))?;
        let doc: Value = serde_json::from_str(&text)
            .map_err(|e| ContainerError::json(&file, &e, "an OSV advisory (JSON)"))?;
        let docs = match doc {
            Value::Array(items) => items,
            one => vec![one],
        };
        for d in &docs {
            out.push(advisory(d).map_err(|message| ContainerError::BadFile {
                path: file.clone(),
                line: 1,
                column: 1,
                message,
            })?);
        }
    }
    Ok(out)
}

fn advisory(d: &Value) -> Result<Advisory, String> {
    let id = d.get("id").and_then(Value::as_str).ok_or("an OSV advisory needs an `id` string")?.to_string();
    let affected = d
        .get("affected")
        .and_then(Value::as_array)
        .ok_or(format!("advisory {id}: `affected` must be an array"))?;
    let mut pairs = Vec::new();
    for a in affected {
        let name = a.pointer("/package/name").and_then(Value::as_str);
        let Some(name) = name else {
            return Err(format!("advisory {id}: an `affected` entry has no package.name"));
        };
        let versions =
            a.get("versions").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str);
        pairs.push((name.to_string(), versions.map(str::to_string).collect()));
    }
    let summary = d.get("summary").and_then(Value::as_str).unwrap_or(&id).to_string();
    Ok(Advisory { severity: severity(d), summary, affected: pairs, id })
}

fn severity(d: &Value) -> Severity {
    let named = d
        .pointer("/database_specific/severity")
        .or_else(|| {
            let affected = d.get("affected").and_then(Value::as_array)?;
            affected.iter().find_map(|a| a.pointer("/ecosystem_specific/severity"))
        })
        .and_then(Value::as_str)
        .and_then(Severity::parse);
    named.unwrap_or_else(|| {
        let scores = d.get("severity").and_then(Value::as_array).into_iter().flatten();
        let best = scores
            .filter_map(|s| s.get("score")?.as_str()?.parse::<f64>().ok())
            .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
        match best {
            Some(x) if x >= 9.0 => Severity::Critical,
            Some(x) if x >= 7.0 => Severity::High,
            Some(x) if x >= 4.0 => Severity::Medium,
            Some(x) if x > 0.0 => Severity::Low,
            _ => Severity::Unknown,
        }
    })
}

/// The findings: each advisory that lists a component's exact version, once per component.
pub fn matches(advisories: &[Advisory], components: &[Component]) -> Vec<Finding> {
    let mut out = Vec::new();
    for adv in advisories {
        for c in components {
            let hit =
                adv.affected.iter().any(|(name, versions)| *name == c.name && versions.contains(&c.version));
            if hit {
                out.push(Finding {
                    id: adv.id.clone(),
                    severity: adv.severity,
                    source: "osv".into(),
                    package: Some(c.name.clone()),
                    version: Some(c.version.clone()),
                    title: adv.summary.clone(),
                });
            }
        }
    }
    out
}
