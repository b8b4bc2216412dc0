//! Build script: embeds the built-in workflow catalogue, every `workflows/*.toml` and
//! `workflows/tasks/*.toml` of this repository, as a table of `(path, is_task, text)` entries that
//! `workflow::catalog` includes. Written as a build script (not `include_dir`) so that adding or
//! removing a file under `workflows/` rebuilds the crate.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn toml_files(dir: &Path) -> Vec<PathBuf> {
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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo::rerun-if-changed=workflows");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let mut out = String::from("&[\n");
    for (sub, prefix, is_task) in [("workflows", "", false), ("workflows/tasks", "tasks/", true)] {
        for file in toml_files(&root.join(sub)) {
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let path = file.to_string_lossy().into_owned();
            writeln!(out, "    ({:?}, {is_task}, include_str!({path:?})),", format!("{prefix}{name}"))?;
        }
    }
    out.push(']');
    let dest = PathBuf::from(std::env::var("OUT_DIR")?).join("builtin_workflows.rs");
    std::fs::write(dest, out)?;
    Ok(())
}
