//! Home: the three personas with their workflows, and recent runs. The persona screen: one
//! persona's workflows with their summaries and last runs.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::App;
use crate::theme::{Role, Theme};
use crate::view::widgets::{ellipsize, panel, row_style, run_mark, short_time, span};
use flightdeck_core::time::human_duration;
use flightdeck_core::workflow::model::Persona;

/// Draws Home.
pub fn home(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let recent_h = u16::try_from(app.recent.len().clamp(1, 8) + 2).unwrap_or(10);
    let [top, summary, bottom] =
        Layout::vertical([Constraint::Min(6), Constraint::Length(4), Constraint::Length(recent_h)])
            .areas(area);
    summary_panel(app, theme, frame, summary);
    let cols = Layout::horizontal([Constraint::Ratio(1, 3); 3]).split(top);
    for (i, persona) in Persona::MENU.iter().enumerate() {
        let focused = app.home.col == i;
        // Inside the panel's borders.
        let width = usize::from(cols[i].width.saturating_sub(2));
        let lines = workflow_lines(app, *persona, theme, focused.then_some(app.home.row), width);
        let title = format!("{} {}", i + 1, persona.heading());
        let block = panel(&title, theme, focused);
        frame.render_widget(Paragraph::new(lines).block(block), cols[i]);
    }
    recent_runs(app, theme, frame, bottom);
}

fn workflow_lines<'a>(
    app: &App,
    persona: Persona,
    theme: &Theme,
    selected: Option<usize>,
    width: usize,
) -> Vec<Line<'a>> {
    let wfs = app.workflows_of(persona);
    if wfs.is_empty() {
        return vec![Line::from(span("no workflows yet", theme, Role::Muted))];
    }
    let mut lines = Vec::new();
    for (i, w) in wfs.iter().enumerate() {
        let sel = selected == Some(i);
        let marker = if sel { "▸ " } else { "  " };
        let last = app.last_run_of(&w.name).map(|r| run_mark(r.status));
        // The marker, the name, and room for the last run's mark only when there is one.
        let room = width.saturating_sub(2 + if last.is_some() { 2 } else { 0 });
        let mut spans =
            vec![Span::styled(format!("{marker}{}", ellipsize(&w.name, room)), row_style(theme, sel))];
        if let Some((glyph, role)) = last {
            spans.push(span(format!(" {glyph}"), theme, role));
        }
        lines.push(Line::from(spans));
        lines.push(Line::from(span(
            format!("    {}", ellipsize(&w.title, width.saturating_sub(4))),
            theme,
            Role::Muted,
        )));
    }
    lines
}

fn recent_runs(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut lines = Vec::new();
    for r in app.recent.iter().take(usize::from(area.height.saturating_sub(2))) {
        let (glyph, role) = run_mark(r.status);
        let took =
            r.finished_at.map_or_else(|| "…".to_string(), |f| human_duration(f.millis_since(r.started_at)));
        lines.push(Line::from(vec![
            span(format!(" {glyph} "), theme, role),
            span(format!("{:<16}", ellipsize(&r.workflow, 16)), theme, Role::Text),
            span(
                format!("{:<12}", ellipsize(&r.environment, 12)),
                theme,
                if r.production { Role::Fail } else { Role::Muted },
            ),
            span(format!("{:<12}", r.status.as_str()), theme, role),
            span(format!("{:<10}", ellipsize(&r.operator, 10)), theme, Role::Muted),
            span(format!("{}  {took:>7}  ", short_time(r.started_at)), theme, Role::Muted),
            // The id only where it fits whole (`r` lists every run with its id at any width).
            span(if area.width >= 110 { r.id.clone() } else { String::new() }, theme, Role::Muted),
        ]));
    }
    if lines.is_empty() {
        lines.push(Line::from(span(
            " no runs yet: pick a workflow above and press enter",
            theme,
            Role::Muted,
        )));
    }
    frame.render_widget(Paragraph::new(lines).block(panel("Recent runs (r: all)", theme, false)), area);
}

