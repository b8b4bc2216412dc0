//! The loaded-data messages of the screens that read the store (Secrets, Images, Backups, Cost):
//! fixture rows for the snapshot states.

use flightdeck::tui::fixtures::typed;
use flightdeck::tui::msg::{Key, KeyCode, Msg};

/// The Secrets screen's rows: one current, one overdue, one unreadable.
pub(super) fn secrets_loaded() -> Msg {
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
pub(super) fn images_loaded() -> Vec<Msg> {
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
pub(super) fn backups_loaded() -> Msg {
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
pub(super) fn cost_loaded() -> Msg {
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
