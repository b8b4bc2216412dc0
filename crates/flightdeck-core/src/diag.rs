//! Diagnostics: an error in a user's file, with file, line, column and what to do about it.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// One problem found in a workflow, task or config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// The file, as the user named it (or `<builtin>/NAME.toml`).
    pub file: PathBuf,
    /// 1-based line (0 when the problem is the file as a whole).
    pub line: u32,
    /// 1-based column (0 when unknown).
    pub column: u32,
    /// What is wrong, quoting the bad value.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at a 1-based line and column.
    pub fn new(file: impl Into<PathBuf>, line: u32, column: u32, message: impl Into<String>) -> Self {
        Diagnostic { file: file.into(), line, column, message: message.into(), help: None }
    }

    /// Adds the "what to do" text.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// A diagnostic at a byte offset of `text` (converted to line and column).
    pub fn at_offset(
        file: impl Into<PathBuf>,
        text: &str,
        offset: usize,
        message: impl Into<String>,
    ) -> Self {
        let (line, column) = line_col(text, offset);
        Diagnostic::new(file, line, column, message)
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (u32::try_from(line).unwrap_or(u32::MAX), u32::try_from(col).unwrap_or(u32::MAX))
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
            if self.column > 0 {
                write!(f, ":{}", self.column)?;
            }
        }
        write!(f, ": error: {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// Renders a list of diagnostics, one per paragraph.
pub fn render_all(diags: &[Diagnostic]) -> String {
    diags.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

/// The candidate nearest to `word` (Jaro–Winkler above 0.7 or Levenshtein at most 2), for "did you mean".
pub fn nearest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (*c, strsim::jaro_winkler(word, c), strsim::levenshtein(word, c)))
        .filter(|(_, jw, lev)| *jw > 0.7 || *lev <= 2)
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(c, _, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines() {
        let text = "a = 1\nbb = 2\n  ccc";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 15), (3, 3));
    }

    #[test]
    fn suggests_nearest_key() {
        assert_eq!(nearest("tiemout", &["timeout", "title", "retries"]), Some("timeout"));
        assert_eq!(nearest("zzz", &["timeout", "title"]), None);
    }

    #[test]
    fn displays_with_help() {
        let d = Diagnostic::new("workflows/x.toml", 3, 5, "bad").with_help("fix it");
        assert_eq!(d.to_string(), "workflows/x.toml:3:5: error: bad\n  help: fix it");
    }
}
