//! Step outputs: `key=value` lines appended to the file named by `$FLIGHTDECK_OUTPUT`, which the
//! engine reads after a step ends (`steps.ID.outputs.KEY`). Without the variable (a command run by
//! hand) nothing is written.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::Error;

/// The environment variable naming the outputs file.
pub const OUTPUT_VAR: &str = "FLIGHTDECK_OUTPUT";

/// The outputs file named by `$FLIGHTDECK_OUTPUT`, if set and not empty.
pub fn output_file() -> Option<PathBuf> {
    std::env::var_os(OUTPUT_VAR).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// Appends `pairs` to the `$FLIGHTDECK_OUTPUT` file when the variable is set.
pub fn write_outputs(pairs: &[(&str, &str)]) -> Result<(), Error> {
    match output_file() {
        Some(file) => append_outputs(&file, pairs),
        None => Ok(()),
    }
}

/// Appends `key=value` lines to `file` (line breaks in values become spaces).
pub fn append_outputs(file: &Path, pairs: &[(&str, &str)]) -> Result<(), Error> {
    let mut text = String::new();
    for (key, value) in pairs {
        text.push_str(key);
        text.push('=');
        text.push_str(&value.replace(['\r', '\n'], " "));
        text.push('\n');
    }
    let context = || format!("cannot write step outputs to {} (${OUTPUT_VAR})", file.display());
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .map_err(|e| Error::io(context(), e))?;
    f.write_all(text.as_bytes()).map_err(|e| Error::io(context(), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_lines() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out");
        append_outputs(&file, &[("version", "1.2.0")]).unwrap();
        append_outputs(&file, &[("previous", "1.1.0"), ("note", "two\nlines")]).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text, "version=1.2.0\nprevious=1.1.0\nnote=two lines\n");
        let err = append_outputs(&dir.path().join("missing/out"), &[("a", "b")]).unwrap_err();
        assert!(err.to_string().contains("missing/out"), "{err}");
    }
}
