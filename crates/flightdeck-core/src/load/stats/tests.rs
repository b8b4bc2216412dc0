//! Percentiles and tallies against hand-computed values.

use super::*;

fn tally_of_ms(values: impl IntoIterator<Item = u64>) -> Tally {
    let mut t = Tally::default();
    for ms in values {
        t.response(200, ms * 1000, 10, 5);
    }
    t
}

fn close(a: f64, b: f64) -> bool {
    // HDR with 3 significant figures: within 0.1 % of the exact value.
    (a - b).abs() <= b.abs() * 0.001 + 1e-9
}

#[test]
fn percentiles_of_one_to_hundred_ms() {
    // 1, 2, ..., 100 ms: the p-th percentile is the ceil(p/100 * 100)-th smallest value.
    let p = tally_of_ms(1..=100).percentiles();
    assert!(close(p.p50, 50.0), "p50 {}", p.p50);
    assert!(close(p.p90, 90.0), "p90 {}", p.p90);
    assert!(close(p.p95, 95.0), "p95 {}", p.p95);
    assert!(close(p.p99, 99.0), "p99 {}", p.p99);
    assert!(close(p.p999, 100.0), "p99.9 {}", p.p999);
    assert!(close(p.max, 100.0) && close(p.min, 1.0));
    assert!(close(p.mean, 50.5), "mean {}", p.mean);
}

#[test]
fn one_stall_among_fast_requests_shows_only_at_the_tail() {
    // 999 requests of 2 ms and one of 1000 ms: p99 stays 2 ms, p99.9 (the 999th) too, max is 1 s.
    let mut t = tally_of_ms(std::iter::repeat_n(2, 999));
    t.response(200, 1_000_000, 0, 0);
    let p = t.percentiles();
    assert!(close(p.p99, 2.0) && close(p.p999, 2.0), "{p:?}");
    assert!(close(p.max, 1000.0), "{p:?}");
}

#[test]
fn empty_tally_reads_zero() {
    let t = Tally::default();
    assert_eq!(t.percentiles(), Percentiles::default());
    assert!(t.error_rate().abs() < f64::EPSILON);
    assert!(buckets(&t.latency, 10).is_empty());
}

#[test]
fn merge_and_take_move_everything() {
    let mut a = tally_of_ms([1, 2, 3]);
    a.response(503, 4000, 7, 1);
    a.error(ErrorClass::Refused, 3);
    let mut total = tally_of_ms([10]);
    a.take_into(&mut total);
    assert_eq!(a.requests(), 0, "the source is emptied");
    assert_eq!(a.bytes_in + a.bytes_out, 0);
    assert_eq!(total.responses(), 5);
    assert_eq!(total.requests(), 6);
    assert_eq!(total.status_counts(), BTreeMap::from([(200, 4), (503, 1)]));
    assert_eq!(total.error_counts(), BTreeMap::from([(ErrorClass::Refused, 1)]));
    assert_eq!(total.bytes_in, 47);
    assert_eq!(total.bytes_out, 24);
    // 1 refused + 1 status 503 out of 6 requests.
    assert!((total.error_rate() - 2.0 / 6.0).abs() < 1e-12);
    assert!(close(total.percentiles().max, 10.0));
}

#[test]
fn buckets_split_the_range_and_keep_every_count() {
    let t = tally_of_ms((1..=10).chain([100]));
    let b = buckets(&t.latency, 10);
    assert_eq!(b.len(), 10);
    assert_eq!(b.iter().map(|b| b.count).sum::<u64>(), 11);
    assert_eq!(b[0].count, 10, "1..10 ms fall in the first tenth of 1..100 ms");
    assert_eq!(b[9].count, 1);
}
