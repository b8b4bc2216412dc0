//! Cost analysis through the real binary: generated billing files (AWS CUR legacy/2.0/gzip, GCP
//! NDJSON) imported into a real store; breakdown totals equal each file's total exactly, exactly
//! the planted anomaly days are flagged, month-over-month figures match ones computed here, and bad
//! input exits 2 leaving the store as it was.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{LOCAL, Project, text};
use crate::cost_gen::{self as g, Kind, Line, d};

fn file(p: &Project, name: &str) -> PathBuf {
    p.path().join(name)
}

fn ok(p: &Project, args: &[&str]) -> String {
    let out = p.run(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn import(p: &Project, path: &Path) -> String {
    ok(p, &["cost", "import", path.to_str().unwrap()])
}

fn report(p: &Project, month: &str, by: &str) -> Value {
    serde_json::from_str(&ok(p, &["cost", "report", "--month", month, "--by", by, "--json"])).unwrap()
}

fn in_month(l: &Line, month: &str) -> bool {
    l.day.to_string().starts_with(month)
}

/// The report's groups as (group, currency) → (total, previous) in units.
fn groups(r: &Value) -> Vec<(String, String, i64, i64)> {
    r["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let s = |k: &str| l[k].as_str().unwrap().to_string();
            (s("group"), s("currency"), g::units(&s("total")), g::units(&s("previous")))
        })
        .collect()
}

fn total(r: &Value, currency: &str) -> i64 {
    let t = r["totals"].as_array().unwrap().iter().find(|t| t["currency"] == currency).unwrap();
    g::units(t["total"].as_str().unwrap())
}

fn anomalies(r: &Value) -> Vec<(String, String, String, String)> {
    r["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let s = |k: &str| a[k].as_str().unwrap().to_string();
            (s("day"), s("service"), s("environment"), s("currency"))
        })
        .collect()
}

fn planted_in(month: &str, currency: &str) -> Vec<(String, String, String, String)> {
    let mut v: Vec<_> = g::planted()
        .into_iter()
        .filter(|(day, _, _)| day.to_string().starts_with(month))
        .map(|(day, si, ei)| (day.to_string(), g::SERVICES[si].into(), g::ENVS[ei].into(), currency.into()))
        .collect();
    v.sort();
    v
}

fn service_of(l: &Line) -> &str {
    l.service.unwrap_or("(untagged)")
}

#[test]
fn cur_legacy_gzip_totals_equal_the_file_and_exactly_the_planted_days_are_flagged() {
    let p = Project::new(LOCAL, &[]);
    let lines = g::lines(d("2026-10-31"));
    assert!(lines.iter().any(|l| l.kind == Kind::Tax) && lines.iter().any(|l| l.kind == Kind::Credit));
    let path = file(&p, "cur.csv.gz");
    g::write_cur_legacy(&path, &lines, true);
    let said = import(&p, &path);
    assert!(said.contains("aws-cur-legacy") && said.contains(&format!("{} lines", lines.len())), "{said}");
    let mut sum_of_months = 0;
    for month in ["2026-08", "2026-09", "2026-10"] {
        let r = report(&p, month, "service");
        assert_eq!(total(&r, "USD"), g::sum(&lines, |l| in_month(l, month)), "{month}");
        sum_of_months += total(&r, "USD");
        for (group, _, t, _) in groups(&r) {
            assert_eq!(
                t,
                g::sum(&lines, |l| in_month(l, month) && service_of(l) == group),
                "{month} {group}"
            );
        }
        assert_eq!(anomalies(&r), planted_in(month, "USD"), "{month}");
    }
    assert_eq!(sum_of_months, g::sum(&lines, |_| true));
    let imports: Value = serde_json::from_str(&ok(&p, &["cost", "imports", "--json"])).unwrap();
    assert_eq!(g::units(imports[0]["totals"]["USD"].as_str().unwrap()), g::sum(&lines, |_| true));
    let untagged = groups(&report(&p, "2026-10", "environment")).into_iter().find(|g| g.0 == "(untagged)");
    assert_eq!(untagged.map(|g| g.2), Some(g::sum(&lines, |l| in_month(l, "2026-10") && l.env.is_none())));
}