/// Draws a persona's screen.
pub fn persona(app: &App, persona: Persona, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut lines = Vec::new();
    let width = usize::from(area.width.saturating_sub(6));
    for (i, w) in app.workflows_of(persona).iter().enumerate() {
        let sel = app.home.row == i;
        let last = app.last_run_of(&w.name).map_or_else(
            || "never run".to_string(),
            |r| {
                format!(
                    "last run {} {} {}",
                    run_mark(r.status).0,
                    r.status.as_str(),
                    short_time(r.started_at)
                )
            },
        );
        lines.push(Line::from(vec![
            Span::styled(format!("{}{:<24}", if sel { "▸ " } else { "  " }, w.name), row_style(theme, sel)),
            span(format!(" {}", w.title), theme, Role::Title),
        ]));
        lines.push(Line::from(span(format!("    {}", ellipsize(&w.summary, width)), theme, Role::Text)));
        lines.push(Line::from(span(format!("    {last}"), theme, Role::Muted)));
        lines.push(Line::default());
    }
    if lines.is_empty() {
        lines.push(Line::from(span("no workflows for this persona yet", theme, Role::Muted)));
    }
    let title = format!("{} — enter launches, 1/2/3 switch", persona.heading());
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(panel(&title, theme, true)),
        area,
    );
}

/// The DORA figures after `title`, each after its label.
fn dora_spans<'a>(
    d: &flightdeck_core::dora::Dashboard,
    title: &'static str,
    names: [&'static str; 5],
    theme: &Theme,
) -> Vec<ratatui::text::Span<'a>> {
    let mut spans = vec![span(title, theme, Role::Title)];
    for (card, name) in d.metrics.iter().zip(names) {
        let role = match card.trend.direction {
            flightdeck_core::dora::cards::TrendDirection::Worse => Role::Fail,
            flightdeck_core::dora::cards::TrendDirection::Better => Role::Ok,
            _ => Role::Text,
        };
        spans.push(span(format!(" {name} "), theme, Role::Muted));
        spans.push(span(card.display.clone(), theme, role));
    }
    spans
}

/// One line of delivery (DORA) figures for Home.
fn summary_panel(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let line = match &app.dora.dashboard {
        None => Line::from(span(" DORA: computing…", theme, Role::Muted)),
        Some(Err(e)) => Line::from(span(
            format!(" DORA: {}", ellipsize(e, usize::from(area.width.saturating_sub(12)))),
            theme,
            Role::Warn,
        )),
        Some(Ok(d)) => {
            let room = usize::from(area.width.saturating_sub(2));
            // The figures always show whole: on a narrow terminal the labels shorten.
            let full = dora_spans(d, " DORA 90d ", ["deploys", "lead", "fail", "recovery", "rework"], theme);
            let mut spans = if full.iter().map(ratatui::text::Span::width).sum::<usize>() <= room {
                full
            } else {
                dora_spans(d, " DORA ", ["deploys", "lead", "fail", "recov", "rework"], theme)
            };
            // The hint gives way (whole, never cut) when the figures fill the line.
            let used: usize = spans.iter().map(ratatui::text::Span::width).sum();
            if let Some(hint) =
                ["   d: dashboard", "  d ▸"].into_iter().find(|h| used + h.chars().count() <= room)
            {
                spans.push(span(hint, theme, Role::Key));
            }
            Line::from(spans)
        }
    };
    let health = match app.health.snapshot.as_deref() {
        None => Line::from(span(" Health: starting the monitors…", theme, Role::Muted)),
        Some(h) => {
            let mut spans = vec![span(" Health ", theme, Role::Title)];
            spans.extend(crate::view::health::summary(h, theme));
            for m in h.monitors.iter().take(4) {
                let (glyph, role) = crate::view::health::state_mark(m.state);
                // State only: a latency here would redraw Home at every probe (bytes over SSH).
                spans.push(span(format!("  {glyph} {} {}", m.name, m.state.as_str()), theme, role));
            }
            spans.push(span("   H: health", theme, Role::Key));
            Line::from(spans)
        }
    };
    frame.render_widget(
        Paragraph::new(vec![health, line]).block(panel("Health and delivery", theme, false)),
        area,
    );
}
