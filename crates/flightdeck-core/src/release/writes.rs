//! The version files a release writes, planned in memory before anything touches the disk, so a
//! dry run lists exactly what a real run writes. Beyond each version file: a Cargo manifest whose
//! version is `version.workspace = true` is bumped in the workspace root; the `Cargo.lock` entries
//! of every package whose version moved (the package, or every member inheriting the workspace's
//! version) follow; a `package-lock.json` beside a `package.json` gets both of its `version`
//! fields (top level and `packages[""]`). A requirement on a moved workspace member that the new
//! version no longer meets follows it ([`memberdeps`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml_edit::{DocumentMut, Item};

use super::files::{self, FileKind};
use super::{ReleaseError, jsonspan, memberdeps};

/// One file a release writes: its path (relative to the project), the version it held (none for a
/// lock file or the changelog) and its new text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileWrite {
    pub path: PathBuf,
    pub old: Option<String>,
    #[serde(skip)]
    pub text: String,
}

/// Pending writes by absolute path, in the order first touched.
#[derive(Debug, Default)]
struct Pending {
    order: Vec<PathBuf>,
    files: BTreeMap<PathBuf, (Option<String>, String)>,
}

impl Pending {
    /// The text of `path` as it will be (a pending write, else the disk).
    fn text(&self, path: &Path) -> Result<String, ReleaseError> {
        match self.files.get(path) {
            Some((_, t)) => Ok(t.clone()),
            None => {
                std::fs::read_to_string(path).map_err(ReleaseError::io(format!("reading {}", path.display())))
            }
        }
    }

    fn put(&mut self, path: &Path, old: Option<String>, text: String) {
        if let Some(entry) = self.files.get_mut(path) {
            entry.1 = text;
        } else {
            self.order.push(path.to_path_buf());
            self.files.insert(path.to_path_buf(), (old, text));
        }
    }
}

/// Plans writing `version` into every version file of the project in `dir`.
pub fn version_writes(
    dir: &Path,
    configured: &[PathBuf],
    version: &str,
) -> Result<Vec<FileWrite>, ReleaseError> {
    let mut p = Pending::default();
    for path in files::detect(dir, configured) {
        match FileKind::of(&path) {
            FileKind::Cargo => cargo(&mut p, &path, version)?,
            FileKind::PackageJson => package_json(&mut p, &path, version)?,
            kind => {
                let text = p.text(&path)?;
                let old = files::read_version(&text, kind).map_err(|e| invalid(&path, &e))?;
                let new = files::set_version(&text, kind, version).map_err(|e| invalid(&path, &e))?;
                p.put(&path, Some(old), new);
            }
        }
    }
    let mut out = Vec::new();
    for path in p.order {
        if let Some((old, text)) = p.files.remove(&path) {
            let path = path.strip_prefix(dir).map_or_else(|_| path.clone(), Path::to_path_buf);
            out.push(FileWrite { path, old, text });
        }
    }
    Ok(out)
}

fn invalid(path: &Path, e: &str) -> ReleaseError {
    ReleaseError::Invalid(format!("{}: {e}", path.display()))
}

fn parse(path: &Path, text: &str) -> Result<DocumentMut, ReleaseError> {
    text.parse().map_err(|e| invalid(path, &format!("not valid TOML: {e}")))
}

fn cargo(p: &mut Pending, path: &Path, version: &str) -> Result<(), ReleaseError> {
    let doc = parse(path, &p.text(path)?)?;
    let inherits = doc.get("package").and_then(|t| t.get("version")).and_then(|v| v.get("workspace"));
    let target = if inherits.and_then(Item::as_bool) == Some(true) {
        workspace_root(path).ok_or_else(|| {
            invalid(
                path,
                "version.workspace = true, but no workspace root (a Cargo.toml with [workspace]) above it",
            )
        })?
    } else {
        path.to_path_buf()
    };
    let text = p.text(&target)?;
    let old = files::read_version(&text, FileKind::Cargo).map_err(|e| invalid(&target, &e))?;
    let new = files::set_version(&text, FileKind::Cargo, version).map_err(|e| invalid(&target, &e))?;
    p.put(&target, Some(old.clone()), new);
    let doc = parse(&target, &text)?;
    let own = doc.get("package").and_then(|t| t.get("name")).and_then(Item::as_str);
    let own_version = doc.get("package").and_then(|t| t.get("version")).and_then(Item::as_str);
    let names = match (own, own_version) {
        (Some(name), Some(_)) => vec![name.to_string()],
        _ => inheriting_members(&target, &doc)?,
    };
    let ws_root = workspace_root(&target);
    if let Some(root) = &ws_root {
        member_requirements(p, root, &names, version)?;
    }
    let root = ws_root.unwrap_or_else(|| target.clone());
    let lock = root.with_file_name("Cargo.lock");
    if !lock.is_file() {
        return Ok(());
    }
    let mut lock_text = p.text(&lock)?;
    let mut changed = false;
    for name in names {
        if let Some(t) =
            files::set_lock_version(&lock_text, &name, &old, version).map_err(|e| invalid(&lock, &e))?
        {
            lock_text = t;
            changed = true;
        }
    }
    if changed {
        p.put(&lock, None, lock_text);
    }
    Ok(())
}

