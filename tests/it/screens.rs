//! Snapshot tests of every screen in its key states, at 80x24 and 160x48, built from fixture
//! messages; the same states regenerate `screenshots/` (SVG).

use flightdeck::tui::app::App;
use flightdeck::tui::fixtures::{
    self, app, approval, failing_verify, gate, history, keys, rolled_back, run_until_gate, typed,
};
use flightdeck::tui::msg::{Key, KeyCode, Msg};
use flightdeck::tui::ratatui::Terminal;
use flightdeck::tui::ratatui::backend::TestBackend;
use flightdeck::tui::theme::Theme;

fn render(app: &App, theme: &Theme) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(app.size.0, app.size.1)).unwrap();
    t.draw(|f| flightdeck::tui::view::view(app, theme, f)).unwrap();
    t
}

/// Every fixture state: name and the messages that lead there.
#[allow(clippy::too_many_lines)] // one fixture state per line
fn states() -> Vec<(&'static str, Vec<flightdeck::store::records::RunRecord>, Vec<Msg>)> {
    let mut gate_grace = run_until_gate("staging");
    gate_grace.push(gate("staging", vec![], 1));
    gate_grace.push(fixtures::after(200));
    let mut gate_staging = gate_grace.clone();
    gate_staging.push(fixtures::after(1000));
    let mut gate_prod = run_until_gate("production");
    gate_prod.push(gate("production", vec![approval("rita", 1001)], 2));
    gate_prod.push(fixtures::after(1000));
    gate_prod.extend(typed("DEPLOY TO PROD"));
    let mut gate_tally = run_until_gate("production");
    gate_tally.extend(fixtures::prod_gate_with_refusal());
    gate_tally.push(fixtures::after(1000));
    let mut gate_scrolled = gate_tally.clone();
    gate_scrolled.extend(keys(&[KeyCode::PageDown]));
    let mut gate_hidden = gate_staging.clone();
    gate_hidden.extend(keys(&[KeyCode::Esc]));
    let mut relaunch = gate_staging.clone();
    relaunch.extend(keys(&[KeyCode::Esc]));
    relaunch.push(Msg::Key(Key::ch(':')));
    relaunch.extend(typed("run deploy version=1.2.1"));
    relaunch.extend(keys(&[KeyCode::Enter, KeyCode::Enter]));
    // The run screen's own questions: the footer lists only their keys.
    let mut cancel = run_until_gate("staging");
    cancel.push(Msg::Key(Key::ch('x')));
    let mut quit = run_until_gate("staging");
    quit.push(Msg::Key(Key::ch('q')));
    let mut failed_menu = failing_verify();
    failed_menu.push(fixtures::after(1000));
    // The deploy form, opened by name: more built-in workflows may sort before it on Home.
    let open_deploy = || {
        let mut m = vec![Msg::Key(Key::ch(':'))];
        m.extend(typed("run deploy"));
        m.push(Msg::Key(Key::new(KeyCode::Enter)));
        m
    };
    let mut launch_error = open_deploy();
    launch_error.extend(keys(&[KeyCode::Enter, KeyCode::Tab]));
    // `:run` focuses the first required field (the version).
    let mut launch_preview = open_deploy();
    launch_preview.extend(typed("1.2.0"));
    launch_preview.push(Msg::Key(Key::new(KeyCode::Enter)));
    let mut runs = vec![Msg::Key(Key::ch('r'))];
    runs.push(Msg::RunsLoaded { runs: history() });
    vec![
        ("home_empty", vec![], vec![]),
        ("home", history(), vec![fixtures::dora_dashboard(false), fixtures::health_snapshot()]),
        ("health", history(), vec![fixtures::health_snapshot(), Msg::Key(Key::ch('H'))]),
        (
            "health_detail",
            history(),
            vec![
                fixtures::health_snapshot(),
                Msg::Key(Key::ch('H')),
                Msg::Key(Key::ch('j')),
                Msg::Key(Key::ch('j')),
                Msg::Key(Key::new(KeyCode::Enter)),
            ],
        ),
        ("persona_diana", history(), vec![Msg::Key(Key::ch('1'))]),
        ("launch_error", vec![], launch_error),
        ("launch_preview", vec![], launch_preview),
        ("run_running", vec![], run_until_gate("staging")),
        ("run_gate_grace", vec![], gate_grace),
        ("run_gate", vec![], gate_staging),
        ("run_gate_hidden", vec![], gate_hidden),
        ("run_gate_tally", vec![], gate_tally),
        ("run_gate_scrolled", vec![], gate_scrolled),
        ("run_relaunch", vec![], relaunch),
        ("run_phrase_gate", vec![], gate_prod),
        ("run_failed_menu", vec![], failed_menu),
        ("run_cancel", vec![], cancel),
        ("run_quit", vec![], quit),
        ("run_finished", vec![], rolled_back()),
        ("runs", history(), runs),
        ("audit", vec![], vec![Msg::Key(Key::ch('a')), fixtures::audit(true)]),
        ("audit_broken", vec![], vec![Msg::Key(Key::ch('a')), fixtures::audit(false)]),
        ("notifications", vec![], {
            let mut m = vec![Msg::Key(Key::ch(':'))];
            m.extend(typed("notifications"));
            m.extend([Msg::Key(Key::new(KeyCode::Enter)), fixtures::notifications()]);
            m
        }),
        ("notifications_attempts", vec![], {
            let mut m = vec![Msg::Key(Key::ch(':'))];
            m.extend(typed("notifications"));
            m.extend([Msg::Key(Key::new(KeyCode::Enter)), fixtures::notifications(), Msg::Key(Key::ch('j'))]);
            m.extend([Msg::Key(Key::new(KeyCode::Enter)), fixtures::notification_attempts()]);
            m
        }),
        ("help", history(), vec![Msg::Key(Key::ch('?'))]),
        ("release", history(), vec![Msg::Key(Key::ch('v')), fixtures::release_plan()]),
        ("dora", history(), vec![Msg::Key(Key::ch('d')), fixtures::dora_dashboard(false)]),
        (
            "dora_commits",
            history(),
            vec![
                Msg::Key(Key::ch('d')),
                fixtures::dora_dashboard(false),
                Msg::Key(Key::ch('j')),
                Msg::Key(Key::new(KeyCode::Enter)),
            ],
        ),
        ("dora_empty", vec![], vec![Msg::Key(Key::ch('d')), fixtures::dora_dashboard(true)]),
        ("load_setup", vec![], vec![Msg::Key(Key::ch('L'))]),
        ("load_setup_error", vec![], {
            let mut m = vec![Msg::Key(Key::ch('L'))];
            m.extend(keys(&[KeyCode::Tab, KeyCode::Tab, KeyCode::Tab]));
            m.extend(typed("fast"));
            m.extend(keys(&[KeyCode::Tab, KeyCode::Right, KeyCode::Right, KeyCode::Tab]));
            m.extend(typed("p95 < 50ms, error_rate <"));
            m.push(Msg::Key(Key::new(KeyCode::Enter)));
            m
        }),
        ("load_running", vec![], fixtures::load_running()),
        ("load_finished_pass", vec![], fixtures::load_finished(false, false)),
        ("load_finished_fail", vec![], fixtures::load_finished(true, false)),
        ("load_baseline", vec![], fixtures::load_finished(false, true)),
        ("secrets", vec![], vec![Msg::Key(Key::ch('S')), secrets_loaded()]),
        ("images", vec![], images_loaded()),
        ("backups", vec![], {
            let mut m = vec![Msg::Key(Key::ch(':'))];
            m.extend(typed("backups"));
            m.extend([Msg::Key(Key::new(KeyCode::Enter)), backups_loaded()]);
            m
        }),
        ("cost", vec![], {
            let mut m = vec![Msg::Key(Key::ch(':'))];
            m.extend(typed("cost 2026-10"));
            m.extend([Msg::Key(Key::new(KeyCode::Enter)), cost_loaded()]);
            m
        }),
        ("command_line", history(), {
            let mut m = vec![Msg::Key(Key::ch(':'))];
            m.extend(typed("ru"));
            m
        }),
    ]
}

