//! Hostile billing data: tag values that are spreadsheet formulas (`=HYPERLINK(...)`, `+cmd`,
//! `@SUM`, `-2+3`) or carry escape sequences. The CSV export neutralises every formula cell (a
//! leading `'`), and no output reaches the terminal raw.

use std::fmt::Write as _;

use crate::common::{LOCAL, Project, text};
use crate::hostile_notify::assert_terminal_safe;

const SERVICES: [&str; 6] = [
    "=HYPERLINK(\"http://evil.example/\",\"open\")",
    "+1+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\tlead-tab",
    "web\x1b]52;c;cHduZWQ=\x07\u{202e}",
];

fn cur(path: &std::path::Path) {
    let mut s = String::from(
        "identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/LineItemType,\
         lineItem/ProductCode,lineItem/CurrencyCode,lineItem/UnblendedCost,resourceTags/user:service,\
         resourceTags/user:environment,resourceTags/user:team\n",
    );
    for (n, svc) in SERVICES.iter().enumerate() {
        let cell = format!("\"{}\"", svc.replace('"', "\"\""));
        let _ = writeln!(
            s,
            "id{n},{},2026-10-01T00:00:00Z,2026-10-0{}T00:00:00Z,Usage,AmazonEC2,USD,1.25,{cell},prod,{cell}",
            crate::cost_gen::PAYER,
            n + 1
        );
    }
    std::fs::write(path, s).unwrap();
}

/// The cells of one CSV line (RFC 4180 quoting).
fn cells(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted, mut chars) =
        (Vec::new(), String::new(), false, line.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

#[test]
fn formula_cells_in_the_cost_csv_export_are_neutralised_and_nothing_raw_is_printed() {
    let p = Project::new(LOCAL, &[]);
    let path = p.path().join("cur.csv");
    cur(&path);
    let out = p.run(&["cost", "import", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    for by in ["service", "tag:team"] {
        let out = p.run(&["cost", "report", "--month", "2026-10", "--by", by, "--csv"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert_terminal_safe("cost report --csv", &out.stdout);
        let csv = String::from_utf8_lossy(&out.stdout);
        let mut seen = 0;
        for line in csv.lines().skip(1) {
            let c = cells(line);
            assert!(
                !c[2].starts_with(['=', '+', '-', '@', '\t', '\r']),
                "formula cell {:?} in {line:?}",
                c[2]
            );
            seen += usize::from(c[2].starts_with('\''));
        }
        assert_eq!(seen, 5, "the five formula-like groups are kept, prefixed with ': {csv}");
        assert!(csv.contains("'=HYPERLINK("), "{csv}");
        let out = p.run(&["cost", "report", "--month", "2026-10", "--by", by, "--json"]);
        assert_terminal_safe("cost report --json", &out.stdout);
        let out = p.run(&["cost", "report", "--month", "2026-10", "--by", by]);
        assert_terminal_safe("cost report", &out.stdout);
    }
}

/// A gzip "bomb" of one endless CSV line (256 MiB inflated from well under 1 MiB) and an NDJSON
/// file whose first object never ends: both are refused at the 1 MiB line cap, exit 2, naming the
/// file, and the store is left as it was.
#[test]
fn an_endless_line_in_a_billing_file_is_refused_at_the_line_cap() {
    use std::io::Write as _;
    let p = Project::new(LOCAL, &[]);
    let bomb = p.path().join("bomb.csv.gz");
    let mut gz =
        flate2::write::GzEncoder::new(std::fs::File::create(&bomb).unwrap(), flate2::Compression::best());
    gz.write_all(b"identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/LineItemType,lineItem/ProductCode,lineItem/CurrencyCode,lineItem/UnblendedCost\n").unwrap();
    let chunk = vec![b'9'; 1 << 20];
    for _ in 0..256 {
        gz.write_all(&chunk).unwrap();
    }
    gz.finish().unwrap();
    let endless = p.path().join("endless.json");
    let mut f = std::fs::File::create(&endless).unwrap();
    f.write_all(b"{\"cost\": \"").unwrap();
    for _ in 0..4 {
        f.write_all(&chunk).unwrap();
    }
    drop(f);
    for path in [&bomb, &endless] {
        let out = p.run(&["cost", "import", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&path.display().to_string()) && err.contains("a line longer than 1 MiB"),
            "{err}"
        );
    }
    let imports = p.run(&["cost", "imports", "--json"]);
    assert_eq!(String::from_utf8_lossy(&imports.stdout).trim(), "[]", "{}", text(&imports));
}

/// A cost cell of half a megabyte (with an escape sequence): the error names the file and line and
/// quotes only the start of the value, terminal-safe.
#[test]
fn a_huge_bad_cell_is_quoted_short_in_the_error() {
    let p = Project::new(LOCAL, &[]);
    let path = p.path().join("bad.csv");
    let cell = format!("\x1b]0;t\x07{}", "7x".repeat(250_000));
    let header = "identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageStartDate,\
                  lineItem/LineItemType,lineItem/ProductCode,lineItem/CurrencyCode,lineItem/UnblendedCost";
    let row = format!(
        "id0,{},2026-10-01T00:00:00Z,2026-10-01T00:00:00Z,Usage,AmazonEC2,USD,{cell}",
        crate::cost_gen::PAYER
    );
    std::fs::write(&path, format!("{header}\n{row}\n")).unwrap();
    let out = p.run(&["cost", "import", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_terminal_safe("cost import stderr", &out.stderr);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:2:", path.display())) && err.contains("500006 bytes"), "{err}");
    assert!(err.len() < 2000, "the error quotes the whole cell: {} bytes", err.len());
}