#[test]
fn cur2_and_gcp_in_one_store_keep_currencies_apart() {
    let p = Project::new(LOCAL, &[]);
    let lines = g::lines(d("2026-10-31"));
    let (cur, gcp) = (file(&p, "cur2.csv"), file(&p, "billing.ndjson"));
    g::write_cur2(&cur, &lines, false);
    g::write_gcp(&gcp, &lines);
    assert!(import(&p, &cur).contains("aws-cur-2"));
    assert!(import(&p, &gcp).contains("gcp-ndjson"));
    let r = report(&p, "2026-10", "service");
    let oct = g::sum(&lines, |l| in_month(l, "2026-10"));
    assert_eq!((total(&r, "USD"), total(&r, "EUR")), (oct, oct));
    for (group, currency, t, _) in groups(&r) {
        assert_eq!(
            t,
            g::sum(&lines, |l| in_month(l, "2026-10") && service_of(l) == group),
            "{group} {currency}"
        );
    }
    let mut want = planted_in("2026-10", "EUR");
    want.extend(planted_in("2026-10", "USD"));
    want.sort();
    let mut got = anomalies(&r);
    got.sort();
    assert_eq!(got, want);
    let count = ok(&p, &["cost", "anomalies", "--month", "2026-10", "--count"]);
    assert_eq!(count.trim(), "4");
}

/// Hand-computed percentage ×100 (hundredths of a percent), truncated toward zero.
fn pct_hundredths(t: i64, p: i64) -> i64 {
    (t - p) * 10_000 / p
}

fn check_mom(r: &Value, lines: &[Line], key: fn(&Line) -> &str, days: i8) {
    for (group, _, t, prev) in groups(r) {
        let cur = g::sum(lines, |l| in_month(l, "2026-10") && l.day.day() <= days && key(l) == group);
        let before = g::sum(lines, |l| in_month(l, "2026-09") && l.day.day() <= days && key(l) == group);
        assert_eq!((t, prev), (cur, before), "{group}");
        let line = r["groups"].as_array().unwrap().iter().find(|l| l["group"] == group.as_str()).unwrap();
        let reported = g::units(line["change_pct"].as_str().unwrap()) / 100;
        assert!((reported - pct_hundredths(cur, before)).abs() <= 1, "{group}: {reported} vs {cur}/{before}");
    }
}

#[test]
fn month_over_month_matches_hand_computed_figures_complete_and_incomplete() {
    let p = Project::new(LOCAL, &[]);
    let full = g::lines(d("2026-10-31"));
    let path = file(&p, "full.csv");
    g::write_cur_legacy(&path, &full, false);
    import(&p, &path);
    let r = report(&p, "2026-10", "environment");
    assert_eq!((r["complete"].as_bool(), r["previous_days"].as_i64()), (Some(true), Some(30)));
    check_mom(&r, &full, |l| l.env.unwrap_or("(untagged)"), 31);

    let q = Project::new(LOCAL, &[]);
    let part = g::lines(d("2026-10-20"));
    let path = file(&q, "part.csv");
    g::write_cur_legacy(&path, &part, false);
    import(&q, &path);
    let r = report(&q, "2026-10", "service");
    assert_eq!(
        (r["complete"].as_bool(), r["days"].as_i64(), r["previous_days"].as_i64()),
        (Some(false), Some(20), Some(20))
    );
    check_mom(&r, &part, service_of, 20);
    let text = ok(&q, &["cost", "report", "--month", "2026-10"]);
    assert!(text.contains("days 1-20 of 31") && text.contains("2026-09 days 1-20"), "{text}");
}

