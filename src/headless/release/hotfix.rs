//! `flightdeck release hotfix start | check | finish | merge`.

use crate::cli::{HotfixCommand, ReleaseVersionArgs};
use crate::error::{Error, exit};
use crate::headless::Project;
use crate::release::plan::{self, pattern};
use crate::release::{cut, history, hotfix};

use super::{err, make_plan, outputs};

/// Runs one `release hotfix` subcommand.
pub fn dispatch(ctx: &Project, command: HotfixCommand) -> Result<i32, Error> {
    match command {
        HotfixCommand::Start { from, dry_run } => {
            start(ctx, from.as_deref().filter(|f| !f.is_empty()), dry_run)
        }
        HotfixCommand::Check => check(ctx),
        HotfixCommand::Finish { push, dry_run } => finish(ctx, push, dry_run),
        HotfixCommand::Merge { branch, push, dry_run } => merge(ctx, branch, push, dry_run),
    }
}

fn start(ctx: &Project, from: Option<&str>, dry_run: bool) -> Result<i32, Error> {
    let dir = &ctx.paths.project_dir;
    let repo = plan::open(dir).map_err(err)?;
    let pat = pattern(&repo, &ctx.config.release, None).map_err(err)?;
    let h = hotfix::prepare(&repo, &pat, from).map_err(err)?;
    if !dry_run {
        hotfix::start(&repo, dir, &h).map_err(err)?;
    }
    outputs(&[
        ("branch", &h.branch),
        ("version", &h.version),
        ("base", &h.base.tag),
        ("base_sha", &h.base.sha),
    ])?;
    let verb = if dry_run { "would create" } else { "created" };
    crate::outln!(
        "{verb} {} from {} ({}); commit the fix there",
        h.branch,
        h.base.tag,
        &h.base.sha[..7.min(h.base.sha.len())]
    );
    Ok(exit::OK)
}

fn check(ctx: &Project) -> Result<i32, Error> {
    let repo = plan::open(&ctx.paths.project_dir).map_err(err)?;
    let pat = pattern(&repo, &ctx.config.release, None).map_err(err)?;
    let (base, commits) = hotfix::check(&repo, &pat).map_err(err)?;
    crate::outln!("{} fix commit(s) on top of {}:", commits.len(), base.tag);
    for c in &commits {
        crate::outln!("  {} {}", c.short, c.summary);
    }
    outputs(&[("base", &base.tag), ("fixes", &commits.len().to_string())])?;
    Ok(exit::OK)
}

fn finish(ctx: &Project, push: bool, dry_run: bool) -> Result<i32, Error> {
    let dir = &ctx.paths.project_dir;
    let cfg = &ctx.config.release;
    let repo = plan::open(dir).map_err(err)?;
    let pat = pattern(&repo, cfg, None).map_err(err)?;
    let on_hotfix = history::current_branch(&repo).is_some_and(|b| b.starts_with("hotfix/"));
    if dry_run && !on_hotfix {
        crate::outln!(
            "would bump the patch of the production tag on the hotfix branch, write the changelog, commit and tag"
        );
        return Ok(exit::OK);
    }
    hotfix::check(&repo, &pat).map_err(err)?;
    let v = ReleaseVersionArgs { hotfix: true, ..ReleaseVersionArgs::default() };
    let p = make_plan(ctx, &v)?;
    let applied = cut::apply(&repo, dir, cfg, &p, true, dry_run).map_err(err)?;
    let (Some(tag_name), true) = (p.next_tag.clone(), !dry_run) else {
        crate::outln!("would release {} on {}", p.next_tag.unwrap_or_default(), p.branch.unwrap_or_default());
        return Ok(exit::OK);
    };
    let t = cut::tag_release(&repo, dir, cfg, (&applied.version, &tag_name), &p.changelog, (push, false))
        .map_err(err)?;
    let sha = history::resolve(&repo, "HEAD").map_err(err)?.to_string();
    outputs(&[
        ("version", &applied.version),
        ("tag", &t.tag),
        ("sha", &sha),
        ("previous", &p.current.map(|c| c.tag).unwrap_or_default()),
    ])?;
    crate::outln!("released hotfix {}{}", t.tag, if t.pushed { ", pushed" } else { "" });
    Ok(exit::OK)
}

fn merge(ctx: &Project, branch: Option<String>, push: bool, dry_run: bool) -> Result<i32, Error> {
    let dir = &ctx.paths.project_dir;
    let cfg = &ctx.config.release;
    let repo = plan::open(dir).map_err(err)?;
    let branch =
        branch.filter(|b| !b.is_empty()).or_else(|| history::current_branch(&repo)).unwrap_or_default();
    if !branch.starts_with("hotfix/") {
        return Err(Error::Invalid(format!("{branch:?} is not a hotfix branch: pass --branch hotfix/X.Y.Z")));
    }
    if dry_run {
        crate::outln!(
            "would merge {branch} into {} (cherry-picking the fix if the merge conflicts)",
            cfg.main_branch
        );
        return Ok(exit::OK);
    }
    let pat = pattern(&repo, cfg, None).map_err(err)?;
    let tip = history::resolve(&repo, &branch).map_err(err)?;
    let base_tip = history::resolve(&repo, &format!("{branch}^")).ok();
    let base = base_tip.and_then(|b| history::latest_reachable(&repo, &pat, b).ok().flatten());
    let since = base.as_ref().and_then(|b| git2::Oid::from_str(&b.sha).ok());
    let fixes = history::commits_since(&repo, tip, since).map_err(err)?;
    crate::release::tag::check_clean(&repo).map_err(err)?;
    let how = hotfix::merge_back(dir, &cfg.main_branch, &branch, &fixes).map_err(err)?;
    if how == hotfix::MergeBack::CherryPicked
        && hotfix::carry_changelog(&repo, dir, &cfg.changelog, &branch).map_err(err)?
    {
        crate::outln!("added the {branch} changelog section to {}", cfg.changelog.display());
    }
    if push {
        crate::release::gitcmd::git(dir, &["push", &cfg.remote, &format!("refs/heads/{}", cfg.main_branch)])
            .map_err(err)?;
    }
    let how = match how {
        hotfix::MergeBack::Merged => "merged",
        hotfix::MergeBack::CherryPicked => "cherry-picked",
    };
    outputs(&[("merge", how)])?;
    crate::outln!("{how} {branch} into {}{}", cfg.main_branch, if push { ", pushed" } else { "" });
    Ok(exit::OK)
}
