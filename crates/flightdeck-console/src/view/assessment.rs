//! The Assessment screen: the verdict and overall numbers, then each section with its score,
//! coverage and a bar; `enter` lists a section's items with state, source, and the selected item's
//! note, evidence and age. `?` shows the formula.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::theme::{Role, Theme};
use crate::view::widgets::{ellipsize, panel, row_style, span};
use flightdeck_core::assess::{ItemResult, Report, SectionScore, State, pct};

/// Splits `text` into lines of at most `width` characters at spaces.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

/// Draws the Assessment screen.
pub fn assessment(app: &App, theme: &Theme, frame: &mut Frame, area: Rect) {
    let block = panel("Readiness assessment", theme, true);
    let report = match &app.assessment.report {
        None => {
            let p = Paragraph::new(span(" gathering evidence…", theme, Role::Muted)).block(block);
            frame.render_widget(p, area);
            return;
        }
        Some(Err(e)) => {
            let p = Paragraph::new(span(format!(" {e}"), theme, Role::Fail)).block(block);
            frame.render_widget(p, area);
            return;
        }
        Some(Ok(r)) => r,
    };
    let mut lines = vec![summary(report, theme)];
    let height = usize::from(area.height.saturating_sub(4));
    let width = usize::from(area.width.saturating_sub(2));
    match app.assessment.section.and_then(|s| report.sections.get(s)) {
        None => lines.extend(sections(report, app.assessment.row, height, width, theme)),
        Some(s) => lines.extend(items(app, report, s, height, width, theme)),
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn summary<'a>(r: &Report, theme: &Theme) -> Line<'a> {
    let (verdict, role) = if r.ready { ("READY", Role::Ok) } else { ("NOT READY", Role::Fail) };
    Line::from(vec![
        span(format!(" {} ", r.environment), theme, Role::Title),
        span(
            format!("overall {} / 100 · coverage {} % · ", pct(r.overall), pct(r.coverage)),
            theme,
            Role::Text,
        ),
        span(verdict, theme, role),
        span(format!(" · {} blockers", r.blockers.len()), theme, Role::Muted),
    ])
}

fn bar(score: Option<u32>, width: usize) -> String {
    let filled = score.map_or(0, |s| (s as usize * width).div_ceil(100).min(width));
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

fn score_role(s: &SectionScore) -> Role {
    match s.score {
        _ if s.fail > 0 => Role::Fail,
        Some(80..) => Role::Ok,
        Some(_) => Role::Warn,
        None => Role::Muted,
    }
}

fn sections<'a>(r: &Report, row: usize, height: usize, width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let bar_w = if width >= 110 { 20 } else { 10 };
    let title_w = width.saturating_sub(bar_w + 40).clamp(12, 44);
    let head = format!(
        " {:<3} {:<title_w$} {:>5} {:>5} {:<bar_w$} {}",
        "#", "SECTION", "SCORE", "COVER", "", "P/½/F/NA/?"
    );
    let mut lines = vec![Line::from(span(head, theme, Role::Muted))];
    let first = row.saturating_sub(height.saturating_sub(2));
    for (i, s) in r.sections.iter().enumerate().skip(first).take(height.saturating_sub(1)) {
        let text = format!(
            " {:<3} {:<title_w$} {:>5} {:>4}% ",
            s.id,
            ellipsize(&s.title, title_w),
            pct(s.score),
            pct(s.coverage)
        );
        lines.push(Line::from(vec![
            Span::styled(text, row_style(theme, i == row)),
            span(bar(s.score, bar_w), theme, score_role(s)),
            span(format!(" {}/{}/{}/{}/{}", s.pass, s.partial, s.fail, s.na, s.unknown), theme, Role::Muted),
        ]));
    }
    lines
}

fn state_role(s: State) -> Role {
    match s {
        State::Pass => Role::Ok,
        State::Partial => Role::Warn,
        State::Fail => Role::Fail,
        State::NotApplicable | State::Unknown => Role::Muted,
    }
}

fn age(report_at: i64, at: Option<i64>) -> String {
    let Some(at) = at else { return "never set".into() };
    let mins = (report_at - at).max(0) / 60_000_000;
    match mins {
        0 => "just now".into(),
        m if m < 60 => format!("{m}m ago"),
        m if m < 2880 => format!("{}h ago", m / 60),
        m => format!("{}d ago", m / 1440),
    }
}

fn items<'a>(
    app: &App,
    r: &Report,
    s: &SectionScore,
    height: usize,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let list = app.assess_items();
    let title = format!(" {} {} · score {} · coverage {} %", s.id, s.title, pct(s.score), pct(s.coverage));
    let mut lines = vec![Line::from(span(title, theme, Role::Title))];
    let rows = height.saturating_sub(5);
    let first = app.assessment.row.saturating_sub(rows.saturating_sub(1));
    let text_w = width.saturating_sub(30);
    for (n, i) in list.iter().enumerate().skip(first).take(rows) {
        let crit = if i.critical { "!" } else { " " };
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<7}{crit}", i.id), row_style(theme, n == app.assessment.row)),
            span(format!("{:<8}", i.state.as_str()), theme, state_role(i.state)),
            span(format!("{:<9}", i.source.as_str()), theme, Role::Muted),
            span(ellipsize(&i.text, text_w), theme, Role::Text),
        ]));
    }
    if let Some(i) = list.get(app.assessment.row) {
        lines.extend(detail(app, r, i, width, theme));
    }
    lines
}

fn detail<'a>(app: &App, r: &Report, i: &ItemResult, width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let who = i.actor.as_deref().map(|a| format!(" by {a}")).unwrap_or_default();
    let rule = i.evidence.as_deref().map(|e| format!(" · rule {e}")).unwrap_or_default();
    let mut out = vec![
        Line::default(),
        Line::from(span(
            format!(" {} {} · {}{who} {}{rule}", i.id, i.state, i.source.as_str(), age(r.at, i.at)),
            theme,
            Role::Accent,
        )),
    ];
    let evidence = i.detail.as_deref().unwrap_or("no evidence rule: set it with p a f n u");
    out.push(Line::from(span(
        format!(" evidence: {}", ellipsize(evidence, width.saturating_sub(12))),
        theme,
        Role::Text,
    )));
    let note = match &app.assessment.note {
        Some(input) => {
            Line::from(span(format!(" note: {}▏ (enter saves, esc drops)", input.value()), theme, Role::Key))
        }
        None => Line::from(span(
            format!(" note: {}", ellipsize(i.note.as_deref().unwrap_or("-"), width.saturating_sub(8))),
            theme,
            Role::Text,
        )),
    };
    out.push(note);
    out
}
