//! `release plan` and `release changelog` for an operator who cannot open the project's repository
//! (git refuses a repository another user owns) nor read the store (a shared bastion): the runner,
//! which serves the same project, makes the plan and sends it; both paths print the same.

use super::{Project, make_plan};
use crate::cli::ReleaseVersionArgs;
use crate::error::Error;
use crate::headless::history::History;
use crate::release::ReleasePlan;
use crate::runner::query::Query;

/// The plan from the repository, or from the runner when this user cannot open the repository and
/// is a client-only user (the store is unreadable and the runner's socket exists).
pub(super) async fn plan(ctx: &Project, v: &ReleaseVersionArgs) -> Result<ReleasePlan, Error> {
    let local_error = match make_plan(ctx, v) {
        Ok(p) => return Ok(p),
        Err(e) => e,
    };
    let Ok(mut history @ History::Runner(_)) = History::open(ctx, "release").await else {
        return Err(local_error);
    };
    let keep = |s: &Option<String>| s.clone().filter(|x| !x.is_empty());
    let query = Query::ReleasePlan {
        package: keep(&v.package),
        version: keep(&v.version),
        level: keep(&v.level).filter(|l| l != "auto"),
        pre: keep(&v.pre),
        hotfix: v.hotfix,
        finalize: v.finalize,
        now: crate::time::now(),
    };
    history.release_plan(query).await
}
