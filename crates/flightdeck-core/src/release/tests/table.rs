//! The next version for a table of histories: 0.0.x, 0.x and 1.x; `!`, `BREAKING CHANGE` and
//! `BREAKING-CHANGE` footers; non-conventional and docs-only commits; pre-releases; both switches;
//! tag prefixes; monorepo package tags; overrides.

use super::repo::{Op, Op::C, Op::F, Op::T, TempRepo};
use crate::config::ReleaseConfig;
use crate::release::Level;
use crate::release::plan::{PlanOptions, plan};
use crate::time::Micros;

struct Case {
    name: &'static str,
    ops: &'static [Op],
    cfg: fn(&mut ReleaseConfig),
    opts: fn(&mut PlanOptions),
    expect: Option<&'static str>,
}

fn none(_: &mut ReleaseConfig) {}
fn no_opts(_: &mut PlanOptions) {}

const fn case(name: &'static str, ops: &'static [Op], expect: Option<&'static str>) -> Case {
    Case { name, ops, cfg: none, opts: no_opts, expect }
}

const BASE: Op = C("chore: initial commit");

#[allow(clippy::too_many_lines)] // a table
fn cases() -> Vec<Case> {
    vec![
        case("0.0.x feat bumps patch", &[BASE, T("v0.0.3"), C("feat: add a thing")], Some("v0.0.4")),
        case("0.0.x breaking bumps patch", &[BASE, T("v0.0.3"), C("feat!: rework")], Some("v0.0.4")),
        case("0.x feat bumps patch", &[BASE, T("v0.3.1"), C("feat(api): new endpoint")], Some("v0.3.2")),
        case("0.x fix bumps patch", &[BASE, T("v0.3.1"), C("fix: off by one")], Some("v0.3.2")),
        case("0.x fix! bumps minor", &[BASE, T("v0.3.1"), C("fix!: change default")], Some("v0.4.0")),
        case(
            "0.x BREAKING CHANGE footer bumps minor",
            &[BASE, T("v0.3.1"), C("feat: new config\n\nBREAKING CHANGE: old keys are gone")],
            Some("v0.4.0"),
        ),
        case("1.x feat bumps minor", &[BASE, T("v1.2.3"), C("fix: a"), C("feat: b")], Some("v1.3.0")),
        case("1.x fix bumps patch", &[BASE, T("v1.2.3"), C("fix(db): reconnect")], Some("v1.2.4")),
        case("1.x feat! bumps major", &[BASE, T("v1.2.3"), C("feat(api)!: drop v1")], Some("v2.0.0")),
        case(
            "1.x BREAKING CHANGE footer on a fix",
            &[BASE, T("v1.2.3"), C("fix: tighten\n\nBREAKING CHANGE: stricter parsing")],
            Some("v2.0.0"),
        ),
        case(
            "1.x BREAKING-CHANGE footer",
            &[BASE, T("v1.2.3"), C("refactor: move\n\nBREAKING-CHANGE: module renamed")],
            Some("v2.0.0"),
        ),
        case("non-conventional commit bumps patch", &[BASE, T("v1.2.3"), C("Update stuff")], Some("v1.2.4")),
        case(
            "docs only bumps patch",
            &[BASE, T("v1.2.3"), C("docs: typo"), C("docs(readme): usage")],
            Some("v1.2.4"),
        ),
        case(
            "mixed takes the highest",
            &[BASE, T("v1.2.3"), C("docs: x"), C("feat: y"), C("fix: z")],
            Some("v1.3.0"),
        ),
        case("no commits since the tag", &[BASE, T("v1.2.3")], None),
        case(
            "only a release commit",
            &[BASE, C("chore(release): v1.2.3"), T("v1.2.3"), C("chore(release): v1.2.4")],
            None,
        ),
        case(
            "other chore(release) commits count",
            &[BASE, T("v1.2.3"), C("chore(release): sign the tarballs")],
            Some("v1.2.4"),
        ),
        case("first release without a tag", &[BASE, C("feat: start")], Some("v0.1.0")),
        case(
            "latest of several tags",
            &[BASE, T("v1.0.0"), C("fix: a"), T("v1.0.1"), C("feat: b")],
            Some("v1.1.0"),
        ),
        Case {
            opts: |o| o.pre = Some("rc".into()),
            ..case("rc continues", &[BASE, T("v1.0.0-rc.1"), C("feat!: more")], Some("v1.0.0-rc.2"))
        },
        // next_version 0.3.5 (src/lib.rs): "Pre-release versions are incremented in the same way,
        // independently by the type of commits": `1.0.0-rc.1` + `feat!` → `1.0.0-rc.2`.
        case("rc continues by default", &[BASE, T("v1.0.0-rc.1"), C("feat!: more")], Some("v1.0.0-rc.2")),
        case(
            "pre-release of a pre-release",
            &[BASE, T("v1.0.0-alpha.1.2"), C("fix: z")],
            Some("v1.0.0-alpha.1.3"),
        ),
        Case {
            opts: |o| o.finalize = true,
            ..case("--final finalises", &[BASE, T("v1.0.0-rc.2"), C("fix: last")], Some("v1.0.0"))
        },
        Case {
            opts: |o| o.finalize = true,
            ..case("--final without new commits", &[BASE, C("fix: a"), T("v1.0.0-rc.2")], Some("v1.0.0"))
        },
        Case {
            opts: |o| o.version = Some("1.0.0".into()),
            ..case(
                "--version finalises without commits",
                &[BASE, C("fix: a"), T("v1.0.0-rc.2")],
                Some("v1.0.0"),
            )
        },
        Case {
            opts: |o| o.pre = Some("rc".into()),
            ..case(
                "beta to rc without commits",
                &[BASE, C("fix: a"), T("v2.0.0-beta.2")],
                Some("v2.0.0-rc.1"),
            )
        },
        Case {
            opts: |o| o.pre = Some("rc".into()),
            ..case("rc starts", &[BASE, T("v1.2.3"), C("feat: x")], Some("v1.3.0-rc.1"))
        },
        Case {
            opts: |o| o.pre = Some("rc".into()),
            ..case("beta to rc", &[BASE, T("v2.0.0-beta.2"), C("fix: y")], Some("v2.0.0-rc.1"))
        },
        Case {
            opts: |o| o.pre = Some("beta".into()),
            ..case("beta continues", &[BASE, T("v2.0.0-beta.2"), C("fix: y")], Some("v2.0.0-beta.3"))
        },
        Case {
            cfg: |c| c.features_always_bump_minor = true,
            ..case("switch: features minor at 0.x", &[BASE, T("v0.3.1"), C("feat: x")], Some("v0.4.0"))
        },
        Case {
            cfg: |c| c.breaking_always_bump_major = true,
            ..case("switch: breaking major at 0.x", &[BASE, T("v0.3.1"), C("feat!: x")], Some("v1.0.0"))
        },
        Case {
            cfg: |c| {
                c.features_always_bump_minor = true;
                c.breaking_always_bump_major = true;
            },
            ..case("both switches at 0.0.x", &[BASE, T("v0.0.3"), C("fix!: x")], Some("v1.0.0"))
        },
        Case {
            cfg: |c| c.features_always_bump_minor = true,
            ..case("switch leaves 1.x alone", &[BASE, T("v1.1.0"), C("fix: x")], Some("v1.1.1"))
        },
        Case {
            cfg: |c| c.tag_pattern = Some("{version}".into()),
            ..case("bare version tags", &[BASE, T("1.4.0"), C("feat: x")], Some("1.5.0"))
        },
        Case {
            cfg: |c| c.tag_pattern = Some("release-{version}".into()),
            ..case(
                "prefix ignores other tags",
                &[BASE, T("release-1.0.0"), C("fix: a"), T("v9.9.9"), C("fix: b")],
                Some("release-1.0.1"),
            )
        },
        Case {
            cfg: |c| {
                c.tag_pattern = Some("{package}-v{version}".into());
                c.package = Some("api".into());
            },
            ..case(
                "monorepo api",
                &[BASE, T("api-v1.2.0"), T("web-v0.3.0"), C("feat(api): x")],
                Some("api-v1.3.0"),
            )
        },
        Case {
            cfg: |c| c.tag_pattern = Some("{package}-v{version}".into()),
            opts: |o| o.package = Some("web".into()),
            ..case(
                "monorepo web",
                &[BASE, T("web-v0.3.0"), C("fix: a"), T("api-v1.2.0"), C("feat: b")],
                Some("web-v0.3.1"),
            )
        },
        Case {
            cfg: |c| {
                c.tag_pattern = Some("{package}-v{version}".into());
                c.package = Some("api".into());
                c.paths = vec!["api".into()];
            },
            ..case(
                "monorepo paths: only the package's commits",
                &[BASE, T("api-v1.0.0"), F("web/x.rs", "feat: web thing"), F("api/y.rs", "fix: api thing")],
                Some("api-v1.0.1"),
            )
        },
        Case {
            cfg: |c| c.paths = vec!["api".into()],
            ..case("paths: nothing under them", &[BASE, T("v1.0.0"), F("web/x.rs", "feat: web thing")], None)
        },
        Case {
            opts: |o| o.version = Some("3.0.0".into()),
            ..case("explicit version", &[BASE, T("v1.2.3"), C("fix: x")], Some("v3.0.0"))
        },
        Case {
            opts: |o| o.level = Some(Level::Minor),
            ..case("level override", &[BASE, T("v1.2.3"), C("fix: x")], Some("v1.3.0"))
        },
        Case {
            opts: |o| o.hotfix = true,
            ..case("hotfix is a patch", &[BASE, T("v1.2.3"), C("feat: x")], Some("v1.2.4"))
        },
    ]
}

