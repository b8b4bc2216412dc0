//! `flightdeck release ...`: the release library printed as text or JSON. When run as a workflow
//! step (`$FLIGHTDECK_OUTPUT` set), each command also writes its results as step outputs
//! (`version`, `tag`, `previous`, `branch`, ...).

use std::io::Write as _;

use serde::Serialize;

use super::Project;
use crate::cli::{ReleaseCommand, ReleaseVersionArgs};
use crate::error::{Error, exit};
use crate::release::plan::{self, PlanOptions};
use crate::release::{ReleaseError, ReleasePlan, cut};

mod hotfix;
mod remote;

/// Runs one `release` subcommand.
pub async fn dispatch(ctx: &Project, command: ReleaseCommand) -> Result<i32, Error> {
    match command {
        ReleaseCommand::Plan(a) => {
            let p = remote::plan(ctx, &a.v).await?;
            plan_outputs(&p)?;
            if a.json {
                print_json(&p);
            } else {
                print_plan(&p);
            }
            Ok(exit::OK)
        }
        ReleaseCommand::Changelog(a) => {
            // Writing the changelog needs the repository; reading it may come from the runner.
            let p = if a.write { make_plan(ctx, &a.v)? } else { remote::plan(ctx, &a.v).await? };
            changelog(ctx, p, a.write, a.json)
        }
        ReleaseCommand::Bump(a) => bump(ctx, &a.v, !a.no_commit, a.dry_run, a.json),
        ReleaseCommand::Tag(a) => tag(ctx, &a.v, a.push, a.dry_run, a.json),
        ReleaseCommand::Hotfix(c) => hotfix::dispatch(ctx, c),
        ReleaseCommand::Link(a) => {
            let store = ctx.store()?;
            store.link_runs(&a.run, "remediates", &a.remediates).await?;
            crate::outln!("run {} remediates {}", a.run, a.remediates);
            Ok(exit::OK)
        }
    }
}

/// Maps a release error to the command's error (refusals exit 8, bad input 2).
pub(super) fn err(e: ReleaseError) -> Error {
    match e {
        ReleaseError::Refused(m) => Error::Precondition(m),
        ReleaseError::Invalid(m) => Error::Invalid(m),
        other => Error::io("release", std::io::Error::other(other.to_string())),
    }
}

fn options(v: &ReleaseVersionArgs) -> Result<PlanOptions, Error> {
    let level = v
        .level
        .as_deref()
        .filter(|l| !l.is_empty() && *l != "auto")
        .map(str::parse)
        .transpose()
        .map_err(err)?;
    Ok(PlanOptions {
        package: v.package.clone().filter(|p| !p.is_empty()),
        version: v.version.clone().filter(|p| !p.is_empty()),
        level,
        pre: v.pre.clone().filter(|p| !p.is_empty()),
        hotfix: v.hotfix,
        finalize: v.finalize,
    })
}

/// The plan for the project's repository now.
pub(super) fn make_plan(ctx: &Project, v: &ReleaseVersionArgs) -> Result<ReleasePlan, Error> {
    let repo = plan::open(&ctx.paths.project_dir).map_err(err)?;
    plan::plan(&repo, &ctx.config.release, &options(v)?, crate::time::now()).map_err(err)
}

fn changelog(ctx: &Project, p: ReleasePlan, write: bool, json: bool) -> Result<i32, Error> {
    if p.next.is_none() {
        return Err(Error::Precondition(format!("nothing to release: {}", p.reason)));
    }
    let path = ctx.paths.project_dir.join(&ctx.config.release.changelog);
    if write {
        let existing = std::fs::read_to_string(&path).ok();
        let (version, tag) = (
            p.next.as_ref().map(ToString::to_string).unwrap_or_default(),
            p.next_tag.clone().unwrap_or_default(),
        );
        let text =
            crate::release::changelog::write_section(existing.as_deref(), &p.changelog, &version, &tag);
        std::fs::write(&path, text).map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        outputs(&[("changelog", &path.display().to_string())])?;
    }
    if json {
        print_json(
            &serde_json::json!({ "version": p.next, "tag": p.next_tag, "written": write, "path": path, "section": p.changelog }),
        );
    } else if write {
        crate::outln!("wrote the {} section to {}", p.next_tag.unwrap_or_default(), path.display());
    } else {
        crate::out!("{}", p.changelog);
    }
    Ok(exit::OK)
}

