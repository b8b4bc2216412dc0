//! Diana's Images screen: each pushed image with its tags, the digest the registry reported and the
//! scan gate's result (passed in green; pushed over blocking findings by an approval in amber, with
//! the number of findings), newest first. Wide terminals show the whole digest.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::theme::{Role, Theme};
use crate::view::widgets::{ellipsize, notice_panel, panel, row_style, safe, span};
use flightdeck_core::store::ArtifactRecord;

/// Draws the Images screen.
pub fn images(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = panel("Images (pushed by flightdeck image push)", theme, true);
    let Some(rows) = &app.images.rows else {
        notice_panel(frame, area, block, " reading the images…", theme);
        return;
    };
    if rows.is_empty() {
        let text = " no images yet: run the container-build workflow (or flightdeck image build/scan/push)";
        notice_panel(frame, area, block, text, theme);
        return;
    }
    let height = usize::from(area.height.saturating_sub(3));
    let first = app.images.row.saturating_sub(height.saturating_sub(1));
    let cols = Cols::for_width(area.width);
    let mut lines = vec![Line::from(span(cols.head(), theme, Role::Muted))];
    lines.extend(
        rows.iter()
            .enumerate()
            .skip(first)
            .take(height)
            .map(|(i, r)| row(r, i == app.images.row, &cols, theme)),
    );
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Column widths: the whole digest and the push date only where they fit.
struct Cols {
    image: usize,
    tags: usize,
    digest: usize,
    pushed: bool,
}

impl Cols {
    fn for_width(width: u16) -> Cols {
        let wide = width >= 140;
        let (tags, digest, pushed) = if wide { (24, 71, true) } else { (12, 19, width >= 100) };
        let fixed = 2 + 1 + tags + 1 + digest + 1 + if pushed { 11 } else { 0 } + 16;
        Cols { image: usize::from(width).saturating_sub(fixed).clamp(12, 48), tags, digest, pushed }
    }

    fn head(&self) -> String {
        let pushed = if self.pushed { format!("{:<10} ", "PUSHED") } else { String::new() };
        let (image, tags, digest) = (self.image, self.tags, self.digest);
        format!(" {:<image$} {:<tags$} {:<digest$} {pushed}{}", "IMAGE", "TAGS", "DIGEST", "SCAN")
    }
}

fn row<'a>(r: &ArtifactRecord, selected: bool, cols: &Cols, theme: &Theme) -> Line<'a> {
    let a = &r.artifact;
    let summary = &a.scan_summary;
    let blocking = summary["blocking"].as_array().map_or(0, Vec::len);
    let (scan, role) = match summary["verdict"].as_str().unwrap_or("?") {
        "passed" => ("passed".to_string(), Role::Ok),
        "overridden" => {
            (format!("override {blocking}≥{}", summary["fail_on"].as_str().unwrap_or("?")), Role::Warn)
        }
        other => (other.to_string(), Role::Fail),
    };
    let pushed = if cols.pushed {
        format!("{:<10} ", r.created_at.to_rfc3339().chars().take(10).collect::<String>())
    } else {
        String::new()
    };
    let digest: String = a.digest.chars().take(cols.digest).collect();
    let (image, tags, digest_w) = (cols.image, cols.tags, cols.digest);
    Line::from(vec![
        Span::styled(
            safe(format!(
                " {:<image$} {:<tags$} {digest:<digest_w$} {pushed}",
                ellipsize(&a.image, image),
                ellipsize(&a.tags.join(","), tags),
            )),
            row_style(theme, selected),
        ),
        span(scan, theme, role),
    ])
}
