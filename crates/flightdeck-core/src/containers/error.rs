//! Errors of the container commands: each names the file, value or tool and says what to do.

use std::path::PathBuf;

use crate::error::Error;

/// What went wrong building, scanning or pushing an image.
#[derive(Debug, thiserror::Error)]
pub enum ContainerError {
    /// No Containerfile where one was expected.
    #[error(
        "no Containerfile at {}: write one there or pass --file PATH (a Dockerfile is accepted too)",
        path.display()
    )]
    MissingContainerfile {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// A flag's value is not acceptable.
    #[error("{what} {value:?} is not valid: {hint}")]
    BadValue {
        /// Which flag or field.
        what: &'static str,
        /// The value given.
        value: String,
        /// What a valid one looks like.
        hint: &'static str,
    },
    /// A tool is not installed.
    #[error("{tool} is not installed or not runnable ({source}): {hint}")]
    ToolMissing {
        /// The program.
        tool: String,
        /// Where to get it.
        hint: &'static str,
        /// The cause.
        source: std::io::Error,
    },
    /// A tool ran and failed.
    #[error("{what} failed (exit {code}): {stderr}")]
    ToolFailed {
        /// What was being done (`buildah push to 127.0.0.1:5000/web:1.0.0`).
        what: String,
        /// Its exit code (-1 if killed).
        code: i32,
        /// The last lines of its error output.
        stderr: String,
    },
    /// A report, SBOM or advisory file is not what it should be.
    #[error("{}:{line}:{column}: {message}", path.display())]
    BadFile {
        /// The file.
        path: PathBuf,
        /// Line (1-based; 0 when unknown).
        line: usize,
        /// Column (1-based; 0 when unknown).
        column: usize,
        /// What is wrong and what was expected.
        message: String,
    },
    /// The registry (or the way to it) refused a push: a step failure (exit 3), not a bug.
    #[error(
        "push of {reference} refused: {message} (check the registry address, the repository name and its credentials)"
    )]
    PushRefused {
        /// `REGISTRY/IMAGE:TAG`.
        reference: String,
        /// The builder's report of the registry's answer (sanitized, last lines).
        message: String,
    },
    /// The registry answered unexpectedly.
    #[error("registry {registry}: {message}")]
    Registry {
        /// `HOST:PORT`.
        registry: String,
        /// What happened.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
}

impl ContainerError {
    /// An I/O error with context.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> ContainerError {
        ContainerError::Io { context: context.into(), source }
    }

    /// A malformed file, with the position `serde_json` reported.
    pub fn json(path: &std::path::Path, e: &serde_json::Error, expected: &str) -> ContainerError {
        ContainerError::BadFile {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: format!("{e}: expected {expected}"),
        }
    }
}

impl From<ContainerError> for Error {
    fn from(e: ContainerError) -> Error {
        match e {
            ContainerError::MissingContainerfile { .. }
            | ContainerError::BadValue { .. }
            | ContainerError::BadFile { .. } => Error::Invalid(e.to_string()),
            ContainerError::ToolMissing { .. } => Error::Precondition(e.to_string()),
            ContainerError::ToolFailed { .. }
            | ContainerError::PushRefused { .. }
            | ContainerError::Registry { .. }
            | ContainerError::Io { .. } => Error::Internal(e.to_string()),
        }
    }
}
