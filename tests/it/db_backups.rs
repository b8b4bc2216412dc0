//! `flightdeck db prune` (a run of the runner's `prune-backups` task) and `db backups` over the real
//! store: 60 generated daily backups (files and rows), retention keeps exactly the set computed by
//! hand, deletes the rest's files and marks them.

use flightdeck::store::{NewBackup, Store};
use flightdeck::time::Micros;

use crate::common::{LOCAL, Project, text};

fn day(n: i64) -> jiff::civil::Date {
    jiff::civil::date(2026, 1, 1).checked_add(jiff::Span::new().days(n)).unwrap()
}

/// 2026-01-01 (Thursday, ISO week 1) .. 2026-03-01 (Sunday, week 9), 02:00 UTC each; Jan 10 and
/// Jan 20 verified. Keep 7 daily, 4 weekly, 3 monthly. By hand: daily Mar 1, Feb 28 .. Feb 23;
/// weekly W09 Mar 1, W08 Feb 22, W07 Feb 15, W06 Feb 8; monthly Mar 1, Feb 28, Jan 31; and the
/// newest verified one, Jan 20: 12 kept, 48 deleted.
#[tokio::test]
async fn retention_over_sixty_daily_backups_keeps_the_hand_computed_set() {
    let p = Project::new(LOCAL, &[]);
    let dir = p.path().join("backups");
    seed(&p, &dir).await;
    let want = [
        "2026-03-01",
        "2026-02-28",
        "2026-02-27",
        "2026-02-26",
        "2026-02-25",
        "2026-02-24",
        "2026-02-23",
        "2026-02-22",
        "2026-02-15",
        "2026-02-08",
        "2026-01-31",
        "2026-01-20",
    ];
    let args =
        ["db", "prune", "--database", "/srv/app.db", "--daily", "7", "--weekly", "4", "--monthly", "3"];
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let out = p.run(&dry);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    // The run prints the step's lines after `  │ `.
    let lines: Vec<&str> = stdout.lines().map(|l| l.trim_start_matches("  │ ")).collect();
    let kept: Vec<&str> = lines.iter().filter(|l| l.starts_with("keep")).map(|l| date_of(l)).collect();
    assert_eq!(kept, want, "{stdout}");
    assert_eq!(lines.iter().filter(|l| l.starts_with("would delete /")).count(), 48, "{stdout}");
    assert!(stdout.contains("keep   /srv/app.db") && stdout.contains("(newest verified)"), "{stdout}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 120, "a dry run deletes nothing");
    let out = p.run(&args);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("deleted 48 backup(s), keep 12"), "{}", text(&out));
    let mut left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".backup"))
        .collect();
    left.sort_unstable_by(|a, b| b.cmp(a));
    let want_files: Vec<String> = want.iter().map(|d| format!("{d}.backup")).collect();
    assert_eq!(left, want_files);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 24, "manifests go with their backups");
    let out = p.run(&["db", "backups", "--json"]);
    let listed: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(listed.len(), 12, "{}", text(&out));
    let out = p.run(&["db", "backups"]);
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(table.lines().any(|l| l.contains("2026-01-20.backup") && l.contains('✓')), "{table}");
    assert!(table.lines().any(|l| l.contains("2026-03-01.backup") && l.contains(" - ")), "{table}");
}

/// 60 backup files (with manifests) and their rows, one a day at 02:00 UTC from 2026-01-01; the ones
/// of Jan 10 and Jan 20 verified.
async fn seed(p: &Project, dir: &std::path::Path) {
    let store = Store::open(p.home.path()).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    for n in 0..60 {
        let d = day(n);
        let path = dir.join(format!("{d}.backup"));
        std::fs::write(&path, format!("backup of {d}")).unwrap();
        std::fs::write(dir.join(format!("{d}.backup.manifest.json")), "{}").unwrap();
        let at =
            d.at(2, 0, 0, 0).to_zoned_datetime(jiff::tz::TimeZone::UTC).unwrap().timestamp().as_microsecond();
        let b = NewBackup {
            database: "/srv/app.db".into(),
            engine: "sqlite".into(),
            path: path.to_string_lossy().into_owned(),
            bytes: 16,
            sha256: "00".into(),
            schema_version: "0003".into(),
            created_at: Micros(at),
            run: None,
            environment: Some("local".into()),
        };
        store.add_backup(&b).await.unwrap();
        if d.month() == 1 && [10, 20].contains(&d.day()) {
            let ok = serde_json::json!({"ok": true});
            store.set_backup_verified(&b.path, Micros(at + 1), true, &ok).await.unwrap();
        }
    }
}

fn date_of(line: &str) -> &str {
    let name = line.rsplit('/').next().unwrap_or_default();
    name.split(".backup").next().unwrap_or_default()
}
