//! An offline advisory directory in OSV JSON, matched against the SBOM: an advisory applies to a
//! component when one of its `affected` entries names the package and either lists the component's
//! version in `versions` or has a `SEMVER` or `ECOSYSTEM` range containing it.
//!
//! Ranges are evaluated as the OSV schema says: the events (`introduced`, `fixed`, `last_affected`,
//! `limit`) sorted by version (`introduced: "0"` first), then walked in order: at or after an
//! `introduced` the version is affected, at or after a `fixed` (or after a `last_affected`) it is
//! not; with `limit` events the version must also be below one of them (`*` is no limit). How
//! versions are ordered depends on the range type and the ecosystem: see [`super::versions`]. `GIT`
//! ranges name commits, which an SBOM's package versions cannot be placed between: they are skipped
//! (list the affected versions in `versions` too, as OSV exports do).
//!
//! Severity comes from `database_specific.severity` (GitHub's `LOW`/`MODERATE`/`HIGH`/`CRITICAL`),
//! else an `affected[].ecosystem_specific.severity`, else a numeric `severity[].score` (CVSS vectors
//! are not scored); an advisory with none of these is `unknown`: reported, and blocking only with
//! `--fail-on unknown`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::sbom::Component;
use super::versions::Scheme;
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
    /// The affected packages.
    pub affected: Vec<Affected>,
}

/// One `affected` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Affected {
    /// `package.name`.
    pub name: String,
    /// `package.ecosystem` (`Debian:12`, `npm`), if given.
    pub ecosystem: Option<String>,
    /// The versions listed one by one.
    pub versions: Vec<String>,
    /// The `SEMVER` and `ECOSYSTEM` ranges (`GIT` ranges are dropped).
    pub ranges: Vec<Range>,
}

/// One range: how its versions are ordered, and its events.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    /// The ordering (`SEMVER` ranges are semver whatever the ecosystem).
    pub scheme: Scheme,
    /// The events in file order.
    pub events: Vec<Event>,
}

/// A range event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Affected from this version on (`0`: from the start).
    Introduced(String),
    /// Not affected from this version on.
    Fixed(String),
    /// Affected up to and including this version.
    LastAffected(String),
    /// Nothing at or above this version is in the range (`*`: no limit).
    Limit(String),
}

impl Event {
    fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

impl Affected {
    /// Whether `version` is listed or inside one of the ranges.
    pub fn contains(&self, version: &str) -> bool {
        self.versions.iter().any(|v| v == version) || self.ranges.iter().any(|r| r.contains(version))
    }
}

impl Range {
    /// The OSV schema's evaluation: events sorted by version, walked in order, under the limits.
    pub fn contains(&self, version: &str) -> bool {
        let cmp = |a: &str, b: &str| self.scheme.compare(a, b);
        let limits: Vec<&str> = self
            .events
            .iter()
            .filter_map(|e| if let Event::Limit(v) = e { Some(v.as_str()) } else { None })
            .collect();
        if !limits.is_empty() && !limits.iter().any(|l| *l == "*" || cmp(version, l).is_lt()) {
            return false;
        }
        let mut sorted: Vec<&Event> = self.events.iter().filter(|e| !matches!(e, Event::Limit(_))).collect();
        sorted.sort_by(|a, b| match (a.version(), b.version()) {
            ("0", "0") => std::cmp::Ordering::Equal,
            ("0", _) => std::cmp::Ordering::Less,
            (_, "0") => std::cmp::Ordering::Greater,
            (x, y) => cmp(x, y),
        });
        let mut affected = false;
        for e in sorted {
            match e {
                Event::Introduced(v) if v == "0" || cmp(version, v).is_ge() => affected = true,
                Event::Fixed(v) if cmp(version, v).is_ge() => affected = false,
                Event::LastAffected(v) if cmp(version, v).is_gt() => affected = false,
                _ => {}
            }
        }
        affected
    }
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
    let mut entries = Vec::new();
    for a in affected {
        entries.push(affected_entry(&id, a)?);
    }
    let summary = d.get("summary").and_then(Value::as_str).unwrap_or(&id).to_string();
    Ok(Advisory { severity: severity(d), summary, affected: entries, id })
}

fn affected_entry(id: &str, a: &Value) -> Result<Affected, String> {
    let name = a.pointer("/package/name").and_then(Value::as_str);
    let Some(name) = name else {
        return Err(format!("advisory {id}: an `affected` entry has no package.name"));
    };
    let ecosystem = a.pointer("/package/ecosystem").and_then(Value::as_str).map(str::to_string);
    let versions =
        a.get("versions").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str);
    let mut ranges = Vec::new();
    for r in a.get("ranges").and_then(Value::as_array).into_iter().flatten() {
        let scheme = match r.get("type").and_then(Value::as_str) {
            Some("SEMVER") => Scheme::Semver,
            Some("ECOSYSTEM") => Scheme::for_ecosystem(ecosystem.as_deref()),
            Some("GIT") => continue,
            other => {
                return Err(format!(
                    "advisory {id}, package {name}: range type {other:?} is not SEMVER, ECOSYSTEM or GIT"
                ));
            }
        };
        ranges.push(Range { scheme, events: events(id, name, r)? });
    }
    Ok(Affected {
        name: name.to_string(),
        ecosystem,
        versions: versions.map(str::to_string).collect(),
        ranges,
    })
}

fn events(id: &str, name: &str, range: &Value) -> Result<Vec<Event>, String> {
    let bad = |what: &str| format!("advisory {id}, package {name}: {what}");
    let list = range
        .get("events")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("a range needs an `events` array"))?;
    let mut out = Vec::new();
    for e in list {
        let field = |k: &str| e.get(k).and_then(Value::as_str).map(str::to_string);
        let event = if let Some(v) = field("introduced") {
            Event::Introduced(v)
        } else if let Some(v) = field("fixed") {
            Event::Fixed(v)
        } else if let Some(v) = field("last_affected") {
            Event::LastAffected(v)
        } else if let Some(v) = field("limit") {
            Event::Limit(v)
        } else {
            return Err(bad(&format!("event {e} is not one of introduced, fixed, last_affected, limit")));
        };
        out.push(event);
    }
    if !out.iter().any(|e| matches!(e, Event::Introduced(_))) {
        return Err(bad("a range needs an `introduced` event (use \"0\" for all earlier versions)"));
    }
    Ok(out)
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

/// The findings: each advisory that lists a component's version or has it in a range, once per
/// component.
pub fn matches(advisories: &[Advisory], components: &[Component]) -> Vec<Finding> {
    let mut out = Vec::new();
    for adv in advisories {
        for c in components {
            let hit = adv.affected.iter().any(|a| a.name == c.name && a.contains(&c.version));
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
