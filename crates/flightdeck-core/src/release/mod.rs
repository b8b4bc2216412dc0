//! Release management: Conventional Commits to the next version, version files, the Keep a
//! Changelog file, annotated (or signed) tags, pushes, and the hotfix flow.
//!
//! Everything here is a library function over a git repository (git2 reads history and creates
//! annotated tags; pushes, signed tags and commits go through the `git` command so the user's
//! credentials, SSH agent and signing keys apply). The console's release screen and the headless
//! `flightdeck release ...` commands both draw from [`ReleasePlan`], the serializable view-model.

pub mod bump;
pub mod changelog;
pub mod commits;
pub mod cut;
pub mod detect;
pub mod files;
pub mod gitcmd;
pub mod history;
pub mod hotfix;
pub mod jsmembers;
pub mod jsonspan;
pub mod memberdeps;
pub mod pattern;
pub mod plan;
pub mod tag;
pub mod writes;

pub use bump::{Bump, BumpRequest, BumpRules, Level};
pub use changelog::{ChangelogGroup, Links};
pub use commits::{Group, ReleaseCommit};
pub use history::TaggedVersion;
pub use pattern::TagPattern;
pub use plan::{PlanOptions, ReleasePlan, ReleaseView};

/// Why a release operation stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// A git2 call failed.
    #[error("{context}: {source}")]
    Git {
        /// What was being done.
        context: String,
        /// The cause.
        source: git2::Error,
    },
    /// A precondition refused: dirty tree, existing tag, branch behind upstream, empty fix.
    #[error("{0}")]
    Refused(String),
    /// Bad input: a version, a level, a tag pattern, a version file.
    #[error("{0}")]
    Invalid(String),
    /// Reading or writing a file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A `git` command failed.
    #[error("`{command}` failed: {message}")]
    Command {
        /// The command line.
        command: String,
        /// Its stderr (or why it could not start).
        message: String,
    },
}

impl ReleaseError {
    /// Wraps a git2 error with what was being done.
    pub fn git(context: impl Into<String>) -> impl FnOnce(git2::Error) -> ReleaseError {
        let context = context.into();
        move |source| ReleaseError::Git { context, source }
    }

    /// Wraps an I/O error with what was being done.
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ReleaseError {
        let context = context.into();
        move |source| ReleaseError::Io { context, source }
    }
}

#[cfg(test)]
mod tests;
