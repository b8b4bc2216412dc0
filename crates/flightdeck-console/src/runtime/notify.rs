//! The Notifications screen's effects that send: a resend puts the delivery back in the queue and
//! sends what is due at once (in the background of the runtime's effect task); the screen reloads.

use crate::msg::{Effect, Msg};
use crate::runtime::Console;
use flightdeck_core::notify::deliver::Sender;

impl Console {
    pub(super) async fn notify_effect(&mut self, effect: Effect) -> Vec<Msg> {
        match effect {
            Effect::LoadNotifications => self.load_notifications(),
            Effect::LoadNotificationAttempts { id } => match self.store.notification_attempts(id) {
                Ok(attempts) => vec![Msg::NotificationAttempts { id, attempts }],
                Err(e) => vec![Msg::Notice { text: format!("cannot read notification {id}: {e}") }],
            },
            Effect::ResendNotification { id } => self.resend(id).await,
            _ => Vec::new(),
        }
    }

    fn load_notifications(&self) -> Vec<Msg> {
        match self.store.notifications(500) {
            Ok(rows) => vec![Msg::NotificationsLoaded { rows }],
            Err(e) => vec![Msg::Notice { text: format!("cannot read notifications: {e}") }],
        }
    }

    async fn resend(&mut self, id: i64) -> Vec<Msg> {
        match self.store.resend_notification(id).await {
            Ok(true) => {}
            Ok(false) => return vec![Msg::Notice { text: format!("no notification {id}") }],
            Err(e) => return vec![Msg::Notice { text: format!("cannot resend notification {id}: {e}") }],
        }
        let sender =
            Sender::new(self.store.clone(), self.ctx.config.notify.clone(), &self.ctx.paths.project_dir);
        let text = match sender.send_due().await {
            Ok(_) => format!("notification {id} re-sent; see its attempts with enter"),
            Err(e) => format!("notification {id} queued; sending failed: {e}"),
        };
        let mut out = vec![Msg::Notice { text }];
        out.extend(self.load_notifications());
        out
    }
}
