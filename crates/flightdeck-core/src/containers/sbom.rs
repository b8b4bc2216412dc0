//! Reading the packages out of a `CycloneDX` JSON SBOM (as syft writes it).

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ContainerError;

/// One package of the SBOM.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Component {
    /// Package name (`busybox`).
    pub name: String,
    /// Version (`1.35.0`).
    pub version: String,
    /// Package URL, if given (`pkg:generic/busybox@1.35.0`).
    pub purl: Option<String>,
}

/// The components with a name and a version, sorted, without duplicates.
pub fn components(path: &Path) -> Result<Vec<Component>, ContainerError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ContainerError::io(format!("cannot read SBOM {}", path.display()), e))?;
    let doc: Value =
        serde_json::from_str(&text).map_err(|e| ContainerError::json(path, &e, "a CycloneDX JSON SBOM"))?;
    if doc.get("bomFormat").and_then(Value::as_str) != Some("CycloneDX") {
        return Err(ContainerError::BadFile {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message: "not a CycloneDX JSON SBOM (no `\"bomFormat\": \"CycloneDX\"`)".into(),
        });
    }
    let mut out: Vec<Component> = doc
        .get("components")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| {
            Some(Component {
                name: c.get("name")?.as_str()?.to_string(),
                version: c.get("version")?.as_str()?.to_string(),
                purl: c.get("purl").and_then(Value::as_str).map(str::to_string),
            })
        })
        .collect();
    out.sort();
    out.dedup_by(|a, b| a.name == b.name && a.version == b.version);
    Ok(out)
}
