//! PEP 440 ordering and normalisation, from PEP 440's examples and the ordered `VERSIONS` list and
//! normalisation table of `pypa/packaging`'s `tests/test_version.py`.

use std::cmp::Ordering;

use super::{Version, compare};
use crate::containers::versions::Scheme;

/// `pypa/packaging` `tests/test_version.py` `VERSIONS`: "This list must be in the correct sorting
/// order".
const ORDERED: &[&str] = &[
    "1.0.dev0",
    "1.0.dev456",
    "1.0.dev456+local",
    "1.0a0",
    "1.0a0.post0.dev0",
    "1.0a0.post0",
    "1.0a1.dev1",
    "1.0a1.dev1+local",
    "1.0a1",
    "1.0a1+local",
    "1.0b0",
    "1.0b1.dev456",
    "1.0b2",
    "1.0b2.post345.dev456",
    "1.0b2.post345",
    "1.0b2-346",
    "1.0rc0",
    "1.0rc1.dev1",
    "1.0c1",
    "1.0rc2",
    "1.0",
    "1.0.post0.dev0",
    "1.0.post0",
    "1.0.post456.dev34",
    "1.0.post456",
    "1.0.post456+local",
    "1.0.1.dev1",
    "1.0.1a1",
    "1.0.1",
    "1.0.1+local",
    "1.0.1.post1",
    "1.1.dev1",
    "1.2+a",
    "1.2+abc",
    "1.2+abcdef",
    "1.2+def",
    "1.2+0",
    "1.2+1",
    "1.2+1.abc",
    "1.2+1.1",
    "1.2+1.1.0",
    "1.2+2",
    "1.2+123",
    "1.2+123456",
    "1.2.r32+123456",
    "1.2.rev33+123456",
];

/// PEP 440's own examples of a release cycle, in order.
const PEP_EXAMPLES: &[&str] = &[
    "1.dev0",
    "1.0.dev456",
    "1.0a1",
    "1.0a2.dev456",
    "1.0a12.dev456",
    "1.0a12",
    "1.0b1.dev456",
    "1.0b2",
    "1.0b2.post345.dev456",
    "1.0b2.post345",
    "1.0rc1.dev456",
    "1.0rc1",
    "1.0",
    "1.0+abc.5",
    "1.0+abc.7",
    "1.0+5",
    "1.0.post456.dev34",
    "1.0.post456",
    "1.0.15",
    "1.1.dev1",
];

fn ordered() -> Vec<String> {
    let mut all: Vec<String> = ORDERED.iter().map(ToString::to_string).collect();
    all.extend(ORDERED.iter().map(|v| format!("1!{v}")));
    all
}

#[test]
fn packaging_versions_list_is_in_order_pairwise_both_ways() {
    let all = ordered();
    for (i, a) in all.iter().enumerate() {
        for (j, b) in all.iter().enumerate() {
            // `1.0c1` == `1.0rc1` is not in the list twice; every other pair differs.
            assert_eq!(compare(a, b), Some(i.cmp(&j)), "{a} vs {b}");
        }
    }
}

#[test]
fn shuffled_packaging_versions_sort_back_into_order() {
    let mut parsed: Vec<Version> = ordered().iter().rev().map(|v| Version::parse(v).unwrap()).collect();
    parsed.swap(3, 40);
    parsed.swap(7, 70);
    parsed.sort();
    let back: Vec<String> = parsed.iter().map(ToString::to_string).collect();
    let want: Vec<String> = ordered().iter().map(|v| Version::parse(v).unwrap().to_string()).collect();
    assert_eq!(back, want);
}

#[test]
fn pep_440_release_cycle_examples_are_in_order() {
    for w in PEP_EXAMPLES.windows(2) {
        assert_eq!(compare(w[0], w[1]), Some(Ordering::Less), "{} < {}", w[0], w[1]);
    }
}

