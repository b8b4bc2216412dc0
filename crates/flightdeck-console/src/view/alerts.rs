//! Alerts received from Alertmanager (`flightdeck alerts listen`), listed under the Health
//! screen's monitors: firing ones in red, resolved ones in green, newest first.

use ratatui::text::Line;

use crate::theme::{Role, Theme};
use crate::view::widgets::{ellipsize, span};
use flightdeck_core::store::AlertRecord;

/// The lines for `alerts` (none when there are none).
pub fn alert_lines<'a>(alerts: &[AlertRecord], width: usize, theme: &Theme) -> Vec<Line<'a>> {
    if alerts.is_empty() {
        return Vec::new();
    }
    let mut out = vec![Line::default(), Line::from(span("   alerts from Alertmanager", theme, Role::Title))];
    for a in alerts {
        let role = if a.status == "firing" { Role::Fail } else { Role::Ok };
        let at = a.received_at.to_rfc3339();
        let time = at.get(11..19).unwrap_or("").to_string();
        let text = format!(
            "{} {} {} {}",
            a.alertname,
            a.monitor.as_deref().unwrap_or("-"),
            time,
            a.summary.as_deref().unwrap_or("")
        );
        out.push(Line::from(vec![
            span(format!("   {:<9}", a.status), theme, role),
            span(
                ellipsize(&flightdeck_core::sanitize::one_line(&text), width.saturating_sub(12)),
                theme,
                Role::Text,
            ),
        ]));
    }
    out
}
