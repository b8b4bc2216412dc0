//! Flamegraph SVGs drawn by inferno from folded stacks: one of a profile, and a differential one
//! against a baseline (inferno's `differential`, the baseline normalised to the current sample
//! count: red frames grew, blue ones shrank). Colours are deterministic (hashed by name), so the
//! same profile draws the same picture.

use std::path::Path;

use super::ProfileError;

/// Draws `folded` as a flamegraph titled `title` into `path` (its directory is created).
pub fn write_svg(folded: &str, title: &str, path: &Path) -> Result<(), ProfileError> {
    let svg = render(folded, title)?;
    write(path, &svg)
}

/// Draws the differential flamegraph of `current` against `baseline` into `path`.
pub fn write_diff_svg(baseline: &str, current: &str, title: &str, path: &Path) -> Result<(), ProfileError> {
    let opts = inferno::differential::Options { normalize: true, strip_hex: false };
    let mut diff = Vec::new();
    inferno::differential::from_readers(opts, baseline.as_bytes(), current.as_bytes(), &mut diff)
        .map_err(|e| ProfileError::io("cannot compare the folded stacks", e))?;
    let svg = render(&String::from_utf8_lossy(&diff), title)?;
    write(path, &svg)
}

/// The SVG text of a flamegraph (or differential flamegraph: lines with two counts).
pub fn render(folded: &str, title: &str) -> Result<Vec<u8>, ProfileError> {
    let mut opts = inferno::flamegraph::Options::default();
    opts.hash = true;
    opts.deterministic = true;
    title.clone_into(&mut opts.title);
    "samples".clone_into(&mut opts.count_name);
    let mut svg = Vec::new();
    if folded.trim().is_empty() {
        // inferno refuses empty input; an empty profile still gets a picture that says so.
        let text = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"600\" height=\"60\"><text x=\"10\" y=\"30\">{}: no samples</text></svg>\n",
            title.replace('&', "&amp;").replace('<', "&lt;")
        );
        return Ok(text.into_bytes());
    }
    inferno::flamegraph::from_lines(&mut opts, folded.lines(), &mut svg)
        .map_err(|e| ProfileError::io("cannot draw the flamegraph", e))?;
    Ok(svg)
}

fn write(path: &Path, svg: &[u8]) -> Result<(), ProfileError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| ProfileError::io(format!("cannot create {}", dir.display()), e))?;
    }
    std::fs::write(path, svg).map_err(|e| ProfileError::io(format!("cannot write {}", path.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_frames_and_differentials() {
        let svg =
            String::from_utf8(render("main;serve;sandbox_hot_checksum 80\nmain;idle 20\n", "t").unwrap())
                .unwrap();
        assert!(svg.starts_with("<?xml"), "an SVG document");
        assert!(svg.contains("sandbox_hot_checksum (80 samples, 80.00%)"), "the frame and its share");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d/diff.svg");
        write_diff_svg("main;a 50\nmain;b 50\n", "main;a 10\nmain;b 90\n", "diff", &path).unwrap();
        let diff = std::fs::read_to_string(&path).unwrap();
        assert!(diff.contains("main;b") || diff.contains(">b<") || diff.contains("b ("), "{diff:.400}");
        assert!(diff.contains("rgb(255,"), "a grown frame is drawn red");
        assert!(render("", "empty").unwrap().ends_with(b"no samples</text></svg>\n"));
    }
}