/// The Secrets screen's rows: one current, one overdue, one unreadable.
fn secrets_loaded() -> Msg {
    let row = |name: &str,
               provider: &str,
               kind: &str,
               version: Option<&str>,
               last: Option<&str>,
               due: Option<&str>| {
        flightdeck::secrets::SecretStatus {
            name: name.into(),
            provider: provider.into(),
            kind: kind.into(),
            version: version.map(String::from),
            last_rotated: last.map(String::from),
            rotate_every: Some("90d".into()),
            due: due.map(String::from),
            overdue: false,
            error: None,
        }
    };
    let fresh = row(
        "db_password",
        "bao",
        "openbao",
        Some("7"),
        Some("2026-11-02T09:14:00Z"),
        Some("2027-01-31T09:14:00Z"),
    );
    let mut old = row(
        "api_token",
        "aws",
        "aws",
        Some("a1b2c3d4"),
        Some("2026-05-01T08:00:00Z"),
        Some("2026-07-30T08:00:00Z"),
    );
    old.overdue = true;
    let mut broken = row("smtp_password", "bao", "openbao", None, None, None);
    broken.error = Some(
        "secret `smtp_password` (provider `bao`, flightdeck.toml:14): path \"secret/smtp\" not found".into(),
    );
    Msg::SecretsLoaded { secrets: vec![fresh, old, broken] }
}

