//! The Backups screen with rows that are not complete backups, at 80x24 and 120x30: one being
//! taken (`taking`), one whose runner died mid-copy (`interrupted`, as the runner reports it), one
//! the next backup marked `failed` (selected: its error shows), one whose verification failed, and
//! a verified one. The legend says what each state means.

use flightdeck::store::{BackupRecord, NewBackup};
use flightdeck::time::Micros;
use flightdeck::tui::fixtures::{app, typed};
use flightdeck::tui::msg::{Key, KeyCode, Msg};
use flightdeck::tui::ratatui::Terminal;
use flightdeck::tui::ratatui::backend::TestBackend;
use flightdeck::tui::theme::Theme;

const NOW: i64 = 1_796_000_000_000_000;
const MINUTE: i64 = 60_000_000;

fn row(id: i64, state: &str, age_min: i64, ok: Option<bool>, error: Option<&str>) -> BackupRecord {
    let complete = state == "done";
    BackupRecord {
        id,
        backup: NewBackup {
            database: "postgres://ops@db.internal:5432/app".into(),
            engine: "postgres".into(),
            path: format!("/srv/backups/backup-{id}.backup"),
            bytes: if complete { 104_857_600 } else { 0 },
            sha256: if complete { "ab".into() } else { String::new() },
            schema_version: if complete { "0007".into() } else { String::new() },
            created_at: Micros(NOW - age_min * MINUTE),
            run: Some(format!("20261203-02{id:02}00-database-backup-1a2b")),
            environment: Some("production".into()),
        },
        verified_at: ok.map(|_| Micros(NOW - age_min * MINUTE + MINUTE)),
        verify_ok: ok,
        verify_result: error.map(|e| serde_json::json!({"ok": false, "error": e})),
        pruned_at: None,
        state: state.into(),
    }
}

fn rows() -> Vec<BackupRecord> {
    vec![
        row(5, "taking", 2, None, None),
        row(4, "interrupted", 90, None, None),
        row(
            3,
            "failed",
            600,
            Some(false),
            Some(
                "interrupted: run 20261203-020300-database-backup-1a2b stopped before this backup was complete (its runner ended); the partial file was removed",
            ),
        ),
        row(
            2,
            "done",
            1500,
            Some(false),
            Some("verification failed: table public.orders has 41 rows, the backup's manifest says 42"),
        ),
        row(1, "done", 2900, Some(true), None),
    ]
}

/// The screen opened with `:backups`, the rows loaded, `down` moves the selection.
fn screen(size: (u16, u16), down: usize) -> Terminal<TestBackend> {
    let mut msgs = vec![Msg::Key(Key::ch(':'))];
    msgs.extend(typed("backups"));
    msgs.push(Msg::Key(Key::new(KeyCode::Enter)));
    msgs.push(Msg::BackupsLoaded { backups: rows(), now: Micros(NOW) });
    msgs.extend((0..down).map(|_| Msg::Key(Key::new(KeyCode::Down))));
    let a = app(size, vec![], msgs);
    let mut t = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
    t.draw(|f| flightdeck::tui::view::view(&a, &Theme::default_theme(), f)).unwrap();
    t
}

fn text(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn taking_interrupted_and_failed_backups_say_what_they_mean() {
    for (w, h) in [(80, 24), (120, 30)] {
        let t = screen((w, h), 2);
        insta::assert_snapshot!(format!("backups_states_{w}x{h}"), t.backend());
        let shown = text(&t);
        for word in ["taking ", "interrupted", "failed "] {
            assert!(shown.contains(word), "{w}x{h}: no {word:?} row:\n{shown}");
        }
        assert!(shown.contains("stopped mid-copy; the next backup fails it"), "{shown}");
        assert!(shown.contains("its file was removed"), "{shown}");
        // The selected (failed) row's error.
        assert!(shown.contains("backup 3: interrupted: run 20261203-020300"), "{shown}");
    }
    // Another selection shows that row's error instead.
    let shown = text(&screen((120, 30), 3));
    assert!(shown.contains("backup 2: verification failed: table public.orders"), "{shown}");
    assert!(!shown.contains("backup 3: interrupted"), "{shown}");
}
