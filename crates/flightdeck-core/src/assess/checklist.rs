//! The checklist: the bundled `BMad` infrastructure checklist (`checklist.toml`, embedded in the
//! binary: 16 sections, 270 items, a 12-item final gate) merged with the project's `[assessment]`
//! table in `flightdeck.toml`, which disables items or sections and adds its own items.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::AssessError;
use super::evidence::RULES;
pub use crate::config::assessment::{AssessmentConfig, ChecklistItem};
use crate::diag::{Diagnostic, line_col, nearest};

/// The bundled checklist's text.
pub const BUNDLED: &str = include_str!("checklist.toml");

/// A section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// `1` .. `16`, `G` for the final gate, or a project's own.
    pub id: String,
    /// Title.
    pub title: String,
    /// The final gate.
    #[serde(default)]
    pub gate: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    section: Vec<Section>,
    item: Vec<ChecklistItem>,
}

/// The merged checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checklist {
    /// Sections in order.
    pub sections: Vec<Section>,
    /// Items in order (the project's after the bundled ones of their section's).
    pub items: Vec<ChecklistItem>,
    /// Disabled item ids.
    pub disabled: Vec<String>,
}

/// The line of the `n`-th (0-based) `key = "value"` in `text` (0 if absent).
fn line_of(text: &str, key: &str, value: &str, n: usize) -> u32 {
    let needle = format!("\"{value}\"");
    let mut seen = 0;
    for (i, l) in text.lines().enumerate() {
        let t = l.trim_start();
        if t.starts_with(key) && t.contains(&needle) {
            if seen == n {
                return u32::try_from(i + 1).unwrap_or(u32::MAX);
            }
            seen += 1;
        }
    }
    0
}

fn diag(path: &Path, line: u32, msg: String, help: impl Into<String>) -> AssessError {
    AssessError::Checklist(Diagnostic::new(path, line, 1, msg).with_help(help))
}

fn check_rule(item: &ChecklistItem, text: &str, path: &Path) -> Result<(), AssessError> {
    let Some(rule) = &item.evidence else { return Ok(()) };
    if RULES.contains(&rule.as_str()) {
        return Ok(());
    }
    let hint = nearest(rule, RULES).map(|n| format!("did you mean {n:?}? ")).unwrap_or_default();
    Err(diag(
        path,
        line_of(text, "evidence", rule, 0),
        format!("unknown evidence rule {rule:?} for item {}", item.id),
        format!("{hint}rules: {}", RULES.join(", ")),
    ))
}

/// The `dora` rule's thresholds: each a finite number at least 0, each target at most its limit.
fn check_thresholds(cfg: &AssessmentConfig, text: &str, path: &Path) -> Result<(), AssessError> {
    let pairs = [
        (
            "lead_time_target_hours",
            cfg.lead_time_target_hours,
            "lead_time_limit_hours",
            cfg.lead_time_limit_hours,
        ),
        (
            "change_fail_target_percent",
            cfg.change_fail_target_percent,
            "change_fail_limit_percent",
            cfg.change_fail_limit_percent,
        ),
        ("restore_target_hours", cfg.restore_target_hours, "restore_limit_hours", cfg.restore_limit_hours),
    ];
    let line = |key: &str| {
        text.lines()
            .position(|l| l.trim_start().starts_with(key))
            .map_or(0, |i| u32::try_from(i + 1).unwrap_or(0))
    };
    for (tk, t, lk, l) in pairs {
        for (k, v) in [(tk, t), (lk, l)] {
            if !v.is_finite() || v < 0.0 {
                return Err(diag(
                    path,
                    line(k),
                    format!("[assessment] {k} = {v} is not a number of 0 or more"),
                    "write e.g. 24",
                ));
            }
        }
        if t > l {
            return Err(diag(
                path,
                line(tk),
                format!("[assessment] {tk} = {t} is above {lk} = {l}"),
                "the target (pass) must be at most the limit (fail above it; warn between)",
            ));
        }
    }
    Ok(())
}

