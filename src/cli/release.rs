//! `release` arguments: next version, changelog, tags, hotfixes.

use clap::{Args, Subcommand};

/// `release`: version from commits, changelog, tags, hotfixes.
#[derive(Debug, Subcommand)]
pub enum ReleaseCommand {
    /// The next version: current version and tag, next version, the reason and the commits.
    Plan(ReleasePlanArgs),
    /// The changelog section of the next release (preview), or prepend it to the changelog file.
    Changelog(ReleaseChangelogArgs),
    /// Write the next version into the version files and the changelog, and commit them.
    Bump(ReleaseBumpArgs),
    /// Tag HEAD with the next version (annotated, carrying its changelog section) and push.
    Tag(ReleaseTagArgs),
    /// The hotfix flow: branch from the production tag, check the fix, finish, merge back.
    #[command(subcommand)]
    Hotfix(HotfixCommand),
    /// Record that a run remediates a deployment (or an earlier run), for DORA.
    Link(ReleaseLinkArgs),
}

/// What decides the next version (shared by the release commands).
#[derive(Debug, Args, Clone, Default)]
pub struct ReleaseVersionArgs {
    /// An explicit next version (overrides the commits).
    #[arg(long = "version", value_name = "X.Y.Z")]
    pub version: Option<String>,
    /// Force a level: major, minor or patch.
    #[arg(long)]
    pub level: Option<String>,
    /// Make or continue a pre-release with this identifier (rc, beta, alpha).
    #[arg(long, value_name = "ID")]
    pub pre: Option<String>,
    /// The package, for `{package}` in the tag pattern.
    #[arg(long)]
    pub package: Option<String>,
    /// A hotfix release: patch from the release tag below HEAD, marked in the changelog.
    #[arg(long)]
    pub hotfix: bool,
    /// Finalise the current pre-release (1.0.0-rc.2 -> 1.0.0), with or without new commits.
    #[arg(long = "final", conflicts_with_all = ["version", "pre", "level"])]
    pub finalize: bool,
}

/// `release plan`.
#[derive(Debug, Args)]
pub struct ReleasePlanArgs {
    /// What decides the version.
    #[command(flatten)]
    pub v: ReleaseVersionArgs,
    /// Print JSON (the release view-model) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `release changelog`.
#[derive(Debug, Args)]
pub struct ReleaseChangelogArgs {
    /// What decides the version.
    #[command(flatten)]
    pub v: ReleaseVersionArgs,
    /// Prepend the section to the changelog file instead of printing it.
    #[arg(long)]
    pub write: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `release bump`.
#[derive(Debug, Args)]
pub struct ReleaseBumpArgs {
    /// What decides the version.
    #[command(flatten)]
    pub v: ReleaseVersionArgs,
    /// Say what would change; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Write the files but do not commit them.
    #[arg(long)]
    pub no_commit: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `release tag`.
#[derive(Debug, Args)]
pub struct ReleaseTagArgs {
    /// What decides the version.
    #[command(flatten)]
    pub v: ReleaseVersionArgs,
    /// Push the branch and the tag with `git push`.
    #[arg(long)]
    pub push: bool,
    /// Check and show the tag message; create nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `release hotfix ...`.
#[derive(Debug, Subcommand)]
pub enum HotfixCommand {
    /// Create and check out `hotfix/<version>` from the production tag.
    Start {
        /// The production tag (default: the highest stable release tag).
        #[arg(long, value_name = "TAG")]
        from: Option<String>,
        /// Say what would happen; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Check the hotfix branch holds a fix (refuses with exit 8 on an empty diff).
    Check,
    /// Bump the patch from the production tag, write the changelog, commit, tag (and push).
    Finish {
        /// Push the branch and the tag.
        #[arg(long)]
        push: bool,
        /// Say what would happen; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Merge the hotfix branch back into the main branch (cherry-pick the fix if the merge conflicts).
    Merge {
        /// The hotfix branch (default: the checked-out one).
        #[arg(long)]
        branch: Option<String>,
        /// Push the main branch afterwards.
        #[arg(long)]
        push: bool,
        /// Say what would happen; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// `release link`.
#[derive(Debug, Args)]
pub struct ReleaseLinkArgs {
    /// The run doing the remediation (usually `{{ run.id }}`).
    pub run: String,
    /// The deployment (or run) it remediates.
    #[arg(long)]
    pub remediates: String,
}