#[test]
fn next_version_table() {
    let cases = cases();
    assert!(cases.len() >= 25);
    let mut failures = Vec::new();
    for c in &cases {
        let repo = TempRepo::with(c.ops);
        let mut cfg = ReleaseConfig::default();
        (c.cfg)(&mut cfg);
        let mut opts = PlanOptions::default();
        (c.opts)(&mut opts);
        let p = plan(&repo.repo, &cfg, &opts, Micros(1_700_000_000_000_000)).unwrap();
        if p.next_tag.as_deref() != c.expect {
            failures
                .push(format!("{}: expected {:?}, got {:?} ({})", c.name, c.expect, p.next_tag, p.reason));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn plan_names_the_drivers_and_the_reason() {
    let repo = TempRepo::with(&[BASE, T("v1.2.3"), C("docs: x"), C("feat(ui): dark mode"), C("fix: y")]);
    let p = plan(&repo.repo, &ReleaseConfig::default(), &PlanOptions::default(), Micros(0)).unwrap();
    assert_eq!(p.current.as_ref().map(|c| c.tag.as_str()), Some("v1.2.3"));
    assert_eq!(p.drivers.len(), 1);
    assert_eq!(p.drivers[0].summary, "feat(ui): dark mode");
    assert_eq!(p.reason, "minor bump from 1.2.3: 1 feature(s)");
    assert_eq!(p.commits.len(), 3);
    assert_eq!(p.date, "1970-01-01");
    let titles: Vec<&str> = p.groups.iter().map(|g| g.title.as_str()).collect();
    assert_eq!(titles, ["Added", "Fixed", "Documentation"]);
    assert!(p.changelog.starts_with("## [1.3.0] - 1970-01-01\n"), "{}", p.changelog);
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["next"], "1.3.0");
    assert_eq!(json["level"], "minor");
}

#[test]
fn cargo_rules_reason_before_1_0() {
    let repo = TempRepo::with(&[BASE, T("v0.3.1"), C("feat!: x")]);
    let p = plan(&repo.repo, &ReleaseConfig::default(), &PlanOptions::default(), Micros(0)).unwrap();
    assert_eq!(
        p.reason,
        "minor bump from 0.3.1: 1 breaking change(s) (before 1.0 a breaking change bumps the minor)"
    );
}

#[test]
fn explicit_version_below_current_is_refused() {
    let repo = TempRepo::with(&[BASE, T("v1.2.3"), C("fix: x")]);
    let opts = PlanOptions { version: Some("1.0.0".into()), ..PlanOptions::default() };
    let e = plan(&repo.repo, &ReleaseConfig::default(), &opts, Micros(0)).unwrap_err();
    assert!(e.to_string().contains("not above the current version 1.2.3"), "{e}");
}

#[test]
fn finalising_a_pre_release_logs_everything_since_the_last_stable_release() {
    let repo = TempRepo::with(&[BASE, T("v1.2.3"), C("feat: big"), T("v1.3.0-rc.1"), C("fix: polish")]);
    let opts = PlanOptions { finalize: true, ..PlanOptions::default() };
    let p = plan(&repo.repo, &ReleaseConfig::default(), &opts, Micros(0)).unwrap();
    assert_eq!(p.next_tag.as_deref(), Some("v1.3.0"));
    assert_eq!(p.commits.len(), 1, "the commits since the rc");
    assert!(p.changelog.contains("- big (") && p.changelog.contains("- polish ("), "{}", p.changelog);
}

#[test]
fn pre_release_refuses_to_go_backwards_and_final_needs_a_pre_release() {
    let repo = TempRepo::with(&[BASE, T("v1.0.0-rc.1"), C("fix: x")]);
    let opts = PlanOptions { pre: Some("beta".into()), ..PlanOptions::default() };
    let e = plan(&repo.repo, &ReleaseConfig::default(), &opts, Micros(0)).unwrap_err();
    assert!(matches!(e, crate::release::ReleaseError::Refused(_)), "{e}");
    assert!(e.to_string().contains("--pre beta would go backwards from 1.0.0-rc.1"), "{e}");
    let repo = TempRepo::with(&[BASE, T("v1.0.0"), C("fix: x")]);
    let opts = PlanOptions { finalize: true, ..PlanOptions::default() };
    let e = plan(&repo.repo, &ReleaseConfig::default(), &opts, Micros(0)).unwrap_err();
    assert!(e.to_string().contains("1.0.0 is not a pre-release"), "{e}");
}

#[test]
fn unmatched_version_tags_stop_the_plan_with_a_hint() {
    let repo = TempRepo::with(&[BASE, T("release-2.4.0"), C("fix: a"), T("release-2.4.1"), C("fix: b")]);
    let e = plan(&repo.repo, &ReleaseConfig::default(), &PlanOptions::default(), Micros(0)).unwrap_err();
    assert!(matches!(e, crate::release::ReleaseError::Refused(_)), "{e}");
    assert!(e.to_string().contains("the highest release-2.4.1"), "{e}");
    let cfg = ReleaseConfig { tag_pattern: Some("v{version}".into()), ..ReleaseConfig::default() };
    let e = plan(&repo.repo, &cfg, &PlanOptions::default(), Micros(0)).unwrap_err();
    assert!(e.to_string().contains("configured tag pattern \"v{version}\""), "{e}");
    assert!(e.to_string().contains("tag_pattern = \"release-{version}\""), "{e}");
}