#[test]
fn normalisation_follows_pep_440() {
    let table = [
        ("1.0dev", "1.0.dev0"),
        ("1.0-dev1", "1.0.dev1"),
        ("1.0.DEV1", "1.0.dev1"),
        ("1.0.a", "1.0a0"),
        ("1.0-alpha1", "1.0a1"),
        ("1.0ALPHA", "1.0a0"),
        ("1.0.beta1", "1.0b1"),
        ("1.0-B", "1.0b0"),
        ("1.0c", "1.0rc0"),
        ("1.0-C1", "1.0rc1"),
        ("1.0.RC1", "1.0rc1"),
        ("1.0pre2", "1.0rc2"),
        ("1.0preview3", "1.0rc3"),
        ("1.0post", "1.0.post0"),
        ("1.0-post1", "1.0.post1"),
        ("1.0r", "1.0.post0"),
        ("1.0rev", "1.0.post0"),
        ("1.0.r1", "1.0.post1"),
        ("1.0-5", "1.0.post5"),
        ("1.0-r5", "1.0.post5"),
        ("1.0-rev5", "1.0.post5"),
        ("1.0+AbC", "1.0+abc"),
        ("1.0+ubuntu-1_2", "1.0+ubuntu.1.2"),
        ("1.01", "1.1"),
        ("1.0a05", "1.0a5"),
        ("1.0c056", "1.0rc56"),
        ("1.0.post000", "1.0.post0"),
        ("1.1.dev09000", "1.1.dev9000"),
        ("00!1.2", "1.2"),
        ("0100!0.0", "100!0.0"),
        ("v1.0", "1.0"),
        ("   v1.0\t\n", "1.0"),
        ("1.0+00.7", "1.0+0.7"),
    ];
    for (given, want) in table {
        assert_eq!(Version::parse(given).map(|v| v.to_string()).as_deref(), Some(want), "{given:?}");
        assert_eq!(compare(given, want), Some(Ordering::Equal), "{given:?} == {want:?}");
    }
}

#[test]
fn equal_spellings_and_trailing_zeros() {
    for (a, b) in [("1.0rc1", "1.0c1"), ("1.0", "1.0.0"), ("1", "1.0.0.0"), ("1.0rc1", "1.0.0-rc.1")] {
        assert_eq!(compare(a, b), Some(Ordering::Equal), "{a} == {b}");
    }
    assert_eq!(compare("1.0+1", "1.0.0+1"), Some(Ordering::Equal));
    assert_eq!(compare("1.0+1", "1.0+1.0"), Some(Ordering::Less), "local segments do not drop zeros");
}

#[test]
fn invalid_versions_do_not_parse() {
    for bad in [
        "french toast",
        "1.0+a+",
        "1.0++",
        "1.0+_foobar",
        "1.0+foo&asd",
        "1.0+1+1",
        "1. 0",
        "1 .0",
        "1.0 a1",
        "1.0a 1",
        "\u{660}\u{661}.\u{662}",
        ".",
        "1..0",
        "1.0.",
        ".1.0",
        "1.0+\u{130}",
        "1.0+\u{212a}",
        "",
    ] {
        assert_eq!(Version::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn the_pypi_scheme_uses_pep_440_and_falls_back_for_invalid_text() {
    let pypi = Scheme::for_ecosystem(Some("PyPI"));
    assert_eq!(pypi.compare("1.0.post1", "1.0.1.dev1"), Ordering::Less);
    assert_eq!(pypi.compare("1.0+local", "1.0.post0"), Ordering::Less);
    assert_eq!(pypi.compare("2!0.1", "1.99"), Ordering::Greater);
    assert_eq!(pypi.compare("1.0rc1.dev1", "1.0c1"), Ordering::Less);
    // Not PEP 440: still ordered (by dpkg's rules) instead of skipped.
    assert_eq!(pypi.compare("1.0-foo-bar", "1.0-foo-baz"), Ordering::Less);
}
