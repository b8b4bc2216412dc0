//! Scrolling the run screen's log with a terminal scroll region, so that a streaming log costs
//! about its own text over SSH instead of a repaint of the whole pane per line.
//!
//! The log panel spans whole terminal rows (see `view::run`). When the window of log lines shown
//! moved down by `d < height` lines since the last frame — same run, same step, same rows, no
//! dialog or help over it, no wrapping — the runtime writes DECSTBM (set the region to the log's
//! rows), SU (scroll up `d`) and a DECSTBM reset, then gives ratatui a back buffer scrolled the
//! same way (ratatui's manual pipeline: `get_frame`, `swap_buffers`, `flush`). ratatui's diff then
//! writes only what really changed: the `d` new lines and any other cell that changed.
//! If the guess were ever wrong the diff still repaints what differs, so the screen stays right.

use std::io::Write;

use ratatui::DefaultTerminal;
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use ratatui::style::Modifier;

use crate::app::{App, Screen};
use crate::theme::Theme;

/// What the last frame showed of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shown {
    run: String,
    step: String,
    first: usize,
    area: Rect,
}

/// The log window of the last frame and a copy of that frame.
#[derive(Default)]
pub struct LogScroll {
    shown: Option<Shown>,
    last: Option<Buffer>,
}

impl LogScroll {
    /// Draws a frame: through a terminal scroll region when the log moved down by a few lines,
    /// else as ratatui always does.
    pub fn draw(&mut self, app: &App, theme: &Theme, terminal: &mut DefaultTerminal) -> std::io::Result<()> {
        let now = shown(app);
        let plan = match (&self.shown, &now, self.last.take()) {
            (Some(a), Some(b), Some(last))
                if a.run == b.run
                    && a.step == b.step
                    && a.area == b.area
                    && b.first > a.first
                    && b.first - a.first < usize::from(b.area.height)
                    && last.area == Rect::new(0, 0, app.size.0, app.size.1) =>
            {
                Some((u16::try_from(b.first - a.first).unwrap_or(0), b.area, last))
            }
            _ => None,
        };
        self.shown = now;
        let Some((d, area, last)) = plan else {
            let frame = terminal.draw(|f| crate::view::view(app, theme, f))?;
            self.last = Some(frame.buffer.clone());
            return Ok(());
        };
        terminal.autoresize()?;
        crate::view::view(app, theme, &mut terminal.get_frame());
        let rendered = terminal.current_buffer_mut().clone();
        let mut before = last;
        scroll_rows(&mut before, area, d);
        mark_new_rows(&mut before, &rendered, area, d);
        let (top, bottom) = (area.y + 1, area.y + area.height);
        // ratatui ends every frame with SGR 0, so the rows uncovered take the default background.
        write!(terminal.backend_mut(), "\x1b[{top};{bottom}r\x1b[{d}S\x1b[r")?;
        // ratatui diffs against its back buffer: make that the scrolled screen, then flush.
        *terminal.current_buffer_mut() = before;
        terminal.swap_buffers();
        terminal.current_buffer_mut().clone_from(&rendered);
        terminal.flush()?;
        terminal.swap_buffers();
        ratatui::backend::Backend::flush(terminal.backend_mut())?;
        self.last = Some(rendered);
        Ok(())
    }
}

/// In the rows the scroll uncovered, marks the cells up to the new text's last visible cell as
/// unknown, so the diff writes the new line in one run (spaces included) instead of one cursor
/// move per word; the blank tail is left alone.
fn mark_new_rows(before: &mut Buffer, rendered: &Buffer, area: Rect, d: u16) {
    let bottom = area.y + area.height;
    for y in bottom.saturating_sub(d)..bottom {
        let end = (0..rendered.area.width)
            .rev()
            .find(|&x| rendered[(x, y)] != Cell::default())
            .map_or(0, |x| x + 1);
        for x in 0..end {
            // A style the view never draws (hidden + rapid blink): this cell differs from any.
            before[(x, y)].set_style(Modifier::HIDDEN | Modifier::RAPID_BLINK);
        }
    }
}

/// The log window the coming frame shows, when it can be scrolled (nothing drawn over it).
fn shown(app: &App) -> Option<Shown> {
    let Screen::Run(rs) = app.screen() else { return None };
    if app.dialog.is_some() || app.help || rs.wrap || rs.search_input.is_some() || rs.filter_input.is_some() {
        return None;
    }
    let w = app.log_window.as_ref()?;
    let inner = crate::view::log_area(app.size, app.views.get(&rs.run), rs.zoom);
    // The region covers whole rows: the panel's borders scroll with the text (they are the same
    // on every row).
    let area = Rect::new(0, inner.y, app.size.0, inner.height);
    Some(Shown { run: w.run.clone(), step: w.step.clone(), first: w.first, area })
}

/// Moves the rows of `area` (full width) up by `d`, blanking the `d` rows uncovered at the bottom.
fn scroll_rows(buf: &mut Buffer, area: Rect, d: u16) {
    let width = buf.area.width;
    for y in area.y..area.y + area.height {
        let from = y + d;
        for x in 0..width {
            let cell = if from < area.y + area.height { buf[(x, from)].clone() } else { Cell::default() };
            buf[(x, y)] = cell;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scroll_rows_moves_the_region_and_blanks_the_bottom() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 3, 5));
        for y in 0..5u16 {
            buf[(0, y)].set_symbol(&y.to_string());
        }
        scroll_rows(&mut buf, Rect::new(0, 1, 3, 3), 1);
        let col: Vec<&str> = (0..5).map(|y| buf[(0, y)].symbol()).collect();
        assert_eq!(col, vec!["0", "2", "3", " ", "4"], "rows 1..4 moved up one, row 3 blank, 0 and 4 kept");
    }
}
