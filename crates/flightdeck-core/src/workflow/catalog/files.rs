//! Listing the `*.toml` files of a workflow directory. Plain std, so the build script (which embeds
//! the built-in catalogue) includes this same file with `#[path]` instead of keeping a copy.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// The `*.toml` files directly in `dir`, sorted. A directory that does not exist has none; one
/// that cannot be read (permissions, a file where the directory should be) is an error, so a
/// project's workflows are never silently replaced by the built-ins.
pub fn toml_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let read = match std::fs::read_dir(dir) {
        Ok(read) => read,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut files = Vec::new();
    for entry in read {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