#[test]
fn by_tag_splits_tagged_and_untagged_and_an_unknown_tag_exits_2() {
    let p = Project::new(LOCAL, &[]);
    let lines = g::lines(d("2026-10-31"));
    let path = file(&p, "cur.csv");
    g::write_cur_legacy(&path, &lines, false);
    import(&p, &path);
    let r = report(&p, "2026-10", "tag:team");
    let team = |l: &Line| match l.service {
        Some("db") => "data",
        Some(_) => "platform",
        None => "(untagged)",
    };
    let got: Vec<(String, i64)> = groups(&r).into_iter().map(|g| (g.0, g.2)).collect();
    for (group, t) in &got {
        assert_eq!(*t, g::sum(&lines, |l| in_month(l, "2026-10") && team(l) == group), "{group}");
    }
    assert_eq!(got.len(), 3, "{got:?}");
    let csv = ok(&p, &["cost", "report", "--month", "2026-10", "--by", "tag:team", "--csv"]);
    assert!(
        csv.starts_with("month,by,group,currency,total") && csv.contains("2026-10,tag:team,data,USD,"),
        "{csv}"
    );
    let out = p.run(&["cost", "report", "--month", "2026-10", "--by", "tag:owner"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("\"owner\"") && err.contains("environment, service, team"), "{err}");
}

fn store_state(p: &Project) -> (String, String) {
    let imports = ok(p, &["cost", "imports", "--json"]);
    let imports: Value = serde_json::from_str(&imports).unwrap();
    let ids: Vec<String> = imports.as_array().unwrap().iter().map(|i| i["sha256"].to_string()).collect();
    (ids.join(","), ok(p, &["cost", "report", "--month", "2026-10", "--by", "tag:team", "--json"]))
}

#[test]
fn the_same_file_twice_and_a_failed_import_change_nothing() {
    let p = Project::new(LOCAL, &[]);
    let lines = g::lines(d("2026-10-31"));
    let path = file(&p, "cur.csv");
    g::write_cur_legacy(&path, &lines, false);
    import(&p, &path);
    let before = store_state(&p);
    assert!(import(&p, &path).contains("already imported"));
    assert_eq!(store_state(&p), before);

    // Many good rows, then one bad cost on line 3000: nothing of the file may land.
    let text_file = std::fs::read_to_string(&path).unwrap();
    let mut rows: Vec<String> = text_file.lines().map(str::to_string).collect();
    rows[2999] = rows[2999].replacen(",USD,", ",USD,12.x", 1);
    let bad = file(&p, "bad.csv");
    std::fs::write(&bad, rows.join("\n") + "\n").unwrap();
    let out = p.run(&["cost", "import", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.csv:3000:") && err.contains("not a decimal amount"), "{err}");
    assert_eq!(store_state(&p), before);
}

#[test]
fn bad_billing_files_and_flags_exit_2_with_what_is_wrong() {
    let p = Project::new(LOCAL, &[]);
    let cur = file(&p, "nodate.csv");
    std::fs::write(&cur, "lineItem/LineItemType,lineItem/UnblendedCost\nUsage,1.00\n").unwrap();
    let out = p.run(&["cost", "import", cur.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"lineItem/UsageStartDate\""), "{}", text(&out));

    let json = file(&p, "billing.ndjson");
    let good = r#"{"usage_start_time":"2026-10-01T00:00:00Z","cost":1.5,"currency":"EUR","labels":[]}"#;
    std::fs::write(
        &json,
        format!("{good}\n{good}\n{{\"usage_start_time\": \"2026-10-01\", \"cost\": \n{good}\n"),
    )
    .unwrap();
    let out = p.run(&["cost", "import", json.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("billing.ndjson:3:"), "{}", text(&out));

    for args in [["2026-10", "colour"], ["2026-13", "service"]] {
        let out = p.run(&["cost", "report", "--month", args[0], "--by", args[1]]);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
    }
    let out = p.run(&["cost", "imports", "--json"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]", "{}", text(&out));
}

#[test]
fn the_cost_analysis_workflow_imports_reports_flags_and_notifies() {
    use crate::receiver::{Answer, Receiver};
    let rx = Receiver::start(vec![], Answer::Status(200));
    let config =
        format!("{LOCAL}[notify.channels.finance]\nkind = \"webhook\"\nurl = \"{}\"\n", rx.url("/hook"));
    let p = Project::new(&config, &[]);
    let lines = g::lines(d("2026-10-31"));
    let path = file(&p, "cur.csv.gz");
    g::write_cur2(&path, &lines, true);
    let path = path.to_str().unwrap().to_string();
    let run = |month: &str| {
        let (f, m) = (format!("file={path}"), format!("month={month}"));
        p.run(&["run", "cost-analysis", "--yes", "-p", &f, "-p", &m, "-p", "channels=finance"])
    };
    let out = run("2026-10");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let reqs = rx.wait_for(1, std::time::Duration::from_secs(10));
    let body = String::from_utf8_lossy(&reqs[0].body).into_owned();
    assert!(body.contains("2 anomalous cost day(s) in 2026-10"), "{body}");
    // A month without anomalies: the notify step is skipped, nothing more is sent; the file is
    // not imported twice.
    let out = run("2026-08");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let imports: Value = serde_json::from_str(&ok(&p, &["cost", "imports", "--json"])).unwrap();
    assert_eq!(imports.as_array().map(Vec::len), Some(1));
    assert_eq!(rx.requests().len(), 1);
}

/// October's lines as AWS would re-deliver them: every usage line 0.1000 dearer, `search` gone.
fn redelivered(lines: &[Line]) -> Vec<Line> {
    lines
        .iter()
        .filter(|l| in_month(l, "2026-10") && l.service != Some("search"))
        .map(|l| Line { units: if l.kind == Kind::Usage { l.units + 1_000 } else { l.units }, ..l.clone() })
        .collect()
}

#[test]
fn a_redelivered_month_replaces_that_period_and_keeps_the_others() {
    let p = Project::new(LOCAL, &[]);
    let first = g::lines(d("2026-10-31"));
    let second = redelivered(&first);
    let (v1, v2) = (file(&p, "cur-v1.csv"), file(&p, "cur-oct-v2.csv.gz"));
    g::write_cur_legacy(&v1, &first, false);
    g::write_cur_legacy(&v2, &second, true);
    import(&p, &v1);
    let said = import(&p, &v2);
    assert!(said.contains("replaces billing period 2026-10 of account 111122223333 from import 1"), "{said}");
    assert!(!said.contains("2026-09"), "{said}");

    let october = report(&p, "2026-10", "service");
    assert_eq!(total(&october, "USD"), g::sum(&second, |_| true));
    assert_ne!(total(&october, "USD"), g::sum(&first, |l| in_month(l, "2026-10")));
    for (group, _, t, _) in groups(&october) {
        assert_eq!(t, g::sum(&second, |l| service_of(l) == group), "{group}");
    }
    let search = groups(&october).into_iter().find(|g| g.0 == "search").map(|g| (g.2, g.3));
    assert_eq!(search, Some((0, g::sum(&first, |l| in_month(l, "2026-09") && l.service == Some("search")))));
    let by_team = report(&p, "2026-10", "tag:team");
    let data = groups(&by_team).into_iter().find(|g| g.0 == "data").map(|g| g.2);
    assert_eq!(data, Some(g::sum(&second, |l| l.service == Some("db"))));
    assert_eq!(total(&by_team, "USD"), g::sum(&second, |_| true));
    let september = report(&p, "2026-09", "service");
    assert_eq!(total(&september, "USD"), g::sum(&first, |l| in_month(l, "2026-09")));

    // The same delivery again changes nothing.
    let before = store_state(&p);
    assert!(import(&p, &v2).contains("already imported"));
    assert_eq!(store_state(&p), before);

    // Another payer account's October is added, not a replacement.
    let other: Vec<Line> = second.iter().filter(|l| l.day == d("2026-10-01")).cloned().collect();
    let v3 = file(&p, "other-account.csv");
    g::write_cur_legacy_for(&v3, &other, false, "444455556666");
    assert!(!import(&p, &v3).contains("replaces"));
    let both = g::sum(&second, |_| true) + g::sum(&other, |_| true);
    assert_eq!(total(&report(&p, "2026-10", "service"), "USD"), both);
}
