//! Version files: Cargo.toml (`[package]` or `[workspace.package]`; its entry in Cargo.lock follows), pyproject.toml (`[project]` or
//! `[tool.poetry]`), package.json (the top-level `"version"`) and a plain VERSION file. Edits keep
//! everything else byte for byte (`toml_edit` for TOML, an in-place string splice for JSON, since
//! `serde_json` would re-indent the file), and the file is re-read after writing to check.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ReleaseError;

/// The formats understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// Cargo.toml
    Cargo,
    /// pyproject.toml
    Pyproject,
    /// package.json
    PackageJson,
    /// VERSION (the whole file is the version)
    Plain,
}

impl FileKind {
    /// The kind by file name (unknown names are plain files).
    pub fn of(path: &Path) -> FileKind {
        match path.file_name().and_then(|n| n.to_str()) {
            Some("Cargo.toml") => FileKind::Cargo,
            Some("pyproject.toml") => FileKind::Pyproject,
            Some("package.json") => FileKind::PackageJson,
            _ => FileKind::Plain,
        }
    }
}

/// The version files of a project: the configured ones, else those of the four usual ones that exist.
pub fn detect(dir: &Path, configured: &[PathBuf]) -> Vec<PathBuf> {
    if !configured.is_empty() {
        return configured.iter().map(|p| dir.join(p)).collect();
    }
    ["Cargo.toml", "package.json", "pyproject.toml", "VERSION"]
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect()
}

/// The version written in `text` (pure).
pub fn read_version(text: &str, kind: FileKind) -> Result<String, String> {
    match kind {
        FileKind::Plain => Ok(text.trim().to_string()),
        FileKind::PackageJson => json_version_span(text).map(|(s, e)| text[s..e].to_string()),
        FileKind::Cargo | FileKind::Pyproject => {
            let doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("not valid TOML: {e}"))?;
            let item = toml_version_item(&doc, kind).ok_or_else(|| missing(kind))?;
            item.as_str().map(str::to_string).ok_or_else(|| "the version is not a string".to_string())
        }
    }
}

/// `text` with its version replaced by `version`, everything else kept (pure).
pub fn set_version(text: &str, kind: FileKind, version: &str) -> Result<String, String> {
    match kind {
        FileKind::Plain => {
            let trailing = &text[text.trim_end().len()..];
            let lead = &text[..text.len() - text.trim_start().len()];
            Ok(format!("{lead}{version}{}", if trailing.is_empty() { "\n" } else { trailing }))
        }
        FileKind::PackageJson => {
            let (s, e) = json_version_span(text)?;
            Ok(format!("{}{version}{}", &text[..s], &text[e..]))
        }
        FileKind::Cargo | FileKind::Pyproject => {
            let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("not valid TOML: {e}"))?;
            let table = toml_version_table(&mut doc, kind).ok_or_else(|| missing(kind))?;
            let Some(value) = table.get_mut("version").and_then(toml_edit::Item::as_value_mut) else {
                return Err(missing(kind));
            };
            let decor = value.decor().clone();
            *value = toml_edit::Value::from(version);
            *value.decor_mut() = decor;
            Ok(doc.to_string())
        }
    }
}

/// Writes `version` into the file at `path`, re-reads it and checks; returns the old version.
pub fn write_version(path: &Path, version: &str) -> Result<String, ReleaseError> {
    let kind = FileKind::of(path);
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(ReleaseError::io(format!("reading {shown}")))?;
    let old = read_version(&text, kind).map_err(|e| ReleaseError::Invalid(format!("{shown}: {e}")))?;
    let new =
        set_version(&text, kind, version).map_err(|e| ReleaseError::Invalid(format!("{shown}: {e}")))?;
    std::fs::write(path, &new).map_err(ReleaseError::io(format!("writing {shown}")))?;
    let back = std::fs::read_to_string(path).map_err(ReleaseError::io(format!("re-reading {shown}")))?;
    match read_version(&back, kind) {
        Ok(v) if v == version => Ok(old),
        Ok(v) => Err(ReleaseError::Invalid(format!("{shown}: wrote {version} but read back {v}"))),
        Err(e) => Err(ReleaseError::Invalid(format!("{shown}: after writing: {e}"))),
    }
}

