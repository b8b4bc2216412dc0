//! Bootstrapping a ledger from an existing repository's release tags: each tag matching a pattern is
//! a successful production deployment of its commit at its tag time (the tagger's time for an
//! annotated tag, else the commit's committer time). Tags of a tree or a blob are skipped.

use git2::{ObjectType, Repository};

use super::DoraError;
use crate::store::records::DeploymentRecord;
use crate::time::Micros;

/// The deployments the tags matching `pattern` (a glob like `v*`) stand for, oldest first.
pub fn deployments_from_tags(
    repo: &Repository,
    pattern: &str,
    service: &str,
    environment: &str,
) -> Result<Vec<DeploymentRecord>, DoraError> {
    let names = repo.tag_names(Some(pattern)).map_err(DoraError::git(format!("listing tags {pattern}")))?;
    let mut out = Vec::new();
    for name in names.iter().filter_map(|n| n.ok().flatten()) {
        let obj = repo
            .revparse_single(&format!("refs/tags/{name}"))
            .map_err(DoraError::git(format!("reading tag {name}")))?;
        // A tag of a tree or a blob (Linux's `v2.6.11-tree`) deployed nothing: skip it.
        let Ok(commit) = obj.peel_to_commit() else { continue };
        let (secs, actor) = match obj.as_tag().filter(|_| obj.kind() == Some(ObjectType::Tag)) {
            Some(tag) => match tag.tagger() {
                Some(sig) => (sig.when().seconds(), sig.name().ok().map(str::to_string)),
                None => (commit.committer().when().seconds(), None),
            },
            None => (commit.committer().when().seconds(), commit.committer().name().ok().map(str::to_string)),
        };
        let at = Micros(secs.saturating_mul(1_000_000));
        out.push(DeploymentRecord {
            id: format!("tag:{name}"),
            service: service.to_string(),
            environment: environment.to_string(),
            production: true,
            sha: Some(commit.id().to_string()),
            version: Some(name.to_string()),
            kind: "normal".into(),
            status: "succeeded".into(),
            started_at: at,
            finished_at: at,
            run: None,
            remediates: None,
            actor,
            digest: None,
        });
    }
    out.sort_by(|a, b| (a.finished_at, &a.id).cmp(&(b.finished_at, &b.id)));
    Ok(out)
}