fn bump(
    ctx: &Project,
    v: &ReleaseVersionArgs,
    commit: bool,
    dry_run: bool,
    json: bool,
) -> Result<i32, Error> {
    let p = make_plan(ctx, v)?;
    let dir = &ctx.paths.project_dir;
    let repo = plan::open(dir).map_err(err)?;
    let applied = cut::apply(&repo, dir, &ctx.config.release, &p, commit, dry_run).map_err(err)?;
    plan_outputs(&p)?;
    if json {
        print_json(&applied);
        return Ok(exit::OK);
    }
    let verb = if dry_run { "would write" } else { "wrote" };
    for w in &applied.files {
        match &w.old {
            Some(old) => crate::outln!("{verb} {} in {} (was {old})", applied.version, w.path.display()),
            None if w.path == applied.changelog => {
                crate::outln!("{verb} the changelog section to {}", w.path.display());
            }
            None => crate::outln!("{verb} {} (lock file entries follow the version)", w.path.display()),
        }
    }
    if let Some(c) = &applied.commit {
        crate::outln!("committed {c}: chore(release): {}", p.next_tag.as_deref().unwrap_or_default());
    }
    Ok(exit::OK)
}

fn tag(ctx: &Project, v: &ReleaseVersionArgs, push: bool, dry_run: bool, json: bool) -> Result<i32, Error> {
    let mut p = make_plan(ctx, v)?;
    let dir = &ctx.paths.project_dir;
    let repo = plan::open(dir).map_err(err)?;
    let asked = v.version.is_some() || v.level.is_some() || v.pre.is_some() || v.finalize;
    if !asked
        && let Some((version, tag)) =
            cut::committed_release(&repo, dir, &ctx.config.release, &p).map_err(err)?
    {
        p.next = Some(version);
        p.next_tag = Some(tag);
    }
    let (Some(version), Some(tag_name)) = (&p.next, &p.next_tag) else {
        return Err(Error::Precondition(format!("nothing to release: {}", p.reason)));
    };
    let version = version.to_string();
    let flags = (push, dry_run);
    let t = cut::tag_release(&repo, dir, &ctx.config.release, (&version, tag_name), &p.changelog, flags)
        .map_err(err)?;
    plan_outputs(&p)?;
    if json {
        print_json(&t);
    } else if dry_run {
        crate::outln!(
            "would tag HEAD as {}{}; message:\n{}",
            t.tag,
            if push { " and push" } else { "" },
            t.message
        );
    } else {
        let how = if t.signed { "signed" } else { "annotated" };
        crate::outln!("tagged HEAD as {} ({how}){}", t.tag, if t.pushed { ", pushed" } else { "" });
    }
    Ok(exit::OK)
}

fn print_plan(p: &ReleasePlan) {
    match &p.current {
        Some(c) => crate::outln!("current  {} ({}) at {}", c.tag, c.version, &c.sha[..c.sha.len().min(7)]),
        None => crate::outln!("current  none (no release tag yet)"),
    }
    match &p.next_tag {
        Some(t) => crate::outln!("next     {t}  {}", p.reason),
        None => crate::outln!("next     nothing to release: {}", p.reason),
    }
    for d in &p.drivers {
        crate::outln!("driver   {} {}", d.short, d.summary);
    }
    crate::outln!("commits  {}", p.commits.len());
    if !p.changelog.is_empty() {
        crate::outln!();
        crate::out!("{}", p.changelog);
    }
}

pub(super) fn print_json<T: Serialize>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(s) => crate::outln!("{s}"),
        Err(e) => crate::errln!("cannot print JSON: {e}"),
    }
}

fn plan_outputs(p: &ReleasePlan) -> Result<(), Error> {
    let version = p.next.as_ref().map(ToString::to_string).unwrap_or_default();
    let previous = p.current.as_ref().map(|c| c.tag.clone()).unwrap_or_default();
    let tag = p.next_tag.clone().unwrap_or_default();
    outputs(&[("version", &version), ("tag", &tag), ("previous", &previous), ("reason", &p.reason)])
}

/// Appends `key=value` lines to `$FLIGHTDECK_OUTPUT` when it is set (inside a workflow step).
pub(super) fn outputs(pairs: &[(&str, &str)]) -> Result<(), Error> {
    let Some(path) = std::env::var_os("FLIGHTDECK_OUTPUT") else { return Ok(()) };
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .map_err(|e| Error::io("opening $FLIGHTDECK_OUTPUT", e))?;
    for (k, v) in pairs {
        let v = v.replace('\n', " ");
        writeln!(f, "{k}={v}").map_err(|e| Error::io("writing $FLIGHTDECK_OUTPUT", e))?;
    }
    Ok(())
}
