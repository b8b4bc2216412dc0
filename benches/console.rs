//! Console figures: time to draw the run screen at 200x60 over a 100,000-line step log, and peak
//! memory with 1,000,000 lines (the view reads only the visible lines through a sparse index).
//! Exits at once unless run with `--bench` (so `cargo test --all-targets` stays fast):
//! `cargo bench --bench console`.

use std::io::Write;
use std::time::Instant;

use flightdeck::tui::app::LogWindow;
use flightdeck::tui::fixtures::{app, run_until_gate};
use flightdeck::tui::logindex::LogIndex;
use flightdeck::tui::ratatui::Terminal;
use flightdeck::tui::ratatui::backend::TestBackend;
use flightdeck::tui::theme::Theme;

fn write_log(path: &std::path::Path, lines: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create log"));
    for i in 0..lines {
        writeln!(
            f,
            "2026-11-18T09:30:{:02}Z INFO request id={i} path=/api/v1/items status=200 took={}ms",
            i % 60,
            i % 97
        )
        .expect("write");
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn measure(lines: usize, frames: u32) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("verify.log");
    write_log(&path, lines);
    let mut a = app((200, 60), vec![], run_until_gate("staging"));
    let theme = Theme::default_theme();
    let mut index = LogIndex::new(&path);
    let t = Instant::now();
    index.refresh().expect("index");
    let index_ms = t.elapsed().as_secs_f64() * 1000.0;
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let height =
        usize::from(flightdeck::tui::view::log_area((200, 60), a.views.values().next(), false).height);
    let run = a.views.keys().next().cloned().unwrap_or_default();
    let t = Instant::now();
    for frame in 0..frames {
        // What the runtime does per frame: refresh the index, read the visible window, draw.
        index.refresh().expect("refresh");
        let end = index.len() - (frame as usize % 1000);
        let first = end.saturating_sub(height);
        let window = index.read(first, end - first).expect("read");
        a.log_window = Some(LogWindow {
            run: run.clone(),
            step: "migrate.apply".into(),
            first,
            lines: window,
            total: index.len(),
        });
        term.draw(|f| flightdeck::tui::view::view(&a, &theme, f)).expect("draw");
    }
    let per_frame = t.elapsed().as_secs_f64() * 1000.0 / f64::from(frames);
    println!(
        "{lines:>9} log lines: index built in {index_ms:.1} ms; one frame (index refresh + read visible lines + draw 200x60) {per_frame:.3} ms; index {} KiB; peak RSS {} KiB",
        index.memory() / 1024,
        peak_rss_kib()
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    measure(100_000, 500);
    measure(1_000_000, 200);
}
