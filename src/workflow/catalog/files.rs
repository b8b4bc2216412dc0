//! Listing the `*.toml` files of a workflow directory. Plain std, so the build script (which embeds
//! the built-in catalogue) includes this same file with `#[path]` instead of keeping a copy.

use std::path::{Path, PathBuf};

/// The `*.toml` files directly in `dir`, sorted (none if it does not exist).
pub fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = read
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}
