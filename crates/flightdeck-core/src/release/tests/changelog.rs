//! Changelog: grouping, the breaking section, Unreleased handling, byte-for-byte prepending,
//! hotfix marking, forge links.

use crate::release::ReleaseCommit;
use crate::release::changelog::{Links, Section, extract, group, insert_in_order, prepend, render_section};

fn commits() -> Vec<ReleaseCommit> {
    [
        ("a1", "feat(api): add search"),
        ("b2", "fix: handle empty input"),
        ("c3", "feat!: drop the v1 API\n\nBREAKING CHANGE: clients must use /v2"),
        ("d4", "perf(db): batch inserts"),
        ("e5", "fix(security): escape names"),
        ("f6", "chore(release): v1.2.3"),
        ("g7", "Tidy up"),
        ("h8", "refactor: split parser"),
    ]
    .iter()
    .map(|(sha, m)| ReleaseCommit::parse(&format!("{sha}00000000000"), m, "Rita", 0))
    .collect()
}

fn section(hotfix: bool) -> Section {
    Section {
        version: "2.0.0".into(),
        tag: "v2.0.0".into(),
        previous_tag: Some("v1.2.3".into()),
        date: "2026-11-24".into(),
        hotfix,
    }
}

#[test]
fn groups_in_order_with_scopes_and_breaking_first() {
    let groups = group(&commits());
    let titles: Vec<&str> = groups.iter().map(|g| g.title.as_str()).collect();
    assert_eq!(titles, ["Breaking", "Added", "Fixed", "Changed", "Performance", "Security", "Other"]);
    let text = render_section(&section(false), &groups, None);
    let expected = "## [2.0.0] - 2026-11-24\n\n### Breaking\n\n- drop the v1 API — clients must use /v2 (c300000)\n\n\
### Added\n\n- **api:** add search (a100000)\n\n### Fixed\n\n- handle empty input (b200000)\n\n\
### Changed\n\n- split parser (h800000)\n\n### Performance\n\n- **db:** batch inserts (d400000)\n\n\
### Security\n\n- **security:** escape names (e500000)\n\n### Other\n\n- Tidy up (g700000)\n";
    assert_eq!(text, expected);
}

#[test]
fn links_when_the_remote_is_a_forge() {
    for url in
        ["git@github.com:acme/app.git", "https://github.com/acme/app.git", "ssh://git@github.com/acme/app"]
    {
        assert_eq!(
            Links::from_remote(url).map(|l| l.base),
            Some("https://github.com/acme/app".into()),
            "{url}"
        );
    }
    assert_eq!(Links::from_remote("/tmp/remote.git"), None);
    assert_eq!(Links::from_remote("file:///tmp/remote.git"), None);
    let l = Links::from_remote("git@github.com:acme/app.git").unwrap();
    let text = render_section(&section(false), &group(&commits()[..1]), Some(&l));
    assert!(
        text.starts_with("## [2.0.0](https://github.com/acme/app/compare/v1.2.3...v2.0.0) - 2026-11-24\n"),
        "{text}"
    );
    assert!(text.contains("([a100000](https://github.com/acme/app/commit/a100000000000))"), "{text}");
}

#[test]
fn hotfix_sections_are_marked() {
    let text = render_section(&section(true), &group(&commits()[1..2]), None);
    assert!(text.starts_with("## [2.0.0] - 2026-11-24 [HOTFIX]\n\n_Hotfix on top of v1.2.3._\n"), "{text}");
}

const EXISTING: &str = "# Changelog\n\nHand-written intro.\n\n## [Unreleased]\n\n- a note written by hand\n\n\
## [1.2.3] - 2026-01-02\n\n### Fixed\n\n- old  entry with   odd spacing\n\n## [1.2.2] - 2025-12-01\n\n\
Some prose.\n\n[1.2.3]: https://example.com\n";