/// The manifest of the workspace `manifest` belongs to: itself when it has `[workspace]`, else the
/// nearest one above.
fn workspace_root(manifest: &Path) -> Option<PathBuf> {
    let mut dir = manifest.parent();
    while let Some(d) = dir {
        let candidate = d.join("Cargo.toml");
        let text = std::fs::read_to_string(&candidate).ok();
        if text.and_then(|t| t.parse::<DocumentMut>().ok()).is_some_and(|doc| doc.get("workspace").is_some())
        {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// Moves the requirements on the `moved` packages, in every manifest of the workspace at `root`,
/// that `version` no longer meets (see [`memberdeps`]).
fn member_requirements(
    p: &mut Pending,
    root: &Path,
    moved: &[String],
    version: &str,
) -> Result<(), ReleaseError> {
    let doc = parse(root, &p.text(root)?)?;
    for dir in member_dirs(root, &doc)? {
        let manifest = dir.join("Cargo.toml");
        if !manifest.is_file() {
            continue;
        }
        let text = p.text(&manifest)?;
        if let Some(new) =
            memberdeps::follow_requirements(&text, moved, version).map_err(|e| invalid(&manifest, &e))?
        {
            p.put(&manifest, None, new);
        }
    }
    Ok(())
}

/// The packages of the workspace at `root` whose version is `version.workspace = true`.
fn inheriting_members(root: &Path, doc: &DocumentMut) -> Result<Vec<String>, ReleaseError> {
    let mut names = Vec::new();
    for d in member_dirs(root, doc)? {
        let Ok(text) = std::fs::read_to_string(d.join("Cargo.toml")) else { continue };
        let Ok(member) = text.parse::<DocumentMut>() else { continue };
        let pkg = member.get("package");
        let inherits =
            pkg.and_then(|t| t.get("version")).and_then(|v| v.get("workspace")).and_then(Item::as_bool);
        if let (Some(true), Some(name)) = (inherits, pkg.and_then(|t| t.get("name")).and_then(Item::as_str)) {
            names.push(name.to_string());
        }
    }
    Ok(names)
}

/// The directory, relative to `workdir`, of the member of the Cargo workspace at
/// `workdir/Cargo.toml` whose package is `package` (never the root itself): where a monorepo
/// package's commits are, as release-plz counts them.
pub fn member_dir(workdir: &Path, package: &str) -> Option<String> {
    let root = workdir.join("Cargo.toml");
    let doc = std::fs::read_to_string(&root).ok()?.parse::<DocumentMut>().ok()?;
    let dirs = member_dirs(&root, &doc).ok()?;
    dirs.into_iter().skip(1).find_map(|d| {
        let member = std::fs::read_to_string(d.join("Cargo.toml")).ok()?.parse::<DocumentMut>().ok()?;
        let name = member.get("package").and_then(|p| p.get("name")).and_then(Item::as_str)?;
        let rel = d.strip_prefix(workdir).ok()?.to_str()?.to_string();
        (name == package && !rel.is_empty()).then_some(rel)
    })
}

/// The directories of the workspace at `root`: its own, then its members' (`dir/*` globs expanded),
/// less the excluded ones.
fn member_dirs(root: &Path, doc: &DocumentMut) -> Result<Vec<PathBuf>, ReleaseError> {
    let base = root.parent().unwrap_or(Path::new("."));
    let list = |key: &str| -> Vec<String> {
        let ws = doc.get("workspace").and_then(|w| w.get(key)).and_then(Item::as_array);
        ws.map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default()
    };
    let excluded: Vec<PathBuf> = list("exclude").iter().map(|e| base.join(e)).collect();
    let mut dirs = vec![base.to_path_buf()];
    for m in list("members") {
        match m.strip_suffix("/*") {
            Some(parent) => {
                let entries = std::fs::read_dir(base.join(parent))
                    .map_err(ReleaseError::io(format!("listing workspace members {m:?}")))?;
                let mut found: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                found.sort();
                dirs.extend(found);
            }
            None => dirs.push(base.join(m)),
        }
    }
    Ok(dirs.into_iter().filter(|d| !excluded.contains(d)).collect())
}

fn package_json(p: &mut Pending, path: &Path, version: &str) -> Result<(), ReleaseError> {
    let text = p.text(path)?;
    let old = files::read_version(&text, FileKind::PackageJson).map_err(|e| invalid(path, &e))?;
    let new = files::set_version(&text, FileKind::PackageJson, version).map_err(|e| invalid(path, &e))?;
    p.put(path, Some(old), new);
    let lock = path.with_file_name("package-lock.json");
    if !lock.is_file() {
        return Ok(());
    }
    let mut text = p.text(&lock)?;
    serde_json::from_str::<serde_json::Value>(&text)
        .map_err(|e| invalid(&lock, &format!("not valid JSON: {e}")))?;
    // Replace the later field first so the earlier span stays valid.
    let mut spans: Vec<(usize, usize)> = [&["version"][..], &["packages", "", "version"][..]]
        .iter()
        .filter_map(|k| jsonspan::string_at(&text, k))
        .collect();
    spans.sort_unstable();
    for (s, e) in spans.iter().rev() {
        text.replace_range(*s..*e, version);
    }
    if !spans.is_empty() {
        p.put(&lock, None, text);
    }
    Ok(())
}

/// Writes every planned file, then re-reads each version file to check it holds `version`.
pub fn apply(dir: &Path, writes: &[FileWrite], version: &str) -> Result<(), ReleaseError> {
    for w in writes {
        let path = dir.join(&w.path);
        std::fs::write(&path, &w.text).map_err(ReleaseError::io(format!("writing {}", path.display())))?;
    }
    for w in writes.iter().filter(|w| w.old.is_some()) {
        let path = dir.join(&w.path);
        let back = std::fs::read_to_string(&path)
            .map_err(ReleaseError::io(format!("re-reading {}", path.display())))?;
        match files::read_version(&back, FileKind::of(&path)) {
            Ok(v) if v == version => {}
            Ok(v) => return Err(invalid(&path, &format!("wrote {version} but read back {v}"))),
            Err(e) => return Err(invalid(&path, &format!("after writing: {e}"))),
        }
    }
    Ok(())
}
