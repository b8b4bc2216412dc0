//! A billing-file generator for the cost tests: 3 months × 6 services × 3 environments of daily
//! usage with a deterministic ±2% pattern, planted anomaly days, a monthly credit, daily tax lines
//! and untagged rows; written as AWS CUR (legacy headers, CUR 2.0, optionally gzip) and as GCP's
//! billing export (NDJSON). Amounts are integers of 1/10,000 so the tests add them exactly.

use std::io::Write;
use std::path::Path;

use jiff::civil::Date;

pub const SERVICES: [&str; 6] = ["api", "web", "worker", "db", "cache", "search"];
pub const ENVS: [&str; 3] = ["production", "staging", "dev"];
const ENV_FACTOR: [i64; 3] = [4, 2, 1];

/// What a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Usage,
    Tax,
    Credit,
}

/// One generated line.
#[derive(Debug, Clone)]
pub struct Line {
    pub day: Date,
    pub service: Option<&'static str>,
    pub env: Option<&'static str>,
    pub kind: Kind,
    pub product: &'static str,
    /// Amount in 1/10,000 of the currency.
    pub units: i64,
}

/// The planted anomalies: (day, service index, environment index).
pub fn planted() -> Vec<(Date, usize, usize)> {
    vec![(d("2026-10-12"), 0, 0), (d("2026-10-20"), 2, 1), (d("2026-09-25"), 5, 2)]
}

pub fn d(s: &str) -> Date {
    s.parse().unwrap()
}

/// The lines from 2026-08-01 to `last` (inclusive).
pub fn lines(last: Date) -> Vec<Line> {
    let mut out = Vec::new();
    let (mut day, mut i) = (d("2026-08-01"), 0i64);
    while day <= last {
        for (si, service) in SERVICES.iter().enumerate() {
            for (ei, env) in ENVS.iter().enumerate() {
                day_lines(&mut out, day, i, (si, service), (ei, env));
            }
        }
        let noise = (i * 7) % 5 - 2;
        let untagged = Line {
            day,
            service: None,
            env: None,
            kind: Kind::Usage,
            product: "AmazonS3",
            units: 75_000 + noise * 500,
        };
        out.push(untagged);
        out.push(Line { day, service: None, env: None, kind: Kind::Tax, product: "AWSTax", units: 12_345 });
        day = day.tomorrow().unwrap();
        i += 1;
    }
    out
}

