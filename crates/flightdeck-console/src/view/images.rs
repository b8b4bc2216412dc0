//! Diana's Images screen: each pushed image with its tags, the digest the registry reported and the
//! scan gate's result (passed in green; pushed over blocking findings by an approval in amber, with
//! the number of findings), newest first. Wide terminals show the whole digest.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::theme::{Role, Theme};
use crate::view::widgets::{ellipsize, panel, row_style, span};
use flightdeck_core::store::ArtifactRecord;

/// Draws the Images screen.
pub fn images(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = panel("Images (pushed by flightdeck image push)", theme, true);
    let Some(rows) = &app.images else {
        frame.render_widget(
            Paragraph::new(span(" reading the images…", theme, Role::Muted)).block(block),
            area,
        );
        return;
    };
    if rows.is_empty() {
        let text = " no images yet: run the container-build workflow (or flightdeck image build/scan/push)";
        frame.render_widget(Paragraph::new(span(text, theme, Role::Muted)).block(block), area);
        return;
    }
    let height = usize::from(area.height.saturating_sub(3));
    let first = app.images_row.saturating_sub(height.saturating_sub(1));
    let wide = area.width >= 140;
    let digest_w = if wide { 71 } else { 19 };
    let image_w = usize::from(area.width).saturating_sub(digest_w + 44).clamp(12, 40);
    let head =
        format!(" {:<image_w$} {:<14} {:<digest_w$} {:<10} {}", "IMAGE", "TAGS", "DIGEST", "PUSHED", "SCAN");
    let mut lines = vec![Line::from(span(head, theme, Role::Muted))];
    lines.extend(
        rows.iter()
            .enumerate()
            .skip(first)
            .take(height)
            .map(|(i, r)| row(r, i == app.images_row, image_w, digest_w, theme)),
    );
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn row<'a>(r: &ArtifactRecord, selected: bool, image_w: usize, digest_w: usize, theme: &Theme) -> Line<'a> {
    let a = &r.artifact;
    let summary = &a.scan_summary;
    let verdict = summary["verdict"].as_str().unwrap_or("?");
    let blocking = summary["blocking"].as_array().map_or(0, Vec::len);
    let (scan, role) = match verdict {
        "passed" => ("passed".to_string(), Role::Ok),
        "overridden" => {
            (format!("override ({blocking} ≥ {})", summary["fail_on"].as_str().unwrap_or("?")), Role::Warn)
        }
        other => (other.to_string(), Role::Fail),
    };
    let pushed: String = r.created_at.to_rfc3339().chars().take(10).collect();
    let digest: String = a.digest.chars().take(digest_w).collect();
    Line::from(vec![
        Span::styled(
            format!(
                " {:<image_w$} {:<14} {:<digest_w$} {:<10} ",
                ellipsize(&a.image, image_w),
                ellipsize(&a.tags.join(","), 14),
                digest,
                pushed,
            ),
            row_style(theme, selected),
        ),
        span(scan, theme, role),
    ])
}