impl Checklist {
    /// The bundled checklist alone.
    pub fn bundled() -> Result<Checklist, AssessError> {
        let path = Path::new("<bundled>/checklist.toml");
        let file: File = toml::from_str(BUNDLED).map_err(|e| {
            let (line, col) = e.span().map_or((0, 0), |s| line_col(BUNDLED, s.start));
            AssessError::Checklist(Diagnostic::new(path, line, col, e.message().trim()))
        })?;
        for item in &file.item {
            check_rule(item, BUNDLED, path)?;
        }
        Ok(Checklist { sections: file.section, items: file.item, disabled: Vec::new() })
    }

    /// The bundled checklist merged with `cfg` (read from `text` at `path`, for line numbers).
    pub fn load(cfg: &AssessmentConfig, text: &str, path: &Path) -> Result<Checklist, AssessError> {
        let mut list = Checklist::bundled()?;
        check_thresholds(cfg, text, path)?;
        list.add(cfg, text, path)?;
        list.disable(&cfg.disable, text, path)?;
        Ok(list)
    }

    fn add(&mut self, cfg: &AssessmentConfig, text: &str, path: &Path) -> Result<(), AssessError> {
        for item in &cfg.items {
            if self.items.iter().any(|i| i.id == item.id) {
                let own = cfg.items.iter().filter(|i| i.id == item.id).count();
                let n = usize::from(own > 1);
                return Err(diag(
                    path,
                    line_of(text, "id", &item.id, n),
                    format!("duplicate checklist item id {:?} in [[assessment.items]]", item.id),
                    "give each item its own id (the bundled ones run 1.1.1 to 16.5.5 and G.1 to G.12)",
                ));
            }
            let section = item.section_id().to_string();
            if !self.sections.iter().any(|s| s.id == section) {
                return Err(diag(
                    path,
                    line_of(text, "id", &item.id, 0),
                    format!("item {:?} names section {section:?}, which does not exist", item.id),
                    "set section = \"1\" .. \"16\" or \"G\"",
                ));
            }
            check_rule(item, text, path)?;
            let at = self
                .items
                .iter()
                .rposition(|i| i.section_id() == section)
                .map_or(self.items.len(), |p| p + 1);
            self.items.insert(at, item.clone());
        }
        Ok(())
    }

    fn disable(&mut self, ids: &[String], text: &str, path: &Path) -> Result<(), AssessError> {
        for id in ids {
            let hits: Vec<String> = self
                .items
                .iter()
                .filter(|i| i.id == *id || i.section_id() == id || i.id.starts_with(&format!("{id}.")))
                .map(|i| i.id.clone())
                .collect();
            if hits.is_empty() {
                return Err(diag(
                    path,
                    line_of(text, "disable", id, 0).max(crate::config::find_line(text, "disable")),
                    format!("disable names {id:?}, which is no checklist item or section"),
                    "use an item id such as \"13.1.1\", a subsection \"13.1\" or a section \"13\"",
                ));
            }
            self.disabled.extend(hits);
        }
        Ok(())
    }

    /// The item called `id`, or an error with the nearest id.
    pub fn item(&self, id: &str) -> Result<&ChecklistItem, AssessError> {
        self.items.iter().find(|i| i.id == id).ok_or_else(|| {
            let ids: Vec<&str> = self.items.iter().map(|i| i.id.as_str()).collect();
            let hint = nearest(id, &ids).map(|n| format!(" (did you mean {n:?}?)")).unwrap_or_default();
            AssessError::UnknownItem { id: id.to_string(), hint }
        })
    }

    /// Whether the item's section is the final gate.
    pub fn is_gate(&self, item: &ChecklistItem) -> bool {
        self.sections.iter().any(|s| s.gate && s.id == item.section_id())
    }
}

/// The checklist of a loaded project configuration (its file re-read for line numbers).
pub fn for_config(config: &crate::config::Config) -> Result<Checklist, AssessError> {
    let path = config.path.clone().unwrap_or_else(|| crate::config::FILE_NAME.into());
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    Checklist::load(&config.assessment, &text, &path)
}

/// The load-time check of `[assessment]` (see [`super::install_config_check`]).
pub(super) fn check_config(cfg: &AssessmentConfig, text: &str, path: &Path) -> Result<(), Diagnostic> {
    Checklist::load(cfg, text, path).map(drop).map_err(|e| match e {
        AssessError::Checklist(d) => d,
        other => Diagnostic::new(path, crate::config::find_line(text, "[assessment]"), 1, other.to_string()),
    })
}