/// `Cargo.lock` text with the entry of package `name` at `old` moved to `new` (pure); `None`
/// when the lock file has no such entry.
pub fn set_lock_version(text: &str, name: &str, old: &str, new: &str) -> Result<Option<String>, String> {
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("not valid TOML: {e}"))?;
    let Some(packages) = doc.get_mut("package").and_then(toml_edit::Item::as_array_of_tables_mut) else {
        return Ok(None);
    };
    let entry = packages.iter_mut().find(|t| {
        t.get("name").and_then(toml_edit::Item::as_str) == Some(name)
            && t.get("version").and_then(toml_edit::Item::as_str) == Some(old)
    });
    let Some(value) = entry.and_then(|t| t.get_mut("version")).and_then(toml_edit::Item::as_value_mut) else {
        return Ok(None);
    };
    let decor = value.decor().clone();
    *value = toml_edit::Value::from(new);
    *value.decor_mut() = decor;
    Ok(Some(doc.to_string()))
}

/// After `Cargo.toml` at `cargo_toml` moved from `old` to `new`: the same move in the `Cargo.lock`
/// beside it, if it has the package. Returns the lock file's path when it changed.
pub fn update_cargo_lock(cargo_toml: &Path, old: &str, new: &str) -> Result<Option<PathBuf>, ReleaseError> {
    let lock = cargo_toml.with_file_name("Cargo.lock");
    let Ok(lock_text) = std::fs::read_to_string(&lock) else { return Ok(None) };
    let manifest = std::fs::read_to_string(cargo_toml).map_err(ReleaseError::io("re-reading Cargo.toml"))?;
    let doc: toml_edit::DocumentMut =
        manifest.parse().map_err(|e| ReleaseError::Invalid(format!("Cargo.toml: {e}")))?;
    let Some(name) = doc.get("package").and_then(|p| p.get("name")).and_then(toml_edit::Item::as_str) else {
        return Ok(None);
    };
    let shown = lock.display().to_string();
    match set_lock_version(&lock_text, name, old, new)
        .map_err(|e| ReleaseError::Invalid(format!("{shown}: {e}")))?
    {
        Some(text) => {
            std::fs::write(&lock, text).map_err(ReleaseError::io(format!("writing {shown}")))?;
            Ok(Some(lock))
        }
        None => Ok(None),
    }
}

fn missing(kind: FileKind) -> String {
    match kind {
        FileKind::Cargo => "no version in [package] or [workspace.package]".into(),
        FileKind::Pyproject => "no version in [project] or [tool.poetry]".into(),
        FileKind::PackageJson => "no top-level \"version\" string".into(),
        FileKind::Plain => "empty file".into(),
    }
}

fn toml_paths(kind: FileKind) -> [[&'static str; 2]; 2] {
    match kind {
        FileKind::Pyproject => [["project", ""], ["tool", "poetry"]],
        _ => [["package", ""], ["workspace", "package"]],
    }
}

fn toml_version_item(doc: &toml_edit::DocumentMut, kind: FileKind) -> Option<&toml_edit::Item> {
    toml_paths(kind).iter().find_map(|[a, b]| {
        let t = doc.get(a)?;
        let t = if b.is_empty() { t } else { t.get(b)? };
        // `version.workspace = true` is not the version: the workspace's table holds it.
        t.get("version").filter(|v| v.as_str().is_some())
    })
}

fn toml_version_table(doc: &mut toml_edit::DocumentMut, kind: FileKind) -> Option<&mut toml_edit::Table> {
    let [a, b] = toml_paths(kind).into_iter().find(|[a, b]| {
        let t = doc.get(a);
        let t = if b.is_empty() { t } else { t.and_then(|t| t.get(b)) };
        t.and_then(|t| t.get("version")).is_some_and(|v| v.as_str().is_some())
    })?;
    let t = doc.get_mut(a)?.as_table_mut()?;
    if b.is_empty() { Some(t) } else { t.get_mut(b)?.as_table_mut() }
}

/// Byte range of the top-level `"version"` string value (without quotes) in a JSON object.
fn json_version_span(text: &str) -> Result<(usize, usize), String> {
    serde_json::from_str::<serde_json::Value>(text).map_err(|e| format!("not valid JSON: {e}"))?;
    super::jsonspan::string_at(text, &["version"]).ok_or_else(|| missing(FileKind::PackageJson))
}