#[test]
fn prepend_keeps_earlier_entries_byte_for_byte() {
    let new = render_section(&section(false), &group(&commits()[..1]), None);
    let out = prepend(Some(EXISTING), &new);
    let earlier = &EXISTING[EXISTING.find("## [1.2.3]").unwrap()..];
    assert!(out.ends_with(earlier), "{out}");
    assert!(
        out.starts_with("# Changelog\n\nHand-written intro.\n\n## [Unreleased]\n\n## [2.0.0] - 2026-11-24\n"),
        "{out}"
    );
    assert!(out.contains("### Notes\n\n- a note written by hand\n\n## [1.2.3]"), "{out}");
    assert_eq!(
        extract(&out, "1.2.3").unwrap(),
        "## [1.2.3] - 2026-01-02\n\n### Fixed\n\n- old  entry with   odd spacing\n"
    );
    let again = prepend(
        Some(&out),
        &render_section(&Section { version: "2.0.1".into(), ..section(false) }, &[], None),
    );
    assert!(again.ends_with(&out[out.find("## [2.0.0]").unwrap()..]));
    assert_eq!(again.matches("## [Unreleased]").count(), 1);
}

#[test]
fn prepend_creates_a_file_and_handles_a_missing_unreleased_heading() {
    let new = "## [0.1.0] - 2026-11-24\n\nNo notable changes.\n";
    let out = prepend(None, new);
    assert!(out.starts_with("# Changelog\n"));
    assert!(out.ends_with("## [Unreleased]\n\n## [0.1.0] - 2026-11-24\n\nNo notable changes.\n"), "{out}");
    let old = "# Changes\n\n## [1.0.0] - 2020-01-01\n\n- x\n";
    let out = prepend(Some(old), new);
    assert_eq!(out, format!("# Changes\n\n## [Unreleased]\n\n{new}\n## [1.0.0] - 2020-01-01\n\n- x\n"));
}

#[test]
fn a_hotfix_section_lands_in_version_order() {
    let main = "# Changelog\n\n## [Unreleased]\n\n## [1.3.0] - 2026-02-01\n\n- new\n\n## [1.2.3] - 2026-01-02\n\n- old\n";
    let hotfix = "## [1.2.4] - 2026-02-03 [HOTFIX]\n\n- fix\n";
    let v = semver::Version::new(1, 2, 4);
    let out = insert_in_order(main, hotfix, &v);
    assert_eq!(out, main.replace("## [1.2.3]", "## [1.2.4] - 2026-02-03 [HOTFIX]\n\n- fix\n\n## [1.2.3]"));
    assert_eq!(insert_in_order(&out, hotfix, &v), out, "once only");
    let only_newer = "# Changelog\n\n## [2.0.0] - 2026-03-01\n\n- x\n";
    assert_eq!(insert_in_order(only_newer, hotfix, &v), format!("{only_newer}\n{hotfix}"));
}

#[test]
fn the_unreleased_link_moves_with_either_range_separator() {
    use crate::release::changelog::{move_unreleased_link, write_section};
    // git-cliff's keepachangelog template writes `compare/A..B`; Keep a Changelog's own file `A...B`.
    let cliff = "## [1.0.0] - 2026-01-01\n\n[unreleased]: https://github.com/o/r/compare/v1.0.0..HEAD\n";
    let moved = move_unreleased_link(cliff, "1.1.0", "v1.1.0");
    assert!(moved.ends_with(
        "[unreleased]: https://github.com/o/r/compare/v1.1.0..HEAD\n[1.1.0]: https://github.com/o/r/compare/v1.0.0..v1.1.0\n"
    ));
    assert_eq!(move_unreleased_link(&moved, "1.1.0", "v1.1.0"), moved, "moving twice changes nothing");
    assert_eq!(move_unreleased_link("no links\n", "1.1.0", "v1.1.0"), "no links\n");
    let once = write_section(Some(cliff), "## [1.1.0] - 2026-02-01\n\n- a\n", "1.1.0", "v1.1.0");
    let twice = write_section(Some(&once), "## [1.1.0] - 2026-02-01\n\n- a\n- b\n", "1.1.0", "v1.1.0");
    assert_eq!(twice.matches("## [1.1.0]").count(), 1, "{twice}");
    assert!(twice.contains("- a\n- b\n"), "the section is replaced: {twice}");
    assert_eq!(twice.matches("[1.1.0]: ").count(), 1, "{twice}");
}
