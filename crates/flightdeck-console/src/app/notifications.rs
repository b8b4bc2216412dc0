//! The Notifications screen's state and keys: move through deliveries, `enter` shows or hides the
//! selected one's attempts, `R` resends it (a delivered or failed one goes back in the queue).

use crate::app::screens::move_row;
use crate::keymap::Intent;
use crate::msg::{Effect, Msg};
use flightdeck_core::store::notify::{AttemptRecord, NotificationRecord};

/// The Notifications screen.
#[derive(Debug, Clone, Default)]
pub struct NotificationsState {
    /// Deliveries, newest first.
    pub rows: Option<Vec<NotificationRecord>>,
    /// Selected row.
    pub row: usize,
    /// The attempts of the selected delivery, when opened.
    pub attempts: Option<(i64, Vec<AttemptRecord>)>,
}

impl NotificationsState {
    /// Deliveries or a delivery's attempts arrived.
    pub fn loaded(&mut self, msg: Msg) {
        match msg {
            Msg::NotificationsLoaded { rows } => {
                self.row = self.row.min(rows.len().saturating_sub(1));
                self.rows = Some(rows);
            }
            Msg::NotificationAttempts { id, attempts } => self.attempts = Some((id, attempts)),
            _ => {}
        }
    }

    /// The screen's keys.
    pub fn intent(&mut self, intent: Intent) -> Vec<Effect> {
        let selected = self.selected();
        match intent {
            Intent::Select => {
                let Some(id) = selected else { return Vec::new() };
                if self.attempts.as_ref().is_some_and(|(open, _)| *open == id) {
                    self.attempts = None;
                    return Vec::new();
                }
                vec![Effect::LoadNotificationAttempts { id }]
            }
            Intent::Resend => selected.map(|id| vec![Effect::ResendNotification { id }]).unwrap_or_default(),
            _ => {
                let n = self.rows.as_ref().map_or(0, Vec::len);
                self.row = move_row(self.row, n, intent);
                let now = self.selected();
                if self.attempts.as_ref().is_some_and(|(id, _)| Some(*id) != now) {
                    self.attempts = None;
                }
                Vec::new()
            }
        }
    }

    fn selected(&self) -> Option<i64> {
        self.rows.as_deref().unwrap_or_default().get(self.row).map(|r| r.id)
    }
}
