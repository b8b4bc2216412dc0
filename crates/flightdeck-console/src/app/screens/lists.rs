//! The list screens' states: Runs (row, filter), Audit, Secrets, Images and Backups (their rows,
//! once loaded, and the selected one).

use super::move_row;
use crate::app::input::TextInput;
use crate::keymap::Intent;
use crate::msg::{Effect, Key, KeyCode, Msg};
use flightdeck_core::engine::event::RunStatus;
use flightdeck_core::store::records::{AuditRecord, AuditVerdict, RunRecord};

/// The Runs screen: selected row and filter.
#[derive(Debug, Clone, Default)]
pub struct RunsState {
    /// Selected row.
    pub row: usize,
    /// Filter text.
    pub filter: String,
    /// The filter input while typing.
    pub filter_input: Option<TextInput>,
}

impl RunsState {
    /// The runs of `recent` the filter keeps.
    pub fn filtered<'a>(&self, recent: &'a [RunRecord]) -> Vec<&'a RunRecord> {
        let q = self.filter.to_lowercase();
        recent
            .iter()
            .filter(|r| {
                q.is_empty()
                    || [
                        r.id.as_str(),
                        r.workflow.as_str(),
                        r.environment.as_str(),
                        r.status.as_str(),
                        r.operator.as_str(),
                    ]
                    .iter()
                    .any(|f| f.to_lowercase().contains(&q))
            })
            .collect()
    }

    /// Keys typed into the filter input, if it is open.
    pub fn text_key(&mut self, key: Key) -> Option<Vec<Effect>> {
        let input = self.filter_input.as_mut()?;
        match key.code {
            KeyCode::Enter | KeyCode::Esc => {
                self.filter = if key.code == KeyCode::Esc { String::new() } else { input.value() };
                self.filter_input = None;
                self.row = 0;
            }
            _ => {
                input.key(key);
            }
        }
        Some(Vec::new())
    }

    /// The screen's keys over `recent`; `Err` carries a notice for the operator.
    pub fn intent(&mut self, recent: &[RunRecord], intent: Intent) -> Result<Vec<Effect>, String> {
        let runs = self.filtered(recent);
        let selected = runs.get(self.row).map(|r| (r.id.clone(), r.status));
        match intent {
            Intent::Search => self.filter_input = Some(TextInput::new(&self.filter)),
            Intent::Select => {
                if let Some((id, _)) = selected {
                    return Ok(vec![Effect::OpenRun { run: id }]);
                }
            }
            Intent::Resume => {
                if let Some((id, RunStatus::Interrupted)) = selected {
                    return Ok(vec![Effect::Resume { run: id }]);
                }
                return Err("only an interrupted run can be resumed".into());
            }
            _ => self.row = move_row(self.row, runs.len(), intent),
        }
        Ok(Vec::new())
    }
}

/// The Audit screen: entries and verdict, and the scroll.
#[derive(Debug, Clone, Default)]
pub struct AuditState {
    /// Entries and verdict, once loaded.
    pub entries: Option<(Vec<AuditRecord>, AuditVerdict)>,
    /// Scroll.
    pub row: usize,
}

impl AuditState {
    /// The entries and the chain's verdict arrived.
    pub fn loaded(&mut self, msg: Msg) {
        if let Msg::AuditLoaded { entries, verdict } = msg {
            self.entries = Some((entries, verdict));
        }
    }

    /// Moves the selection.
    pub fn intent(&mut self, intent: Intent) {
        let n = self.entries.as_ref().map_or(0, |(e, _)| e.len());
        self.row = move_row(self.row, n, intent);
    }
}

/// A screen that lists rows of `T` once loaded, with a selected row.
#[derive(Debug, Clone)]
pub struct RowsState<T> {
    /// The rows, once loaded.
    pub rows: Option<T>,
    /// Selected row.
    pub row: usize,
}

impl<T> Default for RowsState<T> {
    fn default() -> Self {
        RowsState { rows: None, row: 0 }
    }
}

impl<T> RowsState<Vec<T>> {
    /// Moves the selection.
    pub fn intent(&mut self, intent: Intent) {
        let n = self.rows.as_ref().map_or(0, Vec::len);
        self.row = move_row(self.row, n, intent);
    }
}

/// Secrets screen: each secret's status (no values).
pub type SecretsState = RowsState<Vec<flightdeck_core::secrets::SecretStatus>>;
/// Images screen: the pushed images, newest first.
pub type ImagesState = RowsState<Vec<flightdeck_core::store::ArtifactRecord>>;
/// Backups screen: the rows (newest first) and when they were read.
pub type BackupsState = RowsState<(Vec<flightdeck_core::store::BackupRecord>, flightdeck_core::time::Micros)>;

impl SecretsState {
    /// Each secret's status arrived.
    pub fn loaded(&mut self, msg: Msg) {
        if let Msg::SecretsLoaded { secrets } = msg {
            self.rows = Some(secrets);
        }
    }
}

impl ImagesState {
    /// The pushed images arrived.
    pub fn loaded(&mut self, msg: Msg) {
        if let Msg::ImagesLoaded { rows } = msg {
            self.rows = Some(rows);
        }
    }
}

impl BackupsState {
    /// The backups arrived, with when they were read.
    pub fn loaded(&mut self, msg: Msg) {
        if let Msg::BackupsLoaded { backups, now } = msg {
            self.rows = Some((backups, now));
        }
    }

    /// Moves the selection.
    pub fn backups_intent(&mut self, intent: Intent) {
        let n = self.rows.as_ref().map_or(0, |(rows, _)| rows.len());
        self.row = move_row(self.row, n, intent);
    }
}
