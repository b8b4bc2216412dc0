//! Phoenix's flame view: the icicle of a run's CPU profile (the current root on top, its callees
//! below, each frame as wide as its share of the root's samples; the selected callee highlighted,
//! the hottest function in the fail colour), a breadcrumb of the zoom, and the hottest functions
//! with self and total share and their change against the baseline.

use std::fmt::Write as _;

use ratatui::Frame as Canvas;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::app::profile::{Frame, ProfileData, ProfileView};
use crate::theme::{Role, Theme};
use crate::view::widgets::{ellipsize, notice_panel, panel, safe, span};

/// Colours the frames cycle through (reversed, so they read as blocks).
const PALETTE: [Role; 4] = [Role::Accent, Role::Running, Role::Warn, Role::Ok];

/// Draws the flame view.
pub fn profile(app: &App, theme: &Theme, frame: &mut Canvas, area: Rect) {
    let v = &app.profile;
    // Which profile comes first: a long run id may be cut at the right edge.
    let title = match v.data.as_ref().and_then(|d| d.as_ref().ok()) {
        Some(d) if v.all.len() > 1 => {
            format!("Profile {}/{}: {} · run {}", v.pick + 1, v.all.len(), d.label(), v.run)
        }
        Some(d) => format!("Profile: {} · run {}", d.label(), v.run),
        None => format!("Profile of run {}", v.run),
    };
    let block = panel(&title, theme, true);
    let data = match &v.data {
        None => {
            return notice_panel(frame, area, block, " reading the profile…", theme);
        }
        Some(Err(e)) => {
            return frame
                .render_widget(Paragraph::new(span(format!(" {e}"), theme, Role::Fail)).block(block), area);
        }
        Some(Ok(d)) => d,
    };
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let depth = u16::try_from(max_depth(v.root())).unwrap_or(u16::MAX);
    let icicle_rows = depth.min(inner.height.saturating_sub(4) / 2).max(1);
    let [head, icicle, crumb, table] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(icicle_rows),
        Constraint::Length(1),
        Constraint::Min(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(header(data, theme)), head);
    frame.render_widget(Paragraph::new(icicle_lines(v, data, icicle, theme)), icicle);
    frame.render_widget(Paragraph::new(breadcrumb(v, theme, crumb.width)), crumb);
    frame.render_widget(Paragraph::new(top_lines(data, table, theme)), table);
}

fn header<'a>(d: &ProfileData, theme: &Theme) -> Line<'a> {
    let r = &d.report;
    let step = d.step.as_deref().map(|s| format!("step {s} · ")).unwrap_or_default();
    let mut text = format!(" {step}{} · {} samples at {} Hz", r.target, r.samples, r.frequency);
    if let Some(l) = &r.load {
        let _ = write!(text, " · load {:.0} req/s", l.rps);
    }
    Line::from(span(text, theme, Role::Muted))
}

fn max_depth(f: &Frame) -> usize {
    1 + f.children.iter().map(max_depth).max().unwrap_or(0)
}

/// The last segment of a Rust path (`a::b::c` → `c`), skipping closure markers.
fn short(name: &str) -> &str {
    name.rsplit("::").find(|s| !s.starts_with("{{")).unwrap_or(name)
}

