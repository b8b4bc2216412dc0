//! The Notifications screen's effects that send: a resend puts the delivery back in the queue and
//! sends what is due at once (in the background of the runtime's effect task); the screen reloads.

use crate::msg::{Effect, Msg};
use crate::runtime::Console;
use flightdeck_core::notify::deliver::Sender;

impl Console {
    pub(super) async fn notify_effect(&mut self, effect: Effect) -> Vec<Msg> {
        let store = match self.local_store() {
            Ok(s) => s,
            Err(text) => return vec![Msg::Notice { text }],
        };
        match effect {
            Effect::LoadNotifications => load_notifications(&store),
            Effect::LoadNotificationAttempts { id } => match store.notification_attempts(id) {
                Ok(attempts) => vec![Msg::NotificationAttempts { id, attempts }],
                Err(e) => vec![Msg::Notice { text: format!("cannot read notification {id}: {e}") }],
            },
            Effect::ResendNotification { id } => self.resend(store, id).await,
            _ => Vec::new(),
        }
    }

    async fn resend(&mut self, store: flightdeck_core::store::Store, id: i64) -> Vec<Msg> {
        match store.resend_notification(id).await {
            Ok(true) => {}
            Ok(false) => return vec![Msg::Notice { text: format!("no notification {id}") }],
            Err(e) => return vec![Msg::Notice { text: format!("cannot resend notification {id}: {e}") }],
        }
        let sender = Sender::new(store.clone(), self.ctx.config.notify.clone(), &self.ctx.paths.project_dir);
        let text = match sender.send_due().await {
            Ok(_) => format!("notification {id} re-sent; see its attempts with enter"),
            Err(e) => format!("notification {id} queued; sending failed: {e}"),
        };
        let mut out = vec![Msg::Notice { text }];
        out.extend(load_notifications(&store));
        out
    }
}

fn load_notifications(store: &flightdeck_core::store::Store) -> Vec<Msg> {
    match store.notifications(500) {
        Ok(rows) => vec![Msg::NotificationsLoaded { rows }],
        Err(e) => vec![Msg::Notice { text: format!("cannot read notifications: {e}") }],
    }
}