/// `:images` and its rows: one pushed over a blocking finding by an approval, one that passed.
fn images_loaded() -> Vec<Msg> {
    let row = |id: i64, tag: &str, digest: &str, verdict: &str, blocking: &[&str], at: i64| {
        flightdeck::store::ArtifactRecord {
            id,
            artifact: flightdeck::store::NewArtifact {
                image: "registry.ops.test:5000/web".into(),
                tags: vec![tag.into(), "3f9c2a1b7d4e".into()],
                digest: digest.into(),
                sbom_path: Some(format!("/srv/flightdeck/artifacts/run-{id}/sbom.cdx.json")),
                scan_summary: serde_json::json!({ "verdict": verdict, "fail_on": "high", "blocking": blocking }),
                run: Some(format!("run-{id}")),
            },
            created_at: flightdeck::time::Micros(at * 1_000_000),
        }
    };
    let rows = vec![
        row(
            2,
            "1.4.0",
            "sha256:9b2f0c7a41d3e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4",
            "overridden",
            &["OSV-2026-0142"],
            1_796_292_000,
        ),
        row(
            1,
            "1.3.2",
            "sha256:04c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b",
            "passed",
            &[],
            1_795_879_800,
        ),
    ];
    let mut m = vec![Msg::Key(Key::ch(':'))];
    m.extend(typed("images"));
    m.push(Msg::Key(Key::new(KeyCode::Enter)));
    m.push(Msg::ImagesLoaded { rows });
    m
}

/// The Backups screen's rows: a verified `PostgreSQL` backup, one that failed verification, an
/// unverified `SQLite` one.
fn backups_loaded() -> Msg {
    use flightdeck::store::{BackupRecord, NewBackup};
    use flightdeck::time::Micros;
    let now = Micros(1_796_000_000_000_000);
    let hour = 3_600_000_000;
    let row = |id: i64, db: &str, engine: &str, path: &str, bytes: i64, age_h: i64, ok: Option<bool>| {
        BackupRecord {
            id,
            backup: NewBackup {
                database: db.into(),
                engine: engine.into(),
                path: path.into(),
                bytes,
                sha256: "ab".into(),
                schema_version: "0007".into(),
                created_at: Micros(now.0 - age_h * hour),
                run: Some(format!("20261203-0200{id:02}-database-backup-1a2b")),
                environment: Some("production".into()),
            },
            verified_at: ok.map(|_| Micros(now.0 - age_h * hour + 60_000_000)),
            verify_ok: ok,
            verify_result: None,
            pruned_at: None,
            state: "done".into(),
        }
    };
    let pg = "postgres://ops@db.internal:5432/app";
    Msg::BackupsLoaded {
        backups: vec![
            row(3, pg, "postgres", "/srv/backups/backup-3.backup", 104_857_600, 5, Some(true)),
            row(2, pg, "postgres", "/srv/backups/backup-2.backup", 103_000_000, 29, Some(false)),
            row(1, "data/app.db", "sqlite", "/srv/backups/app-1.backup", 40_960, 200, None),
        ],
        now,
    }
}

/// The Cost screen's report: October against September by service, two planted anomalies.
fn cost_loaded() -> Msg {
    use flightdeck::cost::{Anomaly, Decimal, GroupBy, SeriesRow, compute_report};
    let month: flightdeck::cost::Month = "2026-10".parse().unwrap();
    let services = [("api", 412, 388), ("web", 305, 311), ("worker", 220, 150), ("db", 198, 240)];
    let more = [("cache", 61, 60), ("search", 44, 0), ("(untagged)", 12, 12)];
    let mut rows = Vec::new();
    for (service, oct, sep) in services.iter().chain(more.iter()) {
        for (day, amount) in [("2026-10-31", oct), ("2026-09-30", sep)].into_iter().filter(|(_, a)| **a > 0) {
            let amount = Decimal::new(i64::from(*amount) * 100 + 37, 1);
            let (group, currency) = ((*service).to_string(), "USD".to_string());
            rows.push(SeriesRow { day: day.parse().unwrap(), group, currency, amount });
        }
    }
    let anomaly = |day: &str, service: &str, env: &str, amount: i64, median: i64| Anomaly {
        day: day.parse().unwrap(),
        service: service.into(),
        environment: env.into(),
        currency: "USD".into(),
        amount: Decimal::new(amount, 2),
        median: Decimal::new(median, 2),
        mad: Decimal::new(400, 2),
        threshold: Decimal::new(median + 1200, 2),
    };
    let anomalies = vec![
        anomaly("2026-10-12", "api", "production", 240_000, 40_123),
        anomaly("2026-10-20", "worker", "staging", 360_000, 60_370),
    ];
    let report = compute_report(month, &GroupBy::Service, &rows, anomalies, Decimal::TEN);
    Msg::CostLoaded { report: Ok(Box::new(report)), tags: vec!["team".into()] }
}