/// One line per depth below the current root.
fn icicle_lines<'a>(v: &ProfileView, d: &ProfileData, area: Rect, theme: &Theme) -> Vec<Line<'a>> {
    let width = f64::from(area.width);
    let mut rows: Vec<Vec<(u16, u16, &Frame, bool)>> = vec![Vec::new(); usize::from(area.height)];
    let root = v.root();
    let selected = root.children.get(v.sel).map(|c| c.name.as_str());
    place(root, 0.0, width, 0, &mut rows, selected);
    let hottest = d.report.hottest().map(|f| f.name.as_str());
    rows.iter()
        .map(|cells| {
            let mut spans = Vec::new();
            let mut x = 0;
            for (i, (from, to, f, sel)) in cells.iter().enumerate() {
                if *from > x {
                    spans.push(Span::raw(" ".repeat(usize::from(from - x))));
                }
                let w = usize::from(to - from);
                let text = format!("{:<w$}", ellipsize(&safe(short(&f.name)), w));
                let style = if *sel {
                    theme.style(Role::Selection).add_modifier(Modifier::BOLD)
                } else if Some(f.name.as_str()) == hottest {
                    theme.style(Role::Fail).add_modifier(Modifier::REVERSED)
                } else {
                    theme.style(PALETTE[i % PALETTE.len()]).add_modifier(Modifier::REVERSED)
                };
                spans.push(Span::styled(text, style));
                x = *to;
            }
            Line::from(spans)
        })
        .collect()
}

/// Lays `f` out at `x..x+w` on row `depth` and its callees below it; frames under a cell are dropped.
fn place<'f>(
    f: &'f Frame,
    x: f64,
    w: f64,
    depth: usize,
    rows: &mut Vec<Vec<(u16, u16, &'f Frame, bool)>>,
    selected: Option<&str>,
) {
    let Some(row) = rows.get_mut(depth) else { return };
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let (from, to) = (x.round() as u16, (x + w).round() as u16);
    if to <= from {
        return;
    }
    let sel = depth == 1 && selected == Some(f.name.as_str());
    row.push((from, to, f, sel));
    let mut cx = x;
    for c in &f.children {
        #[allow(clippy::cast_precision_loss)]
        let cw = if f.samples == 0 { 0.0 } else { w * c.samples as f64 / f.samples as f64 };
        place(c, cx, cw, depth + 1, rows, selected);
        cx += cw;
    }
}

fn breadcrumb<'a>(v: &ProfileView, theme: &Theme, width: u16) -> Line<'a> {
    let root = v.root();
    let path: Vec<&str> = std::iter::once("all").chain(v.zoom.iter().map(|z| short(z))).collect();
    let pick = root.children.get(v.sel).map_or_else(String::new, |c| {
        #[allow(clippy::cast_precision_loss)]
        let pct = if root.samples == 0 { 0.0 } else { c.samples as f64 * 100.0 / root.samples as f64 };
        format!("   ▸ {} {pct:.1}% of {}", short(&c.name), short(&root.name))
    });
    let text = format!(" {}{pick}   enter zoom · esc out", path.join(" › "));
    Line::from(span(ellipsize(&text, usize::from(width)), theme, Role::Key))
}

fn top_lines<'a>(d: &ProfileData, area: Rect, theme: &Theme) -> Vec<Line<'a>> {
    let r = &d.report;
    let base = r.comparison.as_ref();
    let delta_head = base.map_or_else(String::new, |c| format!("  Δ vs {}", ellipsize(&c.baseline, 10)));
    let mut lines =
        vec![Line::from(span(format!("  SELF%  TOTAL%{delta_head:<17}  FUNCTION"), theme, Role::Muted))];
    let name_w = usize::from(area.width).saturating_sub(if base.is_some() { 34 } else { 17 }).max(10);
    for f in r.top.iter().take(usize::from(area.height.saturating_sub(1))) {
        let mut spans =
            vec![Span::styled(format!(" {:>6.1}  {:>6.1}", f.self_pct, f.total_pct), Style::default())];
        if let Some(c) = base {
            let (text, role) = match c.delta(&f.name) {
                Some(dl) if dl.regressed => (format!("  {:>+7.1}pp REGR ", dl.self_pp), Role::Fail),
                Some(dl) => (format!("  {:>+7.1}pp      ", dl.self_pp), Role::Ok),
                None => (format!("  {:>7}{:8}", "-", ""), Role::Muted),
            };
            spans.push(span(text, theme, role));
        }
        spans.push(span(format!("  {}", ellipsize(&f.name, name_w)), theme, Role::Text));
        lines.push(Line::from(spans));
    }
    lines
}
