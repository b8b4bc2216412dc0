//! The Notifications screen's keys: move through deliveries, `enter` shows or hides the selected
//! one's attempts, `R` resends it (a delivered or failed one goes back in the queue).

use crate::app::App;
use crate::app::keys::move_row;
use crate::keymap::Intent;
use crate::msg::{Effect, Msg};

impl App {
    pub(super) fn notifications_msg(&mut self, msg: Msg) {
        match msg {
            Msg::NotificationsLoaded { rows } => {
                self.notify_row = self.notify_row.min(rows.len().saturating_sub(1));
                self.notifications = Some(rows);
            }
            Msg::NotificationAttempts { id, attempts } => self.notify_attempts = Some((id, attempts)),
            _ => {}
        }
    }

    pub(super) fn notifications_intent(&mut self, intent: Intent) -> Vec<Effect> {
        let rows = self.notifications.as_deref().unwrap_or_default();
        let selected = rows.get(self.notify_row).map(|r| r.id);
        match intent {
            Intent::Select => {
                let Some(id) = selected else { return Vec::new() };
                if self.notify_attempts.as_ref().is_some_and(|(open, _)| *open == id) {
                    self.notify_attempts = None;
                    return Vec::new();
                }
                vec![Effect::LoadNotificationAttempts { id }]
            }
            Intent::Resend => selected.map(|id| vec![Effect::ResendNotification { id }]).unwrap_or_default(),
            _ => {
                let n = rows.len();
                self.notify_row = move_row(self.notify_row, n, intent);
                if self.notify_attempts.as_ref().is_some_and(|(id, _)| {
                    Some(*id)
                        != self
                            .notifications
                            .as_deref()
                            .unwrap_or_default()
                            .get(self.notify_row)
                            .map(|r| r.id)
                }) {
                    self.notify_attempts = None;
                }
                Vec::new()
            }
        }
    }
}