#[test]
fn every_screen_at_80x24_and_160x48() {
    let theme = Theme::default_theme();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, runs, msgs) in states() {
        for (w, h) in [(80, 24), (160, 48)] {
            let a = app((w, h), runs.clone(), msgs.clone());
            let t = render(&a, &theme);
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
            let svg = flightdeck::tui::svg::buffer_to_svg(t.backend().buffer());
            let svg_path = dir.join(format!("{name}_{w}x{h}.svg"));
            std::fs::write(&svg_path, svg).unwrap();
            to_png(&svg_path);
        }
    }
}

#[test]
fn too_small_and_monochrome() {
    let a = app((60, 20), history(), vec![]);
    let t = render(&a, &Theme::default_theme());
    insta::assert_snapshot!("too_small_60x20", t.backend());
    let mut gate_prod = run_until_gate("production");
    gate_prod.push(gate("production", vec![], 2));
    let a = app((80, 24), vec![], gate_prod);
    let mono = Theme::load("mono", None).unwrap();
    let t = render(&a, &mono);
    // Without colour, the production badge and the waiting state still stand out by attributes.
    let buf = t.backend().buffer();
    let badge = (0..80).find(|&x| buf[(x, 0)].symbol() == "▲").expect("production badge");
    assert!(buf[(badge, 0)].modifier.contains(flightdeck::tui::ratatui::style::Modifier::REVERSED));
    let svg = flightdeck::tui::svg::buffer_to_svg(buf);
    std::fs::write(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots/run_phrase_gate_mono_80x24.svg"),
        svg,
    )
    .unwrap();
}

/// Writes a PNG beside the SVG with rsvg-convert (librsvg2-bin, installed by
/// `scripts/install-test-deps.sh`); a missing or failing converter fails the test.
pub fn to_png(svg: &std::path::Path) {
    crate::common::ensure_tool("rsvg-convert");
    let png = svg.with_extension("png");
    let out = std::process::Command::new("rsvg-convert").arg(svg).arg("-o").arg(&png).output().unwrap();
    assert!(
        out.status.success() && png.is_file(),
        "rsvg-convert {} failed: {}",
        svg.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn untrusted_text_is_made_visible_never_sent_as_control_codes() {
    use flightdeck::engine::event::{Event, EventKind, Stream};
    let mut msgs = run_until_gate("staging");
    let run = "20261118-092800-deploy-3f2a".to_string();
    let line = "\x1b[2J\x1b]52;c;aGk=\x07 owned\r50%";
    msgs.push(Msg::Engine(Event {
        run,
        life: 1,
        seq: 99,
        at: fixtures::NOW,
        kind: EventKind::StepLog { step: "migrate.apply".into(), stream: Stream::Stdout, line: line.into() },
    }));
    let a = app((80, 24), vec![], msgs);
    let t = render(&a, &Theme::default_theme());
    let text: String =
        t.backend().buffer().content().iter().map(flightdeck::tui::ratatui::buffer::Cell::symbol).collect();
    assert!(text.contains("␛[2J␛]52;c;aGk=␇ owned␍50%"), "{text}");
    assert!(!text.chars().any(char::is_control), "a control character reached the screen");
}

#[test]
fn the_live_filter_shows_only_matching_lines() {
    let mut msgs = run_until_gate("staging");
    msgs.push(Msg::Key(Key::ch('&')));
    msgs.extend(typed("version"));
    let a = app((80, 24), vec![], msgs);
    let t = render(&a, &Theme::default_theme());
    let rows: Vec<String> = (0..24)
        .map(|y| (0..80).map(|x| t.backend().buffer()[(x, y)].symbol().to_string()).collect())
        .collect();
    let screen = rows.join("\n");
    assert!(screen.contains("staging.db: applied 1 migration(s); version 0003"), "{screen}");
    assert!(
        !screen.contains("applied 0003_create_deploy_notes.sql"),
        "a line without the filter shows:\n{screen}"
    );
    assert!(screen.contains("&version"), "the footer shows the filter as typed:\n{screen}");
}
