//! Build script: embeds the built-in workflow catalogue, every `workflows/*.toml` and
//! `workflows/tasks/*.toml` of this repository, as a table of `(path, is_task, text)` entries that
//! `workflow::catalog` includes. Written as a build script (not `include_dir`) so that adding or
//! removing a file under `workflows/` rebuilds the crate.

use std::fmt::Write as _;
use std::path::PathBuf;

#[path = "src/workflow/catalog/files.rs"]
mod files;

use files::toml_files;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo::rerun-if-changed=../../workflows");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../..");
    let mut out = String::from("&[\n");
    for (sub, prefix, is_task) in [("workflows", "", false), ("workflows/tasks", "tasks/", true)] {
        for file in toml_files(&root.join(sub))? {
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