fn day_lines(
    out: &mut Vec<Line>,
    day: Date,
    i: i64,
    (si, service): (usize, &'static str),
    (ei, env): (usize, &'static str),
) {
    let (s, e) = (i64::try_from(si).unwrap(), i64::try_from(ei).unwrap());
    let base = (s + 1) * 10 * ENV_FACTOR[ei] * 10_000;
    let k = (i * 7 + s * 3 + e * 5) % 5 - 2;
    let mut value = base + base * k / 100 + 1234 * (s + 1);
    if planted().contains(&(day, si, ei)) {
        value = base * 6;
    }
    let compute = value * 2 / 3;
    let (service, env) = (Some(service), Some(env));
    out.push(Line { day, service, env, kind: Kind::Usage, product: "AmazonEC2", units: compute });
    out.push(Line { day, service, env, kind: Kind::Usage, product: "AmazonRDS", units: value - compute });
    if si == 3 && ei == 0 && day.day() == 15 {
        out.push(Line { day, service, env, kind: Kind::Credit, product: "AmazonRDS", units: -500_000 });
    }
}

/// Units as a decimal string with four places.
pub fn money(units: i64) -> String {
    let sign = if units < 0 { "-" } else { "" };
    format!("{sign}{}.{:04}", units.abs() / 10_000, units.abs() % 10_000)
}

/// A decimal string ("12.5", "-0.0001", "3") as units of 1/10,000; panics on more places.
pub fn units(text: &str) -> i64 {
    let (neg, t) = text.strip_prefix('-').map_or((false, text), |t| (true, t));
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let frac = frac.trim_end_matches('0');
    assert!(frac.len() <= 4, "{text} has more than 4 decimal places");
    let v = int.parse::<i64>().unwrap() * 10_000 + format!("{frac:0<4}").parse::<i64>().unwrap();
    if neg { -v } else { v }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Usage => "Usage",
        Kind::Tax => "Tax",
        Kind::Credit => "Credit",
    }
}

fn sink(path: &Path, gzip: bool) -> Box<dyn Write> {
    let f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    if gzip { Box::new(flate2::write::GzEncoder::new(f, flate2::Compression::fast())) } else { Box::new(f) }
}

/// The payer account the generated CUR files are billed to.
pub const PAYER: &str = "111122223333";

/// AWS CUR with legacy headers (tags as `resourceTags/user:KEY` columns), billed to `PAYER`.
pub fn write_cur_legacy(path: &Path, lines: &[Line], gzip: bool) {
    write_cur_legacy_for(path, lines, gzip, PAYER);
}

/// AWS CUR with legacy headers billed to `payer`; each line's billing period is its usage month.
pub fn write_cur_legacy_for(path: &Path, lines: &[Line], gzip: bool, payer: &str) {
    let mut w = sink(path, gzip);
    writeln!(w, "identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/LineItemType,lineItem/ProductCode,lineItem/CurrencyCode,lineItem/UnblendedCost,resourceTags/user:service,resourceTags/user:environment,resourceTags/user:team").unwrap();
    for (n, l) in lines.iter().enumerate() {
        let team = if l.service == Some("db") {
            "data"
        } else if l.service.is_some() {
            "platform"
        } else {
            ""
        };
        writeln!(
            w,
            "id{n},{payer},{}-{:02}-01T00:00:00Z,{}T00:00:00Z,{},{},USD,{},{},{},{team}",
            l.day.year(),
            l.day.month(),
            l.day,
            kind_name(l.kind),
            l.product,
            money(l.units),
            l.service.unwrap_or(""),
            l.env.unwrap_or("")
        )
        .unwrap();
    }
}

/// AWS CUR 2.0 (`resource_tags` as a JSON object in one quoted CSV cell).
pub fn write_cur2(path: &Path, lines: &[Line], gzip: bool) {
    let mut w = sink(path, gzip);
    writeln!(w, "line_item_usage_start_date,line_item_line_item_type,line_item_product_code,line_item_currency_code,line_item_unblended_cost,resource_tags").unwrap();
    for l in lines {
        let tags = match (l.service, l.env) {
            (Some(s), Some(e)) => {
                format!("\"{{\"\"user_service\"\":\"\"{s}\"\",\"\"user_environment\"\":\"\"{e}\"\"}}\"")
            }
            _ => String::new(),
        };
        writeln!(w, "{} 00:00:00,{},{},USD,{},{tags}", l.day, kind_name(l.kind), l.product, money(l.units))
            .unwrap();
    }
}

/// GCP billing export, standard usage cost, as NDJSON: a credit goes into the `credits` array of
/// that day's line of the same service and environment (with a zero-cost carrier line).
pub fn write_gcp(path: &Path, lines: &[Line]) {
    let mut w = sink(path, false);
    for l in lines {
        let labels: Vec<serde_json::Value> = [("service", l.service), ("environment", l.env)]
            .iter()
            .filter_map(|(k, v)| v.map(|v| serde_json::json!({"key": k, "value": v})))
            .collect();
        let (cost, credits) = match l.kind {
            Kind::Credit => (
                "0".to_string(),
                format!(
                    "[{{\"name\":\"Committed use\",\"amount\":{},\"type\":\"COMMITTED_USAGE_DISCOUNT\"}}]",
                    money(l.units)
                ),
            ),
            _ => (money(l.units), "[]".to_string()),
        };
        let cost_type = if l.kind == Kind::Tax { "tax" } else { "regular" };
        writeln!(
            w,
            "{{\"billing_account_id\":\"0123-4567\",\"service\":{{\"id\":\"6F81\",\"description\":\"{}\"}},\"sku\":{{\"id\":\"CP-1\",\"description\":\"usage\"}},\"usage_start_time\":\"{}T00:00:00Z\",\"usage_end_time\":\"{}T01:00:00Z\",\"project\":{{\"id\":\"acme-prod\",\"labels\":[]}},\"labels\":{},\"cost\":{cost},\"currency\":\"EUR\",\"credits\":{credits},\"invoice\":{{\"month\":\"{}{:02}\"}},\"cost_type\":\"{cost_type}\"}}",
            l.product,
            l.day,
            l.day,
            serde_json::Value::Array(labels),
            l.day.year(),
            l.day.month()
        )
        .unwrap();
    }
}

/// Sum of the lines `keep` selects.
pub fn sum(lines: &[Line], keep: impl Fn(&Line) -> bool) -> i64 {
    lines.iter().filter(|l| keep(l)).map(|l| l.units).sum()
}
